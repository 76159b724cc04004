"""Cyclic garbage is collected on the GUI thread only, and never in one long pause while the
user works.

Python runs its cycle collector on whichever thread happens to allocate when a threshold is
passed. When a worker thread (an import, a decode, preparing a case's form) collects a cycle
that holds a Qt widget, the widget is destroyed off the GUI thread and the process crashes
(a segmentation fault in "Garbage-collecting" under a worker's frame). So the automatic
collector is switched off and a timer on the GUI thread collects, generation by generation,
when the counts pass the interpreter's own thresholds: the approach of pyqtgraph's
GarbageCollector. Reference counting still frees everything that is not in a cycle at once.

A full collection walks every object the process holds (40-50 ms on the GUI thread with a
case and a long series open: a visible stall in a scroll or a drag). So what survived the
last full collection is frozen (`gc.freeze()`, the permanent generation) and a full
collection made while the application is busy walks only what came after it. When the
application has been quiet for a while (its allocations stayed under the first threshold for
QUIET_TICKS ticks, as they do when nobody scrolls, types or imports), the frozen objects are
thawed and everything is walked once, so a cycle among old objects (a closed case's widgets)
is still freed, seconds later, where no one waits for it."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: Ticks (of the collector's timer) without allocations past the first threshold before the
#: frozen objects are walked again: 4 x 500 ms, a pause in the work.
QUIET_TICKS = 4


class GuiThreadCollector(QObject):
    """Owned by the QApplication; `collect_due()` is what the timer runs."""

    def __init__(self, parent: QObject, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.setObjectName("gui-thread-collector")
        self.thresholds = gc.get_threshold()
        self.quiet_ticks = 0
        self.thaw_due = True  # a walk of everything is due at the next pause (the first: after start-up)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()
        gc.disable()

    def collect_due(self) -> int:
        """Collect the generations whose count passed their threshold; when quiet, everything
        once. The objects found."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            self.quiet_ticks += 1
            if self.thaw_due and self.quiet_ticks >= QUIET_TICKS:
                return self.collect_everything()
            return 0
        self.quiet_ticks = 0
        generation = 2 if counts[2] > self.thresholds[2] else 1 if counts[1] > self.thresholds[1] else 0
        found = gc.collect(generation)
        if generation == 2:  # the survivors join the frozen ones: the next full collection skips them
            gc.freeze()
            self.thaw_due = True
        return found

    def collect_everything(self) -> int:
        """Every object walked, the frozen ones too, then the survivors frozen again."""
        gc.unfreeze()
        found = gc.collect(2)
        gc.freeze()
        self.thaw_due = False
        return found


def collect_all() -> int:
    """Everything collectable freed now, frozen objects included, nothing left frozen (the end
    of a test, the end of the application)."""
    gc.unfreeze()
    return gc.collect(2)


def install(app: QObject) -> GuiThreadCollector:
    """Collect cycles on `app`'s thread from now on (once per application)."""
    existing = app.findChild(GuiThreadCollector, "gui-thread-collector")
    return existing if isinstance(existing, GuiThreadCollector) else GuiThreadCollector(app)
