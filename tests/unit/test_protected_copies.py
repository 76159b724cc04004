"""The password-protected PDF copies made when an opinion is signed (app/signoff/signing.py,
app/store/opinions.py): one per consented role the opinion is addressed to, each opened by its
own passphrase in poppler, qpdf and pyHanko with its signature valid; kept only in the vault,
published with the opinion or not at all (a cancel, a signer that refuses, a crash)."""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import io
import json
from pathlib import Path
import re

import pytest
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.cli import main
from app.core.errors import BadInputError, IdentityError
from app.core.i18n import _, in_language
from app.core.tasks import Cancelled, CancelToken
from app.crypto.passphrases import PASSPHRASE_ALPHABET
from app.opinion.addressees import addressed_roles
from app.opinion.prefill import bind
from app.opinion.questionnaire import set_answer
from app.signing.pades import FIELD_NAME, identity_signer, to_asn1_certificate
from app.signing.verify import verify_pdf_bytes
from app.signoff import signing
from app.signoff.protected_pdf import PASSPHRASE_GROUPS
from app.signoff.signing import STEPS, questionnaire_for, sign_opinion
from app.store.drafts import DraftStore
from app.store.opinions import ProtectedCopy, SignedOpinionStore, no_protected_copy
from app.store.store import CaseStore
from tests.conftest import key_identity
from tests.unit.test_faults import (assert_audit_intact, audited, copy_base, folder, killed_at,  # noqa: F401 - fixtures
                                    opinion_numbers, sign_args, signed_base, status, whole_cases)
from tests.unit.test_faults import secondo as run_main
from tests.unit.test_protected_pdf import readable_text, run, tool
from tests.unit.test_verify_cli import case_id, demo, response_file  # noqa: F401 - fixtures

PATIENT = (b"Test Patient", b"TEST, Patient", b"TEST")


@dataclass
class Signed:
    home: Path
    case_id: str
    pdf: bytes  # the plain signed opinion
    unsigned: bytes  # the rendered letter the copies were made from
    entry_sha256: str
    roles: list[str]  # the roles the opinion is addressed to
    copies: dict[str, ProtectedCopy]
    audit: list[dict]


@pytest.fixture(scope="module")
def signed(signed_base, tmp_path_factory, pki) -> Signed:
    """The DEMO case signed once through `sign_opinion`, and what it kept."""
    from tests.unit.test_faults import in_folder

    base, case_id, _pki_files = signed_base
    folder = tmp_path_factory.mktemp("protected-copies")
    copy_base(base, folder)
    response = json.loads((base / "response.json").read_text(encoding="utf-8"))
    seen: list[bytes] = []
    real = signing.protect_and_sign

    def recording(unsigned, passphrases, sign):
        seen.append(unsigned)
        return real(unsigned, passphrases, sign)

    with in_folder(folder), pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing, "protect_and_sign", recording)
        with CaseStore.open(folder / "home") as store:
            result = sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa), via="test")
            opinions = SignedOpinionStore(store)
            roles = opinions.protected_roles(case_id, 0)
            copies = {role: opinions.protected_copy(case_id, 0, role) for role in roles}
            expected = addressed_roles(store.record(case_id), result.response)
            audit = store.audit.entries()
    assert roles == expected and len(roles) == 2, (roles, expected)
    assert len(set(seen)) == 1  # every copy from the one rendered letter
    return Signed(folder / "home", case_id, result.pdf, seen[0], result.opinion.pdf_sha256, roles, copies, audit)


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


