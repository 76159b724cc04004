"""A document's text, page by page, whatever its form: the one entry point of extraction.

`extract_document_text(data, media_type)` gives a `DocumentText` (app/core/page_text.py):
- text/plain: one page, decoded as UTF-8, else Windows-1252, else Latin-1;
- PDF: each page's text layer with its words' boxes (app/dossier/pdf_text.py); a page
  without a usable layer (a scan, or a layer of unmapped glyphs) is rendered at 300 dpi and
  recognised by Tesseract (app/dossier/ocr.py);
- TIFF (every page), JPEG, PNG: each page recognised by Tesseract (app/dossier/scan_pages.py
  reads them one at a time, within the limits of app/core/media_limits.py);
- DICOM: an Encapsulated PDF's pages, or a Structured Report's text
  (app/dossier/dicom_text.py).

Bad content never raises: `DocumentText.problem` or a page's `problem` says why in words.
Only `Cancelled` (the token) leaves. `progress(done_pages, total_pages)` after each page.
The heavy libraries (pypdfium2, Pillow, pydicom) are imported when a document needs them.
"""

from __future__ import annotations

import logging

from app.core.i18n import _
from app.core.page_text import PLAIN, DocumentText, PageText
from app.core.tasks import CancelToken, Cancelled, Progress, no_progress

log = logging.getLogger(__name__)

#: The version of the extraction; a text kept by an older one is extracted again.
EXTRACTOR = 1

PLAIN_TYPES = frozenset({"text/plain"})
PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
IMAGE_TYPES = frozenset({"image/tiff", "image/tif", "image/jpeg", "image/jpg", "image/pjpeg", "image/png"})
DICOM_TYPES = frozenset({"application/dicom"})


def _base_type(media_type: str) -> str:
    return (media_type or "").split(";")[0].strip().lower()


def needs_ocr(media_type: str) -> bool:
    """Whether a document of this type is always recognised (images). A PDF is decided page
    by page (`extract_document_text` recognises only the pages without a usable layer)."""
    return _base_type(media_type) in IMAGE_TYPES


def decode_plain(data: bytes) -> str:
    """Text bytes as a string: UTF-8 (with or without a BOM), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _plain(data: bytes) -> DocumentText:
    text = decode_plain(data).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return DocumentText([PageText(1, text.strip("\n"), PLAIN)], None, EXTRACTOR)


def extract_document_text(data: bytes, media_type: str, token: CancelToken | None = None,
                          progress: Progress | None = None) -> DocumentText:
    """The text of a document's bytes, page by page (see the module's description)."""
    token = token or CancelToken()
    progress = progress or no_progress
    kind = _base_type(media_type)
    try:
        if kind in PLAIN_TYPES or kind.startswith("text/"):
            result = _plain(data)
            progress(1, 1)
            return result
        if kind in PDF_TYPES:
            from app.dossier.pdf_document import pdf_document_text

            return pdf_document_text(data, token, progress, EXTRACTOR)
        if kind in IMAGE_TYPES:
            from app.dossier.scan_pages import image_document_text

            return image_document_text(data, token, progress, EXTRACTOR)
        if kind in DICOM_TYPES:
            from app.dossier.dicom_text import dicom_document_text

            return dicom_document_text(data, token, progress, EXTRACTOR)
    except Cancelled:
        raise
    except MemoryError:
        return DocumentText([], _("The document is too large to read its text."), EXTRACTOR)
    except Exception as error:  # bad content must never stop the other documents
        log.warning("text extraction failed (%s): %s", kind, type(error).__name__)
        return DocumentText([], _("The document's text could not be read."), EXTRACTOR)
    return DocumentText([], _("No text can be read from a document of this type."), EXTRACTOR)
