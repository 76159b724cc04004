"""Scanned images (TIFF, JPEG, PNG) as pages of recognised text."""

from __future__ import annotations

from app.core.page_text import DocumentText
from app.core.tasks import CancelToken, Progress


def image_document_text(data: bytes, token: CancelToken, progress: Progress, extractor: int) -> DocumentText:
    """No recognition yet: no pages and no problem."""
    token.check()
    return DocumentText([], None, extractor)
