"""The demo PKI: chain, key usages, validity and PKCS#12 round trips."""

from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from app.demo.pki import DEMO_PASSPHRASE, build_pki, write_pki

NOW = datetime(2026, 11, 20, 14, 3, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def pki():
    return build_pki(NOW)


def _ku(cert):
    return cert.extensions.get_extension_for_class(x509.KeyUsage)


def _cn(cert):
    return cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value


class TestChain:
    def test_root_is_a_self_signed_ca(self, pki):
        root = pki.root.certificate
        assert _cn(root) == "Second-O DEMO Root CA"
        root.verify_directly_issued_by(root)
        bc = root.extensions.get_extension_for_class(x509.BasicConstraints)
        assert bc.critical and bc.value.ca
        ku = _ku(root)
        assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
        assert not ku.value.digital_signature
        assert root.not_valid_before_utc == NOW - timedelta(days=1)
        assert (root.not_valid_after_utc - root.not_valid_before_utc).days >= 3650

    @pytest.mark.parametrize("attr", ["sender", "reviewer_rsa", "reviewer_ec",
                                      "treating_physician"])
    def test_leaf_is_signed_by_the_root(self, pki, attr):
        leaf = getattr(pki, attr).certificate
        root = pki.root.certificate
        leaf.verify_directly_issued_by(root)
        # And explicitly with the root's public key, independent of the helper above.
        root.public_key().verify(leaf.signature, leaf.tbs_certificate_bytes,
                                 ec.ECDSA(leaf.signature_hash_algorithm))
        aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        assert aki.key_identifier == ski.digest
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert leaf.not_valid_before_utc == NOW - timedelta(days=1)
        assert 1825 <= (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days <= 1827
        assert leaf.not_valid_after_utc < root.not_valid_after_utc
        assert getattr(pki, attr).chain == [root]


@pytest.mark.parametrize("attr, name, key_type, bits, usages", [
    ("sender", "DEMO Sending Hospital", rsa.RSAPrivateKey, 2048,
     {"digital_signature", "content_commitment"}),
    ("reviewer_rsa", "Dr. Test Reviewer (DEMO)", rsa.RSAPrivateKey, 3072,
     {"digital_signature", "content_commitment", "key_encipherment"}),
    ("reviewer_ec", "Dr. Test Reviewer EC (DEMO)", ec.EllipticCurvePrivateKey, 256,
     {"digital_signature", "content_commitment", "key_agreement"}),
    ("treating_physician", "Dr. Test Treating (DEMO)", rsa.RSAPrivateKey, 2048,
     {"digital_signature", "key_encipherment"}),
])
def test_identity_keys_and_usages(pki, attr, name, key_type, bits, usages):
    identity = getattr(pki, attr)
    assert identity.name == name == _cn(identity.certificate)
    assert isinstance(identity.private_key, key_type)
    assert identity.private_key.key_size == bits
    ku = _ku(identity.certificate)
    assert ku.critical
    all_flags = ("digital_signature", "content_commitment", "key_encipherment",
                 "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign")
    assert {flag for flag in all_flags if getattr(ku.value, flag)} == usages


def test_sender_may_sign_smime(pki):
    eku = pki.sender.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert x509.ExtendedKeyUsageOID.EMAIL_PROTECTION in eku.value


def test_reviewer_rsa_can_sign_and_decrypt(pki):
    key, public = pki.reviewer_rsa.private_key, pki.reviewer_rsa.certificate.public_key()
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    assert key.decrypt(public.encrypt(b"file key", oaep), oaep) == b"file key"
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH)
    public.verify(key.sign(b"opinion", pss, hashes.SHA256()), b"opinion", pss, hashes.SHA256())


def test_reviewer_ec_can_agree_and_sign(pki):
    key, public = pki.reviewer_ec.private_key, pki.reviewer_ec.certificate.public_key()
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    assert key.exchange(ec.ECDH(), ephemeral.public_key()) == \
        ephemeral.exchange(ec.ECDH(), public)
    public.verify(key.sign(b"opinion", ec.ECDSA(hashes.SHA256())), b"opinion",
                  ec.ECDSA(hashes.SHA256()))


class TestPkcs12:
    def test_round_trip(self, pki):
        blob = pki.reviewer_ec.to_pkcs12("s3cret")
        loaded = pkcs12.load_pkcs12(blob, b"s3cret")
        assert loaded.cert.certificate == pki.reviewer_ec.certificate
        assert loaded.key.public_key().public_numbers() == \
            pki.reviewer_ec.private_key.public_key().public_numbers()
        assert [c.certificate for c in loaded.additional_certs] == [pki.root.certificate]

    def test_wrong_passphrase_fails(self, pki):
        blob = pki.reviewer_rsa.to_pkcs12("right")
        with pytest.raises(ValueError):
            pkcs12.load_pkcs12(blob, b"wrong")

    def test_is_encrypted(self, pki):
        with pytest.raises((ValueError, TypeError)):
            pkcs12.load_pkcs12(pki.sender.to_pkcs12("right"), None)


def test_write_pki(pki, tmp_path):
    written = write_pki(pki, tmp_path / "pki", DEMO_PASSPHRASE)
    stems = ["sender", "reviewer-rsa", "reviewer-ec", "treating-physician", "workstation"]
    assert set(written) == {"root.pem"} | {f"{s}.{ext}" for s in stems for ext in ("p12", "pem")}
    assert all(path.is_file() and path.parent == tmp_path / "pki" for path in written.values())
    assert x509.load_pem_x509_certificate(written["root.pem"].read_bytes()) == \
        pki.root.certificate
    for stem, identity in zip(stems, [pki.sender, pki.reviewer_rsa, pki.reviewer_ec,
                                      pki.treating_physician, pki.workstation]):
        assert x509.load_pem_x509_certificate(written[f"{stem}.pem"].read_bytes()) == \
            identity.certificate
        loaded = pkcs12.load_pkcs12(written[f"{stem}.p12"].read_bytes(),
                                    DEMO_PASSPHRASE.encode())
        assert loaded.cert.certificate == identity.certificate
        assert loaded.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()) == identity.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        assert written[f"{stem}.p12"].stat().st_mode & 0o077 == 0


def test_the_workstation_identity_signs_outgoing_manifests(pki):
    """The reviewing organisation signs its outgoing manifests as the sender signs incoming ones."""
    cert = pki.workstation.certificate
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_encipherment
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert cert.issuer == pki.root.certificate.subject
