"""Loose documents added to a case and a document's kind (app/dossier/case_documents.py):
stored encrypted, indexed, audited; refused when not a document; nothing kept on cancel."""

import io
from pathlib import Path

from PIL import Image
import pytest
from reportlab.pdfgen import canvas

from app.core.errors import BadInputError
from app.core.tasks import CancelToken, Cancelled
from app.dossier import case_sheet
from tests.unit.plain_case import case_id, store  # noqa: F401 - fixtures


def make_pdf(path: Path, text: str = "Referral letter for Test Patient, born 01-01-1970") -> Path:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    path.write_bytes(out.getvalue())
    return path


def make_png(path: Path, size: int = 64) -> Path:
    Image.new("L", (size, size), 128).save(path, "PNG")
    return path


def vault_files(home: Path) -> set[Path]:
    return {p for p in (home / "vault").rglob("*") if p.is_file()}


def test_a_pdf_and_a_png_become_documents_of_the_case(store, case_id, tmp_path):
    pdf, png = make_pdf(tmp_path / "verwijsbrief.pdf"), make_png(tmp_path / "scan.png")
    progress: list[tuple[int, int]] = []
    ids = case_sheet.add_documents(store, case_id, [
        {"path": str(pdf), "kind": "referral_letter", "date": "2026-11-20", "author": "Dr Janssens"},
        {"path": str(png), "kind": "other", "title": "Photo of the scar"}], progress=lambda d, t: progress.append((d, t)))
    record = store.record(case_id)
    added = {d["id"]: d for d in record["documents"]}
    assert set(ids) <= set(added)
    letter, photo = added[ids[0]], added[ids[1]]
    assert (letter["kind"], letter["media_type"], letter["title"], letter["date"], letter["author"]) == (
        "referral_letter", "application/pdf", "verwijsbrief", "2026-11-20", "Dr Janssens")
    assert (photo["media_type"], photo["title"]) == ("image/png", "Photo of the scar")
    assert store.vault.read_bytes(letter["blob"]) == pdf.read_bytes()  # stored as it was, encrypted
    assert pdf.read_bytes() not in (store.home / "vault" / letter["blob"]).read_bytes()
    rows = {r[0]: r for r in store.index.db.execute("SELECT id, kind, media_type, size FROM documents "
                                                    "WHERE case_id = ?", (case_id,))}
    assert rows[ids[0]][1:] == ("referral_letter", "application/pdf", pdf.stat().st_size)
    assert store.index.case(case_id)["documents"] == len(record["documents"])
    assert progress[-1][0] == progress[-1][1] == pdf.stat().st_size + png.stat().st_size
    line = [e for e in store.audit.entries() if e["action"] == "add-documents"][-1]
    assert line["details"]["count"] == 2 and line["details"]["kinds"] == {"other": 1, "referral_letter": 1}
    assert "verwijsbrief" not in (store.home / "audit.log").read_text()
    checklist = {c["item"]: c for c in record["completeness"]}
    assert checklist["referral_letter"]["count"] == 1


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (bytes(range(256)) * 4, "not a PDF, an image"),
    (b"\x00" * 128 + b"DICM" + b"\x00" * 64, "DICOM imaging"),
])
def test_what_is_not_a_document_is_refused_with_the_reason(store, case_id, tmp_path, content, words):
    path = tmp_path / "thing.bin"
    path.write_bytes(content)
    blob = store.index.case(case_id)["record"]
    with pytest.raises(BadInputError, match=words):
        case_sheet.add_documents(store, case_id, [{"path": str(path), "kind": "other"}])
    assert store.index.case(case_id)["record"] == blob


def test_an_unknown_kind_is_refused(store, case_id, tmp_path):
    with pytest.raises(BadInputError, match="not a document kind"):
        case_sheet.add_documents(store, case_id, [{"path": str(make_pdf(tmp_path / "a.pdf")), "kind": "recipe"}])


def test_a_cancel_in_the_middle_leaves_the_case_as_before_and_no_stray_file(store, case_id, tmp_path,
                                                                             isolated_home):
    first = make_pdf(tmp_path / "first.pdf")
    big = tmp_path / "big.png"
    Image.frombytes("L", (2048, 1024), bytes(range(256)) * 8192).save(big, "PNG", compress_level=0)
    assert big.stat().st_size > 2 << 20  # several chunks
    before_files, before_blob = vault_files(isolated_home), store.index.case(case_id)["record"]
    lines = len(store.audit.entries())
    token = CancelToken()

    def progress(done, total):
        if done > first.stat().st_size:  # the first file is stored, the second under way
            token.cancel()

    with pytest.raises(Cancelled):
        case_sheet.add_documents(store, case_id, [{"path": str(first), "kind": "other"},
                                                  {"path": str(big), "kind": "other"}],
                                 progress=progress, cancel=token)
    assert store.index.case(case_id)["record"] == before_blob
    assert vault_files(isolated_home) == before_files
    assert not [p for p in (isolated_home / "staging").iterdir()]
    assert len(store.audit.entries()) == lines
    assert store.index.db.execute("SELECT count(*) FROM documents WHERE case_id = ?", (case_id,)).fetchone()[0] == 0


def test_reclassify_changes_the_kind_in_the_record_and_the_index(store, case_id, tmp_path):
    [doc] = case_sheet.add_documents(store, case_id, [{"path": str(make_pdf(tmp_path / "a.pdf")), "kind": "other"}])
    record = case_sheet.reclassify(store, case_id, doc[:8], "imaging_report", by="Dr Reviewer")
    assert [d["kind"] for d in record["documents"] if d["id"] == doc] == ["imaging_report"]
    assert store.index.db.execute("SELECT kind FROM documents WHERE id = ?", (doc,)).fetchone()[0] == "imaging_report"
    line = store.audit.entries()[-1]
    assert (line["action"], line["details"]["from"], line["details"]["to"]) == ("reclassify", "other",
                                                                               "imaging_report")
    with pytest.raises(BadInputError, match="no document"):
        case_sheet.reclassify(store, case_id, "ffffffff", "other")
    with pytest.raises(BadInputError, match="not a document kind"):
        case_sheet.reclassify(store, case_id, doc, "poem")
