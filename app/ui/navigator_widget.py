"""The case navigator: the completeness checklist, the documents grouped by kind, and the
imaging studies with their series (thumbnail, slice count); a study whose patient does not
match the dossier is flagged in red."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.core.formatting import format_date, format_patient_name

THUMB = 48
DOC_ROLE = Qt.ItemDataRole.UserRole + 1  # ("document", index) or ("series", series_uid)

KIND_ORDER = ("second_opinion", "referral_letter", "history_letter", "correspondence", "imaging_report",
              "operation_report", "lab_result", "other")
RED = QColor("#c62828")


class NavigatorWidget(QTreeWidget):
    """`set_case(view)` with `app.dossier.case_view.case_json`; emits `documentActivated(index)`
    (into view["documents"]) and `seriesActivated(series_uid)`."""

    documentActivated = Signal(int)
    seriesActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setUniformRowHeights(False)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)
        self.series_items: dict[str, QTreeWidgetItem] = {}
        self.document_items: list[QTreeWidgetItem] = []
        self.kind_labels = {
            "referral_letter": self.tr("Referral letters"), "history_letter": self.tr("History letters"),
            "correspondence": self.tr("Correspondence"), "imaging_report": self.tr("Imaging reports"),
            "operation_report": self.tr("Operation reports"), "lab_result": self.tr("Lab results"),
            "second_opinion": self.tr("Second opinions"), "other": self.tr("Other documents")}

    def set_case(self, view: dict) -> None:
        self.clear()
        self.series_items.clear()
        self.document_items = []
        check = QTreeWidgetItem(self, [self.tr("Completeness")])
        for item in view.get("completeness", []):
            mark = "☑" if item.get("present") else "☐"
            text = f"{mark} {self.tr(item['label'])} ({item.get('count', 0)})"
            if item.get("note"):
                text += f" — {item['note']}"
            child = QTreeWidgetItem(check, [text])
            if not item.get("present"):
                child.setForeground(0, QBrush(QColor("#b26a00")))
        check.setExpanded(True)
        documents = view.get("documents", [])
        by_kind: dict[str, list[int]] = {}
        for n, doc in enumerate(documents):
            by_kind.setdefault(doc.get("kind") or "other", []).append(n)
        self.document_items = [None] * len(documents)
        for kind in sorted(by_kind, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER)):
            group = QTreeWidgetItem(self, [f"{self.kind_labels.get(kind, kind)} ({len(by_kind[kind])})"])
            for n in by_kind[kind]:
                doc = documents[n]
                date = format_date(doc.get("date"))
                child = QTreeWidgetItem(group, [f"{date}  {doc.get('title') or doc.get('path')}".strip()])
                child.setToolTip(0, "\n".join(filter(None, (doc.get("title"), doc.get("author"),
                                                            doc.get("media_type")))))
                child.setData(0, DOC_ROLE, ("document", n))
                self.document_items[n] = child
            group.setExpanded(True)
        studies = view.get("studies", [])
        imaging = QTreeWidgetItem(self, [self.tr("Imaging ({n} studies)").format(n=len(studies))])
        for study in studies:
            ident = study.get("identity") or {}
            text = f"{format_date(study.get('date'))}  {study.get('description') or self.tr('(no description)')}"
            node = QTreeWidgetItem(imaging, [text])
            if ident.get("status") == "mismatch":
                node.setText(0, text + "  " + self.tr("— PATIENT MISMATCH ({fields})").format(
                    fields=", ".join(ident.get("mismatches", []))))
                node.setForeground(0, QBrush(RED))
                node.setToolTip(0, ident.get("message") or "")
            elif ident.get("status") == "unknown":
                node.setToolTip(0, self.tr("The patient of these images cannot be verified."))
            for series in study.get("series", []):
                frames = series.get("frames") or series.get("instances") or 0
                label = (f"{series.get('modality') or '?'} #{series.get('number') or '-'} "
                         f"{series.get('description') or ''}").strip()
                child = QTreeWidgetItem(node, [label + "\n" + (self.tr("1 image") if frames == 1 else self.tr("{n} images").format(n=frames))])
                child.setData(0, DOC_ROLE, ("series", series["series_uid"]))
                self.series_items[series["series_uid"]] = child
            node.setExpanded(True)
        imaging.setExpanded(True)

    def set_thumbnail(self, series_uid: str, pixmap: QPixmap) -> None:
        item = self.series_items.get(series_uid)
        if item is not None:
            item.setIcon(0, QIcon(pixmap))

    def select_document(self, n: int) -> None:
        if 0 <= n < len(self.document_items) and self.document_items[n] is not None:
            self.setCurrentItem(self.document_items[n])

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, DOC_ROLE)
        if not target:
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
        self._patient = self.tr("{name}, born {born}").format(name=name, born=format_date(patient.get("birth_date")))
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
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(header)
    layout.addWidget(navigator, 1)
    return box, header, navigator
