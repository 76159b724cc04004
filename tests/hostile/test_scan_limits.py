"""Hostile scans (app/dossier/scan_pages.py, app/core/media_limits.py): a 20,000 x 20,000
JPEG is decoded reduced with its memory bounded, a PNG claiming that size is refused with a
message, a 100-page TIFF is read one page at a time. Peak memory is measured in a fresh
process (the kernel's maximum resident set size)."""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys

from app.core.media_limits import MAX_OCR_PIXELS, MAX_SCAN_PIXELS
from app.dossier.document_text import extract_document_text
from tests.hostile.huge_scans import flat_grey_jpeg, huge_png_header

ROOT = Path(__file__).resolve().parents[2]

PEAK = """
import json, resource, sys
from app.dossier.scan_pages import scan_images
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
pages = []
for number, total, image, problem in scan_images(data):
    pages.append([number, total, list(image.size) if image else None, problem])
    del image
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"pages": pages, "grew_mb": (after - before) / 1024}))
"""


def scan_in_fresh_process(path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", PEAK, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_20000_pixel_square_jpeg_is_decoded_reduced_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.jpg"
    path.write_bytes(flat_grey_jpeg(20_000, 20_000))
    result = scan_in_fresh_process(path)
    [[number, total, size, problem]] = result["pages"]
    assert (number, total, problem) == (1, 1, None)
    assert size[0] * size[1] <= MAX_OCR_PIXELS and size[0] > 2000
    # 400 million pixels decoded whole would take 400 MB in grey; reduced, about 25 MB twice.
    assert result["grew_mb"] < 150, result


def test_a_png_claiming_20000_pixels_square_is_refused_with_a_message():
    text = extract_document_text(huge_png_header(20_000, 20_000), "image/png")
    assert text.pages == [] and "too large" in (text.problem or "")
    side = int(MAX_SCAN_PIXELS ** 0.5) + 10  # past the limit, under Pillow's own
    text = extract_document_text(huge_png_header(side, side), "image/png")
    assert [p.problem for p in text.pages] == [text.problem] and "too large" in (text.problem or "")


def test_a_hundred_page_tiff_is_read_one_page_at_a_time(tmp_path):
    from PIL import Image, ImageDraw

    def pages():  # made one at a time too, so that this test holds one page
        for n in range(1, 100):
            page = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi
            ImageDraw.Draw(page).text((100, 100), f"Page {n + 1}", fill=0)
            yield page

    path = tmp_path / "long.tif"
    Image.new("L", (2480, 3508), 255).save(path, save_all=True, append_images=pages(),
                                           compression="tiff_adobe_deflate", dpi=(300, 300))
    result = scan_in_fresh_process(path)
    assert [p[0] for p in result["pages"]] == list(range(1, 101))
    assert all(p[1] == 100 and p[2] == [2480, 3508] and p[3] is None for p in result["pages"])
    # All 100 pages would hold 870 MB; one at a time, a few pages' worth.
    assert result["grew_mb"] < 120, result
