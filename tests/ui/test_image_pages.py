"""The image viewer's pages: a long scan paged with the keyboard, decoded a page at a time, a
damaged page said in its place while the others still show."""

from __future__ import annotations

import io

from PIL import Image
from PySide6.QtCore import Qt

from tests.unit.test_image_limits import tiff
from viewers.image.widget import ImageViewerWidget


def shown(qtbot, data: bytes) -> ImageViewerWidget:
    viewer = ImageViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(600, 700)
    viewer.show()
    qtbot.waitExposed(viewer)
    assert viewer.show_document(data, "Scan")
    return viewer


def damaged_second_page() -> bytes:
    data = bytearray(tiff(2, size=(200, 100), compression="tiff_lzw"))
    image = Image.open(io.BytesIO(bytes(data)))
    image.seek(1)
    start = image.tag_v2[273][0]  # the second page's strip
    data[start:start + 40] = b"\xff" * 40
    return bytes(data)


def test_a_hundred_page_scan_is_paged_with_the_keyboard(qtbot):
    viewer = shown(qtbot, tiff(100))
    assert viewer.page_count() == 100 and viewer.page_label.text() == "Page 1 of 100"
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    viewer.scroll.setFocus()  # the focus in the page, not in the toolbar
    qtbot.keyClick(viewer.scroll, Qt.Key.Key_PageDown)
    qtbot.keyClick(viewer.scroll, Qt.Key.Key_PageDown)
    assert viewer.page == 2 and viewer.page_label.text() == "Page 3 of 100"
    qtbot.keyClick(viewer.scroll, Qt.Key.Key_PageUp)
    assert viewer.page == 1 and not viewer.shown_image().isNull()


def test_a_damaged_page_is_said_in_its_place_and_the_others_still_show(qtbot):
    viewer = shown(qtbot, damaged_second_page())
    assert viewer.problem is None and not viewer.shown_image().isNull()
    viewer.next_page()
    assert viewer.message.isVisible() and "damaged" in viewer.message.text()
    assert viewer.page_label.text() == "Page 2 of 2" and viewer.previous_action.isEnabled()
    viewer.previous_page()
    assert viewer.scroll.isVisible() and viewer.shown_image().size().toTuple() == (200, 100)


def test_pages_beyond_the_limit_are_counted_in_the_page_label(qtbot, monkeypatch):
    from viewers.image import model
    monkeypatch.setattr(model, "MAX_IMAGE_PAGES", 3)
    viewer = shown(qtbot, tiff(5))
    assert viewer.page_count() == 3
    assert viewer.page_label.text() == "Page 1 of 3 (2 more pages not shown)"
