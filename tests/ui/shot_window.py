"""The start every screenshot script of the DEMO case shares (tests/ui/*_shots.py, for
/work/shared/tools/xshot): the application in a language and the main window on the DEMO
data folder, shown."""

from __future__ import annotations

import os
from pathlib import Path


def demo_window(home: str, language: str = "en", size: tuple[int, int] | None = None):
    """(app, window, case_id): the main window on the DEMO data folder `home` (`size`: placed
    at the screen's corner with that size), and its first case."""
    os.environ["SECONDO_HOME"] = home
    from app.commands.demo import _demo_prompt
    from app.store.store import CaseStore
    from app.ui.app_main import application
    from app.ui.main_window import MainWindow

    app = application(language)
    store = CaseStore.open(Path(home), _demo_prompt)
    window = MainWindow(store)
    if size is not None:
        window.setGeometry(0, 0, *size)
    return app, window, store.index.cases()[0]["id"]
