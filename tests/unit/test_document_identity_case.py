"""The identity check inside documents in a case: `secondo show --json` gives each document
its check, the text form marks a mismatched one, the case's identity and its kept summary
(`secondo cases`, the worklist) count it once its text is kept, and the DEMO's letters are
never taken for another patient's."""

from __future__ import annotations

import json

from app.cli import main
from app.core.page_text import DocumentText
from app.demo import DEMO_PATIENT
from app.dossier import case_texts, document_text
from app.dossier.case_summaries import table as summary_table
from app.dossier.case_view import case_summaries
from app.dossier.document_identity import check_document
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.unit.document_fixtures import flag_letter, other_patient_letter_pdf, other_patient_letter_text


def secondo(capsys, *args) -> str:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out


def listed(store, case_id: str) -> dict:
    return next(s for s in case_summaries(store) if s["case_id"] == case_id)


def test_a_letter_naming_another_patient_is_flagged_in_show_and_cases(demo_store, capsys):
    store, case_id = demo_store
    assert listed(store, case_id)["identity"] == "ok"
    flagged = flag_letter(store, case_id, 2)

    view = json.loads(secondo(capsys, "show", case_id, "--json"))
    documents = {d["id"]: d for d in view["documents"]}
    ident = documents[flagged["id"]]["identity"]
    assert ident["status"] == "mismatch" and set(ident["mismatches"]) == {"name", "birth date"}
    assert ident["basis"] == "document" and "another patient's document" in ident["message"]
    others = [d["identity"]["status"] for d in view["documents"] if d["id"] != flagged["id"]]
    assert set(others) == {"not_verified"}  # their texts are not read yet
    assert (view["identity"], view["document_mismatches"], view["identity_mismatches"]) == ("mismatch", 1, 0)

    text = secondo(capsys, "show", case_id)
    assert "a document about another patient is in this case" in text
    line = next(li for li in text.splitlines() if flagged["title"] in li)
    assert line.endswith("!! PATIENT MISMATCH (name, birth date)")

    cases = json.loads(secondo(capsys, "cases", "--json"))
    entry = next(c for c in cases if c["case_id"] == case_id)
    assert (entry["identity"], entry["document_mismatches"]) == ("mismatch", 1)
    assert "IDENTITY MISMATCH" in secondo(capsys, "cases")


def test_the_kept_summary_counts_the_document_once_ensure_texts_kept_it(demo_store, monkeypatch):
    store, case_id = demo_store
    record = store.record(case_id)
    target = record["documents"][3]["id"]
    assert listed(store, case_id)["identity"] == "ok"  # kept at the import, before any text

    def extract(store_, doc, token=None, page_progress=None) -> DocumentText:
        return other_patient_letter_text() if doc["id"] == target else DocumentText([], None)

    monkeypatch.setattr(case_texts, "extract", extract)
    case_texts.ensure_texts(store, case_id)
    summary = listed(store, case_id)
    assert (summary["identity"], summary["document_mismatches"]) == ("mismatch", 1)
    # Made again from the record and the kept texts (a summary of an older version, say): the same.
    store.index.db.execute("DELETE FROM case_summaries")
    assert summary_table(store).read_all() == {}
    assert listed(store, case_id)["document_mismatches"] == 1


def test_the_demo_letters_name_the_demo_patient(demo_package):
    """Every DEMO letter's text: "match" (PDF text layers; the scan once recognised), never a
    false "mismatch"."""
    documents = demo_package.source / "documents"
    for path in sorted(documents.iterdir()):
        media_type = "application/pdf" if path.suffix == ".pdf" else "image/tiff"
        text = document_text.extract_document_text(path.read_bytes(), media_type)
        result = check_document(DEMO_PATIENT, text)
        if media_type == "image/tiff" and not text.text.strip():
            assert result.status == "not_verified", path.name  # no OCR here: not read, not flagged
            continue
        assert result.status == "match", (path.name, result.to_json())


def test_the_other_patients_letter_as_a_pdf_is_flagged_through_its_text_layer():
    text = document_text.extract_document_text(other_patient_letter_pdf(), "application/pdf")
    result = check_document(DEMO_PATIENT, text)
    assert result.status == "mismatch" and set(result.mismatches) == {"name", "birth date"}
