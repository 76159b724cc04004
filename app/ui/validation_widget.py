"""What is missing before the opinion can be signed; a click jumps to the field."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.core.i18n import _, ngettext
from app.opinion.questionnaire import missing_required
from app.ui.form_widget import OpinionFormWidget

LINK_ROLE = Qt.ItemDataRole.UserRole


class ValidationPanelWidget(QWidget):
    """Lists the required items left empty (only those shown); refreshed on every edit.
    `missing_changed(count)` lets the window enable its Sign action when it reaches 0."""

    missing_changed = Signal(int)

    def __init__(self, form: OpinionFormWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.header = QLabel()
        self.header.setObjectName("validation-header")
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.list = QListWidget()
        self.list.setObjectName("validation-list")
        self.list.itemClicked.connect(self._jump)
        self.list.itemActivated.connect(self._jump)
        layout.addWidget(self.list)
        self.missing: list[tuple[str, str]] = []
        self._shown: list[tuple[str, str]] | None = None  # what the panel shows; None: nothing yet
        form.changed.connect(self.refresh)
        form.loaded.connect(self.refresh)
        self.refresh()

    def _path(self, link_id: str, text: str) -> str:
        q = self.form.questionnaire
        parts = [text]
        parent = q.parents.get(link_id)
        while parent is not None:
            parent_text = q.item(parent).get("text")
            if parent_text and parent_text != parts[0]:
                parts.insert(0, parent_text)
            parent = q.parents.get(parent)
        return " › ".join(parts)

    def refresh(self) -> None:
        missing = missing_required(self.form.questionnaire, self.form.response())
        if missing == self._shown:
            return
        self.missing, self._shown = missing, list(missing)
        self.list.clear()
        for link_id, text in missing:
            entry = QListWidgetItem(self._path(link_id, text))
            entry.setData(LINK_ROLE, link_id)
            entry.setToolTip(_("Go to this field"))
            self.list.addItem(entry)
        if missing:
            self.header.setText(ngettext("{n} required item missing before signing:", "{n} required items missing before signing:",
                                     len(missing)).format(n=len(missing)))
            self.header.setStyleSheet("color: #b00020; font-weight: bold")
        else:
            self.header.setText(_("Every required item is filled in: the opinion can be signed."))
            self.header.setStyleSheet("color: #1b5e20; font-weight: bold")
        self.list.setVisible(bool(missing))
        self.missing_changed.emit(len(missing))

    def _jump(self, entry: QListWidgetItem) -> None:
        self.form.focus_item(entry.data(LINK_ROLE))
