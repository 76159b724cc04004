"""The signed opinion as a password-protected PDF: the DEMO opinion, encrypted (R6, AES-256) and
then signed with the DEMO PKCS#12 reviewer, opens with its passphrase in poppler, qpdf and
pyHanko, and its signature validates there; without the passphrase nothing of the patient is
readable, and a wrong one is refused."""

from __future__ import annotations

import io
from pathlib import Path
import re
import shutil
import subprocess
import zlib

import pytest
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.core.errors import BadInputError
from app.crypto.passphrases import PASSPHRASE_ALPHABET
from app.demo import DEMO_LETTERHEAD, DEMO_PATIENT
from app.demo.pki import DEMO_PASSPHRASE, REVIEWER_RSA_NAME
from app.opinion.prefill import bind, new_response
from app.opinion.questionnaire import load_template
from app.report import render_opinion
from app.signing.identities import KeyIdentity
from app.signing.pades import FIELD_NAME, sign_pdf, to_asn1_certificate
from app.signing.secrets import open_identity
from app.signoff.protected_pdf import new_passphrase, protect, protect_and_sign
from tests.unit.test_opinion_pdf import PROFILE, demo_record, fill

PASSPHRASE = "K7QF2-MZD9X-TEST2-TEST3-TEST4"  # as `new_passphrase` makes them
OTHER = "ABCDE-FGHJK-MNPQR-STUVW-XYZ23"
# What would name the patient: in a protected copy none of it may be readable without the passphrase.
PATIENT_WORDS = [f"{DEMO_PATIENT['given_names']} {DEMO_PATIENT['family_name']}",
                 f"{DEMO_PATIENT['family_name'].upper()}, {DEMO_PATIENT['given_names']}",
                 DEMO_PATIENT["identifiers"][0]["value"], DEMO_PATIENT["birth_date"], "Woman of 56"]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (scripts/setup.sh installs it)")
    return path


def run(*argv, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, encoding="utf-8",
                          errors="replace", check=check)


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory) -> bytes:
    """The DEMO opinion letter as rendered for signing."""
    record = demo_record(tmp_path_factory.mktemp("demo"))
    q = bind(load_template("second-opinion"), record)
    return render_opinion(record, q, fill(q, new_response(q, record, PROFILE)), letterhead=DEMO_LETTERHEAD,
                          letter_date="2026-11-04").pdf


@pytest.fixture(scope="module")
def identity(pki_files) -> KeyIdentity:
    """The DEMO reviewer's PKCS#12 file, opened as the signing dialog does."""
    return open_identity(pki_files["reviewer-rsa.p12"], passphrase=DEMO_PASSPHRASE)


def signer_for(identity: KeyIdentity):
    return lambda pdf, password: sign_pdf(pdf, identity, reason="Second opinion", password=password).pdf


@pytest.fixture(scope="module")
def protected(unsigned, identity, tmp_path_factory) -> Path:
    [pdf] = protect_and_sign(unsigned, [PASSPHRASE], signer_for(identity))
    path = tmp_path_factory.mktemp("protected") / "opinion-protected.pdf"
    path.write_bytes(pdf)
    return path


def readable_text(raw: bytes) -> bytes:
    """The file as anyone reads it without a password: its bytes and every stream that inflates."""
    parts = [raw]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", raw, re.S):
        try:
            parts.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            pass
    return b"\n".join(parts)


class TestWithThePassphrase:
    def test_poppler_shows_the_letter(self, protected, tmp_path):
        text = " ".join(run(tool("pdftotext"), "-upw", PASSPHRASE, protected, "-").stdout.split())
        assert "Re: TEST, Patient, born 01/01/1970" in text
        assert "Yours sincerely" in text

    def test_qpdf_checks_it_and_reports_r6_aes_256(self, protected):
        qpdf = tool("qpdf")
        run(qpdf, f"--password={PASSPHRASE}", "--check", protected)
        shown = run(qpdf, f"--password={PASSPHRASE}", "--show-encryption", protected).stdout
        assert re.search(r"^R = 6$", shown, re.M), shown
        for kind in ("stream", "string", "file"):
            assert f"{kind} encryption method: AESv3" in shown, shown  # AESv3: AES-256 (PDF 2.0)

    def test_pyhanko_validates_the_signature_against_the_demo_root(self, protected, pki):
        reader = PdfFileReader(io.BytesIO(protected.read_bytes()), strict=False)
        assert reader.encrypted
        assert reader.decrypt(PASSPHRASE).status != AuthStatus.FAILED
        [embedded] = reader.embedded_signatures
        assert embedded.field_name == FIELD_NAME  # the plain copy's field
        status = validate_pdf_signature(embedded, ValidationContext(
            trust_roots=[to_asn1_certificate(pki.root.certificate)], allow_fetching=False))
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.signing_cert.subject.native["common_name"] == REVIEWER_RSA_NAME
        assert status.coverage.name == "ENTIRE_FILE"

    def test_pdfsig_reports_the_signature_valid(self, protected):
        pdfsig = tool("pdfsig")
        if "-upw" not in run(pdfsig, "-h", check=False).stderr + run(pdfsig, "-h", check=False).stdout:
            pytest.skip("this poppler's pdfsig cannot open encrypted files")
        out = run(pdfsig, "-upw", PASSPHRASE, protected, check=False).stdout
        assert "Signature Validation: Signature is Valid." in out, out
        assert "Total document signed" in out, out


