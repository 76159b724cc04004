"""The one task runner of the GUI: a Qt-free function runs on a worker thread; its result,
its failure and its progress come back on the GUI thread through queued signals.

    runner.run(lambda token, progress: series_from_paths(path),
               success=self.show_series, failure=self.show_error)

The function receives a `CancelToken` (check it between units of work) and a
`progress(done, total)` callback; it never touches a widget.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.errors import SecondoError
from app.core.tasks import CancelToken, Cancelled, Progress
from app.core.i18n import _

log = logging.getLogger(__name__)

#: fn(token, progress) -> result; runs on a worker thread.
Work = Callable[[CancelToken, Progress], Any]


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues, the slots run on the GUI thread."""

    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)

    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task
        self.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self.progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.task._deliver("success", result)

    @Slot(object)
    def _on_failed(self, error) -> None:
        self.task._deliver("cancelled" if isinstance(error, Cancelled) else "failure", error)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.task.progress and not self.task.token.cancelled:
            self.task.progress(done, total)


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        task, relay = self.task, self.task._relay
        try:
            task.token.check()
            result = task.work(task.token, relay.progressed.emit)
            task.token.check()
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI thread
            task._done.set()  # before the delivery is queued: once delivered, a task is never busy
            relay.failed.emit(exc)
        else:
            task._done.set()
            relay.finished.emit(result)


class Task:
    """One submitted piece of work: cancel() it, or wait() for it (tests, shutdown)."""

    def __init__(self, runner: TaskRunner, work: Work, success, failure, progress, cancelled,
                 token: CancelToken | None, cancel_on_close: bool) -> None:
        self.runner, self.work = runner, work
        self.success, self.failure, self.progress, self.cancelled = success, failure, progress, cancelled
        self.token = token or CancelToken()
        self.cancel_on_close = cancel_on_close
        self._done = threading.Event()
        self._relay = _Relay(self)

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker has finished (the callbacks still need the event loop)."""
        return self._done.wait(timeout)

    def _deliver(self, kind: str, value) -> None:
        from shiboken6 import isValid

        if not isValid(self.runner):
            return  # its window is gone (closed and deleted): nobody is left to tell
        try:
            self._call_back(kind, value)
        finally:
            self.runner._forget(self)

    def _call_back(self, kind: str, value) -> None:
        if self.token.cancelled and kind != "cancelled":
            return  # the caller no longer wants it: a stale result is dropped, never shown
        callback = getattr(self, kind)
        if callback is not None:
            callback(value)
        elif kind == "failure" and not self.runner.stopped:
            self.runner.report_failure(value)


class TaskRunner(QObject):
    """Runs `Work` on its own thread pool; `max_threads=1` makes a serial runner (store writes).

    `cancel_on_close`: whether `stop()` cancels a task (the default for each `run`); a write
    that must reach the disk (a draft) is not cancelled but waited for."""

    failedUnhandled = Signal(object)
    drained = Signal()  # after stop(): a delivery left no work queued or running

    def __init__(self, parent: QObject | None = None, *, max_threads: int | None = None,
                 cancel_on_close: bool = True) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        if max_threads:
            self.pool.setMaxThreadCount(max_threads)
        self.cancel_on_close = cancel_on_close
        self.stopped = False
        self._tasks: set[Task] = set()
        self._messages: list[QMessageBox] = []

    def run(self, work: Work, *, success: Callable[[Any], None] | None = None,
            failure: Callable[[BaseException], None] | None = None,
            progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[Cancelled], None] | None = None,
            token: CancelToken | None = None, cancel_on_close: bool | None = None) -> Task:
        """Submit `work(token, progress)`; the callbacks run later on the GUI thread.

        Without `failure`, a failure is shown to the user (see `report_failure`). Once the
        runner is stopped, new work is cancelled before it starts.
        """
        task = Task(self, work, success, failure, progress, cancelled, token,
                    self.cancel_on_close if cancel_on_close is None else cancel_on_close)
        if self.stopped:
            task.cancel()
        self._tasks.add(task)
        self.pool.start(_Runnable(task))
        return task

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet delivered (their callbacks not yet run)."""
        return len(self._tasks)

    @property
    def busy(self) -> list[Task]:
        """Tasks whose work is queued or still running."""
        return [task for task in self._tasks if not task.done]

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def stop(self) -> bool:
        """On close: cancel what may be cancelled, start nothing new; True when no work is
        left to wait for, else `drained` follows once the rest has finished."""
        self.stopped = True
        for task in list(self._tasks):
            if task.cancel_on_close:
                task.cancel()
        return not self.busy

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for the workers (on close of the window)."""
        self.cancel_all()
        return self.pool.waitForDone(timeout_ms)

    def _forget(self, task: Task) -> None:
        self._tasks.discard(task)
        if self.stopped and not self.busy:
            self.drained.emit()

    def report_failure(self, error: BaseException) -> None:
        """A failure nobody handled: a dialog for the user, never a traceback."""
        if not isinstance(error, SecondoError):
            log.error("background task failed", exc_info=error)
        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        box = QMessageBox(QMessageBox.Icon.Warning, _("Second-O"), user_message(error, self), parent=parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Without a parent nothing else holds the box: keep it until it is closed.
        self._messages.append(box)
        box.finished.connect(lambda _result, box=box: self._messages.remove(box))
        box.open()
        self.failedUnhandled.emit(error)


def user_message(error: BaseException, context: QObject) -> str:
    """What the user reads about a failure: a domain error's own message, else a generic one."""
    if isinstance(error, SecondoError):
        return str(error)
    return _("Something went wrong ({kind}); nothing was changed.").format(kind=type(error).__name__)


def guarded(widget: QObject, callback: Callable[..., Any]) -> Callable[..., Any]:
    """`callback`, but a no-op once `widget` is deleted: a result that arrives after its dialog
    was closed is dropped instead of touching a deleted widget."""
    from shiboken6 import isValid

    def call(*args: Any) -> Any:
        if isValid(widget):
            return callback(*args)
        return None
    return call
