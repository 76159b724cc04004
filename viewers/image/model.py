"""Decoding an image document with Pillow: JPEG, PNG, (multi-page) TIFF. No Qt.

`ImagePages` opens the bytes once to count the pages, then decodes a page when it is asked
for, so a 100-page scan holds one decoded page, not a hundred. Each page comes back with its
EXIF orientation applied, in mode "L" or "RGB" (alpha flattened onto white, 16-bit greys
scaled to 8 bits), and reduced by a whole factor when it is larger than
`MAX_SHOWN_IMAGE_PIXELS` (a JPEG is decoded at the reduced size directly). A page larger than
`MAX_IMAGE_PIXELS` is refused before its pixels are allocated, with a sentence saying so.
"""

from __future__ import annotations

import io
import math
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.errors import BadInputError
from app.core.i18n import _
from app.core.media_limits import MAX_IMAGE_PAGES, MAX_IMAGE_PIXELS, MAX_SHOWN_IMAGE_PIXELS

MAX_PAGES = MAX_IMAGE_PAGES
MAX_PIXELS = MAX_IMAGE_PIXELS
_REDUCIBLE = ("L", "RGB", "RGBA", "LA", "CMYK", "I", "F")  # modes Image.reduce takes as they are
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, MemoryError, KeyError)


class ImageDecodeError(BadInputError):
    """The bytes are not an image Pillow can decode (damaged, truncated, unsupported)."""


def _displayable(page: Image.Image) -> Image.Image:
    page = ImageOps.exif_transpose(page)
    if page.mode in ("L", "RGB"):
        return page
    if page.mode in ("1",):
        return page.convert("L")
    if page.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        low, high = page.getextrema()
        scale = 255.0 / (high - low) if high > low else 1.0
        return page.point(lambda v: (v - low) * scale).convert("L")
    if page.mode in ("LA", "La"):
        page = page.convert("RGBA")
    if page.mode == "P":
        page = page.convert("RGBA")
    if page.mode in ("RGBA", "RGBa"):
        white = Image.new("RGB", page.size, "white")
        white.paste(page, mask=page.getchannel("A"))
        return white
    return page.convert("RGB")  # CMYK, YCbCr, LAB...


def reduction(width: int, height: int, limit: int = MAX_SHOWN_IMAGE_PIXELS) -> int:
    """The whole factor a page of width x height is reduced by to hold at most `limit` pixels."""
    pixels = width * height
    return 1 if pixels <= limit else math.ceil(math.sqrt(pixels / limit))


def _decode_problem(exc: BaseException) -> ImageDecodeError:
    if isinstance(exc, ImageDecodeError):
        return exc
    if isinstance(exc, UnidentifiedImageError):
        return ImageDecodeError(_("This file is not an image in a known format (JPEG, PNG or TIFF)"))
    if isinstance(exc, Image.DecompressionBombError):
        return ImageDecodeError(_("This image is too large to show"))
    return ImageDecodeError(_("This image is damaged and cannot be decoded ({reason})")
                            .format(reason=type(exc).__name__ if not str(exc) else str(exc)[:120]))


class ImagePages:
    """The pages of an image file, decoded one at a time (`page(index)`).
    ImageDecodeError when the file cannot be opened or its first page cannot be decoded."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data or b"")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit in page()
                with self._open() as image:
                    frames = getattr(image, "n_frames", 1)
        except Exception as exc:  # noqa: BLE001 - every decoding failure becomes a sentence
            if isinstance(exc, (ImageDecodeError, UnidentifiedImageError, Image.DecompressionBombError,
                                *_DECODE_ERRORS)):
                raise _decode_problem(exc) from None
            raise
        if frames < 1:
            raise ImageDecodeError(_("This image has no pages"))
        self.count = min(frames, MAX_IMAGE_PAGES)
        self.left_out = frames - self.count  # pages beyond MAX_IMAGE_PAGES
        self.reduced: dict[int, int] = {}  # page -> the factor it was reduced by, when > 1
        self.first = self.page(0)  # a file whose first page does not decode is refused at once

    def __len__(self) -> int:
        return self.count

    def _open(self) -> Image.Image:
        return Image.open(io.BytesIO(self._data))

    def page(self, index: int) -> Image.Image:
        """Page `index` (from 0) decoded and displayable; ImageDecodeError when it cannot be."""
        if index == 0 and getattr(self, "first", None) is not None:
            first, self.first = self.first, None  # handed over once: the viewer keeps what it shows
            return first
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit below
                with self._open() as image:
                    image.seek(index)
                    factor = reduction(image.width, image.height)
                    if factor > 1 and image.format == "JPEG":
                        image.draft(image.mode, (image.width // factor, image.height // factor))
                        factor = reduction(image.width, image.height)
                    if image.width * image.height > MAX_IMAGE_PIXELS:
                        raise ImageDecodeError(_("This image is too large to show ({w} x {h} pixels)")
                                               .format(w=image.width, h=image.height))
                    image.load()
                    page = image.copy()
        except Exception as exc:  # noqa: BLE001 - see __init__
            if isinstance(exc, (ImageDecodeError, UnidentifiedImageError, Image.DecompressionBombError,
                                *_DECODE_ERRORS)):
                raise _decode_problem(exc) from None
            raise
        if factor <= 1:
            return _displayable(page)
        self.reduced[index] = factor
        if page.mode in _REDUCIBLE:
            return _displayable(page.reduce(factor))
        return _displayable(page).reduce(factor)


def load_image_pages(data: bytes) -> list[Image.Image]:
    """All pages of an image, decoded (small images, tests); the viewer uses `ImagePages`."""
    pages = ImagePages(data)
    return [pages.page(index) for index in range(len(pages))]
