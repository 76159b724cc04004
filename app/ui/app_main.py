"""Starting the workstation: the QApplication, the vault passphrase dialog and `run_gui` for
`secondo [gui]` (the scripted demo window is app/ui/demo_walk.py)."""

from __future__ import annotations

import os
from pathlib import Path
import time

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from app.core.errors import SecondoError
from app.store.keys import VaultLockedError


STARTED = time.monotonic()


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or os.name == "nt" or \
        os.uname().sysname == "Darwin"


def application() -> QApplication:
    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("Second-O")
    app.setOrganizationName("Second-O")
    app.setDesktopFileName("secondo")  # matches packaging/linux/secondo.desktop (icon on Wayland)
    from PySide6.QtGui import QIcon

    from app.core.resources import resource_path
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        icon.addFile(str(resource_path("icons", f"secondo-{size}.png")))
    app.setWindowIcon(icon)
    return app


def _tr(text: str) -> str:
    return QCoreApplication.translate("AppMain", text)


def gui_prompt(is_new: bool) -> str:
    """The vault passphrase (where the OS has no keyring), asked in a dialog."""
    label = (_tr("This workstation has no OS keyring. Choose a vault passphrase (at least 8 characters):")
             if is_new else _tr("Vault passphrase:"))
    text, ok = QInputDialog.getText(None, _tr("Second-O"), label, QLineEdit.EchoMode.Password)
    if not ok or not text:
        raise VaultLockedError(_tr("No vault passphrase given; the data folder stays locked."))
    if is_new:
        again, ok = QInputDialog.getText(None, _tr("Second-O"), _tr("The same again:"), QLineEdit.EchoMode.Password)
        if not ok or again != text:
            raise VaultLockedError(_tr("The two passphrases differ; nothing was set up."))
    return text


def run_gui(args, prompt=None) -> int:
    """`secondo [gui] [--case ID]`: the window on the worklist, or on a case. `prompt` asks
    for the vault passphrase where there is no keyring (default: a dialog)."""
    from app.store.store import CaseStore
    from app.ui.main_window import MainWindow

    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        raise SecondoError(_tr("There is no display to show the workstation on (DISPLAY is not set); "
                               "the command-line verbs work without one: secondo --help"))
    app = application()
    with CaseStore.open(prompt=prompt or gui_prompt) as store:
        case = getattr(args, "case", None)
        case_id = store.resolve_case(case) if case else None
        window = MainWindow(store)
        last = window.settings.last_case
        if case_id is None and last and store.index.case(last) is not None:
            case_id = last
        window.show()
        files = [Path(f) for f in getattr(args, "files", None) or []]
        if files:
            window.importer.start(files)  # the import opens its case when done
        elif case_id:
            window.open_case(case_id)
        if getattr(args, "exit_when_shown", False):
            # Start-up timing (scripts/smoke): once the worklist is filled, say when and leave.
            from PySide6.QtCore import QTimer
            window.casesLoaded.connect(lambda _n: QTimer.singleShot(0, lambda: (
                print(f"shown after {time.monotonic() - STARTED:.3f} s (since the module was loaded)"),
                window.close(), app.quit())))
        return app.exec()


def wait_until(predicate, timeout: float = 10.0) -> bool:
    """Process events until `predicate()` holds (or the time is up)."""
    app = QApplication.instance()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    app.processEvents()
    return predicate()
