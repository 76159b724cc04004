"""The task runner: work on a worker thread, results, failures and progress on the GUI thread."""

import threading

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.errors import BadInputError
from app.core.tasks import Cancelled
from app.ui.task_runner import TaskRunner


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner(max_threads=2)
    yield runner
    runner.shutdown()


def wait_done(qtbot, runner):
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=5000)


class TestTaskRunner:
    def test_success_arrives_on_the_gui_thread(self, qtbot, runner):
        seen = {}

        def work(token, progress):
            seen["worker"] = threading.current_thread()
            return 42

        def success(value):
            seen["value"], seen["gui"] = value, threading.current_thread()

        runner.run(work, success=success)
        wait_done(qtbot, runner)
        assert seen["value"] == 42
        assert seen["gui"] is threading.main_thread()
        assert seen["worker"] is not threading.main_thread()

    def test_failure_and_progress(self, qtbot, runner):
        events = []

        def work(token, progress):
            for i in range(3):
                progress(i + 1, 3)
            raise BadInputError("the file is damaged")

        runner.run(work, success=events.append, failure=lambda e: events.append(("failed", str(e))),
                   progress=lambda done, total: events.append((done, total)))
        wait_done(qtbot, runner)
        assert events == [(1, 3), (2, 3), (3, 3), ("failed", "the file is damaged")]

    def test_a_cancelled_task_delivers_no_result(self, qtbot, runner):
        started, release = threading.Event(), threading.Event()
        results, cancelled = [], []

        def work(token, progress):
            started.set()
            release.wait(5)
            return "stale"

        task = runner.run(work, success=results.append)
        assert started.wait(5)
        task.cancel()
        release.set()
        wait_done(qtbot, runner)
        assert results == []

        def checking(token, progress):
            token.check()
            return "never"

        task = runner.run(checking, success=results.append, cancelled=cancelled.append, token=task.token)
        wait_done(qtbot, runner)
        assert results == [] and len(cancelled) == 1 and isinstance(cancelled[0], Cancelled)

    def test_an_unhandled_failure_is_shown_to_the_user(self, qtbot, runner):
        with qtbot.waitSignal(runner.failedUnhandled, timeout=5000) as blocker:
            runner.run(lambda token, progress: 1 / 0)
        assert isinstance(blocker.args[0], ZeroDivisionError)
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        assert boxes and "ZeroDivisionError" in boxes[-1].text() and "Traceback" not in boxes[-1].text()
        for box in boxes:
            box.close()


def test_qt_calls_cannot_exhaust_none_or_true(qtbot):
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on every void call and to
    True on every emit; app.ui makes that harmless (viewers/qt_runtime.py), so a long session
    cannot crash the interpreter."""
    import sys

    from PySide6.QtCore import QObject, QPointF, Signal

    import app.ui  # noqa: F401 - applies the fix

    class Emitter(QObject):
        fired = Signal(object)

    emitter, point = Emitter(), QPointF()
    for _ in range(20000):
        emitter.fired.emit(None)
        point.setX(1.0)
    assert sys.getrefcount(True) > 1000 and sys.getrefcount(None) > 1000


class TestStop:
    """What the window's close relies on: stop() cancels what may be cancelled, lets the rest
    finish, starts nothing new, and says when no work is left."""

    def test_stop_cancels_only_what_may_be_cancelled_and_drains(self, qtbot):
        runner = TaskRunner(max_threads=1, cancel_on_close=False)
        started, release = threading.Event(), threading.Event()
        outcomes = []
        writing = runner.run(lambda token, progress: started.set() or release.wait(60) and "written",
                             success=outcomes.append)
        reading = runner.run(lambda token, progress: outcomes.append("read ran"), cancel_on_close=True,
                             cancelled=lambda _c: outcomes.append("read cancelled"))
        assert started.wait(30)
        assert runner.stop() is False  # the write is still running
        assert set(runner.busy) == {writing, reading}
        assert not writing.token.cancelled and reading.token.cancelled
        later = runner.run(lambda token, progress: outcomes.append("later ran"),
                           cancelled=lambda _c: outcomes.append("later cancelled"))
        with qtbot.waitSignal(runner.drained, timeout=30000):
            release.set()
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=30000)
        assert outcomes == ["written", "read cancelled", "later cancelled"]
        assert runner.busy == [] and later.done

    def test_stop_with_nothing_running_is_done_at_once(self, qtbot):
        runner = TaskRunner()
        assert runner.stop() is True

    def test_a_result_for_a_deleted_window_is_dropped(self, qtbot):
        from PySide6.QtWidgets import QWidget
        from shiboken6 import delete

        window = QWidget()
        runner = TaskRunner(window)
        started, release = threading.Event(), threading.Event()
        called = []
        task = runner.run(lambda token, progress: started.set() or release.wait(60), success=called.append)
        assert started.wait(30)
        release.set()
        assert task.wait(30)  # done; its delivery waits in the GUI thread's queue
        delete(window)  # the window goes, and its runner with it
        qtbot.wait(100)  # the delivery arrives and finds nobody to tell
        assert called == []
