"""The background text job: the text of a case's documents (PDF text layers, OCR of scans,
plain text) read and kept (`app.dossier.case_texts.ensure_texts`) on the window's `runner`,
never on the GUI thread, never before the window is shown, one case at a time, the case on
screen first. Its progress and a Cancel button sit in the status bar; each document's text
goes to the case view as soon as it is kept (`textsRead`), so search grows while it runs.

It holds neither the store's writer (`store_runner`) nor a lock a case opening needs: a case
opens as fast while it runs (tests/benchmarks/test_text_job_benchmark.py)."""

from __future__ import annotations

from collections.abc import Callable
import logging

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QProgressBar, QPushButton, QSizePolicy, QWidget

from app.core.errors import SecondoError
from app.core.i18n import _, ngettext
from app.core.tasks import CancelToken, Cancelled
from app.store.store import CaseNotFound

log = logging.getLogger(__name__)

#: Report(documents done, documents total, pages done in the current one, its pages).
Report = Callable[[int, int, int, int], None]


def load_texts(store, case_id: str, record: dict) -> tuple[dict, list[str]]:
    """Qt-free, with the case: its kept texts ({doc_id: DocumentText}) and the ids of its
    documents whose text is still to be read (none kept, or kept by an older extraction)."""
    from app.dossier.case_texts import missing_texts
    from app.store.texts import TextStore

    try:
        texts = TextStore(store).load_all(case_id)
        missing = [str(d["id"]) for d in missing_texts(store, case_id, record=record, texts=texts)]
    except Exception:  # noqa: BLE001 - kept texts that cannot be read are read again by the text job
        log.warning("the kept texts of a case could not be read", exc_info=True)
        return {}, [str(d.get("id")) for d in record.get("documents") or []]
    return texts, missing


def read_case_texts(store, case_id: str, token: CancelToken, report: Report,
                    deliver: Callable[[dict], None], shown: set[str] = frozenset()) -> int:
    """Qt-free, for a worker: `ensure_texts` of the case (each missing text extracted and
    kept, one document at a time); `deliver({doc_id: DocumentText})` as each is kept, so
    that a cancel keeps, and has shown, what is done; at the end also the kept texts of
    `shown` (what the case view lacked when it opened: another process or an earlier job may
    have kept them since). Returns how many were read."""
    from app.dossier.case_texts import ensure_texts, missing_texts
    from app.store.texts import TextStore

    record = store.record(case_id)
    kept = TextStore(store)
    missing = [str(d["id"]) for d in missing_texts(store, case_id, record=record)]
    delivered: set[str] = set()
    state = {"done": 0, "total": len(missing)}

    def documents(done: int, total: int) -> None:
        state["done"], state["total"] = done, total
        if 0 < done <= len(missing) and missing[done - 1] not in delivered:
            doc_id = missing[done - 1]
            text = kept.load(case_id, doc_id)
            if text is not None:
                delivered.add(doc_id)
                deliver({doc_id: text})
        report(done, total, 0, 0)

    def pages(_doc: dict, done: int, total: int) -> None:
        report(state["done"], state["total"], done, total)

    report(0, len(missing), 0, 0)
    texts = ensure_texts(store, case_id, token=token, progress=documents, record=record, page_progress=pages)
    rest = {doc_id: text for doc_id, text in texts.items()
            if (doc_id in missing or doc_id in shown) and doc_id not in delivered}
    if rest:
        deliver(rest)
    return len(missing)


