"""The opinion form by keyboard alone: Tab from field to field in reading order (never a
repeat button), Ctrl+Enter and Ctrl+Backspace for repeated lines and entries, the focused
field always in view with a focus frame; in the window Ctrl+Q quits, F1 lists the window's and
the viewer's keys, and a restored draft says from when."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (QAbstractButton, QApplication, QGroupBox, QLineEdit, QPlainTextEdit, QPushButton,
                               QWidget)

from app.opinion.prefill import bind, new_response
from app.opinion.questionnaire import get_answers, load_template
from app.ui.form_widget import OpinionFormWidget
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window
from tests.unit.test_prefill import PROFILE, demo_record

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return demo_record(tmp_path_factory.mktemp("demo"))


def shown_form(qtbot, record, template: str = "second-opinion", height: int = 500) -> OpinionFormWidget:
    q = bind(load_template(template), record)
    form = OpinionFormWidget(q)
    form.set_response(new_response(q, record, PROFILE))
    form.resize(520, height)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    return form


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def field_of(widget: QWidget) -> QWidget:
    """The field (named field-… or a checklist's option-…) that holds `widget`."""
    while widget is not None and not widget.objectName().startswith(("field-", "option-")):
        widget = widget.parentWidget()
    return widget


def form_focused_by_f6(qtbot, store, case_id: str):
    """The main window on `case_id`, active, after F6 has put the cursor in the opinion form."""
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: window.form.form.isAncestorOf(QApplication.focusWidget()), timeout=5000)
    return window


def reading_order(form: OpinionFormWidget) -> list[QWidget]:
    """Every shown field a user types in, sorted as read: top to bottom, then left to right.
    Pre-filled facts (the patient) are shown as text and are not Tab stops."""
    body = form.scroll.widget()
    fields = [w for w in body.findChildren(QWidget)
              if w.objectName().startswith(("field-", "option-")) and w.isVisibleTo(body)
              and not w.property("fact") and w.focusPolicy() & Qt.FocusPolicy.TabFocus]
    fields = [w for w in fields if not any(f is not w and f.isAncestorOf(w) for f in fields)]
    fields = [w for w in fields if not w.findChildren(QAbstractButton, "option-0")]  # a checklist: its boxes
    return sorted(fields, key=lambda w: (w.mapTo(body, QPoint(0, 0)).y(), w.mapTo(body, QPoint(0, 0)).x()))


