"""The window's Archive, Restore and Delete of a case (the worklist's context menu and Delete
key): each runs app/store/case_removal.py on the store's one writer thread, then refreshes the
worklist; a deleted case that is open is closed first."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from app.core.formatting import format_patient_name
from app.store.case_removal import delete_case, removal_plan, set_archived
from app.ui.case_delete_dialog import CaseDeleteDialog
from app.ui.task_runner import user_message
from app.core.i18n import _


class CaseRemovalController(QObject):
    """`archive(case_id, archived)`, `delete(case_id)`; `deleted(case_id)` once it is gone."""

    archived = Signal(str, bool)
    deleted = Signal(str)
    failed = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: CaseDeleteDialog | None = None
        window.worklist.archiveRequested.connect(self.archive)
        window.worklist.deleteRequested.connect(self.delete)

    def archive(self, case_id: str, archived: bool) -> None:
        store = self.window.store

        def done(_changed) -> None:
            self.window.refresh_cases()
            self.window.statusBar().showMessage(
                _("The case is archived: tick Show archived to see it.") if archived
                else _("The case is back on the worklist."), 8000)
            self.archived.emit(case_id, archived)

        self.window.store_runner.run(lambda token, progress: set_archived(store, case_id, archived), success=done,
                                     failure=self._failed)

    def delete(self, case_id: str) -> None:
        """Say what will be destroyed and ask; the deletion runs once confirmed."""
        store = self.window.store
        self.window.store_runner.run(lambda token, progress: removal_plan(store, case_id), success=self._ask,
                                     failure=self._failed)

    def _ask(self, plan) -> None:
        row = next((r for r in self.window.worklist.model.rows if r["case_id"] == plan.case_id), None) or {}
        patient = row.get("patient") or {}
        family = patient.get("family_name")
        name = format_patient_name(family, patient.get("given_names")) if family else ""
        dialog = CaseDeleteDialog(plan, name, family, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._delete(plan.case_id))
        self.dialog = dialog
        dialog.open()

    def _delete(self, case_id: str) -> None:
        self.dialog = None
        window = self.window
        data = window.case_view.data
        if window.form.case_id == case_id or (data is not None and data.case_id == case_id):
            window.show_worklist()  # its draft is saved first, on the same thread, then destroyed with it
            window.case_view.clear_case()
        if window.settings.last_case == case_id:
            window.settings.last_case = None
        window.text_jobs.forget(case_id)  # no text read for it after this
        store = window.store

        def done(_plan) -> None:
            window.refresh_cases()
            window.statusBar().showMessage(_("The case was deleted."), 8000)
            self.deleted.emit(case_id)

        window.store_runner.run(lambda token, progress: delete_case(store, case_id, unsent_confirmed=True),
                                success=done, failure=self._failed)

    def _failed(self, error: BaseException) -> None:
        from PySide6.QtWidgets import QMessageBox

        text = user_message(error, self)
        self.failed.emit(text)
        box = QMessageBox(QMessageBox.Icon.Warning, _("Case"), text, QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