class TextJobStatus(QWidget):
    """In the status bar while the job runs: what it reads, a bar, Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("text-job-status")
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton(_("Cancel"), self)
        self.cancel.setToolTip(_("Stop reading the text of the documents; what is read is kept."))
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)  # no wider than its words
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)

    def show_progress(self, done: int, total: int, page: int, pages: int) -> None:
        if total <= 0:
            self.label.setText(_("Reading the text of the documents…"))
            self.bar.setRange(0, 0)
        else:
            current = min(done + 1, total)
            if pages > 1 and done < total:
                text = _("Reading text: document {n} of {total}, page {page} of {pages}")
                self.label.setText(text.format(n=current, total=total, page=min(page + 1, pages), pages=pages))
            else:
                self.label.setText(ngettext("Reading text: {done} of {total} document",
                                            "Reading text: {done} of {total} documents", total).format(
                    done=done, total=total))
            scale = 100
            self.bar.setRange(0, total * scale)
            self.bar.setValue(done * scale + (page * scale // pages if pages else 0))
        self.show()


class TextJobs(QObject):
    """The window's text job: `request(case_id, first=)` queues a case, `case_opened` puts the
    case on screen first; `textsRead(case_id, texts)` as documents are read,
    `readingChanged(case_id, documents left)` (0: nothing more is being read for it)."""

    textsRead = Signal(str, dict)
    readingChanged = Signal(str, int)
    finished = Signal(str)  # a case's job ended (done, cancelled or failed)
    _reported = Signal(str, int, int, int, int)
    _delivered = Signal(str, dict)

    def __init__(self, window: QMainWindow, store, runner) -> None:
        super().__init__(window)
        self.window, self.store, self.runner = window, store, runner
        self.queue: list[str] = []
        self.task = None
        self.case_id: str | None = None  # of the running job
        self.left = 0  # documents the running job has still to read
        self.read: dict[str, object] = {}  # what the running job delivered, for a view opened meanwhile
        self.shown: dict[str, set[str]] = {}  # case id -> the doc ids its view opened without
        self.stopped = False
        self._preempted = False
        self._waiting_for_show = False
        self.status = TextJobStatus(window)
        self.status.hide()
        self.status.cancel.clicked.connect(self.cancel)
        window.statusBar().addPermanentWidget(self.status)
        self._reported.connect(self._progress)
        self._delivered.connect(self._deliver)

    # -- what the window asks ------------------------------------------------------------------

    def request(self, case_id: str, first: bool = False) -> None:
        """Read the missing texts of `case_id` (after an import); `first`: before the others,
        stopping another case's job between documents' pages (it goes on afterwards)."""
        if self.stopped:
            return
        if case_id == self.case_id:
            return
        if case_id in self.queue:
            self.queue.remove(case_id)
        if first:
            self.queue.insert(0, case_id)
            if self.task is not None and not self._preempted:
                self._preempted = True  # it continues after this one: what it read is kept
                self.queue.insert(1, self.case_id)  # type: ignore[arg-type]
                self.task.cancel()
                return
        else:
            self.queue.append(case_id)
        self._start_soon()

    def case_opened(self, case_id: str, missing: list[str]) -> None:
        """A case is on screen without the texts of the documents `missing` (ids): they are
        read first; the running job of that case gives the view what it read already."""
        if case_id == self.case_id and not self._preempted:
            if self.read:
                self.textsRead.emit(case_id, dict(self.read))
            self.readingChanged.emit(case_id, self.left)
            return
        if missing:
            self.shown[case_id] = set(missing)
            self.readingChanged.emit(case_id, len(missing))
            self.request(case_id, first=True)

    def after_import(self, case_ids: list) -> None:
        for case_id in case_ids:
            self.request(str(case_id))

    def cancel(self) -> None:
        """The status bar's Cancel: this job stops (what is read is kept), the queue is dropped."""
        self.queue.clear()
        if self.task is not None:
            self.task.cancel()
        self.status.label.setText(_("Stopping…"))
        self.status.cancel.setEnabled(False)

    def forget(self, case_id: str) -> None:
        """The case is being deleted: its job is dropped from the queue, and cancelled when it
        runs (it stops at its next page; what it would keep is refused for a deleted case)."""
        if case_id in self.queue:
            self.queue.remove(case_id)
        self.shown.pop(case_id, None)
        if self.case_id == case_id and self.task is not None:
            self.task.cancel()

    def stop(self) -> None:
        """The window closes: nothing new starts; the runner cancels the running one."""
        self.stopped = True
        self.queue.clear()
        if self.task is not None:
            self.task.cancel()

    @property
    def running(self) -> bool:
        return self.task is not None

    # -- the job -------------------------------------------------------------------------------

    def _start_soon(self) -> None:
        if self.task is None:
            QTimer.singleShot(0, self._start_next)

    def _start_next(self) -> None:
        if self.stopped or self.task is not None or not self.queue:
            return
        if not self.window.isVisible():  # never before the window is on screen
            if not self._waiting_for_show:
                self._waiting_for_show = True
                self.window.installEventFilter(self)
            return
        case_id = self.queue.pop(0)
        self.case_id, self.left, self.read, self._preempted = case_id, 0, {}, False
        store, report, deliver = self.store, self._reported.emit, self._delivered.emit
        shown = frozenset(self.shown.pop(case_id, ()))
        self.status.cancel.setEnabled(True)
        self.status.show_progress(0, 0, 0, 0)
        self.task = self.runner.run(
            lambda token, _progress: read_case_texts(store, case_id, token,
                                                     lambda *f: report(case_id, *f),
                                                     lambda texts: deliver(case_id, texts), shown),
            success=lambda _n: self._ended(case_id),
            failure=lambda error: self._ended(case_id, error),
            cancelled=lambda _c: self._ended(case_id), cancel_on_close=True)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Show and self._waiting_for_show:
            self._waiting_for_show = False
            self.window.removeEventFilter(self)
            QTimer.singleShot(0, self._start_next)
        return False

    def _progress(self, case_id: str, done: int, total: int, page: int, pages: int) -> None:
        if case_id != self.case_id or self.task is None or self.task.token.cancelled:
            return
        self.status.show_progress(done, total, page, pages)
        left = max(0, total - done)
        if left != self.left:
            self.left = left
            self.readingChanged.emit(case_id, left)

    def _deliver(self, case_id: str, texts: dict) -> None:
        if case_id == self.case_id:
            self.read.update(texts)
        self.textsRead.emit(case_id, texts)

    def _ended(self, case_id: str, error: BaseException | None = None) -> None:
        self.task, self.case_id, self.left, self.read = None, None, 0, {}
        self.status.hide()
        if error is not None and not isinstance(error, (Cancelled, CaseNotFound)):  # a case deleted meanwhile: nothing to say
            from app.ui.task_runner import user_message

            if not isinstance(error, SecondoError):
                log.error("reading the documents' text failed", exc_info=error)
            self.window.statusBar().showMessage(_("The text of the documents could not be read: {reason}").format(
                reason=user_message(error, self)), 10000)
        if case_id not in self.queue:
            self.readingChanged.emit(case_id, 0)
        self.finished.emit(case_id)
        self._start_soon()


def attach_text_jobs(window) -> TextJobs:
    """The window's text job, connected: after an import, when a case is shown (its missing
    texts first), into the case view, stopped when the window closes."""
    jobs = TextJobs(window, window.store, window.runner)
    view = window.case_view

    def shown(case_id: str) -> None:
        data = view.data
        if data is not None and data.case_id == case_id:
            jobs.case_opened(case_id, list(data.texts_missing))

    def read(case_id: str, texts: dict) -> None:
        if view.data is not None and view.data.case_id == case_id:
            view.set_texts(texts)

    def reading(case_id: str, left: int) -> None:
        if view.data is not None and view.data.case_id == case_id:
            view.set_reading(left)

    window.caseShown.connect(shown)
    window.closing.connect(jobs.stop)
    window.importer.committed.connect(jobs.after_import)
    jobs.textsRead.connect(read)
    jobs.readingChanged.connect(reading)
    return jobs
