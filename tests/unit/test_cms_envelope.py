"""The outgoing `.p7m` of a signed opinion: opened by the openssl CLI and by our own reader."""

import io
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa

from app.core.errors import BadInputError
from app.demo.pki import _key_usage
from app.dossier.p7m import P7mReader
from app.outgoing.cms_envelope import RecipientCertificateError, envelope
from app.signing.pades import sign_pdf
from app.signing.identities import KeyIdentity
from tests.conftest import key_identity
from tests.unit.pdf_signing import make_pdf, odd_identity

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason="the openssl CLI is the independent reader; it is not installed")


@pytest.fixture(scope="module")
def signed_pdf(pki) -> bytes:
    return sign_pdf(make_pdf(), key_identity(pki.reviewer_rsa)).pdf


def write_key(tmp_path: Path, identity, stem: str) -> tuple[Path, Path]:
    cert, key = tmp_path / f"{stem}.pem", tmp_path / f"{stem}.key"
    cert.write_bytes(identity.certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(identity.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert, key


def openssl_decrypt(tmp_path: Path, p7m: bytes, identity, stem: str) -> subprocess.CompletedProcess:
    cert, key = write_key(tmp_path, identity, stem)
    source, out = tmp_path / "opinion.p7m", tmp_path / f"{stem}.out"
    source.write_bytes(p7m)
    result = subprocess.run(["openssl", "cms", "-decrypt", "-inform", "DER", "-in", str(source),
                             "-recip", str(cert), "-inkey", str(key), "-out", str(out)],
                            capture_output=True)
    result.stdout = out.read_bytes() if result.returncode == 0 else b""
    return result


def read_back(p7m: bytes, identity) -> bytes:
    reader = P7mReader(io.BytesIO(p7m))
    reader.unlock([KeyIdentity(identity.certificate, identity.private_key)])
    return b"".join(reader.chunks())


@needs_openssl
class TestOpenssl:
    def test_each_of_two_recipients_decrypts_the_signed_pdf_byte_for_byte(self, pki, signed_pdf, tmp_path):
        assert signed_pdf.startswith(b"%PDF") and b"/ByteRange" in signed_pdf
        p7m = envelope(signed_pdf, [pki.reviewer_rsa.certificate, pki.treating_physician.certificate])
        for stem, identity in (("reviewer", pki.reviewer_rsa), ("treating", pki.treating_physician)):
            result = openssl_decrypt(tmp_path, p7m, identity, stem)
            assert result.returncode == 0, result.stderr
            assert result.stdout == signed_pdf

    def test_an_ec_recipient_decrypts_through_ecdh(self, pki, signed_pdf, tmp_path):
        p7m = envelope(signed_pdf, [pki.reviewer_ec.certificate, pki.treating_physician.certificate])
        result = openssl_decrypt(tmp_path, p7m, pki.reviewer_ec, "ec")
        assert result.returncode == 0, result.stderr
        assert result.stdout == signed_pdf

    def test_a_key_it_is_not_for_fails(self, pki, signed_pdf, tmp_path):
        p7m = envelope(signed_pdf, [pki.reviewer_rsa.certificate])
        result = openssl_decrypt(tmp_path, p7m, pki.sender, "sender")
        assert result.returncode != 0 and result.stdout == b""

    def test_openssl_reports_rsaes_oaep_sha256_ecdh_and_aes_256_cbc(self, pki, signed_pdf, tmp_path):
        source = tmp_path / "opinion.p7m"
        source.write_bytes(envelope(signed_pdf, [pki.reviewer_rsa.certificate, pki.reviewer_ec.certificate]))
        printed = subprocess.run(["openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", str(source)],
                                 capture_output=True, text=True, check=True).stdout
        assert "contentType: pkcs7-envelopedData" in printed
        assert "rsaesOaep (1.2.840.113549.1.1.7)" in printed
        assert "dhSinglePass-stdDH-sha256kdf-scheme" in printed
        assert "id-aes256-wrap" in printed
        assert "aes-256-cbc (2.16.840.1.101.3.4.1.42)" in printed
        assert "rsaEncryption" not in printed.split("recipientInfos")[1]  # no PKCS#1 v1.5 wrap


class TestStructure:
    def test_our_importer_reads_what_we_write(self, pki, signed_pdf):
        p7m = envelope(signed_pdf, [pki.reviewer_rsa.certificate, pki.reviewer_ec.certificate])
        assert read_back(p7m, pki.reviewer_rsa) == signed_pdf
        assert read_back(p7m, pki.reviewer_ec) == signed_pdf

    def test_oaep_uses_sha256_for_hash_and_mask(self, pki, signed_pdf):
        info = cms.ContentInfo.load(envelope(signed_pdf, [pki.reviewer_rsa.certificate]))
        enveloped = info["content"]
        assert enveloped["version"].native == "v0"
        ktri = enveloped["recipient_infos"][0].chosen
        params = ktri["key_encryption_algorithm"]["parameters"]
        assert params["hash_algorithm"]["algorithm"].native == "sha256"
        assert params["mask_gen_algorithm"]["parameters"]["algorithm"].native == "sha256"
        assert ktri["rid"].chosen["serial_number"].native == pki.reviewer_rsa.certificate.serial_number

    def test_each_envelope_has_its_own_content_key_and_iv(self, pki, signed_pdf):
        first = envelope(signed_pdf, [pki.reviewer_rsa.certificate])
        second = envelope(signed_pdf, [pki.reviewer_rsa.certificate])
        assert first != second
        assert signed_pdf[:200] not in first


class TestRefusals:
    def test_a_certificate_without_key_encipherment_is_refused_with_its_reason(self, pki, signed_pdf):
        no_agreement = odd_identity(pki)  # EC, digitalSignature + nonRepudiation only
        with pytest.raises(RecipientCertificateError, match=r"Dr\. Odd Certificate \(DEMO\).*lacks keyAgreement"):
            envelope(signed_pdf, [pki.reviewer_rsa.certificate, no_agreement.certificate])

    def test_the_sender_certificate_signs_only_and_is_refused(self, pki, signed_pdf):
        usage = pki.sender.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        if usage.key_encipherment or usage.key_agreement:
            pytest.skip("the DEMO sender certificate may encrypt")
        with pytest.raises(RecipientCertificateError, match="its key usage lacks"):
            envelope(signed_pdf, [pki.sender.certificate])

    def test_an_expired_certificate_is_refused(self, pki, signed_pdf):
        now = datetime.now(timezone.utc)
        expired = odd_identity(pki, not_before=now - timedelta(days=400), not_after=now - timedelta(days=2),
                               key_usage=_key_usage(key_agreement=True))
        with pytest.raises(RecipientCertificateError, match=r"Dr\. Odd Certificate \(DEMO\).* expired on"):
            envelope(signed_pdf, [expired.certificate])

    def test_a_certificate_without_a_key_usage_extension_is_accepted(self, pki, signed_pdf):
        unrestricted = odd_identity(pki, key_usage=None)
        assert read_back(envelope(signed_pdf, [unrestricted.certificate]), unrestricted) == signed_pdf

    def test_an_unsupported_key_type_is_refused(self, pki, signed_pdf):
        key = dsa.generate_private_key(2048)
        now = datetime.now(timezone.utc)
        certificate = (x509.CertificateBuilder().subject_name(pki.treating_physician.certificate.subject)
                       .issuer_name(pki.root.certificate.subject).public_key(key.public_key())
                       .serial_number(7).not_valid_before(now - timedelta(days=1))
                       .not_valid_after(now + timedelta(days=30))
                       .sign(pki.root.private_key, hashes.SHA256()))
        with pytest.raises(RecipientCertificateError, match="an RSA or EC key") as refused:
            envelope(signed_pdf, [certificate])
        assert isinstance(refused.value, BadInputError)

    def test_the_refusal_is_translated(self, pki, signed_pdf, interface_language):
        interface_language("nl")
        with pytest.raises(RecipientCertificateError) as refused:
            envelope(signed_pdf, [odd_identity(pki).certificate])
        assert "keyAgreement" in str(refused.value) and "certificate of" not in str(refused.value)
