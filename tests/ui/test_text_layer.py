"""The text layer over a scanned image: a search hit highlighted where the word is (through
zoom and rotation), words selected by a drag, Ctrl+A / Ctrl+C, Esc, the context menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication

from tests.ui.text_layer_fixtures import letter_text, letter_tiff
from viewers.image.widget import ImageViewerWidget


@pytest.fixture
def viewer(qtbot):
    widget = ImageViewerWidget()
    qtbot.addWidget(widget)
    widget.resize(700, 800)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.show_document(letter_tiff(), "Letter")
    widget.set_document_text(letter_text())
    return widget


def word_rect(viewer, number: int, text: str):
    """Where the word is drawn on the canvas, from its box and the canvas's size."""
    word = next(w for w in letter_text().page(number).words if w.text == text)
    left, top, right, bottom = word.box
    w, h = viewer.canvas.width(), viewer.canvas.height()
    return left * w, top * h, right * w, bottom * h


def dark_bounds(viewer, rect) -> tuple[int, int, int, int]:
    """The bounds of the dark pixels drawn by the canvas inside `rect` grown by 10 px."""
    image = viewer.canvas.grab().toImage()
    xs, ys = [], []
    for x in range(max(0, int(rect.left()) - 10), min(image.width(), int(rect.right()) + 10)):
        for y in range(max(0, int(rect.top()) - 10), min(image.height(), int(rect.bottom()) + 10)):
            if image.pixelColor(x, y).lightness() < 100:
                xs.append(x)
                ys.append(y)
    assert xs, "no word drawn there"
    return min(xs), min(ys), max(xs), max(ys)


def assert_on_word(viewer, rect, tolerance=2.5):
    left, top, right, bottom = dark_bounds(viewer, rect)
    assert rect.left() == pytest.approx(left, abs=tolerance)
    assert rect.top() == pytest.approx(top, abs=tolerance)
    assert rect.right() == pytest.approx(right + 1, abs=tolerance)
    assert rect.bottom() == pytest.approx(bottom + 1, abs=tolerance)


def test_show_hit_goes_to_page_two_and_highlights_on_the_word(viewer):
    rects = viewer.show_hit(2, "Stabiele")
    assert viewer.page == 1 and viewer.page_label.text() == "Page 2 of 2"
    assert len(rects) == 1
    assert rects[0].getCoords() == pytest.approx(word_rect(viewer, 2, "stabiele"))
    assert_on_word(viewer, rects[0])
    # drawn: the layer paints yellow over the dark word
    shot = viewer.canvas.grab().toImage()
    centre = rects[0].center().toPoint()
    colour = shot.pixelColor(centre.x(), rects[0].top() + 1)
    assert colour.red() > colour.blue() + 40  # yellowish over white / dark


def test_every_term_of_the_query_is_highlighted_accents_ignored(viewer):
    rects = viewer.show_hit(2, "collégiale GROETEN")
    assert [c for r in rects for c in r.getCoords()] == pytest.approx(
        [*word_rect(viewer, 2, "collegiale"), *word_rect(viewer, 2, "groeten")])
    assert viewer.show_hit(1, "angor") == []  # not on page 1: nothing highlighted
    assert viewer.page == 0


def test_zoom_and_rotation_keep_the_highlight_on_the_word(viewer):
    viewer.show_hit(1, "patient")
    for step in (viewer.zoom_in, viewer.zoom_in, viewer.actual_size, viewer.zoom_out):
        step()
        (rect,) = viewer.text_layer.hit_rects()
        assert rect.getCoords() == pytest.approx(word_rect(viewer, 1, "Patient"))
        assert_on_word(viewer, rect)
    viewer.rotate(90)
    (rect,) = viewer.text_layer.hit_rects()
    assert_on_word(viewer, rect)
    assert rect.height() > rect.width()  # the word now runs down the page


def test_the_first_hit_is_scrolled_into_view(viewer):
    viewer.set_zoom(3.0)
    viewer.scroll.verticalScrollBar().setValue(viewer.scroll.verticalScrollBar().maximum())
    (rect,) = viewer.show_hit(2, "groeten")
    top_left = viewer.canvas.mapTo(viewer.scroll.viewport(), rect.topLeft().toPoint())
    assert viewer.scroll.viewport().rect().contains(top_left)


def drag(qtbot, viewer, start: QPointF, end: QPointF) -> None:
    layer = viewer.text_layer
    qtbot.mousePress(layer, Qt.MouseButton.LeftButton, pos=start.toPoint())
    qtbot.mouseMove(layer, pos=((start + end) / 2).toPoint())
    qtbot.mouseMove(layer, pos=end.toPoint())
    qtbot.mouseRelease(layer, Qt.MouseButton.LeftButton, pos=end.toPoint())


