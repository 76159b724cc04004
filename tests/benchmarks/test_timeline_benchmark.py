"""Timeline benchmarks (issue 18): a case of 500 documents and studies over 30 years
(tests/ui/timeline_shots.py synthetic_view) in the Timeline tab at 1400x560.
- one wheel step of zoom, from the event to the end of the paint (layout, ticks, drawing):
  < 16 ms median, so zooming and panning keep up with the screen;
- the layout alone (marks of every lane, ticks, undated chips), reported;
- opening: the timeline built from the case view, laid out and painted, < 100 ms.

The paint is forced with `grab()` (synchronous, into a pixmap: `repaint()` of an offscreen window may paint nothing). Figures are recorded against their targets
(tests/benchmarks/figures.py), never asserted.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from app.dossier.timeline import build_timeline
from app.dossier.timeline_layout import lay_out, ticks, undated_chips
from app.ui.timeline_widget import TimelineWidget
from tests.benchmarks.figures import record
from tests.ui.timeline_shots import synthetic_view

SIZE = (1400, 560)


def shown(qtbot) -> TimelineWidget:
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(*SIZE)
    widget.set_timeline(build_timeline(synthetic_view()))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_zoom_step_with_paint(benchmark, qtbot):
    widget = shown(qtbot)
    canvas = widget.canvas
    state = {"n": 0}

    def step():
        # in four steps, out four steps, around moving points: every step a new layout
        state["n"] += 1
        sign = 1 if (state["n"] // 4) % 2 == 0 else -1
        pos = QPointF(canvas.gutter + 100 + (state["n"] * 37) % 1100, 120)
        event = QWheelEvent(pos, canvas.mapToGlobal(pos), QPoint(), QPoint(0, 120 * sign), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(canvas, event)
        canvas.grab()  # the paint, synchronous, into a pixmap as into the backing store

    benchmark.pedantic(step, rounds=200, iterations=1, warmup_rounds=4)
    marks, _ticks, _chips = canvas.layout_now()
    benchmark.extra_info["marks_at_last_step"] = sum(len(m) for m in marks.values())
    record(benchmark, "timeline of 500 items: one zoom step, layout and paint, median",
           benchmark.stats.stats.median, 0.016, "s wall")


def test_layout_of_500_items(benchmark, qtbot):
    widget = shown(qtbot)
    canvas = widget.canvas
    timeline, window, width = canvas.timeline, canvas.window, canvas.axis_width

    def lay():
        lay_out(timeline, window, width, canvas.metrics)
        ticks(window, width, canvas.metrics)
        undated_chips(timeline.undated, width, canvas.metrics)

    benchmark.pedantic(lay, rounds=100, iterations=1, warmup_rounds=2)
    record(benchmark, "timeline of 500 items: layout alone (fit), median", benchmark.stats.stats.median, None, "s wall")


def test_open_the_timeline(benchmark, qtbot):
    widget = shown(qtbot)
    view = synthetic_view()

    def open_it():
        widget.set_timeline(build_timeline(view))
        widget.canvas.grab()

    benchmark.pedantic(open_it, rounds=30, iterations=1, warmup_rounds=1)
    record(benchmark, "timeline of 500 items: built, laid out and painted, median", benchmark.stats.stats.median,
           0.1, "s wall")
