"""The strip above a case's documents while the case lacks what signing needs (a plain-CD
case without its patient, question or consent), from app.dossier.case_sheet.missing_for_signing,
with a button to the case sheet. Hidden once the case is complete."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget
from app.core.i18n import _


class CaseSheetStripWidget(QFrame):
    """`set_missing(sentences)`; `completeRequested` from its button."""

    completeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case-sheet-strip")
        self.setStyleSheet("#case-sheet-strip { background: #fff4e5; border: 1px solid #f0b661; border-radius: 3px; }")
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.button = QPushButton(_("Complete the case sheet"), self)
        self.button.clicked.connect(self.completeRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.missing: list[str] = []
        self.hide()

    def set_missing(self, missing: list[str]) -> None:
        self.missing = list(missing)
        self.text.setText(_("This case needs its details before it can be signed: {missing}.").format(
            missing=", ".join(missing)))
        self.setVisible(bool(missing))
