"""The issue's "done when", in the window, with Tesseract: the DEMO case opens, its scanned
cardiology letter is recognised in the background, a word of its second page typed in the
search panel (Ctrl+Shift+F) is found there, and Enter shows that page of the scan with the
word highlighted over the image."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.dossier.ocr import ocr_unavailable
from app.store.texts import TextStore
from app.ui.dossier_search_widget import HIT_ROLE
from app.ui.main_window import MainWindow
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from viewers.image.widget import ImageViewerWidget

pytestmark = pytest.mark.skipif(ocr_unavailable() is not None, reason=str(ocr_unavailable()))

WORD = "antiplatelet"  # of the scan, on page 2 only


def test_a_word_of_the_scanned_letter_is_found_and_highlighted(qtbot, demo_store):  # noqa: F811
    store, case_id = demo_store
    scan = next(d for d in store.record(case_id)["documents"] if d["media_type"] == "image/tiff")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    qtbot.waitUntil(lambda: window.text_jobs.running, timeout=5000)
    qtbot.waitUntil(lambda: not window.text_jobs.running, timeout=180000)
    assert TextStore(store).load(case_id, scan["id"]).recognised
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    panel = window.case_view.search_panel
    qtbot.keyClicks(panel.field, WORD)
    qtbot.waitUntil(lambda: panel.query == WORD and panel.results.count() > 0, timeout=5000)
    hits = [panel.results.item(r).data(HIT_ROLE) for r in range(panel.results.count())]
    assert [h.page for h in hits if h.document_id == scan["id"]] == [2]  # (a typed letter says it too)
    qtbot.keyClick(panel.field, Qt.Key.Key_Down)
    for _n in range([h.document_id for h in hits].index(scan["id"])):
        qtbot.keyClick(panel.results, Qt.Key.Key_Down)
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(window.case_view.current_tabs.currentWidget(), ImageViewerWidget)
                    and window.case_view.current_tabs.currentWidget().page_count() == 2, timeout=20000)
    viewer = window.case_view.current_tabs.currentWidget()
    qtbot.waitUntil(lambda: viewer.page == 1 and len(viewer.text_layer.hit_rects()) == 1, timeout=10000)
