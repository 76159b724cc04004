"""The Documents section of the case sheet: the case's documents (title, kind, date, author),
the kind a combo that reclassifies the document when the sheet is saved."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from app.core.locale_format import format_date
from app.ui.add_documents_dialog import kind_combo
from app.core.i18n import _

DOCUMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class CaseDocumentsTable(QTableWidget):
    """`set_documents(documents)` with the record's document entries; `kind_changes()` is
    {document_id: kind} for the kinds changed since. The kind combos are the tab stops."""

    kindChanged = Signal(str, str)  # document id, kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels([_("Title"), _("Kind"), _("Date"), _("Author")])
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from kind combo to kind combo
        self.setTabKeyNavigation(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.combos: list[QComboBox] = []
        self._kinds: dict[str, str] = {}  # document id -> kind as read

    def set_documents(self, documents: list[dict]) -> None:
        self.setRowCount(0)
        self.combos = []
        self._kinds = {}
        self.append_documents(documents)

    def append_documents(self, documents: list[dict]) -> None:
        for doc in documents:
            row = self.rowCount()
            self.insertRow(row)
            doc_id = str(doc.get("id") or "")
            title = QTableWidgetItem(doc.get("title") or doc.get("path") or _("Document"))
            title.setData(DOCUMENT_ID_ROLE, doc_id)
            title.setToolTip(doc.get("media_type") or "")
            self.setItem(row, 0, title)
            self.setItem(row, 2, QTableWidgetItem(format_date(doc.get("date"))))
            self.setItem(row, 3, QTableWidgetItem(doc.get("author") or ""))
            kind = doc.get("kind") or "other"
            combo = kind_combo(kind, self)
            combo.setAccessibleName(_("Kind of {title}").format(title=title.text()))
            combo.setEnabled(bool(doc_id))
            combo.currentIndexChanged.connect(lambda _i, c=combo, d=doc_id: self.kindChanged.emit(d, c.currentData()))
            self.setCellWidget(row, 1, combo)
            self.combos.append(combo)
            self._kinds[doc_id] = kind

    def document_ids(self) -> list[str]:
        return [self.item(row, 0).data(DOCUMENT_ID_ROLE) for row in range(self.rowCount())]

    def set_kind(self, document_id: str, kind: str) -> None:
        row = self.document_ids().index(document_id)
        self.combos[row].setCurrentIndex(self.combos[row].findData(kind))

    def kind_changes(self) -> dict[str, str]:
        changes = {}
        for doc_id, combo in zip(self.document_ids(), self.combos):
            if doc_id and combo.currentData() != self._kinds.get(doc_id):
                changes[doc_id] = combo.currentData()
        return changes
