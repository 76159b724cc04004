"""The DICOM tag browser: every element of the current instance in a tree (sequences open
into their items), filtered by a search over tag, keyword, name, VR and value."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTreeView, QVBoxLayout, QWidget

from app.core.i18n import _, ngettext
from app.core.locale_format import format_decimal

MAX_VALUE_CHARS = 160
MAX_MULTI_VALUES = 16
KEYWORD_WIDTH = 200


def tag_text(tag) -> str:
    return f"({tag.group:04X},{tag.element:04X})"


def value_text(element) -> str:
    """A short, readable value: bytes and pixel data are summarised, long values cut."""
    value = element.value
    if element.tag == 0x7FE00010 or element.VR in ("OB", "OW", "OF", "OD", "OL", "OV", "UN"):
        length = len(value) if isinstance(value, (bytes, bytearray)) else 0
        return ngettext("<{n} byte>", "<{n} bytes>", length).format(n=format_decimal(length, 0))
    if value is None or value == "":
        return ""
    if element.VM > 1 and not isinstance(value, (str, bytes)):
        items = list(value)
        text = "\\".join(str(v) for v in items[:MAX_MULTI_VALUES])
        if len(items) > MAX_MULTI_VALUES:
            text += f"\\… ({len(items)})"
    else:
        text = str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


class _TagFilter(QSortFilterProxyModel):
    """Keeps a row when any column contains the text; ancestors of a match stay visible."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)  # a matching sequence keeps its items, to open them
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def filterAcceptsRow(self, row, parent) -> bool:
        needle = self._needle
        if not needle:
            return True
        model = self.sourceModel()
        for column in range(model.columnCount(parent)):
            text = model.index(row, column, parent).data() or ""
            text = text.lower()
            if needle in text or needle in text.replace(",", "").replace("(", "").replace(")", ""):
                return True
        return False

    def set_text(self, text: str) -> None:
        self._needle = text.strip().lower().replace("(", "").replace(")", "")
        self.setFilterFixedString(self._needle)


class DicomTagsWidget(QWidget):
    """Shows one dataset (the header of the current instance); `set_dataset(None)` clears it."""

    COLUMNS = ("Tag", "Keyword", "VR", "Value")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Search tag, keyword or value…"))
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(0, len(self.COLUMNS), self)
        self.model.setHorizontalHeaderLabels([_("Tag"), _("Keyword"), _("VR"), _("Value")])
        self.proxy = _TagFilter(self)
        self.proxy.set_text("")
        self.proxy.setSourceModel(self.model)
        self.tree = QTreeView(self)
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.search.textChanged.connect(self._filter)
        self.dataset: Dataset | None = None

    def set_dataset(self, dataset: Dataset | None) -> None:
        if dataset is self.dataset:
            return
        self.dataset = dataset
        self.model.removeRows(0, self.model.rowCount())
        if dataset is not None:
            root = self.model.invisibleRootItem()
            meta = getattr(dataset, "file_meta", None)
            if meta:
                self._add_elements(root, meta)
            self._add_elements(root, dataset)
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        # Long keywords (SequenceOfUltrasoundRegions) must not push the values out of sight.
        self.tree.setColumnWidth(1, min(self.tree.columnWidth(1), KEYWORD_WIDTH))
        self._filter(self.search.text())

    def _add_elements(self, parent: QStandardItem, dataset: Dataset) -> None:
        for element in dataset:
            row = [QStandardItem(tag_text(element.tag)),
                   QStandardItem(element.keyword or (_("Private tag") if element.tag.is_private else element.name)),
                   QStandardItem(element.VR),
                   QStandardItem("")]
            if element.VR == "SQ" and isinstance(element.value, Sequence):
                row[3].setText(ngettext("{n} item", "{n} items", len(element.value)).format(n=len(element.value)))
                for number, item in enumerate(element.value, start=1):
                    item_row = [QStandardItem(_("Item {n}").format(n=number)), QStandardItem(""),
                                QStandardItem(""), QStandardItem("")]
                    self._add_elements(item_row[0], item)
                    row[0].appendRow(item_row)
            else:
                try:
                    row[3].setText(value_text(element))
                except Exception:  # noqa: BLE001 - a damaged value is shown as such, never fatal
                    row[3].setText(_("<unreadable value>"))
            for item in row:
                item.setEditable(False)
            parent.appendRow(row)

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        if text.strip():
            self.tree.expandAll()
            self.tree.resizeColumnToContents(0)  # nested tags are indented

    def visible_keywords(self) -> list[str]:
        """The keywords (or item labels) of every row the filter lets through, depth first."""
        found = []

        def walk(parent):
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 1, parent)
                found.append(index.data() or self.proxy.index(row, 0, parent).data())
                walk(self.proxy.index(row, 0, parent))
        walk(QModelIndex())
        return found
