"""Running the real start-up (`app_main.run_gui`) in a test until a given window shows."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget


def run_gui_until_shown(kind: type[QWidget], on_shown: Callable[[QWidget], None]) -> int:
    """`secondo gui` with no files until a visible top-level `kind` appears; `on_shown(widget)`
    is then called once and must end the run (close the last window). Returns run_gui's code.
    A two-minute hang guard quits the event loop; it is stopped once the run ends."""
    from app.ui import app_main

    def watch() -> None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        if shown:
            timer.stop()
            on_shown(shown[0])

    timer = QTimer()
    timer.timeout.connect(watch)
    timer.start(50)
    guard = QTimer(singleShot=True, interval=120000)
    guard.timeout.connect(QApplication.instance().quit)
    guard.start()
    try:
        return app_main.run_gui(argparse.Namespace(case=None, files=[], exit_when_shown=False))
    finally:
        timer.stop()
        guard.stop()
