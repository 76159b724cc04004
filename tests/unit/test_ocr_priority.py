"""Tesseract runs below the window's priority (app/dossier/ocr.py `lower_priority`), so that
a case opens as fast while the text job reads scans; tests/benchmarks/test_text_job_benchmark.py
measures it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.dossier import ocr

pytestmark = pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no nice values here")


def test_a_recognition_process_runs_at_a_lower_priority():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        before = os.getpriority(os.PRIO_PROCESS, child.pid)
        ocr.lower_priority(child.pid)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == max(ocr.NICE, before)
    finally:
        child.communicate(b"")


def test_a_process_already_ended_is_no_error():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    ocr.lower_priority(child.pid)  # reaped: ESRCH, nothing raised


def test_the_recognition_asks_for_the_lower_priority(monkeypatch):
    from PIL import Image

    if ocr.ocr_unavailable() is not None:
        pytest.skip(str(ocr.ocr_unavailable()))
    lowered = []
    real = ocr.lower_priority
    monkeypatch.setattr(ocr, "lower_priority", lambda pid: (lowered.append(pid), real(pid)))
    image = Image.new("L", (200, 60), 255)
    ocr.recognise_page(image, 1)
    assert len(lowered) == 1
