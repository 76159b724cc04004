"""Signing a case's opinion: kept with the case, the draft locked, the case
Signed, audited; refused while the form is incomplete; a later change is a numbered addendum
and the signed original is never altered. Through the service and through the CLI."""

import hashlib
import io
import json
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from app.cli import main
from app.core.errors import BadInputError
from app.core.tasks import Cancelled, CancelToken
from app.opinion.questionnaire import set_answer
from app.signoff.signing import (IncompleteOpinionError, is_locked, preview_opinion, questionnaire_for,
                                 sign_opinion, start_addendum)
from app.report.opinion_pdf import ATTACHMENT_NAME
from app.signing.verify import verify_pdf_bytes
from app.store.audit import AuditLog
from app.store.drafts import DraftStore
from app.store.opinions import SignedOpinionStore
from app.store.store import CaseStore
from tests.conftest import key_identity
from tests.unit.test_verify_cli import case_id, demo, response_file, secondo  # noqa: F401 - fixtures


@pytest.fixture
def store(isolated_home, case_id):
    with CaseStore.open(isolated_home) as opened:
        yield opened


@pytest.fixture
def response(response_file):
    return json.loads(response_file.read_text(encoding="utf-8"))


def status(store, case_id) -> str:
    return store.index.case(case_id)["status"]


def attachment(pdf: bytes) -> dict:
    reader = PdfFileReader(io.BytesIO(pdf))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[names.index(ATTACHMENT_NAME) + 1].get_object()
    return json.loads(spec["/EF"]["/F"].get_object().data.decode("utf-8"))


def text_of(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "o.pdf"
    path.write_bytes(pdf)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


class TestSign:
    def test_signed_kept_locked_signed_and_audited(self, store, case_id, response, pki):
        result = sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa), via="test")
        assert result.opinion.number == 0 and not result.opinion.is_addendum
        assert verify_pdf_bytes(result.pdf, [pki.root.certificate]).ok
        opinions = SignedOpinionStore(store)
        assert [o.number for o in opinions.list(case_id)] == [0]
        assert opinions.pdf(case_id, 0) == result.pdf
        draft = DraftStore(store).load(case_id)
        assert is_locked(draft) and draft["status"] == "completed"
        assert attachment(result.pdf) == draft == opinions.response(case_id, 0)  # the embedded JSON is the draft
        assert status(store, case_id) == "signed"
        last = store.audit.entries()[-1]
        assert last["action"] == "sign" and last["case"] == case_id
        assert last["details"]["pdf_sha256"] == hashlib.sha256(result.pdf).hexdigest()

    def test_refused_while_required_items_are_empty(self, store, case_id, response, pki):
        q = questionnaire_for(response)
        from app.opinion.prefill import bind
        q = bind(q, store.record(case_id))
        set_answer(q, response, "answer", None)
        set_answer(q, response, "findings", "")
        before = store.audit.entries()
        with pytest.raises(IncompleteOpinionError) as caught:
            sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa))
        assert {link for link, _text in caught.value.missing} == {"answer", "findings"}
        assert "Answer to the question" in str(caught.value)
        assert SignedOpinionStore(store).list(case_id) == []
        assert status(store, case_id) != "signed" and store.audit.entries() == before

    def test_a_change_after_signing_is_a_numbered_addendum(self, store, case_id, response, pki, tmp_path):
        identity = key_identity(pki.reviewer_rsa)
        original = sign_opinion(store, case_id, response, identity)
        draft = start_addendum(DraftStore(store).load(case_id))
        assert not is_locked(draft)
        q = questionnaire_for(draft)
        from app.opinion.prefill import bind
        set_answer(bind(q, store.record(case_id)), draft, "answer", "Resection after all: the nodule grew.")
        preview = preview_opinion(store, case_id, draft)
        assert "Addendum 1 to the opinion of" in text_of(preview.pdf, tmp_path)
        addendum = sign_opinion(store, case_id, draft, identity)
        assert addendum.opinion.number == 1
        opinions = SignedOpinionStore(store)
        assert opinions.pdf(case_id, 0) == original.pdf  # the signed original is never altered
        assert opinions.response(case_id, 1)["status"] == "amended"
        text = text_of(addendum.pdf, tmp_path)
        assert "Addendum 1 to the opinion of" in text and "Resection after all" in text
        assert "This addendum changes the following sections of the signed opinion: Answer to the question." in text
        assert verify_pdf_bytes(addendum.pdf, [pki.root.certificate]).ok

    def test_a_draft_that_cannot_be_written_after_signing_still_leaves_the_case_signed(self, store, case_id,
                                                                                      response, pki, monkeypatch):
        from app.core.errors import OutputError

        def full(self, case_id, response):
            raise OutputError("Cannot write the draft: the disk is full. Nothing was written.")

        monkeypatch.setattr(DraftStore, "save", full)
        with pytest.raises(OutputError, match="signed and is kept with the case"):
            sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa))
        assert [o.number for o in SignedOpinionStore(store).list(case_id)] == [0]
        assert status(store, case_id) == "signed" and store.audit.entries()[-1]["action"] == "sign"

    def test_a_cancel_before_keeping_keeps_nothing(self, store, case_id, response, pki):
        token = CancelToken()
        token.cancel()
        with pytest.raises(Cancelled):
            sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa), token=token)
        assert SignedOpinionStore(store).list(case_id) == [] and DraftStore(store).load(case_id) is None

    def test_an_opinion_number_taken_meanwhile_is_refused(self, store, case_id, pki):
        opinions = SignedOpinionStore(store)
        opinions.add(case_id, 0, b"%PDF-1 one", {}, signer="A", signed_at="2026-12-01T00:00:00+00:00", pages=1)
        with pytest.raises(BadInputError):
            opinions.add(case_id, 0, b"%PDF-1 two", {}, signer="B", signed_at="2026-12-01T00:00:00+00:00", pages=1)
        assert opinions.pdf(case_id, 0) == b"%PDF-1 one"

    def test_a_stored_opinion_altered_at_rest_is_refused(self, store, case_id, response, pki):
        sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa))
        path = store.home / "opinions" / case_id / "0.pdf.sov"
        data = bytearray(path.read_bytes())
        data[-40] ^= 1
        path.write_bytes(bytes(data))
        with pytest.raises(BadInputError):
            SignedOpinionStore(store).pdf(case_id, 0)

    def test_no_patient_name_in_clear_in_the_opinions_folder(self, store, case_id, response, pki):
        sign_opinion(store, case_id, response, key_identity(pki.reviewer_rsa))
        for path in (store.home / "opinions").rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert b"Test Patient" not in data and b"TEST, Patient" not in data and b"%PDF" not in data


