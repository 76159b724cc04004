"""The worklist's days open (from the referral date, else the import, said in the tooltip;
"1 day", "2 days"), its target of at least a day, and archiving, restoring and deleting a case
from its context menu and Delete key."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from app.outgoing.desk import desk_fields, referral_date
from app.ui.worklist_widget import WorklistWidget
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window
from tests.ui.test_secretary_desk import signed_store  # noqa: F401 - fixture


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: None)


def summary(case_id: str, days: int, days_from: str = "referral", **extra) -> dict:
    return dict({"case_id": case_id, "patient": {"family_name": "Test", "given_names": "Patient",
                                                 "birth_date": "1970-01-01"},
                 "question": "?", "status": "received", "received_at": "2026-01-01T00:00:00Z",
                 "identity_mismatches": 0, "missing_items": 0, "signature": "valid", "damaged": None,
                 "archived": False, "days_open": days, "days_from": days_from, "opened_on": "2026-01-01",
                 "to_send": []}, **extra)


def days_column(widget: WorklistWidget, row: int, role=Qt.ItemDataRole.DisplayRole):
    model = widget.model
    return model.data(model.index(row, model.COLUMNS.index("days")), role)


class TestDaysOpen:
    def test_counts_from_the_referral_date_of_the_sheet_or_the_manifest(self):
        ten_days_ago = (date.today() - timedelta(days=10)).isoformat()
        imported = (date.today() - timedelta(days=2)).isoformat() + "T09:00:00Z"
        manifest = {"manifest": {"referral": {"question": "?", "date": ten_days_ago}}}
        assert referral_date(manifest) == ten_days_ago
        sheet = {"manifest": {"referral": {"question": "?"}}, "sheet": {"referral": {"referral_date": ten_days_ago}}}
        assert referral_date(sheet) == ten_days_ago
        fields = desk_fields(None, "case", "received", imported, manifest)
        assert (fields["days_open"], fields["days_from"]) == (10, "referral")
        fields = desk_fields(None, "case", "received", imported, {"manifest": {"referral": {"question": "?"}}})
        assert (fields["days_open"], fields["days_from"]) == (2, "import")
        future = {"manifest": {"referral": {"date": (date.today() + timedelta(days=3)).isoformat()}}}
        assert desk_fields(None, "case", "received", imported, future)["days_from"] == "import"

    def test_one_day_two_days_and_the_tooltip_says_from_what(self, qtbot):
        widget = WorklistWidget()
        qtbot.addWidget(widget)
        widget.set_target_days(14, save=False)
        widget.set_cases([summary("a" * 32, 1), summary("b" * 32, 2, "import"), summary("c" * 32, 20)])
        shown = {days_column(widget, r) for r in range(3)}
        assert shown == {"1 day", "2 days", "20 days — overdue"}
        tips = [days_column(widget, r, Qt.ItemDataRole.ToolTipRole) for r in range(3)]
        assert any("1 day since the referral of 01/01/2026" in t for t in tips)
        assert any("2 days since the import of 01/01/2026 (the case has no referral date)" in t for t in tips)
        assert any("20 days since the referral" in t and "The target is 14 days." in t for t in tips)
        assert widget.count_label.text() == "3 of 3 cases"
        widget.set_cases([summary("a" * 32, 1)])
        assert widget.count_label.text() == "1 of 1 case"

    def test_the_target_is_at_least_one_day(self, qtbot):
        widget = WorklistWidget()
        qtbot.addWidget(widget)
        assert widget.target_box.minimum() == 1
        widget.set_target_days(0, save=False)
        assert widget.model.target_days == 1 and widget.target_box.value() == 1
        assert widget.target_box.text().endswith(" 1 day") or widget.target_box.suffix() == " day"
        widget.target_box.setValue(3)
        assert widget.target_box.suffix() == " days"


def action(menu, text: str):
    return next(a for a in menu.actions() if a.text() == text)


def test_archive_hides_the_case_until_shown_and_restore_brings_it_back(qtbot, demo_store):
    store, case_id = demo_store
    window = open_window(qtbot, store)
    worklist = window.worklist
    worklist.select_case(case_id)
    with qtbot.waitSignal(window.removal.archived, timeout=10000):
        action(worklist.case_menu(), "Archive").trigger()
    qtbot.waitUntil(lambda: worklist.visible_case_ids() == [], timeout=10000)
    assert worklist.status_buttons[None].text() == "All (0)"
    worklist.archived_box.setChecked(True)
    assert worklist.visible_case_ids() == [case_id]
    model = worklist.model
    assert model.data(model.index(0, model.COLUMNS.index("status"))) == "Received (archived)"
    worklist.select_case(case_id)
    with qtbot.waitSignal(window.removal.archived, timeout=10000):
        action(worklist.case_menu(), "Restore from the archive").trigger()
    worklist.archived_box.setChecked(False)
    qtbot.waitUntil(lambda: worklist.visible_case_ids() == [case_id], timeout=10000)
    assert [e["action"] for e in store.audit.entries()][-2:] == ["archive", "unarchive"]


def test_delete_asks_for_the_name_then_once_more_for_an_unsent_opinion(qtbot, signed_store):
    store, case_id = signed_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    window.show_worklist()
    worklist = window.worklist
    worklist.select_case(case_id)
    worklist.table.setFocus()
    qtbot.keyClick(worklist.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.removal.dialog is not None, timeout=10000)
    dialog = window.removal.dialog
    assert "1 signed opinion" in dialog.text.text() and "cannot be undone" in dialog.text.text()
    assert not dialog.delete_button.isEnabled()
    dialog.confirmation.setText("Someone else")
    assert not dialog.delete_button.isEnabled()
    dialog.confirmation.setText("test")
    assert dialog.delete_button.isEnabled()
    dialog.delete_button.click()
    assert dialog.isVisible() and "never sent" in dialog.text.text()  # asked a second time
    assert store.index.case(case_id) is not None
    with qtbot.waitSignal(window.removal.deleted, timeout=20000):
        dialog.delete_button.click()
    assert store.index.case(case_id) is None
    qtbot.waitUntil(lambda: worklist.model.rowCount() == 0, timeout=10000)
    assert [e["action"] for e in store.audit.entries()][-1] == "delete"
    assert not [p for p in store.home.rglob("*") if case_id in str(p)]


def test_cancelling_the_delete_keeps_the_case(qtbot, demo_store):
    store, case_id = demo_store
    window = open_window(qtbot, store)
    window.removal.delete(case_id)
    qtbot.waitUntil(lambda: window.removal.dialog is not None, timeout=10000)
    dialog = window.removal.dialog
    assert "(0 image files)" not in dialog.text.text()
    dialog.reject()
    window.store_runner.pool.waitForDone(5000)
    assert store.index.case(case_id) is not None
