"""Decoding an image document with Pillow: JPEG, PNG, (multi-page) TIFF. No Qt.

Every page comes back fully decoded, EXIF orientation applied, in mode "L" or "RGB" (alpha
is flattened onto white, 16-bit greys are scaled to 8 bits), ready to be shown.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from app.core.errors import BadInputError
from app.core.i18n import _

MAX_PAGES = 500
MAX_PIXELS = 200_000_000  # per page: a scanned A3 at 1200 dpi is ~ 90 MP


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


def load_image_pages(data: bytes) -> list[Image.Image]:
    """All pages (frames) of an image as displayable Pillow images; ImageDecodeError if damaged."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(bytes(data or b"")))
            pages = []
            for index in range(min(getattr(image, "n_frames", 1), MAX_PAGES)):
                image.seek(index)
                if image.width * image.height > MAX_PIXELS:
                    raise ImageDecodeError(_("This image is too large to show ({w} x {h} pixels)")
                                           .format(w=image.width, h=image.height))
                image.load()
                pages.append(_displayable(image.copy()))
    except ImageDecodeError:
        raise
    except UnidentifiedImageError:
        raise ImageDecodeError(_("This file is not an image in a known format (JPEG, PNG or TIFF)")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageDecodeError(_("This image is too large to show")) from None
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, MemoryError, KeyError) as exc:
        raise ImageDecodeError(_("This image is damaged and cannot be decoded ({reason})")
                               .format(reason=type(exc).__name__ if not str(exc) else str(exc)[:120])) from None
    if not pages:
        raise ImageDecodeError(_("This image has no pages"))
    return pages