def tab_through(qtbot, start: QWidget, limit: int = 200) -> list[QWidget]:
    """Press Tab from `start` until the focus comes back to it; the fields visited, in order."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(start.hasFocus, timeout=5000)
    visited = [start]
    for _ in range(limit):
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        if focused() is start or field_of(focused()) is start:
            return visited
        visited.append(focused())
    raise AssertionError("Tab never came back to the first field")


class TestTabOrder:
    def test_tab_visits_only_fields_in_reading_order_through_added_lines(self, qtbot, record):
        form = shown_form(qtbot, record)
        differential = form.findChild(QLineEdit, "field-differential")
        differential.setFocus()
        qtbot.waitUntil(differential.hasFocus, timeout=5000)
        qtbot.keyClick(differential, Qt.Key.Key_Return, CTRL)  # a line added later sits where it is read
        expected = reading_order(form)
        visited = tab_through(qtbot, expected[0])
        assert not [w for w in visited if isinstance(w, QPushButton)]
        assert [field_of(w) for w in visited] == expected
        assert len(form.findChildren(QLineEdit, "field-differential")) == 2
        assert {w.objectName() for w in visited} >= {"field-question", "field-diagnosis", "field-differential",
                                                       "field-reviewer-registration", "option-0"}

    def test_repeat_buttons_are_not_tab_stops(self, qtbot, record):
        form = shown_form(qtbot, record, "radiology-review")
        qtbot.mouseClick(form.findChild(QPushButton, "add-region"), Qt.MouseButton.LeftButton)
        buttons = [b for b in form.findChildren(QPushButton) if b.isVisibleTo(form)]
        assert {b.text() for b in buttons} == {"Add: Findings per region", "Remove"} and len(buttons) == 3
        assert all(not b.focusPolicy() & Qt.FocusPolicy.TabFocus for b in buttons)
        expected = reading_order(form)
        visited = tab_through(qtbot, expected[0])
        assert [field_of(w) for w in visited] == expected
        assert len([w for w in visited if w.objectName() == "field-region-findings"]) == 2


class TestRepeatKeys:
    def test_ctrl_enter_adds_a_line_after_and_ctrl_backspace_removes_it_when_empty(self, qtbot, record):
        form = shown_form(qtbot, record)
        first = form.findChild(QLineEdit, "field-differential")
        first.setFocus()
        qtbot.waitUntil(first.hasFocus, timeout=5000)
        qtbot.keyClicks(first, "Hamartoma")
        qtbot.keyClick(first, Qt.Key.Key_Return, CTRL)
        second = focused()
        assert isinstance(second, QLineEdit) and second is not first and second.objectName() == "field-differential"
        qtbot.keyClicks(second, "Carcinoid")
        qtbot.keyClick(first, Qt.Key.Key_Enter, CTRL)  # the keypad's Enter too; the new line goes after the first
        middle = focused()
        qtbot.keyClicks(middle, "Granuloma")
        assert get_answers(form.response(), "differential") == ["Hamartoma", "Granuloma", "Carcinoid"]
        qtbot.keyClick(middle, Qt.Key.Key_Backspace, CTRL)  # not empty: deletes a word, keeps the line
        assert middle.text() == "" and len(form.findChildren(QLineEdit, "field-differential")) == 3
        qtbot.keyClick(middle, Qt.Key.Key_Backspace, CTRL)  # empty: the line goes, the cursor to the one above
        qtbot.waitUntil(lambda: len([w for w in form.findChildren(QLineEdit, "field-differential")
                                     if w.isVisibleTo(form)]) == 2, timeout=2000)
        assert focused() is first
        assert get_answers(form.response(), "differential") == ["Hamartoma", "Carcinoid"]

    def test_ctrl_enter_in_a_repeating_group_adds_an_entry(self, qtbot, record):
        form = shown_form(qtbot, record, "radiology-review")
        findings = form.findChild(QPlainTextEdit, "field-region-findings")
        findings.setFocus()
        qtbot.waitUntil(findings.hasFocus, timeout=5000)
        qtbot.keyClick(findings, Qt.Key.Key_Return, CTRL)
        boxes = [b for b in form.findChildren(QGroupBox, "group-region") if b.isVisibleTo(form)]
        assert [b.title() for b in boxes] == ["Entry 1", "Entry 2"]
        assert boxes[1].isAncestorOf(focused())
        qtbot.keyClick(focused(), Qt.Key.Key_Delete, CTRL)  # an empty entry goes
        qtbot.waitUntil(lambda: len([b for b in form.findChildren(QGroupBox, "group-region")
                                     if b.isVisibleTo(form)]) == 1, timeout=2000)
        assert boxes[0].isAncestorOf(focused())

    def test_a_signed_form_takes_no_row_keys(self, qtbot, record):
        form = shown_form(qtbot, record)
        form.set_read_only(True)
        line = form.findChild(QLineEdit, "field-differential")
        line.setFocus()
        qtbot.keyClick(line, Qt.Key.Key_Return, CTRL)
        assert len(form.findChildren(QLineEdit, "field-differential")) == 1


class TestFocusInView:
    def test_the_last_field_reached_by_tab_lies_in_the_viewport_with_a_focus_frame(self, qtbot, record):
        form = shown_form(qtbot, record, height=360)
        fields = reading_order(form)
        fields[0].setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(fields[0].hasFocus, timeout=5000)
        for _ in range(len(fields) - 1):
            qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        last = focused()
        assert field_of(last) is fields[-1]
        assert form.scroll.verticalScrollBar().value() > 0
        viewport = form.scroll.viewport()
        top_left = last.mapTo(viewport, QPoint(0, 0))
        assert viewport.rect().contains(top_left)
        assert viewport.rect().contains(top_left + QPoint(last.width() - 1, last.height() - 1))
        assert "2px solid #1a73e8" in form.scroll.widget().styleSheet()
        # The frame really is drawn: the focused field's border differs from an unfocused one's.
        image = last.grab().toImage()
        assert image.pixelColor(0, last.height() // 2).name() == "#1a73e8"

    def test_a_line_added_at_the_bottom_of_the_view_is_scrolled_into_it(self, qtbot, record):
        form = shown_form(qtbot, record, height=360)
        line = form.findChild(QLineEdit, "field-differential")
        line.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(line.hasFocus, timeout=5000)
        viewport = form.scroll.viewport()

        def in_view(widget: QWidget) -> bool:
            top_left = widget.mapTo(viewport, QPoint(0, 0))
            return (viewport.rect().contains(top_left)
                    and viewport.rect().contains(top_left + QPoint(widget.width() - 1, widget.height() - 1)))
        for n in range(6):
            qtbot.keyClick(focused(), Qt.Key.Key_Return, CTRL)
            qtbot.wait(50)  # one turn of the event loop: the layout places the new line, the form follows it
            assert in_view(focused())
            qtbot.keyClicks(focused(), f"Differential {n}")
        assert focused().text() == "Differential 5"

    def test_a_checkbox_shows_its_focus(self, qtbot, record):
        form = shown_form(qtbot, record)
        box = form.findChild(QWidget, "field-documents-reviewed").findChild(QAbstractButton, "option-0")
        box.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(box.hasFocus, timeout=5000)
        assert box.grab().toImage().pixelColor(0, box.height() // 2).name() == "#1a73e8"


class TestDraftNote:
    def test_the_note_says_the_time_today_and_the_date_otherwise(self, qtbot, record):
        form = shown_form(qtbot, record)
        zone = timezone(timedelta(hours=1))
        today = datetime(2026, 3, 4, 17, 0, tzinfo=zone)
        form.set_draft_saved(datetime(2026, 3, 4, 9, 5, tzinfo=zone), today=today)
        assert form.status.text() == "Draft restored from 09:05." and form.status.isVisibleTo(form)
        form.set_draft_saved(datetime(2026, 3, 2, 18, 30, tzinfo=zone), today=today)
        assert form.status.text() == "Draft restored from 02/03/2026 18:30."
        form.set_read_only(True, "Signed.")
        assert form.status.text() == "Signed."
        form.set_draft_saved(None)
        form.set_read_only(False)
        assert not form.status.isVisibleTo(form)


class TestInTheWindow:
    def test_reopening_with_a_draft_says_draft_restored_from(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        assert not window.form.form.status.isVisibleTo(window.form.form)  # a new form: nothing restored
        qtbot.keyClicks(window.form.form.findChild(QPlainTextEdit, "field-diagnosis"), "Typical carcinoid")
        window.close()
        again = open_window(qtbot, store)
        open_case(qtbot, again, case_id)
        saved = again.drafts.saved_at(case_id)
        status = again.form.form.status
        assert status.isVisibleTo(again.form.form)
        assert status.text() == f"Draft restored from {saved:%H:%M}."

    def test_a_whole_opinion_typed_by_keyboard_alone_can_be_signed(self, qtbot, demo_store):
        """F6 into the form, then only keys: text in every empty field, Down in each list, Space
        on a recipient, Ctrl+Enter for a second differential, Tab onwards; nothing is missing."""
        from PySide6.QtWidgets import QCheckBox, QComboBox
        store, case_id = demo_store
        window = form_focused_by_f6(qtbot, store, case_id)
        form = window.form.form
        first, seen = field_of(focused()), []
        long_text = "Nine millimetre solid nodule of the right lower lobe, unchanged in three months (DEMO). " * 4
        for _ in range(80):
            widget, name = focused(), field_of(focused()).objectName()
            seen.append(name)
            if isinstance(widget, (QPlainTextEdit, QLineEdit)) and not (
                    widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()):
                qtbot.keyClicks(widget, long_text if isinstance(widget, QPlainTextEdit) else "DEMO entry")
                if name == "field-differential" and seen.count(name) == 1:
                    qtbot.keyClick(widget, Qt.Key.Key_Return, CTRL)
                    qtbot.keyClicks(focused(), "Second differential (DEMO)")
            elif isinstance(widget, QComboBox) and widget.currentIndex() <= 0:
                qtbot.keyClick(widget, Qt.Key.Key_Down)
            elif isinstance(widget, QCheckBox) and name.startswith("option-") and not widget.isChecked() \
                    and field_of(widget.parentWidget()).objectName() == "field-recipients":
                qtbot.keyClick(widget, Qt.Key.Key_Space)
            qtbot.keyClick(focused(), Qt.Key.Key_Tab)
            if not form.isAncestorOf(focused()) or field_of(focused()) is first:
                break
        assert window.form.missing == [], window.form.missing
        assert window.form.sign_button.isEnabled()
        assert get_answers(form.response(), "differential") == ["DEMO entry", "Second differential (DEMO)"]
        assert "field-reviewer-registration" in seen and not [n for n in seen if not n.startswith(("field-", "option-"))]

    def test_ctrl_q_quits(self, qtbot, demo_store):
        store, _case_id = demo_store
        window = open_window(qtbot, store)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        qtbot.keyClick(window, Qt.Key.Key_Q, CTRL)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)

    def test_f1_lists_the_window_form_and_viewer_keys_in_one_table(self, qtbot, demo_store):
        store, _case_id = demo_store
        window = open_window(qtbot, store)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        qtbot.keyClick(window, Qt.Key.Key_F1)
        from app.ui.shortcuts import KeyboardDialog
        qtbot.waitUntil(lambda: window.findChild(KeyboardDialog) is not None, timeout=5000)
        rows = window.findChild(KeyboardDialog).rows()
        assert ("Ctrl+Q", "Quit the workstation", "Window") in rows
        assert ("K", "Keep a key image of the shown frame", "Image viewer") in rows
        assert ("Ctrl+Enter", "In a repeated line or entry: add one after it", "Opinion form") in rows
        assert ("Enter", "Open the item; on a group of items: zoom in on them", "Timeline") in rows
        assert ("Ctrl+C", "Copy the selected text", "Documents") in rows
        assert {where for _keys, _action, where in rows} == {"Window", "Opinion form", "Timeline", "Documents",
                                                             "Image viewer"}
