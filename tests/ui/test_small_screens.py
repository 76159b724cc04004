"""A 1024x700 screen (or 2048x1400 scaled 2x): the window and its dialogs fit it or scroll,
and the image viewer's tools a reviewer needs stay on its toolbar, not behind its "»"."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.screen_fit import fit_to_screen
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window
from tests.ui.test_secretary_desk import signed_store  # noqa: F401 - fixture

SMALL = QSize(1024, 700)
FRAME = QSize(16, 40)  # a window manager's frame and title bar


def fits(widget: QWidget) -> bool:
    hint = widget.minimumSizeHint()
    return hint.width() <= SMALL.width() - FRAME.width() and hint.height() <= SMALL.height() - FRAME.height()


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: None)


def test_a_window_larger_than_its_screen_is_cut_down_to_it(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    area = QApplication.primaryScreen().availableGeometry()
    widget.resize(area.width() + 500, area.height() + 400)
    fit_to_screen(widget)
    assert widget.width() <= area.width() and widget.height() <= area.height()


def test_the_window_with_a_case_and_its_images_fits_and_keeps_the_tools_in_view(qtbot, demo_store):
    store, case_id = demo_store
    window = open_window(qtbot, store)
    window.resize(SMALL)
    open_case(qtbot, window, case_id)
    window.case_view.open_series(next(iter(window.case_view.data.series)))
    viewer = window.case_view.dicom
    qtbot.waitUntil(lambda: viewer.isVisible(), timeout=10000)
    QApplication.processEvents()
    assert fits(window)
    assert window.form_dock.isVisible() and viewer.width() >= 400  # the images keep most of the width
    essential = [*viewer.tool_actions.values(), viewer.play_action, viewer.sync_action]
    essential += [a for row in viewer.tool_rows for a in row.actions() if a.text() in ("Key image", "Fit", "Reset")]
    assert len(essential) == len(viewer.tool_actions) + 5  # the tools, Play, Sync, Key image, Fit, Reset
    hidden = [a.text() for a in essential
              if not any(row.widgetForAction(a) is not None and row.widgetForAction(a).isVisible()
                         for row in viewer.tool_rows)]
    assert hidden == []


def test_the_dialogs_fit_a_small_screen(qtbot, signed_store, tmp_path):
    from app.demo.pki import DEMO_PASSPHRASE
    from app.signing.settings import load_signing_settings
    from app.store.case_removal import removal_plan
    from app.ui.case_delete_dialog import CaseDeleteDialog
    from app.ui.sign_dialog import SignDialog

    store, case_id = signed_store
    window = open_window(qtbot, store)
    outgoing = window.show_outgoing(case_id)
    qtbot.waitUntil(lambda: outgoing.desk is not None, timeout=10000)
    outgoing.table.selectRow(1)
    outgoing.destination.setText(str(tmp_path / "out"))
    outgoing.org_passphrase.setText(DEMO_PASSPHRASE)
    with qtbot.waitSignal(outgoing.packaged, timeout=30000):
        outgoing.make_button.click()
    QApplication.processEvents()
    assert outgoing.result_box.isVisibleTo(outgoing) and fits(outgoing)
    sign = SignDialog(load_signing_settings(), "The second opinion — TEST, Patient", remembered=lambda path: None,
                      parent=window)
    delete = CaseDeleteDialog(removal_plan(store, case_id), "TEST, Patient", "Test", window)
    for dialog in (window.show_letterhead(), window.show_address_book(), sign, delete):
        dialog.show()
        QApplication.processEvents()
        assert fits(dialog), (type(dialog).__name__, dialog.minimumSizeHint())
        dialog.close()
    outgoing.close()
