"""The DEMO's scanned cardiology letter recognised by Tesseract for real, in the image
viewer: a search hit on page 2 highlighted on the word's ink, a word selected by a drag."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication

from app.demo.letters import write_scanned_letter
from app.dossier.document_text import extract_document_text
from app.dossier.ocr import ocr_unavailable
from viewers.image.widget import ImageViewerWidget

pytestmark = pytest.mark.skipif(ocr_unavailable() is not None, reason=str(ocr_unavailable()))


@pytest.fixture(scope="module")
def letter(tmp_path_factory):
    path = tmp_path_factory.mktemp("scan") / "cardiology-letter-scan.tif"
    write_scanned_letter(path)
    data = path.read_bytes()
    return data, extract_document_text(data, "image/tiff")


def ink_bounds(viewer, rect, grow: int = 6):
    """The bounds of the scan's ink (the canvas without the layer) around `rect`: the rows and
    columns with strokes in them. The DEMO scan's paper has single dark specks (one pixel in
    about 700), which are not ink: a row or column counts only with 3 dark pixels or more."""
    from collections import Counter

    viewer.text_layer.hide()
    image = viewer.canvas.grab().toImage()
    viewer.text_layer.show()
    rows: Counter[int] = Counter()
    columns: Counter[int] = Counter()
    for x in range(max(0, int(rect.left()) - grow), min(image.width(), int(rect.right()) + grow)):
        for y in range(max(0, int(rect.top()) - grow), min(image.height(), int(rect.bottom()) + grow)):
            if image.pixelColor(x, y).lightness() < 110:
                columns[x] += 1
                rows[y] += 1
    xs = [x for x, n in columns.items() if n >= 3]
    ys = [y for y, n in rows.items() if n >= 3]
    return (min(xs), min(ys), max(xs), max(ys)) if xs and ys else None


def test_a_recognised_word_of_page_two_is_highlighted_on_its_ink(qtbot, letter):
    data, text = letter
    page = text.page(2)
    assert page is not None and page.source == "ocr" and "atorvastatin" in page.text
    viewer = ImageViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(900, 900)
    viewer.show()
    qtbot.waitExposed(viewer)
    assert viewer.show_document(data, "Cardiology letter")
    viewer.set_document_text(text)
    viewer.actual_size()  # 1:1, a word's neighbours a space away
    rects = viewer.show_hit(2, "Atorvastatin")
    assert viewer.page == 1 and len(rects) >= 1
    for rect in rects:
        ink = ink_bounds(viewer, rect)
        assert ink is not None
        left, top, right, bottom = ink
        assert rect.left() == pytest.approx(left, abs=6) and rect.right() == pytest.approx(right, abs=6)
        # Tesseract's box spans the line's height: the ink lies within it, not above or below
        assert rect.top() - 3 <= top < bottom <= rect.bottom() + 3
        assert bottom - top > rect.height() / 3
    # the word selected by a drag across it copies as recognised
    rect = rects[0]
    layer = viewer.text_layer
    qtbot.mousePress(layer, Qt.MouseButton.LeftButton, pos=QPointF(rect.left() + 2, rect.center().y()).toPoint())
    qtbot.mouseMove(layer, pos=rect.center().toPoint())
    qtbot.mouseRelease(layer, Qt.MouseButton.LeftButton, pos=QPointF(rect.right() - 2, rect.center().y()).toPoint())
    assert "atorvastatin" in layer.selected_text()
    layer.copy()
    assert QGuiApplication.clipboard().text() == layer.selected_text()