class TestEachCopyOpensWithItsPassphrase:
    def test_copies_for_the_addressed_consented_roles_each_with_its_own_passphrase(self, signed):
        assert signed.roles == ["treating_physician", "patient"]
        passphrases = [c.passphrase for c in signed.copies.values()]
        assert len(set(passphrases)) == len(passphrases)
        for passphrase in passphrases:
            groups = passphrase.split("-")
            assert len(groups) == PASSPHRASE_GROUPS and all(set(g) <= set(PASSPHRASE_ALPHABET) for g in groups)
        assert signed.audit[-1]["action"] == "sign"
        assert signed.audit[-1]["details"]["protected_copies"] == signed.roles

    @pytest.mark.parametrize("role", ["treating_physician", "patient"])
    def test_poppler_shows_the_letter(self, signed, role, tmp_path):
        copy = signed.copies[role]
        path = written(tmp_path / "copy.pdf", copy.pdf)
        text = " ".join(run(tool("pdftotext"), "-upw", copy.passphrase, path, "-").stdout.split())
        assert "TEST, Patient" in text and "Yours sincerely" in text

    @pytest.mark.parametrize("role", ["treating_physician", "patient"])
    def test_qpdf_checks_it_r6_aes_256(self, signed, role, tmp_path):
        copy = signed.copies[role]
        path = written(tmp_path / "copy.pdf", copy.pdf)
        run(tool("qpdf"), f"--password={copy.passphrase}", "--check", path)
        shown = run(tool("qpdf"), f"--password={copy.passphrase}", "--show-encryption", path).stdout
        assert re.search(r"^R = 6$", shown, re.M), shown
        for kind in ("stream", "string", "file"):
            assert f"{kind} encryption method: AESv3" in shown, shown

    @pytest.mark.parametrize("role", ["treating_physician", "patient"])
    def test_pyhanko_and_verify_find_the_signature_intact_and_trusted(self, signed, role, pki):
        copy = signed.copies[role]
        reader = PdfFileReader(io.BytesIO(copy.pdf), strict=False)
        assert reader.encrypted and reader.decrypt(copy.passphrase).status != AuthStatus.FAILED
        [embedded] = reader.embedded_signatures
        assert embedded.field_name == FIELD_NAME
        status = validate_pdf_signature(embedded, ValidationContext(
            trust_roots=[to_asn1_certificate(pki.root.certificate)], allow_fetching=False))
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.coverage.name == "ENTIRE_FILE"
        report = verify_pdf_bytes(copy.pdf, [pki.root.certificate], password=copy.passphrase)
        assert report.ok and report.password_protected and not report.locked, report.to_json()

    @pytest.mark.parametrize("role", ["treating_physician", "patient"])
    def test_pdfsig_reports_the_signature_valid(self, signed, role, tmp_path):
        pdfsig = tool("pdfsig")
        copy = signed.copies[role]
        path = written(tmp_path / "copy.pdf", copy.pdf)
        out = run(pdfsig, "-upw", copy.passphrase, path, check=False).stdout
        assert "Signature Validation: Signature is Valid." in out, out
        assert "Total document signed" in out, out

    def test_one_passphrase_does_not_open_the_other_copy(self, signed, tmp_path):
        doctor, patient = signed.copies["treating_physician"], signed.copies["patient"]
        path = written(tmp_path / "copy.pdf", doctor.pdf)
        assert run(tool("pdftotext"), "-upw", patient.passphrase, path, "-", check=False).returncode != 0


class TestWithoutThePassphrase:
    @pytest.mark.parametrize("role", ["treating_physician", "patient"])
    def test_nothing_of_the_patient_is_readable(self, signed, role, tmp_path):
        copy = signed.copies[role]
        path = written(tmp_path / "copy.pdf", copy.pdf)
        done = run(tool("pdftotext"), path, "-", check=False)
        assert done.returncode != 0 and "TEST, Patient" not in done.stdout
        seen = readable_text(copy.pdf)
        assert not [name for name in PATIENT if name in seen]

    def test_verify_says_password_protected_not_damaged(self, signed, pki):
        copy = signed.copies["patient"]
        report = verify_pdf_bytes(copy.pdf, [pki.root.certificate])
        assert report.locked and report.password_protected and not report.ok
        assert report.problems == [_("the document is password-protected: give its passphrase to check its "
                                     "signature")]
        wrong = verify_pdf_bytes(copy.pdf, [pki.root.certificate], password="WRONG-WRONG-WRONG")
        assert wrong.locked and "passphrase does not open" in wrong.problems[0]

    def test_secondo_verify_with_and_without_password_env(self, signed, pki_files, tmp_path, capsys, monkeypatch):
        copy = signed.copies["treating_physician"]
        path = written(tmp_path / "copy.pdf", copy.pdf)
        rc = main(["verify", str(path), "--trust", str(pki_files["root.pem"])])
        out, err = capsys.readouterr()
        assert rc == 3 and "is password-protected" in err and "damaged" not in out + err
        monkeypatch.setenv("COPY_PASS", copy.passphrase)
        rc = main(["verify", str(path), "--trust", str(pki_files["root.pem"]), "--password-env", "COPY_PASS",
                   "--json"])
        out, err = capsys.readouterr()
        report = json.loads(out)
        assert rc == 0, err
        assert report["ok"] and report["password_protected"] and not report["locked"]


