"""Recognition of scanned documents with Tesseract (app/dossier/ocr.py, scan_pages.py and the
scanned pages of PDFs): the DEMO's scanned letter, French and Dutch accents, page by page
with progress and cancel, and the problems that replace an exception. Each document is
recognised once per module (fixtures); the pages are small."""

from __future__ import annotations

import io
import subprocess

import pytest

from app.core.page_text import LAYER, OCR, find_spans, fold, query_terms
from app.core.tasks import CancelToken, Cancelled
from app.dossier import ocr, scan_pages
from app.dossier.document_text import extract_document_text
from tests.unit.scan_fixtures import DUTCH, FRENCH, encode, text_page

pytestmark = pytest.mark.skipif(ocr.ocr_unavailable() is not None, reason="Tesseract with nld, fra, eng is needed")


def found(page, query: str) -> bool:
    return bool(find_spans(fold(page.text), query_terms(query)))


@pytest.fixture(scope="module")
def demo_letter(tmp_path_factory):
    from app.demo.letters import write_scanned_letter

    path = tmp_path_factory.mktemp("scan") / "letter.tif"
    write_scanned_letter(path)
    seen: list[tuple[int, int]] = []
    text = extract_document_text(path.read_bytes(), "image/tiff", progress=lambda d, t: seen.append((d, t)))
    return text, seen


@pytest.fixture(scope="module")
def bilingual():
    """A two-page TIFF: a French page, then a Dutch one."""
    data = encode([text_page(FRENCH), text_page(DUTCH)], "TIFF")
    return extract_document_text(data, "image/tiff")


def test_the_demo_scanned_letter_is_recognised_page_by_page(demo_letter):
    text, seen = demo_letter
    assert text.problem is None and text.recognised
    assert [(p.number, p.source, p.problem) for p in text.pages] == [(1, OCR, None), (2, OCR, None)]
    assert seen == [(1, 2), (2, 2)]
    first = text.pages[0]
    assert found(first, "echocardiography") and found(first, "Test Patient")
    assert first.confidence is not None and first.confidence > 50
    for word in first.words:
        assert first.text[word.start:word.end] == word.text
        left, top, right, bottom = word.box
        assert 0 <= left < right <= 1 and 0 <= top < bottom <= 1
    echo = next(w for w in first.words if w.text.lower().startswith("echocardiography"))
    assert 0.05 < echo.box[0] < 0.2  # at the left margin, below the letter's head
    assert echo.box[1] > 0.3
    # Read at the scan's own 200 dpi, the birth date and the second page come out whole.
    assert "born 01/01/1970" in first.text
    assert "antiplatelet therapy" in " ".join(text.pages[1].text.split())


def test_a_scan_below_the_recognition_resolution_is_not_enlarged():
    from PIL import Image

    scan = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    scan.info["dpi"] = (200, 200)
    assert scan_pages.prepare(scan).size == (1654, 2339)
    dense = Image.new("L", (4961, 7016), 255)  # A4 at 600 dpi: reduced to about 300 dpi
    dense.info["dpi"] = (600, 600)
    assert scan_pages.prepare(dense).size == (2480, 3508)


def test_french_and_dutch_accents_are_recognised_and_found_without_them(bilingual):
    french, dutch = bilingual.pages
    assert "Échographie" in french.text or "échographie" in french.text.lower()
    assert "préservée" in french.text
    assert "Patiënt" in dutch.text and "reële" in dutch.text
    assert "œdème" in french.text
    assert found(french, "echographie preservee") and found(french, "ÉCHOGRAPHIE") and found(french, "oedeme")
    assert found(dutch, "patient geevalueerd") and found(dutch, "reële")
    assert not found(dutch, "echographie")


def test_image_only_pdf_pages_are_rendered_and_recognised():
    from tests.unit.test_document_text import image_pdf

    text = extract_document_text(image_pdf(text_page(FRENCH), layer=None), "application/pdf")
    assert text.problem is None
    page = text.pages[0]
    assert page.source == OCR and found(page, "echographie cardiaque")


def test_a_broken_text_layer_is_replaced_by_recognition():
    from tests.unit.test_document_text import image_pdf

    from tests.unit.test_document_text import BROKEN

    data = image_pdf(text_page(DUTCH), layer=BROKEN)
    page = extract_document_text(data, "application/pdf").pages[0]
    assert page.source == OCR and found(page, "polikliniek")
    assert "\ufffd" not in page.text and "\x00" not in page.text


def test_a_good_layer_over_a_scan_is_kept_without_recognising(monkeypatch):
    from tests.unit.test_document_text import image_pdf

    monkeypatch.setattr("app.dossier.pdf_document.recognise_page", lambda *a, **k: pytest.fail("recognised"))
    page = extract_document_text(image_pdf(text_page(DUTCH), layer="Patiënt gezien op de polikliniek"),
                                 "application/pdf").pages[0]
    assert page.source == LAYER and found(page, "patient polikliniek")


