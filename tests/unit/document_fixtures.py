"""A letter about ANOTHER patient ("Other Testperson", born 02/02/1980), for the tests of
the identity check inside documents: as a document's text, as a PDF with a text layer, and
kept as the text of a case's document (so that `secondo show --json`, `secondo cases` and the
navigator flag it)."""

from __future__ import annotations

import io

from app.core.page_text import DocumentText, PageText

OTHER_PATIENT = {"family_name": "Testperson", "given_names": "Other", "birth_date": "1980-02-02"}
OTHER_PATIENT_LETTER = [
    "DEMO Heart Clinic - Cardiology",
    "To: Dr. Test Surgeon (DEMO), Department of Thoracic Surgery",
    "Re: Mr Other Testperson, born 02/02/1980",
    "",
    "Dear colleague,",
    "Thank you for asking me to see Mr Testperson before his operation. He has no chest pain.",
    "Kind regards,",
    "Dr. Test Cardiologist (DEMO)",
]


def other_patient_letter_text(source: str = "layer") -> DocumentText:
    """The letter's text as `extract_document_text` gives it (one page)."""
    return DocumentText([PageText(1, "\n".join(OTHER_PATIENT_LETTER), source)])


def other_patient_letter_pdf() -> bytes:
    """The letter as a one-page PDF with a text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    y = A4[1] - 72
    for line in OTHER_PATIENT_LETTER:
        pdf.drawString(72, y, line)
        y -= 16
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def flag_letter(store, case_id: str, index: int = 0) -> dict:
    """Keep the other patient's letter as the text of the case's `index`-th document (as the
    text job would after reading it) and refresh the case's kept summary; the document entry."""
    from app.dossier import case_summaries
    from app.store.texts import TextStore

    document = store.record(case_id)["documents"][index]
    TextStore(store).save(case_id, document["id"], other_patient_letter_text())
    case_summaries.refresh(store, case_id)
    return document


def add_other_patient_letter(store, case_id: str, folder) -> str:
    """Add the other patient's letter to the case as a PDF document (its text not read yet, as
    after Case ▸ Add documents); its document id."""
    from pathlib import Path

    from app.dossier import case_sheet

    path = Path(folder) / "cardiology-letter-other-patient.pdf"
    path.write_bytes(other_patient_letter_pdf())
    return case_sheet.add_documents(store, case_id, [
        {"path": str(path), "kind": "correspondence", "title": "Cardiology letter (another patient's, DEMO)",
         "date": "2026-10-20", "author": "Dr. Test Cardiologist (DEMO)"}])[0]
