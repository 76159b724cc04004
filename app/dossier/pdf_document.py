"""A PDF's text page by page: its text layer where it has a usable one, else the page
rendered at 300 dpi and recognised (see app/dossier/document_text.py)."""

from __future__ import annotations

from app.core.i18n import _
from app.core.page_text import DocumentText, PageText
from app.core.tasks import CancelToken, Progress
from app.dossier.pdf_text import PdfUnreadable, open_pdf, page_count, read_page


def pdf_document_text(data: bytes, token: CancelToken, progress: Progress, extractor: int) -> DocumentText:
    try:
        document = open_pdf(data)
    except PdfUnreadable as error:
        return DocumentText([], str(error), extractor)
    try:
        total = page_count(document)
        pages: list[PageText] = []
        for index in range(total):
            token.check()
            try:
                layer = read_page(document, index)
            except Exception:  # one damaged page does not lose the others
                pages.append(PageText(index + 1, "", "layer", problem=_("This page could not be read.")))
            else:
                pages.append(layer.page)
            progress(index + 1, total)
        return DocumentText(pages, None, extractor)
    finally:
        document.close()
