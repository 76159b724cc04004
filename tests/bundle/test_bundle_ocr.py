"""Smoke test of the bundle's text recognition: the BUILT program makes the DEMO data folder
and `secondo search` finds a word of its scanned cardiology letter (a two-page TIFF), which
only Tesseract carried in the bundle (its program, libraries and data in tesseract/) can read;
and a PDF's text layer is read (pypdfium2 came along)."""

from __future__ import annotations

import json
import os

import pytest

from tests.bundle.test_bundle import BUNDLE, VAULT, run

#: sys._MEIPASS/tesseract: the contents folder of a PyInstaller 6 bundle, or its top.
TESSERACT = next((p for p in (BUNDLE / "_internal" / "tesseract", BUNDLE / "tesseract") if p.is_dir()),
                 BUNDLE / "tesseract")
pytestmark = pytest.mark.skipif(not TESSERACT.is_dir(), reason=f"no bundle with Tesseract at {BUNDLE}")


def test_the_bundle_carries_tesseract_with_its_languages():
    assert os.access(TESSERACT / "tesseract", os.X_OK)
    assert {p.name for p in (TESSERACT / "tessdata").iterdir()} == {
        "nld.traineddata", "fra.traineddata", "eng.traineddata"}


def test_search_finds_a_word_of_the_scanned_letter_and_of_a_pdf(tmp_path):
    out = tmp_path / "demo"
    home = out / "home"
    made = run("demo", "--no-window", "--out", out, "--ct-slices", "10", home=home)
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    case_id = json.loads(run("cases", "--json", *VAULT, home=home).stdout)[0]["case_id"]
    # PATH without the system's tesseract: only the bundle's can do it.
    found = run("search", case_id, "echocardiography", "--json", *VAULT, home=home, PATH="/nonexistent")
    assert found.returncode == 0, found.stdout[-2000:] + found.stderr[-2000:]
    hits = json.loads(found.stdout)["hits"]
    assert any(hit["document"].endswith("cardiology-letter-scan.tif") and hit["page"] == 1 for hit in hits), hits
    layer = run("search", case_id, "pulmonology", "--json", *VAULT, home=home)
    assert any(hit["document"].endswith(".pdf") for hit in json.loads(layer.stdout)["hits"]), layer.stdout
