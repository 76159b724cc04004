"""The text of a DICOM document: an Encapsulated PDF's pages (app/dossier/pdf_document.py),
or a Structured Report's content tree as lines ("Concept: value", a container's name as a
heading), one page of source "dicom". The tree is walked within the header limits of
app/core/media_limits.py (depth, number of items)."""

from __future__ import annotations

import io
from typing import Any
import warnings

from app.core.i18n import _
from app.core.media_limits import MAX_HEADER_DEPTH, MAX_HEADER_ELEMENTS
from app.core.page_text import DICOM, DocumentText, PageText
from app.core.tasks import CancelToken, Progress
from app.dossier.dicom_index import ENCAPSULATED_PDF_CLASS, SR_CLASS_PREFIX

#: Characters of a Structured Report's text kept (a report runs to a few thousand).
MAX_SR_TEXT = 2_000_000


def _meaning(item: Any, keyword: str) -> str:
    codes = item.get(keyword)
    if not codes:
        return ""
    return str(codes[0].get("CodeMeaning") or "").strip()


def _value(item: Any) -> str:
    kind = str(item.get("ValueType") or "")
    if kind == "TEXT":
        return str(item.get("TextValue") or "").strip()
    if kind == "CODE":
        return _meaning(item, "ConceptCodeSequence")
    if kind == "NUM":
        measured = item.get("MeasuredValueSequence")
        if not measured:
            return ""
        units = _meaning(measured[0], "MeasurementUnitsCodeSequence")
        return f"{measured[0].get('NumericValue', '')} {units}".strip()
    if kind in ("DATE", "TIME", "DATETIME", "PNAME", "UIDREF"):
        return str(item.get({"DATE": "Date", "TIME": "Time", "DATETIME": "DateTime", "PNAME": "PersonName",
                             "UIDREF": "UID"}[kind]) or "").strip()
    return ""


def sr_lines(ds: Any) -> list[str]:
    """The lines of a Structured Report's content tree, depth first."""
    lines: list[str] = []
    budget = [MAX_HEADER_ELEMENTS]
    size = [0]

    def walk(node: Any, depth: int) -> None:
        if depth > MAX_HEADER_DEPTH:
            return
        for item in node.get("ContentSequence") or []:
            budget[0] -= 1
            if budget[0] < 0 or size[0] > MAX_SR_TEXT:
                return
            name, value = _meaning(item, "ConceptNameCodeSequence"), _value(item)
            line = f"{name}: {value}" if name and value else (value or name)
            if line:
                lines.append(line)
                size[0] += len(line)
            walk(item, depth + 1)

    title = _meaning(ds, "ConceptNameCodeSequence")
    if title:
        lines.append(title)
    walk(ds, 1)
    return lines


def dicom_document_text(data: bytes, token: CancelToken, progress: Progress, extractor: int) -> DocumentText:
    from pydicom import dcmread

    token.check()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = dcmread(io.BytesIO(data), force=True)
        sop_class = str(ds.get("SOPClassUID") or getattr(ds.get("file_meta"), "MediaStorageSOPClassUID", "") or "")
    except Exception:
        return DocumentText([], _("The DICOM file is damaged; its text cannot be read."), extractor)
    if sop_class == ENCAPSULATED_PDF_CLASS:
        from app.dossier.dicom_index import extract_encapsulated_pdf
        from app.dossier.pdf_document import pdf_document_text

        try:
            pdf = extract_encapsulated_pdf(data)
        except Exception:
            return DocumentText([], _("The DICOM file holds no readable PDF."), extractor)
        return pdf_document_text(pdf, token, progress, extractor)
    if sop_class.startswith(SR_CLASS_PREFIX):
        text = "\n".join(sr_lines(ds))
        progress(1, 1)
        return DocumentText([PageText(1, text, DICOM)], None, extractor)
    return DocumentText([], _("This DICOM file is not a report; it has no text to read."), extractor)
