"""The scanned letter's text layer in the window, with the keyboard only: Tab from the tab bar
goes into the document shown (not past it to the form), where Ctrl+A selects the page's
recognised text, Ctrl+C copies it, PgDown turns the page and Esc clears."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.dossier import document_text
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window
from tests.ui.text_layer_fixtures import letter_text
from viewers.image.widget import ImageViewerWidget

SCAN = "cardiology-letter-scan.tif"


@pytest.fixture
def recognised(monkeypatch):
    """The scan 'recognised' as the test letter's two pages (no Tesseract run)."""
    real = document_text.extract_document_text

    def extract(data, media_type, token=None, progress=None):
        if media_type == "image/tiff":
            text = letter_text()
            text.extractor = document_text.EXTRACTOR
            return text
        return real(data, media_type, token, progress)

    monkeypatch.setattr(document_text, "extract_document_text", extract)


def test_the_keyboard_reaches_the_scan_and_copies_its_text(qtbot, demo_store, recognised):
    store, case_id = demo_store
    window = open_window(qtbot, store)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    open_case(qtbot, window, case_id)
    view = window.case_view
    scan = next(n for n, d in enumerate(view.data.documents) if d["path"].endswith(SCAN))
    doc_id = str(view.data.documents[scan]["id"])
    with qtbot.waitSignal(view.documentShown, timeout=10000):
        view.open_document(0)  # another document first: the scan's viewer comes later in the focus chain
    with qtbot.waitSignal(view.documentShown, timeout=10000):
        view.open_document(scan)
    viewer = view.current_tabs.currentWidget()
    assert isinstance(viewer, ImageViewerWidget)
    qtbot.waitUntil(lambda: viewer.text_layer.text is not None, timeout=30000)  # the text job's result
    assert doc_id in view.data.texts

    view.current_tabs.tabBar().setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert viewer.isAncestorOf(QApplication.focusWidget())
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Geachte collega,\nbetreft Test Patient"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert viewer.text_layer.selected_text() == ""
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown)
    assert viewer.page == 1


def test_the_keys_help_lists_the_document_viewers_keys(qtbot):
    from app.ui.shortcuts import DOCUMENT_KEYS, KeyboardDialog

    dialog = KeyboardDialog()
    qtbot.addWidget(dialog)
    rows = [(action, where) for _keys, action, where in dialog.rows() if where == "Documents"]
    assert len(rows) == len(DOCUMENT_KEYS)
    assert ("Copy the selected text", "Documents") in rows
