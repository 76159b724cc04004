"""A PDF's text layer page by page, with each word's box, through pypdfium2 (PDFium).

For every page: the characters PDFium extracts (its own reading order, with the spaces and
line breaks it generates), grouped into words at white space, each word's box the union of
its characters' boxes as fractions of the page as it is shown (crop box and rotation
applied, top down). A page whose layer is empty while it holds images, or whose characters
are mostly unmapped glyphs (no Unicode, private-use or replacement characters), is a
scanned page: `PdfPageLayer.needs_ocr` says so, and `render_page` gives its image for
Tesseract.

PDFium is not thread-safe: every call into it holds `PDFIUM_LOCK`.
"""

from __future__ import annotations

from collections.abc import Iterator
import ctypes
from dataclasses import dataclass
import threading
from typing import TYPE_CHECKING, Any

from app.core.i18n import _
from app.core.page_text import LAYER, PageText, Word

if TYPE_CHECKING:
    from PIL import Image

PDFIUM_LOCK = threading.RLock()
#: The page is mapped onto a device of this many units to get its characters' fractions.
_SCALE = 1_000_000
#: A page with fewer extracted (non-space) characters than this and an image is scanned.
MIN_LAYER_CHARS = 8
#: Above this share of unmapped characters a text layer is broken.
MAX_BAD_SHARE = 0.3


class PdfUnreadable(Exception):
    """The PDF cannot be opened; `str(self)` says why in a user's words."""


@dataclass
class PdfPageLayer:
    """One page's text layer and whether its text must be recognised instead."""

    page: PageText
    needs_ocr: bool
    has_images: bool
    bad_share: float


def _is_bad(code: int) -> bool:
    return (code == 0 or code in (0xFFFD, 0xFFFE, 0xFFFF) or 0xE000 <= code <= 0xF8FF
            or (code < 0x20 and code not in (9, 10, 13)))


def open_pdf(data: bytes) -> Any:
    """A pypdfium2 document over `data`; raises `PdfUnreadable` with the reason."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            return pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            if "password" in str(error).lower():
                raise PdfUnreadable(_("The PDF is protected by a password; its text cannot be read.")) from None
            raise PdfUnreadable(_("The PDF is damaged or is not a PDF; its text cannot be read.")) from None


def close_pdf(document: Any) -> None:
    with PDFIUM_LOCK:
        document.close()


def page_count(document: Any) -> int:
    with PDFIUM_LOCK:
        return len(document)


def _has_images(page: Any) -> bool:
    import pypdfium2.raw as raw

    for _obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        return True
    return False


def _device_box(page: Any, left: float, right: float, bottom: float, top: float) -> tuple[float, float, float, float]:
    """A box in PDF user space as fractions of the shown page (rotation applied, top down)."""
    import pypdfium2.raw as raw

    xs: list[int] = []
    ys: list[int] = []
    dx, dy = ctypes.c_int(), ctypes.c_int()
    for x, y in ((left, bottom), (right, top)):
        raw.FPDF_PageToDevice(page, 0, 0, _SCALE, _SCALE, 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
        xs.append(dx.value)
        ys.append(dy.value)
    return (max(0.0, min(xs) / _SCALE), max(0.0, min(ys) / _SCALE),
            min(1.0, max(xs) / _SCALE), min(1.0, max(ys) / _SCALE))


def _chars(textpage: Any) -> Iterator[tuple[int, str, tuple[float, float, float, float] | None]]:
    """(index, character, box in user space or None for generated characters)."""
    import pypdfium2.raw as raw

    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    raw_page = textpage.raw
    for index in range(raw.FPDFText_CountChars(raw_page)):
        code = raw.FPDFText_GetUnicode(raw_page, index)
        if raw.FPDFText_HasUnicodeMapError(raw_page, index) == 1:
            code = 0xFFFD
        try:
            char = chr(code)
        except (ValueError, OverflowError):
            char = "\ufffd"
        box = None
        if raw.FPDFText_IsGenerated(raw_page, index) != 1 and raw.FPDFText_GetCharBox(
                raw_page, index, ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top)):
            box = (left.value, right.value, bottom.value, top.value)
        yield index, char, box


def read_page(document: Any, index: int) -> PdfPageLayer:
    """Page `index` (0-based) of `document`: its text layer, words and whether to OCR it."""
    with PDFIUM_LOCK:
        page = document[index]
        try:
            textpage = page.get_textpage()
            try:
                return _read(page, textpage, index + 1)
            finally:
                textpage.close()
        finally:
            page.close()


def _read(page: Any, textpage: Any, number: int) -> PdfPageLayer:
    text: list[str] = []
    words: list[Word] = []
    current: list[str] = []
    start = 0
    box: list[float] | None = None
    bad = visible = 0

    def close_word() -> None:
        nonlocal current, box
        if current and box is not None:
            words.append(Word("".join(current), start, _device_box(page, *box)))
        current, box = [], None

    length = 0
    for _index, char, char_box in _chars(textpage):
        if char == "\r":
            continue
        if char.isspace():
            close_word()
            char = "\n" if char == "\n" else " "
            if char == " " and text and text[-1] in " \n":
                continue
            text.append(char)
            length += 1
            continue
        visible += 1
        if _is_bad(ord(char)):  # no letter anyone can search for: counted, not kept
            bad += 1
            close_word()
            continue
        if not current:
            start = length
        current.append(char)
        if char_box is not None:
            x0, x1, y0, y1 = char_box
            box = [x0, x1, y0, y1] if box is None else [min(box[0], x0), max(box[1], x1), min(box[2], y0), max(box[3], y1)]
        text.append(char)
        length += 1
    close_word()
    page_text = "".join(text).strip()
    # Keep the offsets of the words after stripping leading white space.
    lead = len("".join(text)) - len("".join(text).lstrip())
    if lead:
        words = [Word(w.text, w.start - lead, w.box) for w in words]
    has_images = _has_images(page)
    bad_share = bad / visible if visible else 0.0
    needs_ocr = (visible < MIN_LAYER_CHARS and has_images) or (visible > 0 and bad_share > MAX_BAD_SHARE)
    return PdfPageLayer(PageText(number, page_text, LAYER, words), needs_ocr, has_images, bad_share)


def render_page(document: Any, index: int, dpi: int, max_pixels: int) -> Image.Image:
    """Page `index` rendered in grey at `dpi` (less if that would pass `max_pixels`)."""
    with PDFIUM_LOCK:
        page = document[index]
        try:
            width, height = page.get_size()  # points, rotation applied
            scale = dpi / 72
            pixels = width * scale * height * scale
            if pixels > max_pixels:
                scale *= (max_pixels / pixels) ** 0.5
            bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=True)
            try:
                return bitmap.to_pil().convert("L")
            finally:
                bitmap.close()
        finally:
            page.close()