class TestCli:
    def test_export_then_list_and_get_byte_for_byte(self, case_id, response_file, demo, tmp_path, capsys,
                                                     isolated_home):
        out = tmp_path / "opinion.pdf"
        rc, _, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file, "-o", out,
                             "--identity", demo.pki_files["reviewer-rsa.p12"], "--identity-pass-env", "ID_PASS")
        assert rc == 0, err
        rc, listing, err = secondo(capsys, "opinion", "list", case_id, "--json")
        assert rc == 0, err
        (entry,) = json.loads(listing)["opinions"]
        assert entry["number"] == 0 and entry["pdf_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
        rc, _, err = secondo(capsys, "opinion", "get", case_id[:8], "-o", tmp_path / "copy.pdf")
        assert rc == 0, err
        assert (tmp_path / "copy.pdf").read_bytes() == out.read_bytes()
        assert AuditLog(isolated_home / "audit.log").entries()[-1]["action"] == "export"
        # The case's draft is now the signed response: the same text again is no addendum...
        rc, stdout, err = secondo(capsys, "opinion", "export", case_id, "-o", tmp_path / "same.pdf",
                                  "--identity", demo.pki_files["reviewer-rsa.p12"], "--identity-pass-env", "ID_PASS")
        assert rc == 3 and "Nothing changed since the opinion signed on" in err
        assert not (tmp_path / "same.pdf").exists()
        # ...a changed answer is addendum 1.
        changed = json.loads(response_file.read_text(encoding="utf-8"))
        from app.opinion.prefill import bind
        with CaseStore.open() as store:
            set_answer(bind(questionnaire_for(changed), store.record(case_id)), changed, "answer", "Changed answer.")
        response_file.write_text(json.dumps(changed), encoding="utf-8")
        rc, stdout, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file,
                                  "-o", tmp_path / "add.pdf",
                                  "--identity", demo.pki_files["reviewer-rsa.p12"], "--identity-pass-env", "ID_PASS")
        assert rc == 0 and "addendum 1" in stdout, err
        rc, listing, _ = secondo(capsys, "opinion", "list", case_id, "--json")
        assert [o["number"] for o in json.loads(listing)["opinions"]] == [0, 1]
        rc, shown, _ = secondo(capsys, "show", case_id, "--json")
        shown = json.loads(shown)
        assert shown["status"] == "signed" and [o["number"] for o in shown["opinions"]] == [0, 1]

    def test_an_incomplete_response_is_refused_with_exit_3(self, case_id, response_file, demo, tmp_path, capsys):
        data = json.loads(response_file.read_text(encoding="utf-8"))
        q = questionnaire_for(data)
        from app.opinion.prefill import bind
        with CaseStore.open() as store:
            set_answer(bind(q, store.record(case_id)), data, "answer", None)
        response_file.write_text(json.dumps(data), encoding="utf-8")
        rc, _, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file, "-o",
                             tmp_path / "o.pdf", "--identity", demo.pki_files["reviewer-rsa.p12"],
                             "--identity-pass-env", "ID_PASS")
        assert rc == 3 and "Answer to the question" in err
        assert not (tmp_path / "o.pdf").exists()

    def test_get_without_a_signed_opinion_exits_3(self, case_id, tmp_path, capsys):
        rc, _, err = secondo(capsys, "opinion", "get", case_id, "-o", tmp_path / "o.pdf")
        assert rc == 3 and "no signed opinion" in err
        assert main(["opinion", "list", case_id]) == 0
