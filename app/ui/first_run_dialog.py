"""The first day: on a data folder with no reviewer profile the window opens this dialog to set
the reviewer, the letterhead and the signing identity (a PKCS#12 file whose passphrase can be
tried here, or a PKCS#11 token), warning when the name on the letter is not the certificate's.
"Later" leaves it for a strip above the window (`FirstRunStrip`), never asked again modally."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QToolBar, QVBoxLayout, QWidget)

from app.core.errors import SecondoError
from app.opinion.profile import load_profile, profile_path, save_profile
from app.signing.settings import load_signing_settings, save_signing_settings
from app.ui.letterhead_dialog import LetterheadGroup, ReviewerGroup
from app.ui.sign_dialog import SigningIdentityWidget
from app.core.i18n import _
from app.core.locale_format import format_date

SKIPPED_KEY = "first_run/skipped"
NEW, SKIPPED, DONE = "new", "skipped", "done"


def first_run_state(settings) -> str:
    """"done" once a reviewer profile is saved, "skipped" after "Later", else "new"."""
    if profile_path().exists():
        return DONE
    return SKIPPED if str(settings.qsettings.value(SKIPPED_KEY, "")) == "true" else NEW


class FirstRunDialog(QDialog):
    """The reviewer, the letterhead and the signing identity; `saved` once written."""

    saved = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        from app.signing.secrets import remembered_passphrase

        super().__init__(parent)
        self.setWindowTitle(_("Welcome to Second-O"))
        self.certificate = None
        settings = load_signing_settings()
        self._organisation = settings.organisation_identity
        intro = QLabel(_("<b>Before the first opinion:</b> who signs, the letterhead of the letter and the "
                               "identity that signs it. Everything can be changed later in the Settings menu."))
        intro.setWordWrap(True)
        self.reviewer = ReviewerGroup(load_profile(), self)
        from app.report.letterhead import load_letterhead  # the letters' stack: only for the dialog

        self.head = LetterheadGroup(load_letterhead(), self)
        self.identity = SigningIdentityWidget(settings, remembered=lambda path: remembered_passphrase(Path(path)),
                                              parent=self)
        self.test_button = QPushButton(_("Test the passphrase"))
        self.test_button.clicked.connect(self.test_identity)
        self.identity_status = QLabel()
        self.identity_status.setObjectName("identity-status")
        self.identity_status.setWordWrap(True)
        identity_box = QGroupBox(_("Signing identity"))
        box_layout = QVBoxLayout(identity_box)
        box_layout.addWidget(self.identity)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.identity_status, 1)
        box_layout.addLayout(test_row)
        self.name_warning = QLabel()
        self.name_warning.setObjectName("name-warning")
        self.name_warning.setWordWrap(True)
        self.name_warning.setStyleSheet("color: #8a5300; font-weight: bold;")
        self.use_certificate_name = QPushButton(_("Use the certificate's name"))
        self.use_certificate_name.clicked.connect(self._use_certificate_name)
        warning_row = QHBoxLayout()
        warning_row.addWidget(self.name_warning, 1)
        warning_row.addWidget(self.use_certificate_name)
        self.error = QLabel()
        self.error.setObjectName("first-run-error")
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.hide()
        buttons = QDialogButtonBox()
        self.later_button = buttons.addButton(_("Later"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button = buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)  # Enter in a field saves; "Later" is a deliberate choice
        buttons.accepted.connect(self._save_and_close)
        buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addWidget(self.reviewer)
        left.addWidget(identity_box)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(self.head, 1, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(columns, 1)
        layout.addLayout(warning_row)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for button in self.findChildren(QPushButton):  # Enter in a field saves, never opens a file dialog
            button.setAutoDefault(button is self.save_button)
        self.reviewer.name.textChanged.connect(lambda _t: self._check_name())
        self.identity.changed.connect(self._identity_changed)
        self._identity_changed()
        self._check_name()
        self.resize(900, self.sizeHint().height())  # fits a 1024 x 700 screen
        self.reviewer.name.setFocus()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.save_button.setDefault(True)  # the button box makes its first button the default when shown

    # -- the signing identity -------------------------------------------------------------------

    def _identity_changed(self) -> None:
        file_mode = self.identity.use_file.isChecked()
        self.test_button.setVisible(file_mode)
        if not file_mode:
            self.certificate = None
            self._status(_("The card and its PIN are checked when you sign."), ok=None)
            self._check_name()

    def _status(self, text: str, ok: bool | None) -> None:
        colour = {True: "#1b5e20", False: "#b00020", None: "#555"}[ok]
        self.identity_status.setStyleSheet(f"color: {colour};")
        self.identity_status.setText(text)

    def test_identity(self) -> bool:
        """Open the PKCS#12 file with the passphrase typed (or remembered): say whose it is and
        whether it may sign; the certificate's name is then checked against the reviewer's."""
        from app.signing.certificate_checks import certificate_person_name, signing_problem
        from app.signing.identities import load_pkcs12
        from app.signing.secrets import remembered_passphrase

        path = self.identity.path.text().strip()
        passphrase = self.identity.passphrase.text() or remembered_passphrase(Path(path)) or ""
        if not path:
            self._status(_("Choose the .p12 file first."), ok=False)
            return False
        try:
            identity = load_pkcs12(Path(path), passphrase)
        except SecondoError as exc:
            self.certificate = None
            self._status(str(exc), ok=False)
            self._check_name()
            return False
        self.certificate = identity.certificate
        problem = signing_problem(identity.certificate)
        if problem:
            self._status(_("The passphrase is right, but {problem}.").format(problem=problem), ok=False)
        else:
            self._status(_("The passphrase is right: the certificate of {name}, valid to {end}.").format(
                name=certificate_person_name(identity.certificate),
                end=format_date(identity.certificate.not_valid_after_utc.date())), ok=True)
        self._check_name()
        return problem is None

    # -- the name on the letter -------------------------------------------------------------------

    def _check_name(self) -> None:
        from app.signing.certificate_checks import name_mismatch

        warning = name_mismatch(self.reviewer.name.text(), self.certificate) if self.certificate is not None else None
        self.name_warning.setText(warning or "")
        self.name_warning.setVisible(bool(warning))
        self.use_certificate_name.setVisible(bool(warning))

    def _use_certificate_name(self) -> None:
        from app.signing.certificate_checks import certificate_person_name

        if self.certificate is not None:
            self.reviewer.name.setText(certificate_person_name(self.certificate))

    # -- saving ---------------------------------------------------------------------------------------

    def save(self) -> None:
        """Write the profile, the letterhead and the signing choice (never a secret, unless
        "remember" asks the OS keyring to keep the passphrase)."""
        from app.signing.secrets import remember_passphrase

        save_profile(self.reviewer.profile())
        from app.report.letterhead import save_letterhead

        save_letterhead(self.head.letterhead())
        settings = self.identity.settings(self._organisation)
        save_signing_settings(settings)
        if self.identity.remember() and settings.identity_path:
            remember_passphrase(Path(settings.identity_path), self.identity.passphrase.text())

    def _save_and_close(self) -> None:
        if not self.reviewer.name.text().strip():
            self.error.setText(_("The reviewer's name is needed: it signs every opinion."))
            self.error.show()
            self.reviewer.name.setFocus()
            return
        try:
            self.save()
        except SecondoError as exc:  # e.g. the data folder is full: say so, keep the dialog open
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        self.saved.emit()
        self.accept()


class FirstRunStrip(QToolBar):
    """The reminder after "Later": a strip above the window with "Set up now…"."""

    setupRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first-run-strip")
        self.setMovable(False)
        self.setFloatable(False)
        self.setStyleSheet("QToolBar#first-run-strip { background: #fff3cd; border-bottom: 1px solid #e8d28a; }")
        label = QLabel(_("The reviewer, the letterhead and the signing identity are not set up yet."))
        label.setStyleSheet("color: #5c4400; padding: 4px 8px;")
        self.addWidget(label)
        self.setup_button = QPushButton(_("Set up now…"))
        self.setup_button.clicked.connect(self.setupRequested.emit)
        self.addWidget(self.setup_button)


def start_first_run(window) -> FirstRunDialog | None:
    """On a new data folder: the dialog over `window`; after "Later": the strip; else nothing."""
    state = first_run_state(window.settings)
    if state == DONE:
        return None
    strip = FirstRunStrip(window)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, strip)
    strip.setVisible(state == SKIPPED)
    window.first_run_strip = strip

    def open_dialog() -> FirstRunDialog:
        dialog = FirstRunDialog(window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(strip.hide)
        dialog.rejected.connect(lambda: later(window, strip))
        window.first_run_dialog = dialog
        dialog.open()
        return dialog

    strip.setupRequested.connect(open_dialog)
    return open_dialog() if state == NEW else None


def later(window, strip: FirstRunStrip) -> None:
    if first_run_state(window.settings) == DONE:
        return
    window.settings.qsettings.setValue(SKIPPED_KEY, "true")
    window.settings.sync()
    strip.show()