class TestWithoutThePassphrase:
    def test_poppler_refuses_it(self, protected):
        done = run(tool("pdftotext"), protected, "-", check=False)
        assert done.returncode != 0 and "TEST, Patient" not in done.stdout

    def test_a_wrong_password_is_refused_by_poppler_qpdf_and_pyhanko(self, protected):
        assert run(tool("pdftotext"), "-upw", OTHER, protected, "-", check=False).returncode != 0
        assert run(tool("qpdf"), f"--password={OTHER}", "--check", protected, check=False).returncode != 0
        reader = PdfFileReader(io.BytesIO(protected.read_bytes()), strict=False)
        assert reader.decrypt(OTHER).status == AuthStatus.FAILED

    def test_nothing_of_the_patient_is_in_clear(self, protected, tmp_path):
        decrypted = tmp_path / "decrypted.pdf"  # the same file decrypted: the check sees the patient there
        run(tool("qpdf"), f"--password={PASSPHRASE}", "--decrypt", "--stream-data=uncompress", protected, decrypted)
        assert len([word for word in PATIENT_WORDS if word.encode() in readable_text(decrypted.read_bytes())]) >= 3
        clear = readable_text(protected.read_bytes())
        assert [word for word in PATIENT_WORDS if word.encode() in clear] == []

    def test_signing_with_a_wrong_password_is_refused(self, unsigned, identity):
        with pytest.raises(BadInputError):
            sign_pdf(protect(unsigned, PASSPHRASE), identity, password=OTHER)


class TestCopies:
    def test_one_copy_per_passphrase_each_opened_by_its_own(self, unsigned, identity, tmp_path):
        calls = []

        def sign(pdf: bytes, password: str) -> bytes:
            calls.append(password)
            return signer_for(identity)(pdf, password)

        copies = protect_and_sign(unsigned, [PASSPHRASE, OTHER], sign)
        assert calls == [PASSPHRASE, OTHER]
        for pdf, (right, wrong) in zip(copies, [(PASSPHRASE, OTHER), (OTHER, PASSPHRASE)]):
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            assert reader.decrypt(wrong).status == AuthStatus.FAILED
            assert reader.decrypt(right).status != AuthStatus.FAILED
            assert len(reader.embedded_signatures) == 1

    def test_a_short_passphrase_is_refused_before_anything_is_signed(self, unsigned):
        def sign(pdf: bytes, password: str) -> bytes:
            raise AssertionError("nothing may be signed")

        with pytest.raises(BadInputError):
            protect_and_sign(unsigned, [PASSPHRASE, "short"], sign)

    def test_an_encrypted_or_unreadable_document_is_refused(self, unsigned):
        with pytest.raises(BadInputError):
            protect(protect(unsigned, PASSPHRASE), OTHER)
        with pytest.raises(BadInputError):
            protect(b"not a pdf", PASSPHRASE)

    def test_a_passphrase_longer_than_poppler_reads_is_refused(self, unsigned):
        with pytest.raises(BadInputError):
            protect(unsigned, "K7QF2-MZD9X-TEST2-TEST3-TEST4-TEST5")  # 35: an outgoing package's length

    def test_new_passphrases_are_the_outgoing_kind_and_every_reader_takes_them(self, unsigned, tmp_path):
        first, second = new_passphrase(), new_passphrase()
        assert first != second
        for passphrase in (first, second):
            groups = passphrase.split("-")
            assert len(groups) == 5 and all(len(g) == 5 and set(g) <= set(PASSPHRASE_ALPHABET) for g in groups)
        path = tmp_path / "p.pdf"
        path.write_bytes(protect(unsigned, first))
        assert "Yours sincerely" in run(tool("pdftotext"), "-upw", first, path, "-").stdout
