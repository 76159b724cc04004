"""The window's side of the case sheet: Case ▸ Case sheet…, File ▸ Add documents… and
documents dropped on a case. It reads the sheet off the GUI thread, saves it with
app.dossier.case_sheet (update_case, then reclassify) on the store's one writer, and says
`changed(case_id)` so that the window reloads the case, the navigator and the form."""

from __future__ import annotations

import getpass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from app.ui.add_documents_dialog import DocumentAdder
from app.ui.case_sheet_dialog import CaseSheetDialog
from app.ui.task_runner import TaskRunner, guarded, user_message


def who() -> str:
    """Who makes the change, for the audit: the reviewer of the profile, else the OS account."""
    from app.opinion.profile import load_profile

    name = load_profile().name
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no account name: the audit still records the change
        return "workstation user"


def load_sheet(store, case_id: str) -> dict:
    """Qt-free: what the dialog shows."""
    from app.dossier.case_sheet import sheet_view
    from app.opinion.profile import load_profile
    from app.outgoing.address_book import AddressBook

    record = store.record(case_id)
    try:
        contacts = AddressBook(store).contacts()
    except Exception:  # noqa: BLE001 - an unreadable address book must not keep the sheet closed
        contacts = []
    return {"view": sheet_view(record), "documents": list(record.get("documents") or []),
            "reviewer": load_profile().name, "contacts": contacts}


def save_sheet(store, case_id: str, changes: dict, kinds: dict[str, str], by: str) -> None:
    """Qt-free: the sheet's fields (refused as a whole when one is wrong), then the
    documents' kinds."""
    from app.dossier.case_sheet import reclassify, update_case

    if changes:
        update_case(store, case_id, changes, by)
    for document_id, kind in kinds.items():
        reclassify(store, case_id, document_id, kind, by)


class CaseSheetController(QObject):
    """`open(case_id, message)` shows the sheet; `changed(case_id)` after a save or an
    addition of documents; `dialogShown(dialog)` once the sheet is on screen."""

    changed = Signal(str)
    dialogShown = Signal(object)

    def __init__(self, window: QWidget, store, store_runner: TaskRunner, current_case) -> None:
        super().__init__(window)
        self.window, self.store, self.store_runner = window, store, store_runner
        self.current_case = current_case  # () -> the open case's id, or None
        self.dialog: CaseSheetDialog | None = None
        self.case_id: str | None = None
        self.adder = DocumentAdder(store, store_runner, window)
        self.adder.by = who
        self.adder.added.connect(self._documents_added)

    # -- the sheet -----------------------------------------------------------------------------

    def open(self, case_id: str | None = None, message: str = "") -> None:
        case_id = case_id or self.current_case()
        if case_id is None:
            return
        if self.dialog is not None and self.case_id == case_id:
            self.dialog.show_message(message or self.dialog.message.text())
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        store = self.store
        self.store_runner.run(lambda token, progress: load_sheet(store, case_id),
                              success=guarded(self, lambda data: self._show(case_id, data, message)),
                              cancel_on_close=True)

    def _show(self, case_id: str, data: dict, message: str) -> None:
        if self.dialog is not None:
            self.dialog.close()
        dialog = CaseSheetDialog(data["view"], data["documents"], data["reviewer"], data["contacts"], message,
                                 self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saveRequested.connect(lambda changes, kinds: self._save(dialog, case_id, changes, kinds))
        dialog.addDocumentsRequested.connect(lambda paths: self.add_documents(paths, case_id, dialog))
        dialog.destroyed.connect(lambda _o=None, d=dialog: self._forget(d))
        self.dialog, self.case_id = dialog, case_id
        dialog.open()
        self.dialogShown.emit(dialog)

    def _forget(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog, self.case_id = None, None

    def _save(self, dialog: CaseSheetDialog, case_id: str, changes: dict, kinds: dict) -> None:
        dialog.set_busy(True)
        dialog.show_message("")
        store, by = self.store, who()
        self.store_runner.run(lambda token, progress: save_sheet(store, case_id, changes, kinds, by),
                              success=guarded(dialog, lambda _record: self._saved(dialog, case_id)),
                              failure=guarded(dialog, lambda error: self._save_failed(dialog, error)))

    def _saved(self, dialog: CaseSheetDialog, case_id: str) -> None:
        dialog.accept()
        self.changed.emit(case_id)

    def _save_failed(self, dialog: CaseSheetDialog, error: BaseException) -> None:
        dialog.set_busy(False)
        dialog.show_message(user_message(error, self))

    # -- documents -----------------------------------------------------------------------------

    def add_documents(self, paths: list[Path] | None = None, case_id: str | None = None,
                      parent: QWidget | None = None) -> None:
        """Ask for the details of `paths` (none: choose them first) and add them to the case."""
        case_id = case_id or self.current_case()
        if case_id is None:
            return
        if paths:
            self.adder.ask(case_id, [Path(p) for p in paths], parent)
        else:
            self.adder.choose(case_id, parent)

    def _documents_added(self, case_id: str, ids: list) -> None:
        from app.dossier.case_documents import added_summary

        if hasattr(self.window, "statusBar"):
            self.window.statusBar().showMessage(added_summary(len(ids)), 8000)
        self.changed.emit(case_id)
        dialog = self.dialog
        if dialog is None or self.case_id != case_id:
            return
        store = self.store

        def new_documents(token, progress) -> list[dict]:
            return [d for d in store.record(case_id).get("documents") or [] if d.get("id") in ids]

        self.store_runner.run(new_documents, success=guarded(dialog, dialog.add_documents))
