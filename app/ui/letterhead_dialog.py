"""Settings ▸ Reviewer and letterhead: who signs (name, specialty, registration number such as
RIZIV/INAMI or BIG, pre-filled into every new opinion) and the letterhead of the opinion
letter (institution, department, address, phone, e-mail, logo)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from app.core.errors import SecondoError
from app.opinion.profile import ReviewerProfile, load_profile, save_profile
from app.report.letterhead import Letterhead, load_letterhead, save_letterhead
from app.core.i18n import _


class ReviewerGroup(QGroupBox):
    """Who signs: name, specialty, registration number (pre-filled into every new opinion)."""

    def __init__(self, profile: ReviewerProfile, parent: QWidget | None = None) -> None:
        super().__init__(_("Reviewer (pre-filled into every new opinion)"), parent)
        self.name = QLineEdit(profile.name)
        self.specialty = QLineEdit(profile.specialty)
        self.registration = QLineEdit(profile.registration)
        self.registration.setPlaceholderText(_("e.g. RIZIV/INAMI 1-23456-78-901 or BIG 12345678901"))
        form = QFormLayout(self)
        form.addRow(_("Name:"), self.name)
        form.addRow(_("Specialty:"), self.specialty)
        form.addRow(_("Registration no.:"), self.registration)

    def profile(self) -> ReviewerProfile:
        return ReviewerProfile(self.name.text().strip(), self.specialty.text().strip(), self.registration.text().strip())


class LetterheadGroup(QGroupBox):
    """The letterhead of the opinion letter: institution, department, address, phone, e-mail, logo."""

    def __init__(self, letterhead: Letterhead, parent: QWidget | None = None) -> None:
        super().__init__(_("Letterhead of the opinion letter"), parent)
        self.institution = QLineEdit(letterhead.institution)
        self.department = QLineEdit(letterhead.department)
        self.address = QPlainTextEdit("\n".join(letterhead.address_lines))
        self.address.setFixedHeight(70)
        self.address.setTabChangesFocus(True)
        self.phone = QLineEdit(letterhead.phone)
        self.email = QLineEdit(letterhead.email)
        self.logo = QLineEdit(letterhead.logo or "")
        self.logo.setPlaceholderText(_("PNG or JPEG; none when empty"))
        self.logo_preview = QLabel()
        self.logo_preview.setFixedHeight(48)
        browse = QPushButton(_("Browse…"))
        browse.clicked.connect(self._browse)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(browse)
        self.form = QFormLayout(self)
        self.form.addRow(_("Institution:"), self.institution)
        self.form.addRow(_("Department:"), self.department)
        self.form.addRow(_("Address:"), self.address)
        self.form.addRow(_("Phone:"), self.phone)
        self.form.addRow(_("E-mail:"), self.email)
        self.form.addRow(_("Logo:"), logo_row)
        self.form.addRow("", self.logo_preview)
        self.logo.textChanged.connect(self._show_logo)
        self._show_logo()

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Logo"), self.logo.text(),
                                                    _("Images (*.png *.jpg *.jpeg)"))
        if path:
            self.logo.setText(path)

    def _show_logo(self) -> None:
        path = self.logo.text().strip()
        pixmap = QPixmap(path) if path and Path(path).is_file() else QPixmap()
        if pixmap.isNull():
            self.logo_preview.setText(_("(no logo)") if not path else _("This file is not a readable image."))
            return
        self.logo_preview.setPixmap(pixmap.scaledToHeight(48, Qt.TransformationMode.SmoothTransformation))

    def letterhead(self) -> Letterhead:
        lines = [line.strip() for line in self.address.toPlainText().splitlines() if line.strip()]
        return Letterhead(self.institution.text().strip(), self.department.text().strip(), lines,
                          self.phone.text().strip(), self.email.text().strip(), self.logo.text().strip() or None)


class LetterheadDialog(QDialog):
    """Edits the saved reviewer profile and letterhead; `save()` writes both (atomically)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Reviewer and letterhead"))
        self.reviewer = ReviewerGroup(load_profile(), self)
        self.name, self.specialty, self.registration = (self.reviewer.name, self.reviewer.specialty,
                                                        self.reviewer.registration)
        self.head = head = LetterheadGroup(load_letterhead(), self)
        self.institution, self.department, self.address = head.institution, head.department, head.address
        self.phone, self.email, self.logo, self.logo_preview = head.phone, head.email, head.logo, head.logo_preview

        from app.signing.settings import load_signing_settings
        self.organisation_identity = QLineEdit(load_signing_settings().organisation_identity)
        self.organisation_identity.setPlaceholderText(_("PKCS#12 of the organisation: signs outgoing packages"))
        org_browse = QPushButton(_("Browse…"))
        org_browse.clicked.connect(self._browse_organisation)
        org_row = QHBoxLayout()
        org_row.addWidget(self.organisation_identity, 1)
        org_row.addWidget(org_browse)
        head.form.addRow(_("Organisation identity:"), org_row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reviewer)
        layout.addWidget(head)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _browse_organisation(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Organisation identity"),
                                                    self.organisation_identity.text(),
                                                    _("PKCS#12 identities (*.p12 *.pfx);;All files (*)"))
        if path:
            self.organisation_identity.setText(path)

    def profile(self) -> ReviewerProfile:
        return self.reviewer.profile()

    def letterhead(self) -> Letterhead:
        return self.head.letterhead()

    def save(self) -> None:
        from app.signing.settings import load_signing_settings, save_signing_settings

        save_profile(self.profile())
        save_letterhead(self.letterhead())
        signing = load_signing_settings()
        signing.organisation_identity = self.organisation_identity.text().strip()
        save_signing_settings(signing)

    def _accept(self) -> None:
        try:
            self.save()
        except SecondoError as exc:  # e.g. the data folder is full: say so, keep the dialog open
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        self.accept()
