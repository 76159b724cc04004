"""Text extraction (app/dossier/document_text.py): plain text, PDF text layers with word
boxes, and bad content that gives a problem in words instead of an exception."""

from __future__ import annotations

import io

import pytest

from app.core.page_text import LAYER, PLAIN, DocumentText, highlight_boxes
from app.core.resources import resource_path
from app.core.tasks import CancelToken, Cancelled
from app.dossier.document_text import EXTRACTOR, decode_plain, extract_document_text, needs_ocr


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(resource_path("fonts", "DejaVuSans.ttf"))))
    return "DejaVuSans"


def make_pdf(pages: list[list[str]], rotate: int = 0, encrypt: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, encrypt=encrypt)
    font = _font()
    for lines in pages:
        if rotate:
            pdf.setPageRotation(rotate)
        pdf.setFont(font, 12)
        for n, line in enumerate(lines):
            pdf.drawString(72, A4[1] - 72 - 18 * n, line)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_plain_text_is_one_page_decoded_from_utf8_or_windows_1252():
    assert decode_plain("Né le 01/01/1970, Müller".encode()) == "Né le 01/01/1970, Müller"
    assert decode_plain("Né le 01/01/1970 – œdème".encode("cp1252")) == "Né le 01/01/1970 – œdème"
    assert decode_plain(b"\xef\xbb\xbfBOM") == "BOM"
    text = extract_document_text("Patiënt: Test Patient\r\nGeboren 1970-01-01\r\n".encode("cp1252"), "text/plain")
    assert text.problem is None and text.extractor == EXTRACTOR
    assert [(p.number, p.source, p.text) for p in text.pages] == [(1, PLAIN, "Patiënt: Test Patient\nGeboren 1970-01-01")]


def test_pdf_layer_gives_each_page_its_text_and_word_boxes_top_down():
    data = make_pdf([["Lettre de sortie", "Patient: Test Patient, né le 01/01/1970"],
                     ["Echocardiografie: geen afwijkingen"]])
    seen: list[tuple[int, int]] = []
    text = extract_document_text(data, "application/pdf", progress=lambda done, total: seen.append((done, total)))
    assert text.problem is None
    assert [p.number for p in text.pages] == [1, 2] and all(p.source == LAYER for p in text.pages)
    assert seen == [(1, 2), (2, 2)]
    first = text.pages[0]
    assert "Lettre de sortie" in first.text and "né le 01/01/1970" in first.text
    for word in first.words:
        assert first.text[word.start:word.end] == word.text
    lettre = next(w for w in first.words if w.text == "Lettre")
    ne = next(w for w in first.words if w.text == "né")
    # Drawn 72 pt from the left and the top of an A4 page; the second line lies below the first.
    assert lettre.box[0] == pytest.approx(72 / 595.27, abs=0.01)
    assert 0.07 < lettre.box[1] < lettre.box[3] < 0.12
    assert ne.box[1] > lettre.box[3]
    assert highlight_boxes(text.pages[1], "echocardiografie") == [text.pages[1].words[0].box]


def test_rotated_page_boxes_follow_the_page_as_shown():
    text = extract_document_text(make_pdf([["Rotated line"]], rotate=90), "application/pdf")
    word = text.pages[0].words[0]
    left, top, right, bottom = word.box
    # Shown turned a quarter clockwise: the line runs down the right-hand side.
    assert right - left < bottom - top
    assert left > 0.8


def test_a_damaged_or_protected_pdf_gives_a_problem_not_an_exception():
    damaged = extract_document_text(b"%PDF-1.7\n1 0 obj <<>> garbage", "application/pdf")
    assert damaged.pages == [] and "damaged" in (damaged.problem or "")
    locked = extract_document_text(make_pdf([["secret"]], encrypt="pw"), "application/pdf")
    assert locked.pages == [] and "password" in (locked.problem or "")
    unknown = extract_document_text(b"\x00\x01", "application/octet-stream")
    assert unknown.pages == [] and unknown.problem


def test_cancel_stops_between_pages():
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        extract_document_text(make_pdf([["one"], ["two"]]), "application/pdf", token=token)


def test_needs_ocr_for_images_only():
    assert needs_ocr("image/tiff") and needs_ocr("image/jpeg") and needs_ocr("IMAGE/PNG")
    assert not needs_ocr("application/pdf") and not needs_ocr("text/plain; charset=utf-8")


def test_document_text_round_trips_through_json():
    text = extract_document_text(make_pdf([["Test Patient"]]), "application/pdf")
    assert DocumentText.from_json(text.to_json()) == DocumentText.from_json(text.to_json())
    assert DocumentText.from_json(text.to_json()).pages[0].words == [
        type(w)(w.text, w.start, tuple(round(v, 5) for v in w.box)) for w in text.pages[0].words]


#: The layer `image_pdf` writes as character codes without any Unicode meaning.
BROKEN = "BROKEN LAYER OF UNMAPPED CODES"


def image_pdf(image, layer: str | None) -> bytes:
    """A one-page PDF of `image` (a scan) filling the page, with `layer` as an invisible text
    layer over it (as scanners write their recognised text), or none. `BROKEN` becomes a
    layer of control codes, as a font without a Unicode map gives."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    width, height = image.size[0] * 72 / 300, image.size[1] * 72 / 300
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height), pageCompression=0)
    pdf.drawImage(ImageReader(image.convert("RGB")), 0, 0, width, height)
    if layer is not None:
        words = pdf.beginText(20, height - 30)
        words.setTextRenderMode(3)
        words.setFont("Helvetica", 10)
        words.textLine(layer)
        pdf.drawText(words)
    pdf.showPage()
    pdf.save()
    data = out.getvalue()
    if layer == BROKEN:
        codes = b"".join(b"\\%03o" % (1 + n % 8) if c != " " else b" " for n, c in enumerate(BROKEN))
        data = data.replace(b"(" + BROKEN.encode() + b")", b"(" + codes + b")")
    return data


def test_a_layer_of_unmapped_glyphs_is_taken_for_a_scan():
    from PIL import Image

    from app.dossier.pdf_text import open_pdf, read_page

    scan = Image.new("L", (600, 300), 255)
    broken = read_page(open_pdf(image_pdf(scan, BROKEN)), 0)
    assert broken.needs_ocr and broken.bad_share > 0.5
    assert broken.page.text.strip() == ""  # the codes are no text
    empty = read_page(open_pdf(image_pdf(scan, None)), 0)
    assert empty.needs_ocr and empty.has_images and empty.page.text == ""
    good = read_page(open_pdf(image_pdf(scan, "Test Patient, geboren op 01/01/1970")), 0)
    assert not good.needs_ocr and good.page.text == "Test Patient, geboren op 01/01/1970"
    plain = read_page(open_pdf(make_pdf([["Only text, no image"]])), 0)
    assert not plain.needs_ocr and not plain.has_images
