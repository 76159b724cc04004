"""The worklist: every case on the workstation (the archived ones on request), sortable,
filtered by status and searched by patient or question; its context menu and Delete key
archive, restore and delete a case. The rows are summaries read off the GUI thread
(`load_summaries`)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QMenu, QSpinBox, QStyle, QTableView, QToolButton, QVBoxLayout,
                               QWidget)

from app.core.formatting import format_patient_name
from app.core.i18n import _, ngettext
from app.core.locale_format import format_date, format_decimal
from app.dossier.case_view import STATUS_LABELS, listed_cases, status_label
from app.outgoing.desk import first_date, is_overdue, load_target_days, open_days, save_target_days
from app.outgoing.recipients import role_label

COMPLETENESS_ITEMS = 6
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 2


#: The statuses whose cases have a signed opinion: their "To send" needs the dispatch log.
SENDING = ("signed", "packaged", "sent")


def load_summaries(store) -> list[dict]:
    """Qt-free work for the store runner: one summary per case from the kept summaries (no
    case record decrypted but a missing or stale summary's), with the desk's days open. "To
    send" of a case with a signed opinion (`to_send` None here) needs its opinion and
    dispatch log: `load_to_send`, after the list is shown. A case whose record cannot be read
    is listed as damaged, never hiding the others."""
    summaries = []
    for summary, part in listed_cases(store, include_archived=True):
        if part is not None:
            summary.update(open_days(first_date(part.get("referral_dates") or ()), summary["received_at"]))
            summary["to_send"] = None if summary["status"] in SENDING else []
        summaries.append(summary)
    return summaries


def load_to_send(store, case_ids: list[str], token=None) -> dict[str, list[str]]:
    """Qt-free: who is still to be sent each case's signed opinion (by case id); stops at
    `token`'s cancel (the window closing)."""
    from app.outgoing.package import sending_plan  # the letters' stack, loaded after the list is shown

    plans = {}
    for case_id in case_ids:
        if token is not None:
            token.check()
        try:
            plans[case_id] = sending_plan(store, case_id).to_send
        except Exception:  # noqa: BLE001 - a damaged dispatch log must not hide the case
            plans[case_id] = []
    return plans


class CaseTableModel(QAbstractTableModel):
    """One row per case summary (`app.dossier.case_view.case_summary`)."""

    COLUMNS = ("patient", "birth", "received", "question", "status", "completeness", "identity", "days", "to_send")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[dict] = []
        self._texts = {}
        self._dates: dict[str | None, str] = {}
        self.target_days = 14
        self._headers = (_("Patient"), _("Born"), _("Dossier date"), _("Question"),
                         _("Status"), _("Complete"), _("Identity"), _("Days"),
                         _("To send"))

    def overdue(self, row: dict) -> bool:
        return is_overdue(row, self.target_days)

    def to_send_text(self, row: dict) -> str:
        return ", ".join(role_label(r) for r in row.get("to_send") or [])

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._texts: dict[int, tuple] = {}
        self._dates: dict[str | None, str] = {}
        self._sort(self._order)
        self.endResetModel()

    # What a view shows is computed per row when first shown, and kept until the rows change;
    # sorting uses keys made from the summaries' plain values (`sort_key`), never data().
    _order: tuple[int, Qt.SortOrder] = (2, Qt.SortOrder.DescendingOrder)

    def texts(self, n: int) -> tuple:
        """The row's display texts, one per column."""
        kept = self._texts.get(n)
        if kept is None:
            kept = self._texts[n] = tuple(self._display(self.rows[n], c) for c in self.COLUMNS)
        return kept

    def sort_key(self, row: dict, column: str):
        patient = row.get("patient") or {}
        if column == "days":
            return row["days_open"] if row.get("days_open") is not None else -1
        if column == "birth":
            return patient.get("birth_date") or ""
        if column == "received":
            return row.get("received_at") or ""
        if column == "completeness":
            return COMPLETENESS_ITEMS - int(row.get("missing_items") or 0)
        if column == "identity":
            return IDENTITY_ORDER.get(self._identity(row), 1)
        if column == "status":
            return STATUS_ORDER.get(row.get("status"), 99)
        if column == "patient":
            return ((patient.get("family_name") or "").casefold(), (patient.get("given_names") or "").casefold())
        if column == "question":
            return (row.get("question") or "").casefold()
        return self.to_send_text(row).casefold()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows themselves, on precomputed keys (the proxy only filters)."""
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self.rows[i.row()]["case_id"] if i.isValid() and i.row() < len(self.rows) else None for i in before]
        self._sort((column, order))
        self._texts = {}
        where = {r["case_id"]: n for n, r in enumerate(self.rows)}
        self.changePersistentIndexList(before, [self.index(where[c], i.column()) if c in where else QModelIndex()
                                                for i, c in zip(before, ids)])
        self.layoutChanged.emit()

    def _sort(self, order: tuple[int, Qt.SortOrder]) -> None:
        self._order = order
        column, direction = order
        if 0 <= column < len(self.COLUMNS):
            name = self.COLUMNS[column]
            keys = {id(r): self.sort_key(r, name) for r in self.rows}
            self.rows.sort(key=lambda r: keys[id(r)], reverse=direction == Qt.SortOrder.DescendingOrder)

    def _date_text(self, value) -> str:
        """format_date, once per day shown: it reads only the date of an ISO timestamp."""
        key = value[:10] if isinstance(value, str) and len(value) >= 10 and value[4] == "-" else value
        if not isinstance(key, str | None):
            return format_date(value)
        text = self._dates.get(key)
        if text is None:
            text = self._dates[key] = format_date(value)
        return text

    @staticmethod
    def _identity(row: dict) -> str:
        return "mismatch" if int(row.get("identity_mismatches") or 0) else row.get("identity") or "not_verified"

    def set_to_send(self, plans: dict[str, list[str]]) -> None:
        """Who is still to be sent each case's signed opinion, once read (`load_to_send`)."""
        column = self.COLUMNS.index("to_send")
        for n, row in enumerate(self.rows):
            if row["case_id"] in plans:
                row["to_send"] = plans[row["case_id"]]
                self._texts.pop(n, None)
                self.dataChanged.emit(self.index(n, column), self.index(n, column))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def identity_label(self, identity: str) -> str:
        return {"ok": _("OK"), "mismatch": _("Mismatch")}.get(identity, _("Not verified"))

    def identity_tooltip(self, identity: str, mismatches: int, documents: int = 0) -> str:
        """`mismatches`: the studies of another patient; `documents`: the documents whose
        text names another patient."""
        if identity == "ok":
            return _("Every study matches the case's patient: name and birth date agree.")
        if identity == "mismatch" and documents:
            about = ngettext("A document about another patient: {n} document names someone other than the "
                             "case's patient.", "Documents about another patient: {n} documents name someone "
                             "other than the case's patient.", documents).format(n=documents)
            return (self.identity_tooltip(identity, mismatches) + "\n" + about) if mismatches else about
        if identity == "mismatch":
            return ngettext("Images of another patient: {n} study does not match the case's patient.",
                            "Images of another patient: {n} studies do not match the case's patient.",
                            max(1, mismatches)).format(n=max(1, mismatches))
        return _("Not verified: there is no case patient to compare the images with, or their name or "
                       "birth date is missing. Complete the case's patient.")

    def status_label(self, status: str) -> str:
        return status_label(status)

    def _display(self, row: dict, column: str) -> str:
        patient = row.get("patient") or {}
        complete = COMPLETENESS_ITEMS - int(row.get("missing_items") or 0)
        identity = self._identity(row)
        if column == "patient" and row.get("damaged"):
            return _("Damaged case {id}").format(id=row["case_id"][:8])
        if column == "patient":
            return format_patient_name(patient.get("family_name") or "?", patient.get("given_names"))
        if column == "birth":
            return self._date_text(patient.get("birth_date"))
        if column == "received":
            return self._date_text(row.get("received_at"))
        if column == "question":
            return row.get("question") or ""
        if column == "status":
            label = self.status_label(row.get("status", ""))
            return _("{status} (archived)").format(status=label) if row.get("archived") else label
        if column == "completeness":
            return _("{x} of {n}").format(x=complete, n=COMPLETENESS_ITEMS)
        if column == "identity":
            return self.identity_label(identity)
        if column == "days":
            days = row.get("days_open")
            if days is None:
                return ""
            text = ngettext("{n} day", "{n} days", days).format(n=days)
            return _("{days} — overdue").format(days=text) if self.overdue(row) else text
        if column == "to_send":
            return self.to_send_text(row)
        return ""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        complete = COMPLETENESS_ITEMS - int(row.get("missing_items") or 0)
        mismatches = int(row.get("identity_mismatches") or 0)
        identity = "mismatch" if mismatches else row.get("identity") or "not_verified"
        if role == CASE_ID_ROLE:
            return row["case_id"]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts(index.row())[index.column()]
        if role == SORT_ROLE:
            return self.sort_key(row, column)
        if column == "patient" and row.get("damaged"):
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#c62828")
            if role == Qt.ItemDataRole.ToolTipRole:
                return _("This case cannot be read: {reason}").format(reason=row["damaged"])
        if role == Qt.ItemDataRole.ToolTipRole and column == "question":
            return row.get("question") or ""
        if row.get("archived") and role == Qt.ItemDataRole.ForegroundRole and column != "identity":
            return QColor("#777777")
        if role == Qt.ItemDataRole.ToolTipRole and column == "days" and row.get("days_open") is not None:
            if not self.overdue(row):
                return self.days_tooltip(row)
            return self.days_tooltip(row) + " " + ngettext("The target is {n} day.", "The target is {n} days.",
                                                           self.target_days).format(n=self.target_days)
        if column == "identity" and not row.get("damaged"):
            if role == Qt.ItemDataRole.ForegroundRole:
                return IDENTITY_COLOURS.get(identity)
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.identity_tooltip(identity, mismatches, int(row.get("document_mismatches") or 0))
            if role == Qt.ItemDataRole.DecorationRole and identity == "mismatch":
                from PySide6.QtWidgets import QApplication
                return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        if column == "completeness" and complete < COMPLETENESS_ITEMS and role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#b26a00")
        if column == "days" and self.overdue(row):
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#c62828")
            if role == Qt.ItemDataRole.FontRole:
                from PySide6.QtGui import QFont
                font = QFont()
                font.setBold(True)
                return font
        if column == "to_send" and role == Qt.ItemDataRole.ForegroundRole and row.get("to_send"):
            return QColor("#1f3a5f")
        return None

    def days_tooltip(self, row: dict) -> str:
        """Which date the days count from: the referral's, or the import's when there is none."""
        days, since = row.get("days_open") or 0, format_date(row.get("opened_on"))
        if row.get("days_from") == "referral":
            return ngettext("{n} day since the referral of {date}.", "{n} days since the referral of {date}.",
                            days).format(n=days, date=since)
        return ngettext("{n} day since the import of {date} (the case has no referral date).",
                        "{n} days since the import of {date} (the case has no referral date).",
                        days).format(n=days, date=since)


STATUS_ORDER = {status: n for n, status in enumerate(STATUS_LABELS)}
IDENTITY_ORDER = {"mismatch": 0, "not_verified": 1, "ok": 2}  # the ones to look at first
IDENTITY_COLOURS = {"ok": QColor("#2e7d32"), "not_verified": QColor("#b26a00"), "mismatch": QColor("#c62828")}


class CaseFilterProxy(QSortFilterProxyModel):
    """Sorts on the model's sort keys; keeps rows of one status (or all) matching the search."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.status: str | None = None
        self.search = ""
        self.overdue_only = False
        self.show_archived = False
        self.setSortRole(SORT_ROLE)

    def set_show_archived(self, value: bool) -> None:
        self._refilter("show_archived", bool(value))

    def set_overdue_only(self, value: bool) -> None:
        self._refilter("overdue_only", bool(value))

    def set_status(self, status: str | None) -> None:
        self._refilter("status", status)

    def set_search(self, text: str) -> None:
        self._refilter("search", text.strip().lower())

    def _refilter(self, attribute: str, value) -> None:
        begin = getattr(self, "beginFilterChange", None)  # Qt 6.10+; invalidateFilter() is deprecated there
        if begin is not None:
            begin()
        setattr(self, attribute, value)
        if begin is not None:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        model = self.sourceModel()
        row = model.rows[source_row]
        if row.get("archived") and not self.show_archived:
            return False
        if self.status and row.get("status") != self.status:
            return False
        if self.overdue_only and not model.overdue(row):
            return False
        if not self.search:
            return True
        return any(self.search in text.lower() for text in model.texts(source_row))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The view's header asks; the source sorts its rows on precomputed keys (a proxy sort
        would ask data() for both rows of every comparison), and the filter keeps its order."""
        self.sourceModel().sort(column, order)


class WorklistWidget(QWidget):
    """The case list; `caseActivated(case_id)` on double-click or Enter."""

    caseActivated = Signal(str)
    sendRequested = Signal(str)  # the secretary's "Send…" for the selected case
    archiveRequested = Signal(str, bool)  # case id, True: archive, False: restore
    deleteRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseTableModel(self)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.status_box = QComboBox(self)
        self.status_box.addItem(_("All statuses"), None)
        for status in STATUS_LABELS:
            self.status_box.addItem(status_label(status), status)
        self.status_box.currentIndexChanged.connect(
            lambda _i: self.proxy.set_status(self.status_box.currentData()))
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(_("Search patient, question…"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.proxy.set_search)
        self.count_label = QLabel(self)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # Widths from the header and a sample of rows (`fit_columns`), never ResizeToContents,
        # which asks every row of every column on each layout.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # The question never narrower than its name (a long language on a small screen): the table scrolls.
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance(self.model.headerData(
            3, Qt.Orientation.Horizontal)) + 4 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin))
        self.table.doubleClicked.connect(self._activate)
        self.table.activated.connect(self._activate)
        # The desk: a count per status (a click filters), overdue cases, the target in days. The
        # status combo box stays as the model of the filter, the buttons are its face.
        self.status_box.hide()
        self.status_buttons: dict[str | None, QToolButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        desk = QHBoxLayout()
        desk.addWidget(QLabel(_("Status:"), self))
        for status in [None, *STATUS_LABELS]:
            button = QToolButton(self)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setObjectName(f"status-{status or 'all'}")
            button.clicked.connect(lambda _checked=False, st=status: self.status_box.setCurrentIndex(
                self.status_box.findData(st)))
            group.addButton(button)
            desk.addWidget(button)
            self.status_buttons[status] = button
        self.status_buttons[None].setChecked(True)
        self.status_box.currentIndexChanged.connect(
            lambda _i: self.status_buttons[self.status_box.currentData()].setChecked(True))
        desk.addStretch(1)
        self.overdue_box = QCheckBox(_("Overdue only"), self)
        self.overdue_box.toggled.connect(self.proxy.set_overdue_only)
        self.target_box = QSpinBox(self)
        self.target_box.setRange(1, 365)
        # TRANSLATORS: before the number of days of the overdue target in the worklist ("target 14 days").
        self.target_box.setPrefix(_("target "))
        self.target_box.setToolTip(_("A case open longer than this since its referral (or its import) is "
                                           "marked overdue"))
        self.target_box.valueChanged.connect(self.set_target_days)
        self.send_button = QToolButton(self)
        self.send_button.setText(_("Send…"))
        self.send_button.setObjectName("send-button")
        self.send_button.setToolTip(_("Package and send the signed opinion of the selected case"))
        self.send_button.clicked.connect(self._send)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_send())
        bar = QHBoxLayout()
        bar.addWidget(self.send_button)
        bar.addWidget(self.search_box, 1)
        bar.addWidget(self.overdue_box)
        bar.addWidget(self.target_box)
        self.archived_box = QCheckBox(_("Show archived"), self)
        self.archived_box.toggled.connect(self.proxy.set_show_archived)
        self.archived_box.toggled.connect(lambda _on: self._count())
        bar.addWidget(self.archived_box)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda pos: self.case_menu().popup(
            self.table.viewport().mapToGlobal(pos)))
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._request_delete)
        bar.addWidget(self.count_label)
        # Narrow windows squeeze the desk's buttons instead of widening the window (the case
        # view shares the window's stack with the worklist).
        self.setMinimumWidth(240)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(desk)
        layout.addWidget(self.table, 1)
        self.proxy.rowsInserted.connect(self._count)
        self.proxy.rowsRemoved.connect(self._count)
        self.proxy.modelReset.connect(self._count)
        self.proxy.layoutChanged.connect(self._count)
        self.set_target_days(load_target_days(), save=False)
        self._count()

    #: How many rows `fit_columns` measures (the first ones shown, as sorted).
    SAMPLE_ROWS = 40

    def fit_columns(self) -> None:
        """Each column as wide as its header and the widest of a sample of rows (at most a
        third of the table), the question taking the rest."""
        header, metrics = self.table.horizontalHeader(), self.table.fontMetrics()
        margin = 2 * self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 12
        rows = range(min(self.SAMPLE_ROWS, self.model.rowCount()))
        limit = max(120, self.table.width() // 3)
        bold = self.table.font()
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)  # an overdue case's days are bold
        for column in range(self.model.columnCount()):
            if header.sectionResizeMode(column) == QHeaderView.ResizeMode.Stretch:
                continue
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            measure = bold_metrics if self.model.COLUMNS[column] == "days" else metrics
            widest = max([header.fontMetrics().horizontalAdvance(title) + 2 * margin,
                          *(measure.horizontalAdvance(self.model.texts(r)[column]) + margin for r in rows)])
            if column == self.model.COLUMNS.index("identity"):
                widest += (self.table.iconSize().width() or 16) + 16  # the warning mark and its spacing
            header.resizeSection(column, min(widest, limit))

    def set_cases(self, summaries: list[dict]) -> None:
        selected = self.selected_case()
        first = not self.model.rows
        self.model.set_rows(summaries)
        if first:
            self.fit_columns()
        if selected:
            self.select_case(selected)  # a refresh keeps the secretary's place
        self._count()
        self._update_send()

    def set_to_send(self, plans: dict[str, list[str]]) -> None:
        self.model.set_to_send(plans)

    def set_target_days(self, days: int, save: bool = True) -> None:
        """The overdue target (at least a day); kept in the data folder's desk settings when `save`."""
        days = max(1, int(days))
        self.model.target_days = days
        # TRANSLATORS: after the number of the overdue target ("target 14 days"); keep the space.
        self.target_box.setSuffix(ngettext(" day", " days", days))
        if self.target_box.value() != days:
            self.target_box.blockSignals(True)
            self.target_box.setValue(int(days))
            self.target_box.blockSignals(False)
        if save:
            try:
                save_target_days(days)
            except Exception:  # noqa: BLE001 - a read-only settings file: the value holds for this session
                pass
        if self.model.rows:
            self.model.set_rows(self.model.rows)
        self.proxy.set_overdue_only(self.proxy.overdue_only)
        self._count()

    def _listed(self) -> list[dict]:
        """The rows the desk counts: the archived ones only while they are shown."""
        return [r for r in self.model.rows if self.proxy.show_archived or not r.get("archived")]

    def status_counts(self) -> dict[str | None, int]:
        rows = self._listed()
        counts: dict[str | None, int] = {None: len(rows)}
        for status in STATUS_LABELS:
            counts[status] = sum(1 for r in rows if r.get("status") == status)
        return counts

    def overdue_count(self) -> int:
        return sum(1 for r in self._listed() if self.model.overdue(r))

    def visible_case_ids(self) -> list[str]:
        return [self.proxy.data(self.proxy.index(r, 0), CASE_ID_ROLE) for r in range(self.proxy.rowCount())]

    def selected_case(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.proxy.data(rows[0], CASE_ID_ROLE) if rows else None

    def _selected_row(self) -> dict | None:
        case_id = self.selected_case()
        return next((r for r in self.model.rows if r["case_id"] == case_id), None)

    def _update_send(self) -> None:
        row = self._selected_row()
        self.send_button.setEnabled(row is not None and row.get("status") in ("signed", "packaged", "sent"))

    def case_menu(self) -> QMenu:
        """The selected case's menu: open, send, archive or restore, delete."""
        menu = QMenu(self)
        row = self._selected_row()
        if row is None:
            return menu
        case_id = row["case_id"]
        menu.addAction(_("Open"), lambda: self.caseActivated.emit(case_id))
        send = menu.addAction(_("Send…"), lambda: self.sendRequested.emit(case_id))
        send.setEnabled(self.send_button.isEnabled())
        menu.addSeparator()
        if row.get("archived"):
            menu.addAction(_("Restore from the archive"), lambda: self.archiveRequested.emit(case_id, False))
        else:
            menu.addAction(_("Archive"), lambda: self.archiveRequested.emit(case_id, True))
        menu.addAction(_("Delete…"), lambda: self.deleteRequested.emit(case_id))
        return menu

    def selected_row(self) -> dict | None:
        return self._selected_row()

    def _request_delete(self) -> None:
        case_id = self.selected_case()
        if case_id:
            self.deleteRequested.emit(case_id)

    def _send(self) -> None:
        case_id = self.selected_case()
        if case_id:
            self.sendRequested.emit(case_id)

    def select_case(self, case_id: str) -> None:
        for r in range(self.proxy.rowCount()):
            if self.proxy.data(self.proxy.index(r, 0), CASE_ID_ROLE) == case_id:
                self.table.selectRow(r)
                return

    def _activate(self, index) -> None:
        case_id = self.proxy.data(index, CASE_ID_ROLE)
        if case_id:
            self.caseActivated.emit(case_id)

    def _count(self, *args) -> None:
        total = len(self._listed())
        self.count_label.setText(ngettext("{shown} of {total} case", "{shown} of {total} cases", total).format(
            shown=_count_text(self.proxy.rowCount()), total=_count_text(total)))
        if not hasattr(self, "status_buttons"):
            return
        counts = self.status_counts()
        for status, button in self.status_buttons.items():
            label = _("All") if status is None else status_label(status)
            # TRANSLATORS: a status filter button of the worklist: "In review (3)".
            button.setText(_("{status} ({count})").format(status=label, count=_count_text(counts[status])))
        overdue = self.overdue_count()
        self.overdue_box.setText(_("Overdue only ({n})").format(n=_count_text(overdue)))
        self.overdue_box.setStyleSheet("color: #c62828; font-weight: bold;" if overdue else "")


def _count_text(n: int) -> str:
    """A count as the interface's language groups it: 2,000 / 2.000 / 2 000."""
    return format_decimal(n, 0)
