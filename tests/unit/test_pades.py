"""PAdES B-B signing and its verification: the signature validates, a
one-byte change or an incremental update is caught, and bad identities are refused with the
reason before anything is produced."""

from datetime import datetime, timedelta, timezone
import io
import re
import shutil
import subprocess
import sys

import keyring
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from app.core.errors import BadInputError, IdentityError
from app.demo.pki import DEMO_PASSPHRASE, _key_usage
from app.signing import secrets
from app.signing.certificate_checks import signing_problem
from app.signing.pades import FIELD_NAME, sign_pdf
from app.signing.verify import verify_pdf_bytes
from tests.conftest import key_identity
from tests.unit.pdf_signing import BOX, make_pdf, odd_identity


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return make_pdf(pages=3)


@pytest.fixture(scope="module")
def signed(pki, unsigned) -> bytes:
    return sign_pdf(unsigned, key_identity(pki.reviewer_rsa), box=BOX, reason="Second opinion").pdf


def append_update(pdf: bytes) -> IncrementalPdfFileWriter:
    """A writer adding a revision after the signature: a text annotation on page 1."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    note = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Text"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (50, 50, 70, 70)]),
        generic.NameObject("/Contents"): generic.TextStringObject("Added after signing")})
    page[generic.NameObject("/Annots")] = generic.ArrayObject([writer.add_object(note)])
    writer.update_container(page)
    return writer


def problems(report) -> list[str]:
    return report.problems + [p for s in report.signatures for p in s.problems]


class TestSign:
    @pytest.mark.parametrize("who", ["reviewer_rsa", "reviewer_ec"])
    def test_signed_pdf_is_intact_trusted_and_covers_the_file(self, pki, unsigned, who):
        identity = key_identity(getattr(pki, who))
        result = sign_pdf(unsigned, identity, box=BOX)
        assert result.signer == identity.subject
        report = verify_pdf_bytes(result.pdf, [pki.root.certificate])
        assert report.ok, problems(report)
        (sig,) = report.signatures
        assert (sig.intact, sig.valid, sig.trusted, sig.whole_file, sig.modified_after_signing) == \
            (True, True, True, True, False)
        assert sig.signer == identity.subject and sig.field == FIELD_NAME
        assert sig.subfilter == "/ETSI.CAdES.detached"
        signed_at = datetime.fromisoformat(sig.signing_time)
        assert abs(signed_at - datetime.now(timezone.utc)) < timedelta(minutes=2)

    def test_the_original_bytes_are_kept_and_the_stamp_is_on_the_last_page(self, signed, unsigned):
        assert signed.startswith(unsigned)  # an incremental update: the letter itself is untouched
        reader = PdfFileReader(io.BytesIO(signed))
        (embedded,) = reader.embedded_signatures
        assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
        pages = [reader.root["/Pages"]["/Kids"][i] for i in range(3)]
        widgets = [a for a in pages[-1].get("/Annots", []) if a.get_object().get("/FT") == "/Sig"]
        assert len(widgets) == 1
        widget = widgets[0].get_object()
        assert [round(float(v)) for v in widget["/Rect"]] == list(BOX)
        assert "/AP" in widget  # a visible appearance
        assert all(not p.get_object().get("/Annots") for p in pages[:-1])

    def test_the_stamp_names_the_signer(self, signed):
        if not shutil.which("pdftotext"):
            pytest.skip("pdftotext (poppler-utils) is not installed")
        text = subprocess.run(["pdftotext", "-f", "3", "-l", "3", "-", "-"], input=signed, capture_output=True,
                              check=True).stdout.decode()
        assert "Dr. Test Reviewer (DEMO)" in text and "Digitally signed by" in text

    def test_the_stamp_shows_unicode_names_in_plain_latin(self):
        from app.signing.pades import stamp_name
        assert stamp_name("Prof. Dr. Łukasz Nowak, Gaëlle Dœns, Çelik") == "Prof. Dr. Lukasz Nowak, Gaelle Doens, Celik"
        assert stamp_name("Иван") == "????"

    def test_not_a_pdf_is_bad_input(self, pki):
        with pytest.raises(BadInputError):
            sign_pdf(b"not a pdf at all", key_identity(pki.reviewer_rsa))


class TestVerify:
    def test_untrusted_without_the_root(self, signed, pki):
        report = verify_pdf_bytes(signed, [])
        assert not report.ok
        (sig,) = report.signatures
        assert sig.intact and sig.valid and not sig.trusted and sig.whole_file
        assert any("trusted root" in p for p in sig.problems)

    def test_untrusted_against_another_root(self, signed):
        from app.demo.pki import build_pki
        assert not verify_pdf_bytes(signed, [build_pki().root.certificate]).ok

    def test_every_one_byte_change_fails(self, signed, pki):
        match = re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)", signed)
        start, len1, off2, _len2 = map(int, match.groups())
        size = len(signed)
        positions = sorted({
            0, 7, 200, 1000, start + len1 // 2, len1 - 10,  # the letter and the signature dictionary
            len1, len1 + 1, len1 + 40, len1 + 500, len1 + 2000,  # inside the CMS signature
            (len1 + off2) // 2 + 100, off2 - 4, off2 - 2,  # the zero padding after the signature
            off2, off2 + 30, match.start() + 12,  # after the hole, and the byte range itself
            size - 40, size - 8, size - 1})
        assert len(positions) >= 20
        for pos in positions:
            for flip in (0x01, 0x20):
                tampered = bytearray(signed)
                tampered[pos] ^= flip
                report = verify_pdf_bytes(bytes(tampered), [pki.root.certificate])
                assert not report.ok, (pos, flip, chr(signed[pos]))

    @pytest.mark.parametrize("who", ["reviewer_rsa", "reviewer_ec"])
    def test_changes_sweeping_the_signature_value_fail(self, pki, unsigned, who):
        """The CMS is outside the signed bytes: its unsigned fields (versions, algorithm lists,
        the signer's issuer name, which matching would compare ignoring case, the copy of the
        root, the lengths, the padding) are checked byte for byte."""
        data = sign_pdf(unsigned, key_identity(getattr(pki, who)), box=BOX).pdf
        match = re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)", data)
        start, end = int(match.group(2)), int(match.group(3))
        used = start + len(data[start:end].rstrip(b"0>")) + 8
        for n, pos in enumerate(range(start + 1, used, 29)):
            tampered = bytearray(data)
            tampered[pos] ^= (0x01, 0x02, 0x20)[n % 3]
            assert not verify_pdf_bytes(bytes(tampered), [pki.root.certificate]).ok, (pos - start, n % 3)

    def test_an_incremental_update_after_signing_is_reported_as_modified(self, signed, pki):
        out = io.BytesIO()
        append_update(signed).write(out)
        assert out.getvalue().startswith(signed) and len(out.getvalue()) > len(signed)
        report = verify_pdf_bytes(out.getvalue(), [pki.root.certificate])
        assert not report.ok
        (sig,) = report.signatures
        assert sig.intact and sig.trusted  # the signed revision itself is untouched...
        assert sig.modified_after_signing and not sig.whole_file and sig.coverage == "entire_revision"
        assert any("modified after signing" in p for p in sig.problems)

    def test_an_unsigned_pdf_fails(self, unsigned, pki):
        report = verify_pdf_bytes(unsigned, [pki.root.certificate])
        assert not report.ok and report.problems == ["the PDF holds no signature"]

    def test_garbage_fails_without_raising(self, pki):
        assert not verify_pdf_bytes(b"%PDF-1.7\n garbage", [pki.root.certificate]).ok

    def test_pyhanko_command_line_validator_accepts_it(self, signed, pki, tmp_path):
        pdf, root = tmp_path / "signed.pdf", tmp_path / "root.pem"
        pdf.write_bytes(signed)
        root.write_bytes(pki.root.cert_pem())
        cli = shutil.which("pyhanko") or str(__import__("pathlib").Path(sys.executable).with_name("pyhanko"))
        if not __import__("pathlib").Path(cli).exists():
            pytest.skip("pyhanko-cli is not installed")
        done = subprocess.run([cli, "sign", "validate", "--no-revocation-check", "--trust", str(root),
                               "--trust-replace", "--pretty-print", str(pdf)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "The signature is judged VALID." in done.stdout
        assert "The signature covers the entire file." in done.stdout
        assert "cryptographically sound" in done.stdout


class TestRefusedIdentities:
    def test_expired(self, pki, unsigned):
        now = datetime.now(timezone.utc)
        identity = odd_identity(pki, not_before=now - timedelta(days=400), not_after=now - timedelta(days=2))
        with pytest.raises(IdentityError, match="expired on"):
            sign_pdf(unsigned, identity)

    def test_not_yet_valid(self, pki, unsigned):
        now = datetime.now(timezone.utc)
        identity = odd_identity(pki, not_before=now + timedelta(days=3), not_after=now + timedelta(days=300))
        with pytest.raises(IdentityError, match="not valid yet"):
            sign_pdf(unsigned, identity)

    def test_key_usage_without_signing(self, pki, unsigned):
        identity = odd_identity(pki, key_usage=_key_usage(key_agreement=True))
        with pytest.raises(IdentityError, match="neither digitalSignature nor nonRepudiation"):
            sign_pdf(unsigned, identity)

    def test_no_key_usage_at_all(self, pki, unsigned):
        identity = odd_identity(pki, key_usage=None)
        with pytest.raises(IdentityError, match="states no key usage"):
            sign_pdf(unsigned, identity)

    @pytest.mark.parametrize("usage", [dict(digital_signature=True), dict(content_commitment=True)])
    def test_either_signing_usage_is_enough(self, pki, usage):
        assert signing_problem(odd_identity(pki, key_usage=_key_usage(**usage)).certificate) is None


class TestRememberedPassphrase:
    def test_wrong_passphrase_asks_again_and_remembers_when_chosen(self, pki_files):
        path = pki_files["reviewer-rsa.p12"]
        asked = []

        def ask(p, retry):
            asked.append(retry)
            return ("wrong", True) if not retry else (DEMO_PASSPHRASE, True)

        identity = secrets.open_identity(path, ask)
        assert identity.subject == "Dr. Test Reviewer (DEMO)" and asked == [False, True]
        assert secrets.remembered_passphrase(path) == DEMO_PASSPHRASE
        # Next time: from the keyring, nobody is asked.
        assert secrets.open_identity(path, lambda *a: pytest.fail("asked")).subject == identity.subject

    def test_not_remembered_unless_chosen(self, pki_files):
        path = pki_files["reviewer-ec.p12"]
        secrets.open_identity(path, lambda p, retry: (DEMO_PASSPHRASE, False))
        assert secrets.remembered_passphrase(path) is None

    def test_a_stale_remembered_passphrase_is_forgotten_and_asked_for(self, pki_files):
        path = pki_files["reviewer-rsa.p12"]
        secrets.remember_passphrase(path, "stale")
        secrets.open_identity(path, lambda p, retry: (DEMO_PASSPHRASE, False))
        assert secrets.remembered_passphrase(path) is None

    def test_giving_up_or_a_wrong_given_passphrase_is_an_identity_error(self, pki_files):
        path = pki_files["reviewer-rsa.p12"]
        with pytest.raises(IdentityError, match="cancelled"):
            secrets.open_identity(path, lambda p, retry: None)
        with pytest.raises(IdentityError, match="wrong passphrase"):
            secrets.open_identity(path, lambda p, retry: ("wrong", True))
        with pytest.raises(IdentityError, match="wrong passphrase"):
            secrets.open_identity(path, passphrase="wrong")
        assert secrets.remembered_passphrase(path) is None
        assert keyring.get_keyring().get_password(secrets.SERVICE, "anything") is None