def centre_of(viewer, number, text) -> QPointF:
    left, top, right, bottom = word_rect(viewer, number, text)
    return QPointF((left + right) / 2, (top + bottom) / 2)


def test_a_drag_selects_words_in_reading_order_and_ctrl_c_copies_them(qtbot, viewer):
    QGuiApplication.clipboard().clear()
    drag(qtbot, viewer, centre_of(viewer, 1, "collega,"), centre_of(viewer, 1, "Test"))
    assert viewer.text_layer.selected_text() == "collega,\nbetreft Test"
    assert len(viewer.text_layer.selection_rects()) == 2  # one band per line
    qtbot.keyClick(viewer.text_layer, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "collega,\nbetreft Test"
    # a drag backwards selects the same words
    drag(qtbot, viewer, centre_of(viewer, 1, "Test"), centre_of(viewer, 1, "collega,"))
    assert viewer.text_layer.selected_text() == "collega,\nbetreft Test"
    # a click drops the selection
    qtbot.mouseClick(viewer.text_layer, Qt.MouseButton.LeftButton, pos=centre_of(viewer, 1, "Test").toPoint())
    assert viewer.text_layer.selected_text() == ""


def test_ctrl_a_selects_the_page_and_esc_clears_selection_and_hits(qtbot, viewer):
    viewer.show_hit(2, "angor")
    viewer.text_layer.setFocus()
    qtbot.keyClick(viewer.text_layer, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert viewer.text_layer.selected_text() == "Besluit: stabiele angor\nMet collegiale groeten"
    qtbot.keyClick(viewer.text_layer, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Besluit: stabiele angor\nMet collegiale groeten"
    assert viewer.text_layer.hit_rects()
    qtbot.keyClick(viewer.text_layer, Qt.Key.Key_Escape)
    assert viewer.text_layer.hit_rects() == [] and viewer.text_layer.selected_text() == ""


def test_the_pointer_is_an_i_beam_over_words(qtbot, viewer):
    layer = viewer.text_layer
    qtbot.mouseMove(layer, pos=centre_of(viewer, 1, "Geachte").toPoint())
    assert layer.cursor().shape() == Qt.CursorShape.IBeamCursor
    qtbot.mouseMove(layer, pos=QPoint(layer.width() - 5, layer.height() - 5))
    assert layer.cursor().shape() != Qt.CursorShape.IBeamCursor


def test_the_context_menu_copies_the_selection(qtbot, viewer):
    viewer.text_layer.select_all(1)
    menu = viewer.text_layer.context_menu(1)
    copy = menu.actions()[0]
    assert copy.text() == "Copy" and copy.isEnabled()
    QGuiApplication.clipboard().clear()
    copy.trigger()
    assert QGuiApplication.clipboard().text() == "Geachte collega,\nbetreft Test Patient"


def test_a_hit_asked_before_the_image_is_shown_waits_for_it(qtbot):
    viewer = ImageViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(600, 700)
    viewer.show()
    viewer.set_document_text(letter_text())
    assert viewer.show_hit(2, "angor") == []
    assert viewer.show_document(letter_tiff(), "Letter")
    assert viewer.page == 1 and len(viewer.text_layer.hit_rects()) == 1


def test_no_text_layer_without_recognised_text(qtbot, viewer):
    viewer.set_document_text(None)
    assert viewer.show_hit(2, "angor") == [] and viewer.page == 1
    assert not viewer.copy_action.isEnabled() and not viewer.select_all_action.isEnabled()
    qtbot.mouseMove(viewer.text_layer, pos=centre_of(viewer, 2, "angor").toPoint())
    assert viewer.text_layer.cursor().shape() != Qt.CursorShape.IBeamCursor


def test_overlapping_selection_bands_are_tinted_once(qtbot, viewer):
    from app.core.page_text import OCR, DocumentText, PageText, Word

    # two lines whose boxes overlap (a noisy scan): the overlap is not darker than the rest
    page = PageText(1, "alpha\nbeta", OCR, [Word("alpha", 0, (0.1, 0.5, 0.5, 0.6)), Word("beta", 6, (0.3, 0.55, 0.7, 0.65))])
    viewer.set_document_text(DocumentText([page, *letter_text().pages[1:]]))
    viewer.text_layer.select_all(1)
    image = viewer.canvas.grab().toImage()
    w, h = viewer.canvas.width(), viewer.canvas.height()
    alone, both = image.pixelColor(int(0.2 * w), int(0.52 * h)), image.pixelColor(int(0.4 * w), int(0.57 * h))
    assert alone.blue() > alone.red() + 20  # tinted
    assert abs(alone.lightness() - both.lightness()) <= 3