class TestThePlainOpinion:
    def test_unchanged_the_rendered_letter_signed_and_not_encrypted(self, signed, pki):
        assert hashlib.sha256(signed.pdf).hexdigest() == signed.entry_sha256
        assert signed.pdf.startswith(signed.unsigned)  # the rendered letter, then the signature's update
        assert not PdfFileReader(io.BytesIO(signed.pdf), strict=False).encrypted
        assert verify_pdf_bytes(signed.pdf, [pki.root.certificate]).ok

    def test_nothing_in_clear_in_the_data_folder(self, signed):
        secrets = [c.passphrase.encode() for c in signed.copies.values()]
        for path in signed.home.rglob("*"):
            if path.is_file() and path.suffix != ".lock":
                data = path.read_bytes()
                assert b"%PDF" not in data, path
                assert not [s for s in secrets if s in data], path
                assert not [name for name in PATIENT[:2] if name in data], path


# -- the store --------------------------------------------------------------------------------

@pytest.fixture
def store(isolated_home, case_id):  # noqa: F811 - the fixture imported above
    with CaseStore.open(isolated_home) as opened:
        yield opened


def add(store, case_id, number=0, **protected):
    return SignedOpinionStore(store).add(case_id, number, b"%PDF-1 plain", {}, signer="A",
                                         signed_at="2026-12-01T00:00:00+00:00", pages=1, protected=protected)


