"""The PDF, image and text viewers driven offscreen: pages, zoom, search, rotation, pages on
white, and damaged documents that explain themselves in the viewer without a dialog."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox

from app.crypto.stanzas import VaultKey
from app.store.vault import Vault
from tests.unit.test_document_models import image_bytes, make_pdf
from viewers import base
from viewers.documents import DocumentSource, load_document_viewers, open_document
from viewers.image.widget import ImageViewerWidget
from viewers.pdf.widget import PdfViewerWidget
from viewers.text.widget import TextViewerWidget

BACKDROP = QColor("#5a5a5a")


@pytest.fixture(autouse=True)
def no_dialogs(monkeypatch):
    """A viewer must never pop up a message box."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a viewer opened a dialog")
    for name in ("critical", "warning", "information", "question", "exec"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    yield
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def shown(qtbot, widget_class, size=(900, 700)):
    widget = widget_class()
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# --- registry ----------------------------------------------------------------------------------

@pytest.mark.parametrize("media_type, widget_class", [
    ("application/pdf", PdfViewerWidget), ("image/jpeg", ImageViewerWidget), ("image/png", ImageViewerWidget),
    ("image/tiff", ImageViewerWidget), ("image/bmp", ImageViewerWidget), ("text/plain", TextViewerWidget),
    ("text/csv; charset=utf-8", TextViewerWidget),
])
def test_the_registry_returns_the_viewer_for_each_media_type(media_type, widget_class):
    load_document_viewers()
    entry = base.viewer_for(media_type)
    assert entry is not None and entry.factory is widget_class


# --- PDF -----------------------------------------------------------------------------------------

@pytest.fixture
def pdf_viewer(qtbot):
    viewer = shown(qtbot, PdfViewerWidget)
    assert viewer.show_document(make_pdf(3, word="Zanzibar"), "Letter")
    return viewer


def test_pdf_opens_with_its_page_count_and_pages_forward(qtbot, pdf_viewer):
    assert pdf_viewer.page_count() == 3 and pdf_viewer.current_page() == 0
    assert pdf_viewer.page_label.text() == "of 3"
    assert not pdf_viewer.previous_action.isEnabled()
    pdf_viewer.next_page()
    qtbot.waitUntil(lambda: pdf_viewer.current_page() == 1)
    assert pdf_viewer.page_box.value() == 2 and pdf_viewer.previous_action.isEnabled()
    pdf_viewer.go_to_page(99)
    qtbot.waitUntil(lambda: pdf_viewer.current_page() == 2)
    assert not pdf_viewer.next_action.isEnabled()
    pdf_viewer.previous_page()
    qtbot.waitUntil(lambda: pdf_viewer.current_page() == 1)


def test_pdf_search_finds_and_walks_through_the_word(qtbot, pdf_viewer):
    pdf_viewer.search("Zanzibar")
    qtbot.waitUntil(lambda: pdf_viewer.hit_count() == 3)
    pdf_viewer.next_hit()
    assert pdf_viewer.current_hit() == 0 and pdf_viewer.hits_label.text() == "1 of 3"
    pdf_viewer.next_hit()
    qtbot.waitUntil(lambda: pdf_viewer.current_page() == 1)
    pdf_viewer.previous_hit()
    assert pdf_viewer.current_hit() == 0
    pdf_viewer.search("Quetzalcoatl")
    qtbot.wait(50)
    assert pdf_viewer.hit_count() == 0 and pdf_viewer.hits_label.text() == "No match"


def test_pdf_zoom_and_fit(qtbot, pdf_viewer):
    fit_width = pdf_viewer.zoom_factor()
    pdf_viewer.set_zoom(0.5)
    assert pdf_viewer.zoom_factor() == pytest.approx(0.5)
    pdf_viewer.fit_width()
    assert pdf_viewer.zoom_factor() == pytest.approx(fit_width) and fit_width > 0.5
    pdf_viewer.zoom_in()
    assert pdf_viewer.zoom_factor() == pytest.approx(fit_width * 1.25)
    pdf_viewer.zoom_out()
    pdf_viewer.zoom_out()
    assert pdf_viewer.zoom_factor() == pytest.approx(fit_width / 1.25)
    pdf_viewer.fit_page()
    assert pdf_viewer.zoom_factor() < fit_width  # a portrait page in a landscape window


def test_pdf_pages_are_rendered_on_white(qtbot, pdf_viewer):
    viewport = pdf_viewer.view.viewport()

    def text_is_rendered():
        image = viewport.grab().toImage()
        return any(image.pixelColor(x, y).lightness() < 100
                   for y in range(0, image.height() // 3, 2) for x in range(0, image.width() // 2, 2))
    pdf_viewer.set_zoom(1.0)
    pdf_viewer.go_to_page(0)
    qtbot.waitUntil(text_is_rendered, timeout=5000)
    image = viewport.grab().toImage()
    y = image.height() - 10  # below the one line of text: an empty part of the page
    row = [image.pixelColor(x, y) for x in range(image.width())]
    assert row[0] == BACKDROP  # outside the page
    page = [x for x, colour in enumerate(row) if colour != BACKDROP]
    left, right = page[0], page[-1]
    assert right - left > 700  # an A4 page at 96 dpi is 794 px wide
    assert all(colour == QColor("white") for colour in row[left + 2:right - 1])  # white, not transparent/grey


@pytest.mark.parametrize("data, reason", [
    (b"this is not a pdf", "This file is not a PDF"),
    (make_pdf(2)[:900], "This PDF is damaged or encrypted"),
])
def test_a_damaged_pdf_says_why_in_the_viewer(qtbot, data, reason):
    viewer = shown(qtbot, PdfViewerWidget)
    assert viewer.show_document(data, "Broken") is False
    assert viewer.message.isVisible() and viewer.message.text() == reason
    assert not viewer.view.isVisible() and not viewer.next_action.isEnabled()
    assert viewer.page_count() == 0
    assert viewer.show_document(make_pdf(1), "Good")  # the same viewer recovers
    assert viewer.view.isVisible() and viewer.page_count() == 1


def test_a_document_altered_at_rest_says_so_in_the_viewer(qtbot, tmp_path):
    """A real vault file with one byte flipped: the viewer says so, the next document still opens."""
    vault = Vault(tmp_path / "vault", VaultKey(bytes(range(32)), "test-key"))
    good = vault.write_bytes(vault.root, make_pdf(1))
    bad = vault.write_bytes(vault.root, make_pdf(2))
    blob = vault.root / bad
    data = bytearray(blob.read_bytes())
    data[-40] ^= 0x01
    blob.write_bytes(bytes(data))
    viewer = shown(qtbot, PdfViewerWidget)
    assert not open_document(viewer, DocumentSource("Letter", "application/pdf", lambda: vault.read_bytes(bad)))
    assert viewer.message.isVisible()
    assert viewer.message.text() == "This document could not be decrypted: it was altered at rest"
    assert open_document(viewer, DocumentSource("Report", "application/pdf", lambda: vault.read_bytes(good)))
    assert viewer.view.isVisible() and viewer.page_count() == 1


# --- images --------------------------------------------------------------------------------------

def two_page_tiff() -> bytes:
    first = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(first).rectangle((0, 0, 49, 49), fill=0)  # a black square top left
    second = Image.new("RGB", (200, 300), (255, 255, 255))
    return image_bytes([first, second], "TIFF")


def test_tiff_pages_and_rotation(qtbot):
    viewer = shown(qtbot, ImageViewerWidget)
    assert viewer.show_document(two_page_tiff(), "Scan")
    assert viewer.page_count() == 2 and viewer.page_label.text() == "Page 1 of 2"
    assert viewer.shown_image().size().toTuple() == (300, 200)
    viewer.rotate(90)
    rotated = viewer.shown_image()
    assert rotated.size().toTuple() == (200, 300)
    assert rotated.pixelColor(190, 5).lightness() < 10 and rotated.pixelColor(5, 5).lightness() > 245  # square now top right
    viewer.rotate(-90)
    assert viewer.shown_image().size().toTuple() == (300, 200)
    viewer.next_page()
    assert viewer.page == 1 and viewer.page_label.text() == "Page 2 of 2"
    assert viewer.shown_image().size().toTuple() == (200, 300)
    assert not viewer.next_action.isEnabled()


def test_image_zoom_fit_and_actual_size(qtbot):
    viewer = shown(qtbot, ImageViewerWidget, size=(500, 400))
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), "gray").save(buffer, "PNG")
    assert viewer.show_document(buffer.getvalue(), "Big")
    assert viewer.fit and viewer.scale < 0.3
    assert viewer.canvas.width() <= viewer.scroll.viewport().width()
    viewer.actual_size()
    assert viewer.scale == 1.0 and viewer.canvas.size().toTuple() == (2000, 1000)
    viewer.zoom_in()
    assert viewer.scale == pytest.approx(1.25)
    viewer.fit_to_window()
    assert viewer.scale < 0.3


def test_a_damaged_image_says_why_in_the_viewer(qtbot):
    data = image_bytes([Image.effect_noise((200, 200), 60).convert("RGB")], "JPEG")
    viewer = shown(qtbot, ImageViewerWidget)
    assert viewer.show_document(data[: len(data) // 2], "Photo") is False
    assert viewer.message.isVisible() and "damaged" in viewer.message.text()
    assert viewer.page_count() == 0 and not viewer.rotate_left_action.isEnabled()


# --- text ----------------------------------------------------------------------------------------

def test_text_viewer_decodes_searches_and_goes_monospace(qtbot):
    viewer = shown(qtbot, TextViewerWidget)
    assert viewer.show_document("Conclusie: geen maligniteit.\r\nCafé".encode("cp1252"), "Note")
    assert viewer.text() == "Conclusie: geen maligniteit.\nCafé"
    assert viewer.editor.isReadOnly() and viewer.status_label.text() == "CP1252"
    assert viewer.search("café")  # case-insensitive
    assert viewer.editor.textCursor().selectedText() == "Café"
    assert not viewer.search("tumour") and viewer.status_label.text() == "No match"
    viewer.set_monospace(True)
    assert viewer.editor.font().fixedPitch() or viewer.monospace_action.isChecked()


def test_binary_data_in_the_text_viewer_says_why(qtbot):
    viewer = shown(qtbot, TextViewerWidget)
    assert viewer.show_document(b"\x00\x01\x02\x03", "Blob") is False
    assert viewer.message.isVisible() and "not a text document" in viewer.message.text()
