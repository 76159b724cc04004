"""Adding loose documents (PDF, scans, text) to the open case: File ▸ Add documents…, files
dropped on the case view or on the case sheet. A small dialog asks, one row per file, its
title, kind (guessed from the file name), date and author; the files are then encrypted into
the case by app.dossier.case_sheet.add_documents on the store's writer, with progress and
Cancel (nothing is kept of a cancelled addition)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
import re

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QGridLayout, QLabel, QLineEdit,
                               QProgressDialog, QScrollArea, QVBoxLayout, QWidget)

from app.core.i18n import _, ngettext
from app.core.tasks import CancelToken
from app.ui.date_field import DateLineEdit, date_placeholder
from app.ui.task_runner import TaskRunner, guarded, user_message

DOCUMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".txt", ".text")

#: the kinds a user may give a document, in the order the combo lists them
KINDS = ("referral_letter", "history_letter", "correspondence", "imaging_report", "operation_report",
         "lab_result", "other")

# Words in a file name that say what the document is, first match wins (Dutch, French, English).
_KIND_WORDS = (
    ("referral_letter", ("verwijsbrief", "verwijzing", "verwijs", "referral", "lettre de reference", "demande")),
    ("operation_report", ("operatie", "operation", "ok-verslag", "okverslag", "chirurg", "surgery", "protocole op")),
    ("imaging_report", ("radiolog", "imaging", "verslag rx", "rx-verslag", "protocol ct", "ct-verslag",
                        "mri", "echo", "scan report", "pet")),
    ("lab_result", ("labo", "lab ", "lab-", "lab_", "bloed", "blood", "biolog")),
    ("history_letter", ("ontslagbrief", "ontslag", "discharge", "history", "anamnese", "voorgeschiedenis",
                        "antecedent")),
    ("correspondence", ("brief", "letter", "lettre", "correspond", "consult")),
)
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")


def kind_label(kind: str) -> str:
    from app.dossier.case_documents import document_kinds  # the dossier's readers: at first use

    return document_kinds().get(kind, kind)


def guess_kind(name: str) -> str:
    """The kind a file name suggests: 'verwijsbrief dr X.pdf' → referral_letter; else other."""
    text = Path(name).stem.lower().replace("_", " ")
    for kind, words in _KIND_WORDS:
        if any(word in text or word.replace(" ", "_") in Path(name).stem.lower() for word in words):
            return kind
    return "other"


def guess_date(name: str) -> str | None:
    """A date written in the file name (2026-03-01, 20260301), ISO; else None."""
    for found in _DATE_IN_NAME.finditer(Path(name).stem):
        try:
            return date(*(int(g) for g in found.groups())).isoformat()
        except ValueError:
            continue
    return None


def guess_title(name: str) -> str:
    return re.sub(r"[_]+", " ", Path(name).stem).strip() or name


def is_document(path: Path) -> bool:
    """What may be dropped on a case as a document (the service checks the content itself)."""
    return path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES


def kind_combo(kind: str, parent: QWidget | None = None) -> QComboBox:
    combo = QComboBox(parent)
    kinds = KINDS if kind in KINDS else KINDS + (kind,)
    for k in kinds:
        combo.addItem(kind_label(k), k)
    combo.setCurrentIndex(combo.findData(kind))
    return combo


class AddDocumentsDialog(QDialog):
    """One row per file: title, kind, date, author. `items()` once accepted: what
    app.dossier.case_sheet.add_documents takes."""

    def __init__(self, paths: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Add documents to the case"))
        self.paths = [Path(p) for p in paths]
        self.rows: list[tuple[QLineEdit, QComboBox, DateLineEdit, QLineEdit]] = []
        grid_box = QWidget(self)
        grid = QGridLayout(grid_box)
        for column, text in enumerate((_("File"), _("Title"), _("Kind"), _("Date"),
                                       _("Author"))):
            grid.addWidget(QLabel(f"<b>{text}</b>", grid_box), 0, column)
        for n, path in enumerate(self.paths, start=1):
            name = QLabel(path.name, grid_box)
            name.setToolTip(str(path))
            title = QLineEdit(guess_title(path.name), grid_box)
            kind = kind_combo(guess_kind(path.name), grid_box)
            when = DateLineEdit(guess_date(path.name), grid_box)
            author = QLineEdit(grid_box)
            author.setPlaceholderText(_("e.g. Dr. Test Author"))
            for column, widget in enumerate((name, title, kind, when, author)):
                grid.addWidget(widget, n, column)
            for label, widget in ((_("Title of {name}"), title), (_("Kind of {name}"), kind),
                                  (_("Date of {name}"), when), (_("Author of {name}"), author)):
                widget.setAccessibleName(label.format(name=path.name))
            self.rows.append((title, kind, when, author))
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(4, 1)
        grid.setRowStretch(len(self.paths) + 1, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_box)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Add to the case"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("The files are encrypted into the case; the originals stay where they are."),
                                self))
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(860, min(520, 160 + 40 * len(self.paths)))
        if self.rows:
            self.rows[0][0].setFocus()

    def accept(self) -> None:
        for path, (_title, _kind, when, _author) in zip(self.paths, self.rows):
            if not when.valid():
                self.message.setText(_("The date of {name} is not a real date; write it as {pattern} or "
                                       "leave it empty.").format(name=path.name, pattern=date_placeholder()))
                self.message.show()
                when.setFocus()
                return
        super().accept()

    def items(self) -> list[dict]:
        return [{"path": str(path), "title": title.text().strip() or path.name, "kind": kind.currentData(),
                 "date": when.iso(), "author": author.text().strip() or None}
                for path, (title, kind, when, author) in zip(self.paths, self.rows)]


def run_add_documents(store, case_id: str, items: list[dict], token: CancelToken, report, by: str) -> list[str]:
    """Qt-free work for the store runner."""
    from app.dossier.case_documents import add_documents

    return add_documents(store, case_id, items, progress=report, cancel=token, by=by)


class DocumentAdder(QObject):
    """Asks for the documents' details, then adds them on the store's writer with a progress
    dialog that can cancel. `added(case_id, ids)`; `failed(message)` after the user was told."""

    added = Signal(str, list)
    failed = Signal(str)
    _progressed = Signal(int, int)

    def __init__(self, store, store_runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self.store, self.store_runner, self.window = store, store_runner, parent
        self.dialog: AddDocumentsDialog | None = None
        self.progress: QProgressDialog | None = None
        self.task = None
        self.by = lambda: ""  # who adds, for the audit (the window sets it)

    def choose(self, case_id: str | None, parent: QWidget | None = None) -> None:
        """File ▸ Add documents…: pick the files, then ask for their details."""
        if case_id is None:
            return
        paths, _filter = QFileDialog.getOpenFileNames(
            parent or self.window, _("Add documents to the case"), "",
            _("Documents (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.txt);;All files (*)"))
        if paths:
            self.ask(case_id, [Path(p) for p in paths], parent)

    def ask(self, case_id: str, paths: list[Path], parent: QWidget | None = None) -> AddDocumentsDialog | None:
        if not paths or self.task is not None:
            return None
        dialog = AddDocumentsDialog(paths, parent or self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.add(case_id, dialog.items(), parent))
        self.dialog = dialog
        dialog.open()
        return dialog

    def add(self, case_id: str, items: list[dict], parent: QWidget | None = None) -> None:
        self.dialog = None
        progress = QProgressDialog(ngettext("Adding {n} document to the case…", "Adding {n} documents to the case…",
                                            len(items)).format(n=len(items)),
                                   _("Cancel"), 0, 0, parent or self.window)
        progress.setWindowTitle(_("Add documents"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        token = CancelToken()
        progress.canceled.connect(token.cancel)
        self._progressed.connect(self._show_progress)
        self.progress = progress
        emit = self._progressed.emit

        def report(done: int = 0, total: int = 0, *_more) -> None:
            emit(int(done), int(total))

        store, by = self.store, self.by()
        self.task = self.store_runner.run(
            lambda t, _progress: run_add_documents(store, case_id, items, t, report, by),
            success=guarded(self, lambda ids: self._done(case_id, ids)), token=token,
            failure=guarded(self, self._failed), cancelled=guarded(self, lambda _c: self._finish()),
            cancel_on_close=True)

    def _finish(self) -> None:
        self.task = None
        if self.progress is not None:
            try:
                self._progressed.disconnect(self._show_progress)
            except (RuntimeError, TypeError):
                pass
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _show_progress(self, done: int, total: int) -> None:
        if self.progress is None or total <= 0:
            return
        scale = 1 << 20 if total > 1 << 30 else 1  # QProgressDialog counts in int
        self.progress.setRange(0, total // scale)
        self.progress.setValue(min(done // scale, total // scale))

    def _done(self, case_id: str, ids: list) -> None:
        self._finish()
        self.added.emit(case_id, list(ids))

    def _failed(self, error: BaseException) -> None:
        self._finish()
        from PySide6.QtWidgets import QMessageBox

        text = user_message(error, self)
        box = QMessageBox(QMessageBox.Icon.Warning, _("Add documents"), text, QMessageBox.StandardButton.Ok,
                          self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.failed.emit(text)
