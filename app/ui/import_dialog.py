"""Importing from the window: File ▸ Import… or a package, folder or ISO dropped on it.
File ▸ Import… first shows whom a package is for and what opens it (app/ui/import_pages.py);
the import runs on the store's one writer with a progress dialog (bytes and files) that can
cancel; a package that the identities at hand do not open asks again, with the reason; at the
end a summary says what came in, case by case, and the (first) case opens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from app.core.errors import WrongKeyError
from app.core.tasks import CancelToken
from app.crypto.stanzas import Passphrase
from app.ui.import_pages import ImportDialog, ImportSummaryDialog
from app.ui.task_runner import TaskRunner, user_message
from app.core.i18n import _

IMPORTABLE_SUFFIXES = (".sodp", ".p7m", ".iso", ".dcm")


def importable(path: Path) -> bool:
    """What can be dropped on the window: a package, an ISO image, a folder, a DICOMDIR or
    one loose DICOM file (with or without .dcm; app/dossier/import_sources.py `resolve`)."""
    if path.is_dir() or path.suffix.lower() in IMPORTABLE_SUFFIXES or path.name.upper() == "DICOMDIR":
        return True
    return not path.suffix and path.is_file() and _is_dicom(path)


def _is_dicom(path: Path) -> bool:
    from app.dossier.content_type import HEAD_SIZE, sniff

    try:
        with open(path, "rb") as handle:
            return sniff(handle.read(HEAD_SIZE), path.name) == "dicom"
    except OSError:
        return False


def run_import(store, paths: list[Path], credentials: list, roots: list, token: CancelToken, report,
               keep_together: bool = False) -> object:
    """Qt-free work for the store runner."""
    from app.dossier.importer import DossierImporter

    def progress(p) -> None:
        report(p.bytes_done, p.bytes_total, p.files_done, p.files_total)

    return DossierImporter(store, credentials, roots, progress=progress, cancel=token).run(
        paths, keep_together=keep_together)


def run_import_and_summary(store, paths: list[Path], credentials: list, roots: list, token: CancelToken, report,
                           keep_together: bool = False) -> tuple:
    """Qt-free: the import, then its summary in words (app/ui/import_facts.py)."""
    from app.ui.import_facts import import_summary

    result = run_import(store, paths, credentials, roots, token, report, keep_together=keep_together)
    return result, import_summary(store, result)


class ImportProgressDialog(QProgressDialog):
    """Bytes as the bar, files in the text, Cancel cancels the import."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setWindowTitle(_("Import"))
        self.setLabelText(_("Importing {name}…").format(name=name))
        self.setRange(0, 0)
        self.setMinimumDuration(300)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.stopping = False

    def show_stopping(self) -> None:
        """The window is closing: the import is cancelled and ends at its next step."""
        self.stopping = True
        self.setCancelButton(None)
        self.setLabelText(_("Stopping the import of {name}: nothing of it will be kept…").format(
            name=self.name))

    def update_progress(self, bytes_done: int, bytes_total: int, files_done: int, files_total: int) -> None:
        if self.stopping:
            return
        scale = 1 << 20  # MiB: QProgressDialog counts in int
        self.setRange(0, max(1, bytes_total // scale))
        self.setValue(min(bytes_done // scale, self.maximum()))
        text = _("Importing {name}…\n{done} of {total} MiB").format(
            name=self.name, done=bytes_done // scale, total=bytes_total // scale)
        if files_total:
            text += "\n" + _("{done} of {total} files").format(done=files_done, total=files_total)
        self.setLabelText(text)


class ImportController(QObject):
    """Starts imports; `imported(case_id)` when one has finished (its first case), then the
    summary dialog (`self.summary`) says what came in; `openRequested(case_id)` from it."""

    imported = Signal(str)
    committed = Signal(list)  # every case an import made or added to (their documents' text is read next)
    openRequested = Signal(str)
    _progressed = Signal(int, int, int, int)

    def __init__(self, store, store_runner: TaskRunner, parent: QWidget, credentials: list = (),
                 roots: list | None = None) -> None:
        super().__init__(parent)
        self.store, self.store_runner, self.window = store, store_runner, parent
        self.credentials = list(credentials)
        if roots is None:
            from app.signing import trust
            try:
                roots = trust.trusted_sender_roots([])
            except Exception:  # noqa: BLE001 - no trusted roots: signatures show as untrusted
                roots = []
        self.roots = list(roots)
        self.dialog: ImportProgressDialog | None = None
        self.task = None
        self.queued: list[tuple[list[Path], list | None, bool]] = []  # started one after the other
        # Asks for a passphrase when a package did not open; None: the import dialog asks instead.
        self.ask_passphrase: Callable[[str], str | None] | None = None
        self.prepared: ImportDialog | None = None
        self.summary: ImportSummaryDialog | None = None

    def choose_and_import(self, folder: bool = False) -> None:
        if folder:
            chosen = QFileDialog.getExistingDirectory(self.window, _("Import a CD or USB folder"))
            paths = [chosen] if chosen else []
        else:
            chosen, _filter = QFileDialog.getOpenFileName(
                self.window, _("Import a dossier"), "",
                _("Dossiers (*.sodp *.p7m *.iso);;DICOM files (*.dcm DICOMDIR);;All files (*)"))
            paths = [chosen] if chosen else []
        if paths:
            self.prepare([Path(p) for p in paths])

    def prepare(self, paths: list[Path], reason: str = "") -> ImportDialog:
        """The import dialog for `paths`: whom a package is for, what opens it; Import starts."""
        dialog = ImportDialog(paths, self.store, reason, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.start(
            dialog.paths, dialog.credentials + self.credentials + own_identity(), keep_together=dialog.keep_together))
        self.prepared = dialog
        dialog.open()
        return dialog

    def start(self, paths: list[Path], credentials: list | None = None, keep_together: bool = False) -> None:
        if self.task is not None:
            self.queued.append((paths, credentials, keep_together))  # one import at a time: this one next
            return
        if credentials is None:
            credentials = self.credentials + own_identity()
        name = ", ".join(p.name for p in paths)
        self.dialog = ImportProgressDialog(name, self.window)
        token = CancelToken()
        self.dialog.canceled.connect(token.cancel)
        self._progressed.connect(self.dialog.update_progress)
        emit = self._progressed.emit
        store, roots = self.store, self.roots
        self.task = self.store_runner.run(
            lambda t, _progress: run_import_and_summary(store, paths, credentials, roots, t, emit, keep_together),
            success=lambda result: self._done(result), token=token,
            failure=lambda error: self._failed(error, paths, credentials),
            cancelled=lambda _c: self._finish(), cancel_on_close=True)
        self.dialog.show()

    def stop(self) -> None:
        """On the window's close: no queued import starts, the running one is cancelled."""
        self.queued.clear()
        if self.task is not None:
            self.task.cancel()
            if self.dialog is not None:
                self.dialog.show_stopping()

    def _finish(self) -> None:
        self.task = None
        if self.dialog is not None:
            try:
                self._progressed.disconnect(self.dialog.update_progress)
            except (RuntimeError, TypeError):
                pass
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        if self.queued:
            QTimer.singleShot(0, self._start_next)

    def _start_next(self) -> None:
        if self.queued and self.task is None:
            self.start(*self.queued.pop(0))

    def _done(self, outcome: tuple) -> None:
        result, reports = outcome
        self._finish()
        self.committed.emit(list(dict.fromkeys([result.case_id] + [c["case_id"] for c in result.cases])))
        self.imported.emit(result.case_id)
        if self.summary is not None:
            self.summary.close()
        self.summary = ImportSummaryDialog(reports, self.window)
        self.summary.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.summary.destroyed.connect(lambda _obj=None: setattr(self, "summary", None))
        self.summary.openRequested.connect(self.openRequested)
        self.summary.open()

    def _failed(self, error: BaseException, paths: list[Path], credentials: list) -> None:
        self._finish()
        if isinstance(error, WrongKeyError) and self.ask_passphrase is None:
            self.prepare(paths, user_message(error, self))  # choose what opens it, with the reason
            return
        if isinstance(error, WrongKeyError) and self.ask_passphrase is not None:
            text = self.ask_passphrase(str(error))
            if text:
                # One field for both: the package's passphrase, or that of the reviewer's own
                # certificate file (a package encrypted to the reviewer's certificate).
                retry = [c for c in credentials if not isinstance(c, Passphrase)] + [Passphrase(text)]
                self.start(paths, retry + own_identity(text))
            return
        QMessageBox.warning(self.window, _("Import"), user_message(error, self))


def own_identity(passphrase: str | None = None) -> list:
    """The reviewer's own PKCS#12 identity (the one chosen for signing), opened with
    `passphrase` or the one remembered in the OS keyring; [] when there is none or it does
    not open. It decrypts packages sent to the reviewer's certificate."""
    from app.core.errors import SecondoError
    from app.signing.secrets import open_identity
    from app.signing.settings import PKCS12, load_signing_settings

    settings = load_signing_settings()
    if settings.kind != PKCS12 or not settings.identity_path:
        return []
    try:
        return [open_identity(Path(settings.identity_path), passphrase=passphrase)]
    except SecondoError:
        return []
