"""Scanned images (TIFF with all its pages, JPEG, PNG) as pages of recognised text.

A multi-page TIFF is read one page at a time (Pillow seeks from page to page; only the
page being recognised is decoded). Each page is brought to grey at about 300 dpi (from the
resolution the file states, else taken as an A4 page's width) and at most MAX_OCR_PIXELS,
then recognised (app/dossier/ocr.py). Limits (app/core/media_limits.py): a page above
MAX_SCAN_PIXELS is refused, except a JPEG, which libjpeg decodes reduced (draft mode); at
most MAX_OCR_PAGES pages are recognised. A damaged image gives a problem in words.
"""

from __future__ import annotations

from collections.abc import Iterator
import io
import logging
import warnings
from typing import TYPE_CHECKING

from app.core.i18n import _
from app.core.media_limits import MAX_OCR_PAGES, MAX_OCR_PIXELS, MAX_SCAN_PIXELS
from app.core.page_text import OCR, DocumentText, PageText
from app.core.tasks import CancelToken, Progress
from app.dossier.ocr import OCR_DPI, beyond_page_limit, ocr_unavailable, recognise_page

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

#: Width of an A4 page in inches: the resolution of a scan that does not state its own.
A4_INCHES = 8.27


def _too_large() -> str:
    return _("This page is too large to recognise ({limit} million pixels at most).").format(
        limit=MAX_SCAN_PIXELS // 1_000_000)


def _damaged() -> str:
    return _("The image is damaged or in a form that cannot be read; its text cannot be recognised.")


class ScanProblem(Exception):
    """The image as a whole cannot be read; `str(self)` says why in words."""


def open_scan(data: bytes) -> tuple[Image.Image, float]:
    """The image over `data`, its header read and nothing decoded yet, and by how much its
    stated resolution is to be divided (a JPEG larger than needed is set to decode reduced,
    by 2 to 8). Raises `ScanProblem`."""
    from PIL import Image, JpegImagePlugin

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if data[:3] == b"\xff\xd8\xff":
                # Opened without Image.open's size check: draft mode makes the decoding small.
                image: Image.Image = JpegImagePlugin.JpegImageFile(io.BytesIO(data))
                width, height = image.size
                if width * height > MAX_OCR_PIXELS:
                    factor = (MAX_OCR_PIXELS / (width * height)) ** 0.5
                    image.draft("L", (max(1, int(width * factor)), max(1, int(height * factor))))
                return image, width / image.size[0]
            return Image.open(io.BytesIO(data)), 1.0
    except Image.DecompressionBombError:
        raise ScanProblem(_too_large()) from None
    except Exception:  # Pillow raises many kinds on bad headers
        raise ScanProblem(_damaged()) from None


def frame_count(image: Image.Image) -> int:
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # a damaged page chain: read what comes
        return 1


def prepare(image: Image.Image, reduced: float = 1.0) -> Image.Image:
    """The current page of `image` decoded, grey, at about OCR_DPI and within MAX_OCR_PIXELS
    (`reduced`: how much smaller than stated the image decodes)."""
    from PIL import Image

    width, height = image.size
    if width * height > MAX_SCAN_PIXELS:
        raise ScanProblem(_too_large())
    dpi = image.info.get("dpi")
    image.load()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    grey = image.convert("L") if image.mode != "L" else image.copy()  # never the file's own image
    width, height = grey.size
    try:
        resolution = float(dpi[0]) / reduced if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        resolution = 0.0
    if not 50 <= resolution <= 2400:
        resolution = min(600.0, max(100.0, width / A4_INCHES))
    # Only ever reduced: a scan enlarged to OCR_DPI reads worse than the scan itself (Tesseract
    # misreads the interpolated strokes of a 200 dpi letter: "01/01/1970" became "0101/1970").
    scale = min(1.0, OCR_DPI / resolution)
    if scale >= 0.85:
        scale = 1.0
    if width * height * scale * scale > MAX_OCR_PIXELS:
        scale = (MAX_OCR_PIXELS / (width * height)) ** 0.5
    if scale != 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0 if scale < 0.5 else None)
    return grey


def scan_images(data: bytes) -> Iterator[tuple[int, int, Image.Image | None, str | None]]:
    """(page number, page count, the prepared page or None, a problem or None), one page at a
    time. Raises `ScanProblem` when the image cannot be opened at all."""
    image, reduced = open_scan(data)
    total = frame_count(image)
    try:
        for index in range(total):
            if index >= MAX_OCR_PAGES:
                yield index + 1, total, None, beyond_page_limit(MAX_OCR_PAGES)
                continue
            try:
                if index:
                    image.seek(index)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    page = prepare(image, reduced)
            except ScanProblem as problem:
                yield index + 1, total, None, str(problem)
            except MemoryError:
                yield index + 1, total, None, _too_large()
            except Exception as error:
                log.info("scanned page unreadable: %s", type(error).__name__)
                yield index + 1, total, None, _damaged()
            else:
                yield index + 1, total, page, None
    finally:
        image.close()


def image_document_text(data: bytes, token: CancelToken, progress: Progress, extractor: int) -> DocumentText:
    """Every page of a scanned image, recognised (see the module's description)."""
    token.check()
    reason = ocr_unavailable()
    if reason:
        return DocumentText([], reason, extractor)
    pages: list[PageText] = []
    try:
        for number, total, image, problem in scan_images(data):
            token.check()
            if image is None:
                pages.append(PageText(number, "", OCR, problem=problem))
            else:
                pages.append(recognise_page(image, number, token))
                image.close()
            progress(number, total)
    except ScanProblem as problem:
        return DocumentText([], str(problem), extractor)
    if pages and all(page.problem for page in pages) and len({page.problem for page in pages}) == 1:
        return DocumentText(pages, pages[0].problem, extractor)
    return DocumentText(pages, None, extractor)
