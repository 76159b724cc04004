"""The trust lists: adding (certificate authorities only), listing and removing trusted issuers,
audited; the signature banner's "issuer not trusted" (not FAILED) and the issuer a signed PDF
offers to trust; `secondo trust`."""

from datetime import datetime, timedelta, timezone
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from app.cli import main
from app.core.errors import BadInputError, IdentityError
from app.signing import trust
from app.signing.pades import sign_pdf
from app.signing.verify import issuer_chain, status_line, verify_pdf_bytes
from tests.conftest import key_identity
from tests.unit.pdf_signing import BOX, make_pdf


def make_certificate(name: str, *, ca: bool | None = True) -> x509.Certificate:
    """A self-signed certificate; `ca` None: without basic constraints."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name),
                         x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Test Trust Authority")])
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
               .not_valid_after(now + timedelta(days=365)))
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    return builder.sign(key, hashes.SHA256())


class Audit:
    def __init__(self) -> None:
        self.lines: list[tuple] = []

    def append(self, action, case=None, **details):
        self.lines.append((action, case, details))
        return {}


class TestTrustLists:
    def test_add_list_remove_with_audit(self):
        ca, audit = make_certificate("Test Root CA"), Audit()
        entry = trust.add_trusted(trust.SIGNERS, ca, audit=audit)
        assert entry.name == "Test Root CA" and entry.is_ca and entry.sha256 == trust.fingerprint(ca)
        assert [e.sha256 for e in trust.list_trusted(trust.SIGNERS)] == [entry.sha256]
        assert trust.list_trusted(trust.SENDERS) == []
        assert trust.fingerprint(trust.trusted_signer_roots()[0]) == entry.sha256
        removed = trust.remove_trusted(trust.SIGNERS, trust.spaced_fingerprint(entry.sha256)[:23], audit=audit)
        assert removed.sha256 == entry.sha256 and trust.list_trusted(trust.SIGNERS) == []
        assert [(a, d["change"], d["list"], d["sha256"]) for a, _c, d in audit.lines] == [
            ("trust", "add", "signers", entry.sha256), ("trust", "remove", "signers", entry.sha256)]

    def test_adding_twice_keeps_one(self):
        ca = make_certificate("Test Root CA")
        trust.add_trusted(trust.SENDERS, ca)
        trust.add_trusted(trust.SENDERS, ca)
        assert len(trust.list_trusted(trust.SENDERS)) == 1
        assert len(list(trust.sender_roots_dir().iterdir())) == 1

    @pytest.mark.parametrize("ca", [False, None])
    def test_a_certificate_that_is_no_authority_is_refused_with_the_reason(self, ca):
        with pytest.raises(IdentityError, match="not a certificate authority"):
            trust.add_trusted(trust.SIGNERS, make_certificate("Dr. Test Person", ca=ca))
        assert trust.list_trusted(trust.SIGNERS) == []

    def test_removing_from_a_file_of_several_keeps_the_others(self):
        first, second = make_certificate("Test Root A"), make_certificate("Test Root B")
        folder = trust.signer_roots_dir()
        folder.mkdir(parents=True)
        (folder / "bundle.crt").write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM)
                                                     for c in (first, second)))
        trust.remove_trusted(trust.SIGNERS, trust.fingerprint(first))
        assert [e.name for e in trust.list_trusted(trust.SIGNERS)] == ["Test Root B"]

    def test_unknown_short_or_malformed_fingerprints_are_bad_input(self):
        entry = trust.add_trusted(trust.SIGNERS, make_certificate("Test Root CA"))
        with pytest.raises(BadInputError, match="No certificate"):
            trust.remove_trusted(trust.SIGNERS, "00" * 32 if not entry.sha256.startswith("00") else "ff" * 32)
        with pytest.raises(BadInputError, match="at least 8"):
            trust.remove_trusted(trust.SIGNERS, entry.sha256[:4])
        with pytest.raises(BadInputError, match="not a SHA-256 fingerprint"):
            trust.remove_trusted(trust.SIGNERS, "not-hex!")
        assert len(trust.list_trusted(trust.SIGNERS)) == 1


@pytest.fixture(scope="module")
def signed(pki) -> bytes:
    return sign_pdf(make_pdf(pages=1), key_identity(pki.reviewer_rsa), box=BOX).pdf


class TestIssuerNotTrusted:
    def test_a_sound_signature_of_an_unknown_issuer_is_not_a_failure(self, signed, pki):
        state, line = status_line(verify_pdf_bytes(signed, []))
        assert state == "untrusted"
        assert line.startswith("Signed, issuer not trusted") and "FAILED" not in line
        issuer = pki.root.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
        assert issuer in line

    def test_the_signed_pdf_offers_its_root_and_trusting_it_makes_the_signature_valid(self, signed, pki):
        (root,) = issuer_chain(signed)
        assert root == pki.root.certificate
        trust.add_trusted(trust.SIGNERS, root)
        state, line = status_line(verify_pdf_bytes(signed, trust.trusted_signer_roots()))
        assert state == "valid" and "signer trusted" in line

    def test_a_changed_document_still_fails(self, signed):
        tampered = bytearray(signed)
        at = signed.index(b"ReportLab Generated")  # inside the signed bytes
        tampered[at] = ord("X")
        state, line = status_line(verify_pdf_bytes(bytes(tampered), []))
        assert state == "invalid" and line.startswith("Signature check FAILED")

    def test_an_unsigned_pdf_offers_nothing_to_trust(self):
        assert issuer_chain(make_pdf(pages=1)) == []


class TestTrustCommand:
    def test_add_list_remove(self, tmp_path, capsys):
        ca = make_certificate("Test Root CA")
        der = tmp_path / "root.cer"
        der.write_bytes(ca.public_bytes(serialization.Encoding.DER))
        assert main(["trust", "add", str(der), "--for", "senders", "--json"]) == 0
        added = json.loads(capsys.readouterr().out)
        assert added["sha256"] == trust.fingerprint(ca) and added["is_ca"]
        assert main(["trust", "list", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert listed["signers"] == [] and [e["sha256"] for e in listed["senders"]] == [added["sha256"]]
        assert main(["trust", "list", "--for", "senders"]) == 0
        assert "Test Root CA" in capsys.readouterr().out
        assert main(["trust", "remove", added["sha256"][:12], "--for", "senders"]) == 0
        assert "No longer trusted" in capsys.readouterr().out
        assert trust.list_trusted(trust.SENDERS) == []
        assert main(["audit", "--json"]) == 0
        actions = [(e["action"], e["details"].get("change")) for e in json.loads(capsys.readouterr().out)]
        assert actions[-2:] == [("trust", "add"), ("trust", "remove")]

    def test_a_person_certificate_is_refused_with_one_line(self, tmp_path, capsys):
        pem = tmp_path / "person.pem"
        pem.write_bytes(make_certificate("Dr. Test Person", ca=False).public_bytes(serialization.Encoding.PEM))
        assert main(["trust", "add", str(pem), "--for", "signers"]) == 3
        err = capsys.readouterr().err
        assert err.startswith("secondo: ") and err.count("\n") == 1 and "not a certificate authority" in err
        assert trust.list_trusted(trust.SIGNERS) == []

    def test_an_unknown_fingerprint_is_exit_3(self, capsys):
        assert main(["trust", "remove", "0123456789abcdef", "--for", "signers"]) == 3
        assert capsys.readouterr().err.startswith("secondo: No certificate")
