"""The case navigator: the sender's signature and the case's identity at the top, the
completeness checklist, the documents grouped by kind, and the imaging studies with their
series (thumbnail, slice count). Another patient's study, what the DICOMDIR names but the
disc lacks, and files that could not be read are shown in red with the reason."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.core.formatting import format_dicom_name, format_patient_name
from app.core.i18n import _, ngettext
from app.core.locale_format import format_date
from app.ui import compare_navigator
from viewers.dicom.mime import SERIES_UID_MIME

THUMB = 48
DOC_ROLE = Qt.ItemDataRole.UserRole + 1  # ("document", index) or ("series", series_uid)
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 2  # "other_patient", "missing" or "unreadable"

KIND_ORDER = ("second_opinion", "referral_letter", "history_letter", "correspondence", "imaging_report",
              "operation_report", "lab_result", "other")
RED = QColor("#c62828")
AMBER = QColor("#b26a00")
GREEN = QColor("#2e7d32")


def _red(item: QTreeWidgetItem, problem: str, tooltip: str = "") -> QTreeWidgetItem:
    item.setForeground(0, QBrush(RED))
    item.setData(0, PROBLEM_ROLE, problem)
    if tooltip:
        item.setToolTip(0, tooltip)
    return item


class NavigatorWidget(QTreeWidget):
    """`set_case(view)` with `app.dossier.case_view.case_json`; emits `documentActivated(index)`
    (into view["documents"]) and `seriesActivated(series_uid)`."""

    documentActivated = Signal(int)
    seriesActivated = Signal(str)
    compareRequested = Signal(str)  # a study or series UID: "Compare with prior"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setUniformRowHeights(False)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)
        self.view: dict | None = None  # the case shown
        self.series_role = DOC_ROLE
        self.compare_menu = None
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(lambda pos: compare_navigator.show_compare_menu(self, pos))
        self.setDragEnabled(True)  # a series thumbnail dropped on a viewport shows there
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.series_items: dict[str, QTreeWidgetItem] = {}
        self.document_items: list[QTreeWidgetItem] = []
        self.problem_items: list[QTreeWidgetItem] = []  # red: other patient, missing, unreadable
        self.status_label: QLabel | None = None  # the sender and identity line above (header_and_navigator)
        self.kind_labels = {
            "referral_letter": _("Referral letters"), "history_letter": _("History letters"),
            "correspondence": _("Correspondence"), "imaging_report": _("Imaging reports"),
            "operation_report": _("Operation reports"), "lab_result": _("Lab results"),
            "second_opinion": _("Second opinions"), "other": _("Other documents")}

    # -- words ---------------------------------------------------------------------------------

    def other_patient_text(self, ident: dict) -> str:
        fields = set(ident.get("mismatches") or [])
        if {"name", "birth date"} <= fields:
            return _("Other patient: name and birth date differ")
        if "name" in fields:
            return _("Other patient: the name differs")
        if "birth date" in fields:
            return _("Other patient: the birth date differs")
        return _("Other patient: the patient ID differs")

    def other_patient_tooltip(self, ident: dict) -> str:
        """What the images say, for the user's eyes only (it is on the image anyway)."""
        found = {c.get("field"): c.get("found") for c in ident.get("checks") or []}
        if ident.get("basis") == "document":
            said = [found.get("name") or "", _("born {date}").format(date=format_date(found["birth date"]))
                    if found.get("birth date") else "", found.get("patient ID") or ""]
            return _("This document names another patient: {details}. The case's patient is someone else.").format(
                details=", ".join(filter(None, said)))
        name = format_dicom_name(found.get("name") or "") or _("no name")
        return _("These images name {name}, born {born}. The case's patient is someone else.").format(
            name=name, born=format_date(found.get("birth date")) or _("unknown"))

    def status_text(self, view: dict) -> tuple[str, QColor]:
        state = (view.get("manifest_signature") or {}).get("state") or view.get("signature") or "unsigned"
        sender = {"valid": _("Sender signature: valid"),
                  "untrusted": _("Sender signature: issuer not trusted"),
                  "unsigned": _("Sender signature: unsigned")}.get(state, _("Sender signature: invalid"))
        identity = view.get("identity") or "not_verified"
        ident = {"ok": _("Identity: OK"), "mismatch": _("Identity: MISMATCH, another patient's images"),
                 "not_verified": _("Identity: not verified")}.get(identity, _("Identity: not verified"))
        if identity == "mismatch" and view.get("document_mismatches") and not view.get("identity_mismatches"):
            ident = _("Identity: MISMATCH, a document about another patient")
        colour = RED if identity == "mismatch" else GREEN if identity == "ok" and state == "valid" else AMBER
        return f"{sender}\n{ident}", colour

    # -- the tree ------------------------------------------------------------------------------

    def set_case(self, view: dict) -> None:
        self.clear()
        self.series_items.clear()
        self.document_items = []
        self.problem_items = []
        self._show_status(view)
        check = QTreeWidgetItem(self, [_("Completeness")])
        for item in view.get("completeness", []):
            mark = "☑" if item.get("present") else "☐"
            text = f"{mark} {_(item['label'])} ({item.get('count', 0)})"
            if item.get("note"):
                text += f" — {item['note']}"
            child = QTreeWidgetItem(check, [text])
            child.setToolTip(0, text)  # a narrow navigator elides the longer languages' lines
            if item.get("item") == "disc":
                child.setForeground(0, QBrush(RED))
            elif not item.get("present"):
                child.setForeground(0, QBrush(AMBER))
        check.setExpanded(True)
        self._documents(view.get("documents", []))
        self._imaging(view)
        self.view = view
        compare_navigator.add_comparable_studies(self, view)

    def _show_status(self, view: dict) -> None:
        if self.status_label is not None:
            text, colour = self.status_text(view)
            self.status_label.setText(text)
            self.status_label.setStyleSheet(f"color: {colour.name()}; padding: 2px 4px;")

    def _documents(self, documents: list[dict]) -> None:
        by_kind: dict[str, list[int]] = {}
        for n, doc in enumerate(documents):
            by_kind.setdefault(doc.get("kind") or "other", []).append(n)
        self.document_items = [None] * len(documents)
        for kind in sorted(by_kind, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER)):
            # TRANSLATORS: a group of documents in the case navigator: "Referral letters (2)".
            group = QTreeWidgetItem(self, [_("{kind} ({count})").format(kind=self.kind_labels.get(kind, kind),
                                                                         count=len(by_kind[kind]))])
            for n in by_kind[kind]:
                child = QTreeWidgetItem(group)
                child.setData(0, DOC_ROLE, ("document", n))
                self._document_item(child, documents[n])
                self.document_items[n] = child
            group.setExpanded(True)

    def _document_item(self, child: QTreeWidgetItem, doc: dict) -> None:
        """The document's line: red with the reason when its patient is another one."""
        child.setText(0, f"{format_date(doc.get('date'))}  {doc.get('title') or doc.get('path')}".strip())
        child.setToolTip(0, "\n".join(filter(None, (doc.get("title"), doc.get("author"), doc.get("media_type")))))
        child.setData(0, Qt.ItemDataRole.ForegroundRole, None)
        child.setData(0, PROBLEM_ROLE, None)
        if child in self.problem_items:
            self.problem_items.remove(child)
        ident = doc.get("identity") or {}
        if ident.get("status") == "mismatch":
            child.setText(0, child.text(0) + "\n" + self.other_patient_text(ident))
            self.problem_items.append(_red(child, "other_patient", self.other_patient_tooltip(ident)))

    def update_documents(self, view: dict) -> None:
        """The documents' identity flags and the identity line from `view` (its documents'
        "identity" checked again, e.g. when their texts arrived), the tree otherwise as it is."""
        self.view = view
        self._show_status(view)
        for item, doc in zip(self.document_items, view.get("documents", [])):
            if item is not None:
                self._document_item(item, doc)

    def _imaging(self, view: dict) -> None:
        studies = view.get("studies", [])
        imaging = QTreeWidgetItem(self, [ngettext("Imaging ({n} study)", "Imaging ({n} studies)", len(studies)).format(
            n=len(studies))])
        missing_series: dict[str, list[dict]] = {}
        for series in view.get("missing_series") or []:
            missing_series.setdefault(series.get("study_uid") or "", []).append(series)
        for study in studies:
            ident = study.get("identity") or {}
            text = f"{format_date(study.get('date'))}  {study.get('description') or _('(no description)')}"
            node = QTreeWidgetItem(imaging, [text])
            node.setData(0, compare_navigator.STUDY_ROLE, study.get("study_uid"))
            foreign = ident.get("status") == "mismatch"
            if foreign:
                node.setText(0, text + "\n" + self.other_patient_text(ident))
                self.problem_items.append(_red(node, "other_patient", self.other_patient_tooltip(ident)))
            elif ident.get("status") == "not_verified":
                node.setToolTip(0, ident.get("message") or _("The patient of these images is not verified."))
            for series in study.get("series", []):
                frames = series.get("frames") or series.get("instances") or 0
                label = (f"{series.get('modality') or '?'} #{series.get('number') or '-'} "
                         f"{series.get('description') or ''}").strip()
                count = ngettext("{n} image", "{n} images", frames).format(n=frames)
                child = QTreeWidgetItem(node, [label + "\n" + count])
                child.setData(0, DOC_ROLE, ("series", series["series_uid"]))
                if foreign:
                    child.setText(0, child.text(0) + " — " + self.other_patient_text(ident))
                    self.problem_items.append(_red(child, "other_patient", self.other_patient_tooltip(ident)))
                self.series_items[series["series_uid"]] = child
            for series in missing_series.pop(study["study_uid"], []):
                label = f"{series.get('modality') or '?'} #{series.get('series_number') or '-'}"
                self._missing(node, label, len(series.get("paths") or []))
            node.setExpanded(True)
        for study in view.get("missing_studies") or []:
            text = (f"{format_date(study.get('study_date'))}  "
                    f"{study.get('study_description') or _('(no description)')}").strip()
            self._missing(imaging, text, len(study.get("paths") or []))
        for series_list in missing_series.values():
            for series in series_list:
                self._missing(imaging, f"{series.get('modality') or '?'} #{series.get('series_number') or '-'}",
                              len(series.get("paths") or []))
        for item in view.get("missing_files") or []:
            self._missing(imaging, item.get("path") or "", 1)
        for item in view.get("unreadable") or []:
            child = QTreeWidgetItem(imaging, [f"{item.get('path')}\n" + _("Could not be read: {reason}")
                                              .format(reason=item.get("reason") or "")])
            self.problem_items.append(_red(child, "unreadable", item.get("reason") or ""))
        imaging.setExpanded(True)

    def _missing(self, parent: QTreeWidgetItem, label: str, files: int) -> None:
        child = QTreeWidgetItem(parent, [f"{label}\n" + _("Named by the DICOMDIR, not on the disc")])
        tooltip = ngettext("{n} file named by the DICOMDIR is not on the disc; ask the sender for it.",
                           "{n} files named by the DICOMDIR are not on the disc; ask the sender for them.",
                           files).format(n=files)
        self.problem_items.append(_red(child, "missing", tooltip))

    def set_thumbnail(self, series_uid: str, pixmap: QPixmap) -> None:
        item = self.series_items.get(series_uid)
        if item is not None:
            item.setIcon(0, QIcon(pixmap))

    def mimeTypes(self) -> list[str]:
        return [SERIES_UID_MIME]

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        target = items[0].data(0, DOC_ROLE) if items else None
        if target and target[0] == "series":
            data.setData(SERIES_UID_MIME, str(target[1]).encode("ascii", "replace"))
        return data

    def reading_order(self) -> list[tuple[str, object]]:
        """("document", n) and ("series", uid) as the tree shows them, top to bottom: the order
        of Next document (Ctrl+PgDown)."""
        order: list[tuple[str, object]] = []

        def walk(item: QTreeWidgetItem) -> None:
            target = item.data(0, DOC_ROLE)
            if target:
                order.append(tuple(target))
            for i in range(item.childCount()):
                walk(item.child(i))
        for i in range(self.topLevelItemCount()):
            walk(self.topLevelItem(i))
        return order

    def select_series(self, series_uid: str) -> None:
        item = self.series_items.get(series_uid)
        if item is not None:
            self.setCurrentItem(item)

    def select_document(self, n: int) -> None:
        if 0 <= n < len(self.document_items) and self.document_items[n] is not None:
            self.setCurrentItem(self.document_items[n])

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, DOC_ROLE)
        if not target:
            if item.data(0, compare_navigator.COMPARE_ROLE):
                self.compareRequested.emit(str(item.data(0, compare_navigator.COMPARE_ROLE)))
            return
        kind, value = target
        if kind == "document":
            self.documentActivated.emit(int(value))
        else:
            self.seriesActivated.emit(str(value))


class CaseHeaderWidget(QLabel):
    """Patient, birth date and question above the navigator."""

    def set_case(self, view: dict) -> None:
        patient = view.get("patient") or {}
        name = format_patient_name(patient.get("family_name") or "?", patient.get("given_names"))
        born = format_date(patient.get("birth_date"))
        self._patient = (_("{name}, born {born}").format(name=name, born=born) if born
                         else _("{name}, birth date unknown").format(name=name))
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(f"{self._patient}\n{view.get('question') or ''}")

    def patient_text(self) -> str:
        return getattr(self, "_patient", "")


def header_and_navigator(parent: QWidget) -> tuple[QWidget, CaseHeaderWidget, NavigatorWidget]:
    box = QWidget(parent)
    header = CaseHeaderWidget(box)
    header.setStyleSheet("font-weight: bold; padding: 4px;")
    navigator = NavigatorWidget(box)
    navigator.status_label = QLabel(box)
    navigator.status_label.setObjectName("navigator-status")
    navigator.status_label.setWordWrap(True)
    navigator.status_label.setTextFormat(Qt.TextFormat.PlainText)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(header)
    layout.addWidget(navigator.status_label)
    layout.addWidget(navigator, 1)
    return box, header, navigator
