"""A PDF's text page by page: its text layer where it has a usable one, else the page
rendered at 300 dpi and recognised (see app/dossier/document_text.py)."""

from __future__ import annotations

from app.core.i18n import _
from app.core.media_limits import MAX_OCR_PAGES, MAX_OCR_PIXELS
from app.core.page_text import LAYER, OCR, DocumentText, PageText
from app.core.tasks import CancelToken, Progress
from app.dossier.ocr import OCR_DPI, beyond_page_limit, ocr_unavailable, recognise_page
from app.dossier.pdf_text import (MAX_BAD_SHARE, PdfPageLayer, PdfUnreadable, close_pdf, open_pdf, page_count, read_page,
                                  render_page)


def _layer_or_nothing(layer: PdfPageLayer, problem: str | None) -> PageText:
    """The page's own layer when it is readable text (else no text), with `problem`."""
    page = layer.page
    if layer.bad_share > MAX_BAD_SHARE:
        return PageText(page.number, "", LAYER, problem=problem)
    return PageText(page.number, page.text, LAYER, page.words, problem=problem)


def _recognise(document: object, index: int, token: CancelToken) -> PageText:
    try:
        image = render_page(document, index, OCR_DPI, MAX_OCR_PIXELS)
    except MemoryError:
        return PageText(index + 1, "", OCR, problem=_("This page is too large to recognise."))
    except Exception:
        return PageText(index + 1, "", OCR, problem=_("This page could not be read."))
    try:
        return recognise_page(image, index + 1, token)
    finally:
        image.close()


def pdf_document_text(data: bytes, token: CancelToken, progress: Progress, extractor: int) -> DocumentText:
    try:
        document = open_pdf(data)
    except PdfUnreadable as error:
        return DocumentText([], str(error), extractor)
    try:
        total = page_count(document)
        pages: list[PageText] = []
        recognised = 0
        for index in range(total):
            token.check()
            try:
                layer = read_page(document, index)
            except Exception:  # one damaged page does not lose the others
                pages.append(PageText(index + 1, "", LAYER, problem=_("This page could not be read.")))
                progress(index + 1, total)
                continue
            page = layer.page
            if layer.needs_ocr:
                reason = ocr_unavailable()
                if reason:
                    page = _layer_or_nothing(layer, reason)
                elif recognised >= MAX_OCR_PAGES:
                    page = _layer_or_nothing(layer, beyond_page_limit(MAX_OCR_PAGES))
                else:
                    recognised += 1
                    page = _recognise(document, index, token)
                    if page.problem and layer.page.text:
                        page = _layer_or_nothing(layer, page.problem)
            pages.append(page)
            progress(index + 1, total)
        return DocumentText(pages, None, extractor)
    finally:
        close_pdf(document)
