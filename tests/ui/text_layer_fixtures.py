"""A scanned letter made for the text layer's tests: pages with dark blocks where the words
are, and the DocumentText an OCR would give of them (boxes as page fractions)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from app.core.page_text import OCR, DocumentText, PageText, Word
from tests.unit.test_document_models import image_bytes

SIZE = (800, 1000)  # pixels of each page
LINES = {
    1: [["Geachte", "collega,"], ["betreft", "Test", "Patient"]],
    2: [["Besluit:", "stabiele", "angor"], ["Met", "collegiale", "groeten"]],
}


def layout(lines: list[list[str]]) -> tuple[str, list[Word]]:
    """Each word 0.15 of the width, 0.05 apart, lines 0.08 of the height apart."""
    text, words = "", []
    for row, line in enumerate(lines):
        for column, word in enumerate(line):
            if column:
                text += " "
            left, top = 0.1 + column * 0.2, 0.1 + row * 0.08
            words.append(Word(word, len(text), (left, top, left + 0.15, top + 0.04)))
            text += word
        text += "\n"
    return text, words


def letter_text() -> DocumentText:
    pages = []
    for number, lines in LINES.items():
        text, words = layout(lines)
        pages.append(PageText(number, text, OCR, words, confidence=91.0))
    return DocumentText(pages)


def letter_tiff() -> bytes:
    """Two pages, each word a dark block at its box."""
    images = []
    for page in letter_text().pages:
        image = Image.new("L", SIZE, 255)
        draw = ImageDraw.Draw(image)
        for word in page.words:
            left, top, right, bottom = word.box
            draw.rectangle((left * SIZE[0], top * SIZE[1], right * SIZE[0] - 1, bottom * SIZE[1] - 1), fill=20)
        images.append(image)
    return image_bytes(images, "TIFF")


def letter_pdf() -> bytes:
    """The same two pages as an image-only PDF (a scan saved as PDF): A4, no text layer."""
    import io

    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    scan = Image.open(io.BytesIO(letter_tiff()))
    for index in range(2):
        scan.seek(index)
        pdf.drawImage(ImageReader(scan.convert("L").copy()), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