def test_a_hundred_page_tiff_is_read_page_by_page_and_cancels_midway(monkeypatch):
    pages = [text_page([f"Page {n}"], width=400, size=30) for n in range(1, 101)]
    data = encode(pages, "TIFF")
    token = CancelToken()
    seen: list[tuple[int, int]] = []
    recognised: list[int] = []
    real = scan_pages.recognise_page

    def recognise(image, number, token_=None):
        recognised.append(number)
        return real(image, number, token_)

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 3:
            token.cancel()

    monkeypatch.setattr(scan_pages, "recognise_page", recognise)
    with pytest.raises(Cancelled):
        extract_document_text(data, "image/tiff", token=token, progress=progress)
    assert seen == [(1, 100), (2, 100), (3, 100)]
    assert recognised == [1, 2, 3]


def test_every_page_of_a_long_tiff_comes_one_at_a_time():
    pages = [text_page([f"Page {n}"], width=300, size=20) for n in range(1, 101)]
    numbers = []
    for number, total, image, problem in scan_pages.scan_images(encode(pages, "TIFF")):
        assert total == 100 and problem is None and image is not None
        numbers.append(number)
    assert numbers == list(range(1, 101))


def test_cancel_kills_tesseract_while_it_recognises(monkeypatch):
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        started.append(process)
        return process

    class CancelOnSecondLook(CancelToken):
        looks = 0

        @property
        def cancelled(self) -> bool:
            self.looks += 1
            return self.looks > 1

    monkeypatch.setattr(ocr.subprocess, "Popen", popen)
    with pytest.raises(Cancelled):
        ocr.recognise_page(text_page(FRENCH), 1, CancelOnSecondLook())
    assert len(started) == 1 and started[0].returncode is not None and started[0].returncode < 0


def test_a_page_over_its_time_limit_is_stopped_with_a_problem():
    page = ocr.recognise_page(text_page(FRENCH), 4, time_limit=0)
    assert page.number == 4 and page.text == "" and "too long" in (page.problem or "")


def test_corrupt_images_give_a_problem_in_words():
    good = encode([text_page(["Test"])], "PNG")
    for data, media_type in ((b"not an image at all", "image/tiff"), (good[: len(good) // 2], "image/png"),
                             (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "image/jpeg"), (b"", "image/png")):
        text = extract_document_text(data, media_type)
        problems = [text.problem] + [p.problem for p in text.pages]
        assert any(problems), media_type
        assert all(p is None or "damaged" in p for p in problems)
        assert all(not p.text for p in text.pages)


def test_tesseract_missing_gives_its_reason(monkeypatch):
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    ocr._check.cache_clear()
    try:
        reason = ocr.ocr_unavailable()
        assert reason and "Tesseract" in reason
        text = extract_document_text(encode([text_page(["Test"])], "PNG"), "image/png")
        assert text.pages == [] and text.problem == reason
    finally:
        monkeypatch.undo()
        ocr._check.cache_clear()
    assert ocr.ocr_unavailable() is None


def test_tesseract_tsv_becomes_lines_blocks_and_boxes():
    tsv = "\n".join([
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t10\t90\tNé",
        "5\t1\t1\t1\t1\t2\t50\t20\t20\t10\t80\tle",
        "5\t1\t1\t1\t2\t1\t10\t40\t60\t10\t70\t01/01/1970",
        "5\t1\t2\t1\t1\t1\t10\t80\t40\t10\t-1\tDr",
        "5\t1\t2\t1\t1\t2\t10\t80\t40\t10\t95\t ",
    ])
    page = ocr.parse_tsv(tsv, 2, 100, 200)
    assert page.text == "Né le\n01/01/1970\n\nDr"
    assert [(w.text, w.start) for w in page.words] == [("Né", 0), ("le", 3), ("01/01/1970", 6), ("Dr", 18)]
    assert page.words[0].box == (0.1, 0.1, 0.4, 0.15)
    assert page.confidence == 80.0 and page.source == OCR and page.number == 2


def test_jpeg_and_png_scans_are_recognised():
    image = text_page(DUTCH)
    for kind, media_type in (("JPEG", "image/jpeg"), ("PNG", "image/png")):
        text = extract_document_text(encode([image.convert("RGB")], kind, quality=90) if kind == "JPEG"
                                     else encode([image], kind), media_type)
        assert text.problem is None and found(text.pages[0], "polikliniek"), kind


def test_a_scan_with_an_alpha_channel_is_read_on_white():
    image = text_page(FRENCH).convert("LA")
    rgba = io.BytesIO()
    image.save(rgba, "PNG")
    page = scan_pages.prepare(__import__("PIL.Image", fromlist=["Image"]).open(io.BytesIO(rgba.getvalue())))
    assert page.mode == "L" and page.getextrema()[1] == 255


def test_pages_past_the_limit_are_not_decoded_and_say_why(monkeypatch):
    monkeypatch.setattr(scan_pages, "MAX_OCR_PAGES", 2)
    pages = [text_page([f"Page {n}"], width=300, size=20) for n in range(1, 5)]
    seen = [(number, image is not None, problem) for number, _total, image, problem
            in scan_pages.scan_images(encode(pages, "TIFF"))]
    assert [s[:2] for s in seen] == [(1, True), (2, True), (3, False), (4, False)]
    assert seen[2][2] == seen[3][2] == "Only the first 2 pages of a document are recognised."
