"""One window per data folder: a second `secondo` start on the same data folder hands its
files (or --case) to the first window, which comes to the front and imports them as if they
were dropped on it, and the second start exits 0 with one line; a crashed window's socket
is known to be stale and replaced."""

from __future__ import annotations

import os
from pathlib import Path
import signal
import subprocess
import sys

import pytest
from PySide6.QtCore import QDir

from app.store.store import CaseStore
from app.ui.main_window import MainWindow
from app.ui.single_instance import HandOver, SingleInstance, WindowNotAnswering, server_name
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(SECONDO_HOME=str(home), QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return env


def second_start(qtbot, home: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m app ARGS` in its own process, the event loop of this one running meanwhile."""
    process = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=ROOT, env=environment(home),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        qtbot.waitUntil(lambda: process.poll() is not None, timeout=120000)
    finally:
        if process.poll() is None:
            process.kill()
    out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture
def first(qtbot, isolated_home):
    """The first window's side: the lock held and the socket listening."""
    instance = SingleInstance(Path(isolated_home))
    assert instance.acquire()
    assert instance.listen()
    yield instance
    instance.release()


def window_for(qtbot, store, instance, **kwargs) -> MainWindow:
    window = MainWindow(store, **kwargs)
    qtbot.addWidget(window)
    instance.handed.connect(window.take_hand_over)
    window.showMinimized()
    return window


def test_a_second_start_hands_its_file_to_the_first_window(qtbot, isolated_home, demo_package, first):  # noqa: F811
    with CaseStore.open(Path(isolated_home)) as store:
        window = window_for(qtbot, store, first, credentials=[demo_package.reviewer_identity()],
                            roots=[demo_package.root])
        shown = []
        window.caseShown.connect(shown.append)
        done = second_start(qtbot, Path(isolated_home), "gui", os.path.relpath(demo_package.package, ROOT))
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["Second-O is already open on this data folder; the files were handed "
                                            "to it."]
        assert done.stderr == ""
        qtbot.waitUntil(lambda: bool(shown), timeout=120000)  # imported, then opened, as a drop would
        assert not window.isMinimized() and window.isVisible()  # brought to the front
        assert [row["id"] for row in store.index.cases()] == shown
        window.close()


def test_a_second_start_with_a_case_opens_it_in_the_first_window(qtbot, demo_store, first):  # noqa: F811
    store, case_id = demo_store
    window = window_for(qtbot, store, first)
    shown = []
    window.caseShown.connect(shown.append)
    done = second_start(qtbot, store.home, "--case", case_id[:8])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Second-O is already open on this data folder; it was brought to the front."]
    qtbot.waitUntil(lambda: shown == [case_id], timeout=60000)
    window.close()


def test_a_crashed_window_leaves_a_stale_socket_that_the_next_start_replaces(qtbot, isolated_home):
    home = Path(isolated_home)
    crashed = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from PySide6.QtCore import QCoreApplication\nfrom app.ui.single_instance import SingleInstance\n"
         "app = QCoreApplication([])\ni = SingleInstance(Path(sys.argv[1]))\nassert i.acquire() and i.listen()\n"
         "print('listening', flush=True)\ntime.sleep(300)\n", str(home)],
        cwd=ROOT, env=environment(home), stdout=subprocess.PIPE, text=True)
    try:
        assert crashed.stdout.readline().strip() == "listening"
        assert not SingleInstance(home).acquire()  # held while it lives
    finally:
        crashed.send_signal(signal.SIGKILL)
        crashed.wait(60)
    socket_file = Path(QDir.tempPath()) / server_name(home)
    if os.name != "nt":
        assert socket_file.exists()  # left behind by the crash
    instance = SingleInstance(home)
    assert instance.acquire()  # the OS dropped the dead window's lock
    assert instance.listen()  # its socket was known to be stale and removed
    handed = []
    instance.handed.connect(handed.append)
    probe = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom pathlib import Path\n"
         "from app.ui.single_instance import HandOver, SingleInstance\n"
         "SingleInstance(Path(sys.argv[1])).hand_over(HandOver([], 'abcd'), timeout=60)\n", str(home)],
        cwd=ROOT, env=environment(home), stderr=subprocess.PIPE, text=True)
    qtbot.waitUntil(lambda: probe.poll() is not None, timeout=120000)
    assert probe.returncode == 0, probe.stderr.read()
    assert [(h.files, h.case) for h in handed] == [([], "abcd")]
    instance.release()


def test_a_window_that_does_not_answer_is_reported_in_one_line(isolated_home, first, tmp_path):
    first.release()  # the lock stays taken by another holder below, but nobody listens
    holder = SingleInstance(Path(isolated_home))
    assert holder.acquire()
    with pytest.raises(WindowNotAnswering, match="does not answer"):
        SingleInstance(Path(isolated_home)).hand_over(HandOver([str(tmp_path / "x.sodp")]), timeout=1)
    holder.release()


@pytest.mark.parametrize("data", [b"", b"\xff\xfe", b"[]", b"{\"files\": \"x\"}", b"{\"files\": [1]}",
                                  b"{\"case\": 5}", b"[" * 100000])
def test_what_is_not_a_hand_over_is_ignored(data):
    assert HandOver.decode(data) is None


def test_the_socket_name_is_the_same_for_every_path_to_the_folder(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "data")
    assert server_name(tmp_path / "link") == server_name(tmp_path / "data") != server_name(tmp_path)


def test_the_workstation_start_takes_a_later_start_s_folder(qtbot, isolated_home, demo_package):  # noqa: F811
    """`secondo gui` end to end in this process: it holds the data folder, a later start in
    another process hands it the dossier's folder, the window imports and opens it, and its
    close leaves the store with the whole case."""
    import argparse

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui import app_main

    home = Path(isolated_home)
    seen: dict = {"shown": []}

    def watch() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and "window" not in seen:
            seen["window"] = windows[0]
            windows[0].caseShown.connect(seen["shown"].append)
            seen["second"] = subprocess.Popen([sys.executable, "-m", "app", "gui", str(demo_package.source)],
                                              cwd=ROOT, env=environment(home), stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE, text=True)
        if seen["shown"] and seen["second"].poll() is not None:
            timer.stop()
            seen["window"].close()  # the last window: the event loop ends, run_gui returns

    timer = QTimer()
    timer.timeout.connect(watch)
    timer.start(50)
    QTimer.singleShot(240000, QApplication.instance().quit)  # a hang guard only
    args = argparse.Namespace(case=None, files=[], exit_when_shown=False)
    assert app_main.run_gui(args) == 0
    timer.stop()
    out, err = seen["second"].communicate(timeout=60)
    assert seen["second"].returncode == 0, err
    assert out.splitlines() == ["Second-O is already open on this data folder; the files were handed to it."]
    assert len(seen["shown"]) == 1
    with CaseStore.open(home) as store:
        assert [row["id"] for row in store.index.cases()] == seen["shown"]
    again = SingleInstance(home)
    assert again.acquire()  # released when the window's run ended
    again.release()


def test_a_hand_over_taken_but_not_answered_is_not_sent_twice(qtbot, first, tmp_path):
    handed = []
    first.handed.connect(handed.append)
    # The listening window is this very thread, busy in hand_over: it cannot answer in time.
    with pytest.raises(WindowNotAnswering):
        SingleInstance(first.home).hand_over(HandOver([str(tmp_path / "a.sodp")]), timeout=2)
    qtbot.waitUntil(lambda: bool(handed), timeout=10000)
    qtbot.wait(200)
    assert [h.files for h in handed] == [[str(tmp_path / "a.sodp")]]


def test_a_start_while_the_window_closes_takes_its_place(qtbot, first):
    """A closing window no longer listens; a start meanwhile waits for its lock instead of
    handing files to a window that would drop them, and then is the window itself."""
    handed = []
    first.handed.connect(handed.append)
    first.stop_listening()  # what MainWindow.closing does in run_gui
    assert not first.listening
    later = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom pathlib import Path\n"
         "from app.ui.single_instance import HandOver, SingleInstance\n"
         "later = SingleInstance(Path(sys.argv[1]))\nassert not later.acquire()\nprint('waiting', flush=True)\n"
         "print(later.hand_over(HandOver([], 'abcd'), timeout=120), flush=True)\n", str(first.home)],
        cwd=ROOT, env=environment(first.home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert later.stdout.readline().strip() == "waiting"  # it found the lock held
    first.release()  # the closing window ends
    out, err = later.communicate(timeout=120)
    assert later.returncode == 0, err
    assert out.strip() == "False"  # it holds the lock now: it goes on as the window
    assert handed == []
