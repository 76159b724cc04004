"""The text of a DICOM document: an Encapsulated PDF's pages, or a Structured Report's text."""

from __future__ import annotations

from app.core.page_text import DocumentText
from app.core.tasks import CancelToken, Progress


def dicom_document_text(data: bytes, token: CancelToken, progress: Progress, extractor: int) -> DocumentText:
    """Not read yet: no pages and no problem."""
    token.check()
    return DocumentText([], None, extractor)
