"""Delete a case for good: what will be destroyed, typed confirmation (the patient's family
name, or the case id's first characters when the case names no patient), and a second
question when its signed opinion was never sent. The deletion itself is
app/store/case_removal.py's, run by the window on the store's thread."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.store.case_removal import RemovalPlan
from app.core.i18n import _


class CaseDeleteDialog(QDialog):
    """`CaseDeleteDialog(plan, patient_name, family_name)`; accepted once both asks are answered."""

    def __init__(self, plan: RemovalPlan, patient_name: str, family_name: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Delete the case"))
        self.plan = plan
        self.expected = (family_name or "").strip() or plan.case_id[:8]
        self.unsent_asked = False
        who = patient_name or _("case {id}").format(id=plan.case_id[:8])
        items = "".join(f"<li>{escape(line)}</li>" for line in plan.lines())
        self.text = QLabel(_("<b>Delete the case of {who} for good?</b><br>This destroys, on this "
                                   "workstation, the case and:<ul>{items}</ul>It cannot be undone: the files and "
                                   "their keys are destroyed. The audit log keeps only the case id.").format(
            who=escape(who), items=items))
        self.text.setWordWrap(True)
        if family_name:
            ask = _("Type the patient's family name ({name}) to confirm:").format(name=self.expected)
        else:
            ask = _("Type the first 8 characters of the case id ({id}) to confirm:").format(id=self.expected)
        self.ask = QLabel(ask)
        self.ask.setWordWrap(True)
        self.confirmation = QLineEdit()
        self.confirmation.textChanged.connect(self._update)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = QPushButton(_("Delete for good"))
        self.delete_button.setObjectName("delete-case")
        self.delete_button.setAutoDefault(False)
        self.buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.delete_button.clicked.connect(self._delete)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.ask)
        layout.addWidget(self.confirmation)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self._update()

    def confirmed_text(self) -> bool:
        return self.confirmation.text().strip().casefold() == self.expected.casefold()

    def _update(self) -> None:
        self.delete_button.setEnabled(self.confirmed_text())

    def _delete(self) -> None:
        if not self.confirmed_text():
            return
        if self.plan.signed_not_sent and not self.unsent_asked:
            self.unsent_asked = True  # the second ask: the signed opinion has reached no one
            self.text.setText(_("<b>The signed opinion of this case was never sent.</b><br>Deleting the case "
                                      "destroys it: no recipient has it, and it cannot be made again without "
                                      "signing anew. Delete it all the same?"))
            self.text.setStyleSheet("color: #b00020;")
            self.ask.hide()
            self.confirmation.hide()
            self.delete_button.setText(_("Delete it all the same"))
            return
        self.accept()
