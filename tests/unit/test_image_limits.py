"""Image documents that would run away with memory: pages decoded one at a time (a 100-page
scan holds one page), large pages reduced for display, a 20,000 x 20,000 scan refused with a
sentence before its pixels are allocated."""

from __future__ import annotations

import io
import json
import struct
import textwrap

import pytest
from PIL import Image

from tests.unit.test_dicom_limits import peak_rss_mib
from viewers.image import model
from viewers.image.model import ImageDecodeError, ImagePages, reduction

A4_200_DPI = (1654, 2339)


def tiff(pages: int, size=(40, 30), mode="L", **options) -> bytes:
    page = Image.new(mode, size, 255)
    buffer = io.BytesIO()
    page.save(buffer, "TIFF", save_all=pages > 1, append_images=[page] * (pages - 1), **options)
    return buffer.getvalue()


def with_size(data: bytes, width: int, height: int) -> bytes:
    """A little-endian TIFF whose first page claims width x height (its tags rewritten)."""
    out = bytearray(data)
    assert out[:4] == b"II*\0"
    ifd = struct.unpack_from("<I", out, 4)[0]
    for n in range(struct.unpack_from("<H", out, ifd)[0]):
        at = ifd + 2 + 12 * n
        tag, kind = struct.unpack_from("<HH", out, at)
        if tag in (256, 257):
            value = width if tag == 256 else height
            struct.pack_into("<H" if kind == 3 else "<I", out, at + 8, value)
    return bytes(out)


def test_the_reduction_is_a_whole_factor_under_the_limit():
    assert reduction(4000, 6000, 25_000_000) == 1
    assert reduction(6000, 5000, 25_000_000) == 2
    assert reduction(14000, 10000, 25_000_000) == 3
    width, height, factor = 20000, 20000, reduction(20000, 20000, 25_000_000)
    assert (width // factor) * (height // factor) <= 25_000_000


def test_pages_are_decoded_when_asked_for(monkeypatch):
    decoded = []
    real = model._displayable
    monkeypatch.setattr(model, "_displayable", lambda page: decoded.append(page.size) or real(page))
    pages = ImagePages(tiff(100))
    assert len(pages) == 100 and pages.left_out == 0
    assert len(decoded) == 1  # the first page, to know the file is an image
    assert pages.page(57).size == (40, 30)
    assert len(decoded) == 2


def test_pages_beyond_the_limit_are_left_out_and_counted(monkeypatch):
    monkeypatch.setattr(model, "MAX_IMAGE_PAGES", 3)
    pages = ImagePages(tiff(5))
    assert len(pages) == 3 and pages.left_out == 2


def test_a_large_page_is_reduced_for_display():
    buffer = io.BytesIO()
    Image.new("L", (6000, 5000), 200).save(buffer, "PNG")
    pages = ImagePages(buffer.getvalue())
    assert pages.page(0).size == (3000, 2500) and pages.reduced == {0: 2}


def test_a_large_jpeg_is_decoded_at_the_reduced_size():
    buffer = io.BytesIO()
    Image.new("RGB", (6000, 5000), (200, 10, 10)).save(buffer, "JPEG")
    pages = ImagePages(buffer.getvalue())
    page = pages.page(0)
    assert page.size == (3000, 2500) and page.mode == "RGB"


@pytest.mark.parametrize("width, height", [(20000, 20000), (13000, 12000)])
def test_a_huge_scan_is_refused_with_a_sentence(width, height):
    data = with_size(tiff(1, size=(64, 64), compression="raw"), width, height)
    with pytest.raises(ImageDecodeError, match="too large to show"):
        ImagePages(data)


def test_peak_memory_of_a_100_page_scan_walked_page_by_page(tmp_path):
    path = tmp_path / "scan.tif"
    path.write_bytes(tiff(100, size=A4_200_DPI, compression="tiff_lzw"))
    peak, result = peak_rss_mib(textwrap.dedent(f"""
        import json
        from pathlib import Path
        from viewers.image.model import ImagePages
        pages = ImagePages(Path({str(path)!r}).read_bytes())
        sizes = {{pages.page(n).size for n in range(len(pages))}}
        print(json.dumps({{"pages": len(pages), "sizes": sorted(sizes)}}))
    """))
    assert json.loads(json.dumps(result)) == {"pages": 100, "sizes": [list(A4_200_DPI)]}
    all_pages_mib = 100 * A4_200_DPI[0] * A4_200_DPI[1] / 2**20  # what holding every page would take
    assert peak < 150 < all_pages_mib, f"{peak:.0f} MiB"
