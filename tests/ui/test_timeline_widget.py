"""The Timeline tab: click or Enter opens an item through the case view, arrows move between
items, the wheel zooms around the cursor, drag pans, Fit shows everything; View ▸ Timeline on
the DEMO case (app/ui/timeline_widget.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from app.dossier.timeline import build_timeline
from app.ui.main_window import MainWindow
from app.ui.timeline_widget import TimelineWidget
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.timeline_shots import synthetic_view


def view_of_five() -> dict:
    docs = [{"kind": k, "title": t, "date": d, "author": "Dr. Test Author", "path": f"{t}.pdf"}
            for k, t, d in (("referral_letter", "Referral", "2026-11-04"), ("history_letter", "History", "2026-10-30"),
                            ("imaging_report", "CT report", "2026-10-24"), ("operation_report", "Bronchoscopy", "2026-10-28"))]
    studies = [{"study_uid": "1.2.3", "date": "20261022", "description": "CT THORAX",
                "series": [{"series_uid": "1.2.3.1", "modality": "CT"}]}]
    return {"question": "Is surgery indicated now?", "documents": docs, "studies": studies}


@pytest.fixture
def timeline(qtbot):
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, 420)
    widget.set_timeline(build_timeline(view_of_five()))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def point_of(canvas, key: str) -> QPoint:
    for lane, thing in canvas.targets():
        if thing.items[0].key == key:
            rect = canvas.rects_of(lane, thing)[0]  # its marker
            return QPoint(int(rect.left() + 6), int(rect.center().y()))
    raise AssertionError(key)


def wheel(widget, x: float, steps: int) -> None:
    pos = QPointF(x, 60)
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_question_is_on_top_and_the_legend_names_the_lanes(timeline):
    assert "Is surgery indicated now?" in timeline.question.text()
    legend = [timeline.legend.itemAt(i).widget().text() for i in range(timeline.legend.count())]
    assert [text.rsplit(" ", 1)[-1] for text in legend] == ["Letters", "reports", "Operations", "studies"]


def test_clicking_an_item_opens_it(qtbot, timeline):
    canvas = timeline.canvas
    with qtbot.waitSignal(timeline.openRequested) as opened:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point_of(canvas, "document:3"))
    assert opened.args == [("document", 3)]
    with qtbot.waitSignal(timeline.openRequested) as opened:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point_of(canvas, "study:1.2.3"))
    assert opened.args == [("series", "1.2.3.1")]


def test_a_tooltip_gives_title_date_and_author(qtbot, timeline):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    canvas = timeline.canvas
    pos = point_of(canvas, "document:3")
    QApplication.sendEvent(canvas, QHelpEvent(QEvent.Type.ToolTip, pos, canvas.mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert QToolTip.text().splitlines() == ["Bronchoscopy", "28/10/2026", "Operation report — Dr. Test Author"]
    QToolTip.hideText()


def test_the_keyboard_walks_the_items_in_time_and_enter_opens(qtbot, timeline):
    canvas = timeline.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.focus_key == "study:1.2.3"  # the oldest first
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.focus_key == "document:2"
    qtbot.keyClick(canvas, Qt.Key.Key_Up)  # the lane above, nearest in time
    assert canvas.timeline.item(canvas.focus_key).lane == "letters"
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert canvas.focus_key == "document:3"  # operations
    with qtbot.waitSignal(timeline.openRequested) as opened:
        qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert opened.args == [("document", 3)]


def test_the_wheel_zooms_around_the_cursor_and_fit_shows_all(qtbot, timeline):
    canvas = timeline.canvas
    before = canvas.window
    x = canvas.gutter + 300
    day = before.day_at(300, canvas.axis_width)
    wheel(canvas, x, 2)
    after = canvas.window
    assert after.span == pytest.approx(before.span / 1.25 ** 2)
    assert after.day_at(300, canvas.axis_width) == pytest.approx(day)
    wheel(canvas, x, -4)
    assert canvas.window.span > before.span
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_F)
    assert canvas.window == before
    for item in canvas.timeline.items:
        assert 0 < canvas.window.x(item.day, canvas.axis_width) < canvas.axis_width


def test_a_drag_pans_and_is_no_click(qtbot, timeline):
    canvas = timeline.canvas
    before = canvas.window
    start = point_of(canvas, "document:0")
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, start + QPoint(30, 0))
    qtbot.mouseMove(canvas, start + QPoint(100, 0))
    with qtbot.assertNotEmitted(timeline.openRequested):
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + QPoint(100, 0))
    shift = 100 / canvas.axis_width * before.span
    assert canvas.window.start == pytest.approx(before.start - shift)
    assert canvas.window.span == pytest.approx(before.span)


def test_500_items_cluster_and_a_cluster_zooms_in_on_its_items(qtbot):
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(1200, 500)
    widget.set_timeline(build_timeline(synthetic_view()))
    widget.show()
    qtbot.waitExposed(widget)
    canvas = widget.canvas
    marks, _ticks, chips = canvas.layout_now()
    assert sum(len(m.items) for ms in marks.values() for m in ms) + sum(len(c.items) for c in chips) == 500
    biggest = max((m for ms in marks.values() for m in ms), key=lambda m: len(m.items))
    assert biggest.cluster
    span = canvas.window.span
    canvas.activate(biggest)
    assert canvas.window.span < span / 4
    for item in biggest.items:
        assert 0 <= canvas.window.x(item.day, canvas.axis_width) <= canvas.axis_width
    widget.grab()  # paints


def test_view_timeline_opens_the_tab_and_an_item_opens_the_document(qtbot, demo_store):  # noqa: F811 - fixture
    store, case_id = demo_store
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(window.caseShown, timeout=30000):
            window.open_case(case_id)
        (action,) = [a for a in window.actions() if "Ctrl+Shift+T" in [s.toString() for s in a.shortcuts()]]
        action.trigger()
        view = window.case_view
        timeline = view.tab_for("timeline")
        assert timeline is not None and view.current_tabs.currentWidget() is timeline
        canvas = timeline.canvas
        documents = view.data.documents
        n = next(i for i, d in enumerate(documents) if d["kind"] == "operation_report")
        qtbot.waitUntil(lambda: canvas.width() > 300)
        canvas.fit()
        hit = canvas.targets()
        key = f"document:{n}"
        if not any(len(t.items) == 1 and t.items[0].key == key for _l, t in hit):  # clustered: zoom in on it
            cluster = next(t for _l, t in hit if any(i.key == key for i in t.items))
            canvas.activate(cluster)
        assert canvas.timeline.item(key).unread  # a new case: nothing read yet
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point_of(canvas, key))
        assert view.tab_for(f"document:{documents[n]['id']}") is not None
        # once its viewer shows it, the document is read, and the timeline's mark says so
        qtbot.waitUntil(lambda: not canvas.timeline.item(key).unread, timeout=15000)
        assert canvas.timeline.item("document:0").unread
        # a document's identity check done again (its text arrived): its mark turns red, the view stays
        window_before = canvas.window
        view.data.view["documents"][1]["identity"] = {"status": "mismatch", "message": "another patient"}
        view.identity_flags.changed.emit()
        assert canvas.timeline.item("document:1").mismatch and canvas.window == window_before
        action.trigger()  # again: the same tab, not a second one
        assert view.current_tabs.currentWidget() is timeline
        assert sum(1 for tabs in view.tabs for i in range(tabs.count()) if tabs.widget(i) is timeline) == 1
    finally:
        window.close()
        window.shutdown()
