"""The PDF viewer with a document's text: recognised (image-only) pages get the text layer,
placed where QPdfView draws them at any zoom; pages with a real text layer are highlighted by
QtPdf's own search."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication

from app.core.page_text import LAYER, DocumentText, PageText, Word
from tests.ui.text_layer_fixtures import letter_pdf, letter_text
from tests.unit.test_document_models import make_pdf
from viewers.pdf.widget import PdfViewerWidget


def shown(qtbot, data: bytes, text: DocumentText | None) -> PdfViewerWidget:
    viewer = PdfViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(700, 800)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.set_document_text(text)
    assert viewer.show_document(data, "Letter")
    return viewer


def dark_pixels(viewer, rect) -> tuple[list[int], list[int]]:
    image = viewer.view.viewport().grab().toImage()
    xs, ys = [], []
    for x in range(max(0, int(rect.left()) - 8), min(image.width(), int(rect.right()) + 8)):
        for y in range(max(0, int(rect.top()) - 8), min(image.height(), int(rect.bottom()) + 8)):
            if image.pixelColor(x, y).lightness() < 100:
                xs.append(x)
                ys.append(y)
    return xs, ys


def assert_on_word(qtbot, viewer, rect, tolerance=3.0):
    """The word is drawn under `rect` (waiting for QPdfView's rendering thread to paint it)."""
    qtbot.waitUntil(lambda: bool(dark_pixels(viewer, rect)[0]), timeout=10_000)
    xs, ys = dark_pixels(viewer, rect)
    left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
    assert (rect.left(), rect.top()) == pytest.approx((left, top), abs=tolerance)
    assert (rect.right(), rect.bottom()) == pytest.approx((right + 1, bottom + 1), abs=tolerance)


def wait_painted(qtbot, viewer):
    qtbot.wait(150)  # QPdfView renders its pages in a thread of its own
    QGuiApplication.processEvents()


def test_a_recognised_pdf_page_is_highlighted_where_the_word_is(qtbot):
    viewer = shown(qtbot, letter_pdf(), letter_text())
    rects = viewer.show_hit(2, "angor")
    qtbot.waitUntil(lambda: viewer.current_page() == 1)
    assert len(rects) == 1
    wait_painted(qtbot, viewer)
    assert_on_word(qtbot, viewer, viewer.text_layer.hit_rects()[0])
    viewer.set_zoom(2.0)
    viewer.show_hit(2, "angor")  # scrolled into view at this zoom
    wait_painted(qtbot, viewer)
    (rect,) = viewer.text_layer.hit_rects()
    assert viewer.view.viewport().rect().contains(rect.toRect())
    assert_on_word(qtbot, viewer, rect)
    bar = viewer.view.verticalScrollBar()
    bar.setValue(bar.value() + 40)
    wait_painted(qtbot, viewer)
    (moved,) = viewer.text_layer.hit_rects()
    assert moved.top() == pytest.approx(rect.top() - 40)
    assert_on_word(qtbot, viewer, moved)
    viewer.fit_page()
    wait_painted(qtbot, viewer)
    (rect,) = viewer.text_layer.hit_rects()
    assert_on_word(qtbot, viewer, rect)


def test_a_recognised_pdf_page_copies_its_words_and_esc_clears(qtbot):
    viewer = shown(qtbot, letter_pdf(), letter_text())
    viewer.set_zoom(1.0)
    wait_painted(qtbot, viewer)
    page = viewer.page_rect(0)
    layer = viewer.text_layer

    def at(fx, fy):
        return QPointF(page.left() + fx * page.width(), page.top() + fy * page.height()).toPoint()

    qtbot.mousePress(layer, Qt.MouseButton.LeftButton, pos=at(0.17, 0.12))  # "Geachte"
    qtbot.mouseMove(layer, pos=at(0.3, 0.15))
    qtbot.mouseMove(layer, pos=at(0.17, 0.2))  # "betreft"
    qtbot.mouseRelease(layer, Qt.MouseButton.LeftButton, pos=at(0.17, 0.2))
    assert layer.selected_text() == "Geachte collega,\nbetreft"
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(layer, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Geachte collega,\nbetreft"
    qtbot.keyClick(layer, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert layer.selected_text() == "Geachte collega,\nbetreft Test Patient"
    qtbot.keyClick(layer, Qt.Key.Key_Escape)
    assert layer.selected_text() == ""


def test_a_page_with_a_text_layer_uses_qtpdf_search(qtbot):
    viewer = shown(qtbot, make_pdf(3, word="Zanzibar"), None)
    assert viewer.show_hit(2, "zanzibar nodule") == []  # the phrase as typed
    qtbot.waitUntil(lambda: viewer.current_page() == 1)
    assert viewer.search_box.text() == "zanzibar nodule"
    assert viewer.current_hit() == 1  # the hit on page 2, counting page 1's
    viewer.show_hit(3, "nodule Zanzibar")  # not a phrase of the page: its longest word
    qtbot.waitUntil(lambda: viewer.current_page() == 2)
    assert viewer.search_box.text() == "zanzibar" and viewer.current_hit() == 2
    viewer.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert viewer.search_box.text() == ""


def test_a_query_with_accents_qtpdf_does_not_fold_is_searched_folded(qtbot):
    viewer = shown(qtbot, make_pdf(1, word="Zanzibar"), None)
    assert viewer.show_hit(1, "Zánzibar") == []
    assert viewer.search_box.text() == "zanzibar" and viewer.current_hit() == 0


def test_an_accented_word_qtpdf_cannot_find_falls_back_to_the_layers_word_boxes(qtbot):
    page = PageText(1, "Page 1: the Zánzibar nodule", LAYER, [Word("Zánzibar", 12, (0.25, 0.08, 0.4, 0.11))])
    viewer = shown(qtbot, make_pdf(1, word="Zánzibar"), DocumentText([page]))
    rects = viewer.show_hit(1, "zanzibar")
    assert len(rects) == 1 and viewer.search_box.text() == ""
    assert rects[0].getCoords() == pytest.approx(viewer.text_layer.box_rect(
        viewer.text_layer.placed()[0], page.words[0].box).getCoords())


def test_a_hit_before_the_pdf_is_shown_waits_for_it(qtbot):
    viewer = PdfViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(600, 700)
    viewer.show()
    viewer.set_document_text(letter_text())
    assert viewer.show_hit(2, "angor") == []
    assert viewer.show_document(letter_pdf(), "Letter")
    qtbot.waitUntil(lambda: viewer.current_page() == 1)
    assert len(viewer.text_layer.hit_rects()) == 1


def test_the_words_of_a_pdfs_own_text_layer_are_selectable_once_its_text_is_known(qtbot):
    from app.dossier.document_text import extract_document_text

    data = make_pdf(2, word="Zanzibar")
    viewer = shown(qtbot, data, extract_document_text(data, "application/pdf"))
    viewer.set_zoom(1.5)
    viewer.go_to_page(1)
    qtbot.waitUntil(lambda: viewer.current_page() == 1)
    layer = viewer.text_layer
    page = layer.page(2)
    assert page is not None and page.source == LAYER
    placed = next(p for p in layer.placed() if p.page.number == 2)
    word = next(w for w in page.words if w.text == "Zanzibar")
    rect = layer.box_rect(placed, word.box)
    assert_on_word(qtbot, viewer, rect, tolerance=3.0)  # pdf_text's box is where QPdfView draws the word
    end = next(w for w in page.words if w.text == "nodule")
    qtbot.mousePress(layer, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    qtbot.mouseMove(layer, pos=layer.box_rect(placed, end.box).center().toPoint())
    qtbot.mouseRelease(layer, Qt.MouseButton.LeftButton, pos=layer.box_rect(placed, end.box).center().toPoint())
    assert layer.selected_text() == "Zanzibar nodule"
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(layer, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Zanzibar nodule"
    viewer.show_hit(2, "nodule")  # a page with a text layer: still QtPdf's own search
    assert viewer.search_box.text() == "nodule" and layer.highlights == {}
