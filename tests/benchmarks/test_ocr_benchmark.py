"""Text recognition throughput (app/dossier/ocr.py), in pages per minute, on A4 letter pages
at 300 dpi (docs/performance.md): the DEMO cardiology letter's two pages rendered clean at
300 dpi (2480 x 3508, DejaVu Sans 11 pt), recognised through the pipe one page at a time as
the workstation does (OMP_THREAD_LIMIT=1), then with OpenMP's threads; Tesseract reading the
same page from a PNG file is the peer. Also the DEMO's real scan (200 dpi, two pages) through
extract_document_text. CPU is the children's (Tesseract's) and ours, from the kernel.

Run: ./scripts/bench -k ocr
"""

from __future__ import annotations

import dataclasses
import resource
import subprocess
import textwrap
import time

import pytest

from app.core.resources import resource_path
from app.dossier import ocr
from app.dossier.document_text import extract_document_text
from tests.benchmarks.figures import record

pytestmark = pytest.mark.skipif(ocr.ocr_unavailable() is not None, reason="Tesseract with nld, fra, eng is needed")


def a4_page(lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(resource_path("fonts", "DejaVuSans.ttf")), 46)  # 11 pt at 300 dpi
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    y = 250
    for line in lines:
        for part in textwrap.wrap(line, 80) or [""]:
            draw.text((250, y), part, fill=20, font=font)
            y += 70
    return page


@pytest.fixture(scope="module")
def pages():
    from app.demo.letters import _SIGNATURE, SCANNED_PAGES

    return [a4_page([line for line in lines if line != _SIGNATURE]) for lines in SCANNED_PAGES]


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(pages, rounds: int = 2) -> tuple[float, float, list]:
    """Wall and CPU seconds per page (medians over rounds), and the last results."""
    walls, cpus, results = [], [], []
    for _ in range(rounds):
        results = []
        start_wall, start_cpu = time.perf_counter(), cpu()
        for n, page in enumerate(pages, 1):
            results.append(ocr.recognise_page(page, n))
        walls.append((time.perf_counter() - start_wall) / len(pages))
        cpus.append((cpu() - start_cpu) / len(pages))
    return sorted(walls)[len(walls) // 2], sorted(cpus)[len(cpus) // 2], results


def test_ocr_pages_per_minute_at_300_dpi(benchmark, pages, monkeypatch, tmp_path):
    wall, cpu_s, results = measure(pages)
    assert all(r.problem is None for r in results)
    assert "echocardiography" in results[0].text.lower()
    tesseract, _ = ocr._check()
    assert tesseract is not None
    threaded = dataclasses.replace(tesseract, env={k: v for k, v in tesseract.env.items() if k != "OMP_THREAD_LIMIT"})
    monkeypatch.setattr(ocr, "_check", lambda: (threaded, None))
    wall_omp, cpu_omp, _ = measure(pages)
    monkeypatch.undo()
    png = tmp_path / "page.png"
    pages[0].save(png, dpi=(300, 300))
    start_wall, start_cpu = time.perf_counter(), cpu()
    subprocess.run([tesseract.program, str(png), "stdout", "-l", "nld+fra+eng", "--psm", "3", "-c",
                    "tessedit_create_tsv=1"], env=tesseract.env, capture_output=True, check=True)
    peer_wall, peer_cpu = time.perf_counter() - start_wall, cpu() - start_cpu
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    record(benchmark, "OCR, A4 page at 300 dpi, one thread (pages per minute, wall)", 60 / wall, None,
           unit="pages/min", higher_is_better=True, peers={"tesseract on a PNG file": 60 / peer_wall},
           note=f"{cpu_s:.2f} s CPU a page (peer {peer_cpu:.2f} s)")
    record(benchmark, "OCR, A4 page at 300 dpi, OpenMP threads (pages per minute, wall)", 60 / wall_omp, None,
           unit="pages/min", higher_is_better=True, note=f"{cpu_omp:.2f} s CPU a page")


def test_ocr_of_the_demo_scan(benchmark, tmp_path):
    from app.demo.letters import write_scanned_letter

    path = tmp_path / "letter.tif"
    write_scanned_letter(path)
    data = path.read_bytes()
    start_wall, start_cpu = time.perf_counter(), cpu()
    text = benchmark.pedantic(lambda: extract_document_text(data, "image/tiff"), rounds=1, iterations=1)
    wall, cpu_s = time.perf_counter() - start_wall, cpu() - start_cpu
    assert len(text.pages) == 2 and text.problem is None
    record(benchmark, "OCR of the DEMO scanned letter, 2 pages at 200 dpi (pages per minute, wall)",
           60 * 2 / wall, None, unit="pages/min", higher_is_better=True, note=f"{cpu_s / 2:.2f} s CPU a page")
