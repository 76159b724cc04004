"""Starting the workstation: the QApplication, the vault opened with up to three tries of its
passphrase (app/ui/vault_passphrase_dialog.py), the first-run dialog on a new data folder and
`run_gui` for `secondo [gui]` (the scripted demo window is app/ui/demo_walk.py)."""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys
import time

from PySide6.QtWidgets import QApplication

from app.core.errors import SecondoError
from app.core.i18n import _


STARTED = time.monotonic()


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or os.name == "nt" or \
        os.uname().sysname == "Darwin"


def application(language: str | None = None) -> QApplication:
    """The QApplication, speaking `language` ('system', 'nl', 'fr', 'en'; default: the choice of
    Settings ▸ Language kept in the data folder; SECONDO_LANGUAGE overrides) before any widget
    is built."""
    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = QApplication.instance() or QApplication([])
    from app.ui import gc_guard
    gc_guard.install(app)  # cycles holding Qt objects are freed on this thread, never in a worker
    from app.store import paths
    from app.ui.language_settings import install_language, saved_language

    install_language(app, language or saved_language(paths.data_dir()))
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



def open_store(home: Path, prompt=None):
    """The case store of `home`; where the vault passphrase is asked in the window (`prompt`
    None), a wrong one is asked again with the reason, three tries in all."""
    from app.store.keys import WrongVaultPassphraseError
    from app.store.store import CaseStore
    from app.ui.vault_passphrase_dialog import VaultPrompt

    if prompt is not None:  # a passphrase from the environment: no second try
        return CaseStore.open(home, prompt=prompt)
    asking = VaultPrompt(home)
    while True:
        try:
            return CaseStore.open(home, prompt=asking)
        except WrongVaultPassphraseError:
            asking.refused(_("The passphrase is wrong."))


def run_gui(args, prompt=None) -> int:
    """`secondo [gui] [--case ID] [FILE...]`: the window on the worklist, on a case, or
    importing FILEs. `prompt` asks for the vault passphrase where there is no keyring
    (default: a dialog). When a window is open on the data folder already, the files and the
    case go to it (app/ui/single_instance.py) and this start ends at once."""
    from app.store import paths
    from app.ui.single_instance import HandOver, SingleInstance

    home = paths.data_dir()
    message = HandOver([str(Path(f).resolve()) for f in getattr(args, "files", None) or []],
                       getattr(args, "case", None))
    instance = SingleInstance(home)
    if not instance.acquire() and instance.hand_over(message):
        print(_("Second-O is already open on this data folder; the files were handed to it.") if message.files
              else _("Second-O is already open on this data folder; it was brought to the front."))
        return 0
    restart: list[bool] = []
    try:
        code = _run_window(instance, message, prompt, getattr(args, "exit_when_shown", False), restart)
    finally:
        instance.release()
    if restart:  # Settings ▸ Language ▸ Restart now: the window has saved and closed, the lock is free
        start_again()
    return code


def restart_command() -> list[str]:
    """The command that starts the window again on the same data folder (no files, no case:
    the last case open is reopened by itself)."""
    if getattr(sys, "frozen", False):  # the bundle: its executable is the `secondo` command
        return [sys.executable, "gui"]
    return [sys.executable, "-m", "app", "gui"]


def start_again() -> None:
    """A new window process, on its own, once this one has released the data folder."""
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):
        root = str(Path(__file__).resolve().parents[2])  # where the `app` package is importable
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (root, env.get("PYTHONPATH"))))
    subprocess.Popen(restart_command(), env=env, stdin=subprocess.DEVNULL, close_fds=True,
                     start_new_session=True)


def _run_window(instance, message, prompt, exit_when_shown: bool, restart: list[bool]) -> int:
    from app.ui.main_window import MainWindow

    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        raise SecondoError(_("There is no display to show the workstation on (DISPLAY is not set); "
                               "the command-line verbs work without one: secondo --help"))
    app = application()
    early: list = []  # hand-overs that come while the vault is being opened
    instance.handed.connect(early.append)
    instance.listen()
    with open_store(instance.home, prompt) as store:
        case_id = store.resolve_case(message.case) if message.case else None
        window = MainWindow(store)
        window.restart_available = True  # Settings ▸ Language may offer "Restart now"
        window.restartRequested.connect(lambda: restart.append(True))
        last = window.settings.last_case
        if case_id is None and last and store.index.case(last) is not None:
            case_id = last
        window.show()
        from app.ui.first_run_dialog import start_first_run
        start_first_run(window)  # a new data folder: who signs, the letterhead, the identity
        if message.files:
            window.importer.start([Path(f) for f in message.files])  # the import opens its case when done
        elif case_id:
            window.open_case(case_id)
        instance.handed.disconnect(early.append)
        instance.handed.connect(window.take_hand_over)
        window.closing.connect(instance.stop_listening)  # a start from now on waits to be the window
        for later in early:
            window.take_hand_over(later)
        if exit_when_shown:
            # Start-up timing (scripts/smoke): once the worklist is filled, say when and leave.
            from PySide6.QtCore import QTimer
            window.casesLoaded.connect(lambda _n: QTimer.singleShot(0, lambda: (
                print(f"shown after {time.monotonic() - STARTED:.3f} s (since the module was loaded)"),
                window.close(), app.quit())))
        try:
            return app.exec()
        finally:
            window.shutdown()  # no worker may still use the store when it closes


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