class TestStore:
    def test_copies_and_passphrases_kept_and_checked(self, store, case_id):
        add(store, case_id, patient=(b"%PDF-1 patient copy", "AAAAA-BBBBB-CCCCC"),
            treating_physician=(b"%PDF-1 doctor copy", "DDDDD-EEEEE-FFFFF"))
        opinions = SignedOpinionStore(store)
        assert opinions.protected_roles(case_id, 0) == ["patient", "treating_physician"]
        assert opinions.protected_copy(case_id, 0, "patient") == ProtectedCopy(
            "patient", b"%PDF-1 patient copy", "AAAAA-BBBBB-CCCCC")
        path = store.home / "opinions" / case_id / "0.protected-patient.pdf.sov"
        data = bytearray(path.read_bytes())
        data[-40] ^= 1
        path.write_bytes(bytes(data))
        with pytest.raises(BadInputError):
            opinions.protected_copy(case_id, 0, "patient")

    def test_forget_passphrase_keeps_the_copy_and_is_idempotent(self, store, case_id):
        add(store, case_id, patient=(b"%PDF-1 patient copy", "AAAAA-BBBBB-CCCCC"),
            treating_physician=(b"%PDF-1 doctor copy", "DDDDD-EEEEE-FFFFF"))
        opinions = SignedOpinionStore(store)
        opinions.forget_passphrase(case_id, 0, "patient")
        opinions.forget_passphrase(case_id, 0, "patient")
        opinions.forget_passphrase(case_id, 0, "general_practitioner")  # no copy: nothing to forget
        assert opinions.protected_copy(case_id, 0, "patient") == ProtectedCopy("patient", b"%PDF-1 patient copy", None)
        assert opinions.protected_copy(case_id, 0, "treating_physician").passphrase == "DDDDD-EEEEE-FFFFF"
        for path in (store.home / "opinions").rglob("*"):
            if path.is_file():
                assert b"AAAAA-BBBBB" not in path.read_bytes() and b"DDDDD-EEEEE" not in path.read_bytes()

    def test_a_role_without_a_copy_is_refused_in_words_a_secretary_can_act_on(self, store, case_id,
                                                                             interface_language):
        add(store, case_id, patient=(b"%PDF-1 patient copy", "AAAAA-BBBBB-CCCCC"))
        opinions = SignedOpinionStore(store)
        with pytest.raises(BadInputError, match="Sign an addendum to make one, or send a Second-O package"):
            opinions.protected_copy(case_id, 0, "treating_physician")
        english = no_protected_copy()
        for language in ("nl", "fr"):
            with in_language(language):
                assert no_protected_copy() != english  # translated

    def test_an_opinion_list_of_before_reads_as_no_copies(self, store, case_id):
        opinions = SignedOpinionStore(store)
        old = {"format": "secondo-opinions/1", "opinions": [
            {"number": 0, "signed_at": "2026-01-01T00:00:00+00:00", "signer": "A", "pdf_sha256": "0" * 64,
             "pages": 1, "size": 10, "language": "en"}]}
        (store.home / "opinions").mkdir(exist_ok=True)
        store.vault.replace_bytes(store.home / "opinions" / f"{case_id}.sov", json.dumps(old).encode())
        [entry] = opinions.list(case_id)
        assert entry.protected == () and opinions.protected_roles(case_id, 0) == []
        with pytest.raises(BadInputError, match="signed before protected copies were made"):
            opinions.protected_copy(case_id, 0, "patient")
        opinions.forget_passphrase(case_id, 0, "patient")  # nothing to forget, no error
        add(store, case_id, 1, patient=(b"%PDF-1 addendum copy", "AAAAA-BBBBB-CCCCC"))  # an addendum makes one
        assert opinions.protected_roles(case_id, 1) == ["patient"]
        assert [o.protected_roles for o in opinions.list(case_id)] == [[], ["patient"]]

    def test_copies_left_by_a_crashed_signature_are_removed_by_the_next(self, store, case_id):
        folder = store.home / "opinions" / case_id
        folder.mkdir(parents=True)
        store.vault.replace_bytes(folder / "0.protected-general_practitioner.pdf.sov", b"%PDF-1 crashed")
        add(store, case_id, patient=(b"%PDF-1 patient copy", "AAAAA-BBBBB-CCCCC"))
        assert sorted(p.name for p in folder.glob("0.protected-*")) == ["0.protected-patient.pdf.sov"]


# -- sign_opinion ------------------------------------------------------------------------------

@pytest.fixture
def response(response_file):  # noqa: F811 - the fixture imported above
    return json.loads(response_file.read_text(encoding="utf-8"))


def kept_nothing(store, case_id) -> bool:
    folder = store.home / "opinions" / case_id
    return (SignedOpinionStore(store).list(case_id) == [] and DraftStore(store).load(case_id) is None
            and not [e for e in store.audit.entries() if e["action"] == "sign"]
            and store.index.case(case_id)["status"] != "signed"
            and not (folder.is_dir() and list(folder.iterdir())))


class TestSignOpinion:
    def test_only_the_roles_the_opinion_is_addressed_to(self, store, case_id, response, pki):
        q = bind(questionnaire_for(response), store.record(case_id))
        patient = next(o["valueCoding"] for o in q.item("recipients")["answerOption"]
                       if o["valueCoding"]["code"] == "patient")
        set_answer(q, response, "recipients", [patient])
        sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa))
        assert SignedOpinionStore(store).protected_roles(case_id, 0) == ["patient"]

    def test_progress_counts_the_copies(self, store, case_id, response, pki):
        calls: list[tuple[int, int]] = []
        sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa),
                     progress=lambda done, total: calls.append((done, total)))
        total = STEPS + 2  # two copies
        assert {t for _d, t in calls} == {total}
        assert [d for d, _t in calls] == [1, 2, 3, 4, 5, 6]

    def test_a_cancel_between_copies_keeps_nothing(self, store, case_id, response, pki):
        token = CancelToken()

        def progress(done, total):
            if done == 3:  # the first copy signed, the second not
                token.cancel()
        with pytest.raises(Cancelled):
            sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa), progress=progress, token=token)
        assert kept_nothing(store, case_id)

    def test_a_signer_that_refuses_a_second_signature_fails_clearly_and_keeps_nothing(self, store, case_id,
                                                                                     response, pki):
        from pkcs11.exceptions import UserNotLoggedIn

        signer = identity_signer(key_identity(pki.reviewer_rsa))
        real = signer.async_sign_raw
        signatures = []

        async def once(data, digest_algorithm, dry_run=False):
            if not dry_run:
                signatures.append(1)
                if len(signatures) > 1:  # an eID card asks the PIN again for every signature
                    raise UserNotLoggedIn()
            return await real(data, digest_algorithm, dry_run)

        signer.async_sign_raw = once
        with pytest.raises(IdentityError, match="refused the next signature, of its password-protected PDF "
                                                "copies") as caught:
            sign_opinion(store, case_id, response, signer)
        assert "Nothing was kept" in str(caught.value)
        assert kept_nothing(store, case_id)


