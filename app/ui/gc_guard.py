"""Cyclic garbage is collected on the GUI thread only.

Python runs its cycle collector on whichever thread happens to allocate when a threshold is
passed. When a worker thread (an import, a decode, preparing a case's form) collects a cycle
that holds a Qt widget, the widget is destroyed off the GUI thread and the process crashes
(a segmentation fault in "Garbage-collecting" under a worker's frame). So the automatic
collector is switched off and a timer on the GUI thread collects, generation by generation,
when the counts pass the interpreter's own thresholds: the approach of pyqtgraph's
GarbageCollector. Reference counting still frees everything that is not in a cycle at once."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Owned by the QApplication; `collect_due()` is what the timer runs."""

    def __init__(self, parent: QObject, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.setObjectName("gui-thread-collector")
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()
        gc.disable()

    def collect_due(self) -> int:
        """Collect the generations whose count passed their threshold; the objects found."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return 0
        generation = 2 if counts[2] > self.thresholds[2] else 1 if counts[1] > self.thresholds[1] else 0
        return gc.collect(generation)


def install(app: QObject) -> GuiThreadCollector:
    """Collect cycles on `app`'s thread from now on (once per application)."""
    existing = app.findChild(GuiThreadCollector, "gui-thread-collector")
    return existing if isinstance(existing, GuiThreadCollector) else GuiThreadCollector(app)