# -- a crash while the copies are kept (tests/unit/test_faults.py) ------------------------------

# The replaces of a signature with two copies: 1 the signed PDF, 2 its response, 3-4 the
# copies, 5 their passphrases, 6 the list (the witness).
COPY_KILLS = [  # the point, and what is kept after it: nothing until the list names the opinion
    ("os:replace:3", []),  # the first copy being kept
    ("os:replace:4:after", []),  # both copies kept, their passphrases not
    ("os:replace:5:after", []),  # every file kept, the list not
    ("os:replace:6:after", [0]),  # the list names them; status and audit line not committed (recovered)
]


@pytest.mark.parametrize(("point", "expected"), COPY_KILLS)
def test_a_signature_killed_while_keeping_its_copies_keeps_all_or_nothing(signed_base, folder, capsys, point,
                                                                          expected):
    base, case_id, pki = signed_base
    copy_base(base, folder)
    killed_at(sign_args(base, case_id, pki, folder / "opinion.pdf"), point)
    assert_audit_intact(capsys)
    assert whole_cases(capsys, folder / "home") == [case_id]
    kept = opinion_numbers(capsys, case_id)
    assert kept == expected
    assert len(audited(folder / "home", "sign")) == len(kept)
    assert (status(capsys, case_id) == "signed") == bool(kept)
    if not kept:
        rc, _out, err = run_main(capsys, *sign_args(base, case_id, pki, folder / "again.pdf"))
        assert rc == 0, err
    with CaseStore.open(folder / "home") as store:
        opinions = SignedOpinionStore(store)
        assert opinions.protected_roles(case_id, 0) == ["treating_physician", "patient"]
        for role in opinions.protected_roles(case_id, 0):
            copy = opinions.protected_copy(case_id, 0, role)
            reader = PdfFileReader(io.BytesIO(copy.pdf), strict=False)
            assert reader.decrypt(copy.passphrase).status != AuthStatus.FAILED
        names = sorted(p.name for p in (store.home / "opinions" / case_id).iterdir())
    assert names == ["0.json.sov", "0.passphrases.sov", "0.pdf.sov", "0.protected-patient.pdf.sov",
                     "0.protected-treating_physician.pdf.sov"]
    assert_audit_intact(capsys)


def test_the_demo_signs_through_sign_opinion_so_its_case_has_copies(tmp_path, capsys, isolated_home):
    """`secondo demo --no-window`: its signed case has a protected copy per addressed role, each
    verified with its passphrase against the DEMO root it wrote."""
    assert main(["demo", "--out", str(tmp_path / "demo"), "--ct-slices", "3", "--no-window"]) == 0
    capsys.readouterr()
    with CaseStore.open(isolated_home) as store:
        (row,) = store.index.cases()
        opinions = SignedOpinionStore(store)
        roles = opinions.protected_roles(row["id"], 0)
        assert roles and roles == addressed_roles(store.record(row["id"]), opinions.response(row["id"], 0))
        copies = [opinions.protected_copy(row["id"], 0, role) for role in roles]
    from app.signing.trust import load_certificates

    roots = load_certificates(tmp_path / "demo" / "pki" / "root.pem")
    assert (tmp_path / "demo" / "opinion-signed.pdf").read_bytes().startswith(b"%PDF")
    for copy in copies:
        assert verify_pdf_bytes(copy.pdf, roots, password=copy.passphrase).ok
