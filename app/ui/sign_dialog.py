"""The dialog that confirms a signature: which identity signs (a PKCS#12 file or a smart card /
PKCS#11 token), its passphrase or PIN, and whether to remember a PKCS#12 passphrase in the OS
keyring. It only collects; app.ui.opinion_controller signs on a worker thread, and shows the
dialog again with the reason when the passphrase or PIN was refused."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton, QVBoxLayout, QWidget)

from app.signing.settings import PKCS11, PKCS12, SigningSettings
from app.signoff.language import written_in
from app.core.i18n import _


class SigningIdentityWidget(QWidget):
    """The choice of a signing identity: a PKCS#12 file with its passphrase (and whether to
    remember it), or a PKCS#11 token with its key, module and PIN. `changed` on every edit."""

    changed = Signal()

    def __init__(self, settings: SigningSettings, *, remembered=lambda path: False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._remembered = remembered
        self._remembered_cache: dict[str, bool] = {}
        self.use_file = QRadioButton(_("Certificate file (PKCS#12, .p12 / .pfx)"))
        self.use_token = QRadioButton(_("Smart card or token (PKCS#11, e.g. eID)"))
        group = QButtonGroup(self)
        group.addButton(self.use_file)
        group.addButton(self.use_token)
        self.path = QLineEdit(settings.identity_path)
        self.path.setPlaceholderText(_("The reviewer's .p12 file"))
        browse = QPushButton(_("Browse…"))
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_box = QCheckBox(_("Remember the passphrase in the OS keyring"))
        self.remembered_note = QLabel(_("The passphrase is remembered in the OS keyring."))
        self.remembered_note.setStyleSheet("color: #1b5e20;")
        self.token = QLineEdit(settings.token_label)
        self.token.setPlaceholderText(_("Token label, e.g. BELPIC"))
        self.module = QLineEdit(settings.module)
        self.module.setPlaceholderText(_("Found automatically when empty"))
        self.key_label = QLineEdit(settings.key_label)
        self.key_label.setPlaceholderText(_("e.g. Signature (empty: the first key)"))
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)

        self.file_form = QWidget()
        file_layout = QFormLayout(self.file_form)
        file_layout.addRow(_("File:"), path_row)
        file_layout.addRow(_("Passphrase:"), self.passphrase)
        file_layout.addRow("", self.remember_box)
        file_layout.addRow("", self.remembered_note)
        self.token_form = QWidget()
        token_layout = QFormLayout(self.token_form)
        token_layout.addRow(_("Token:"), self.token)
        token_layout.addRow(_("Key:"), self.key_label)
        token_layout.addRow(_("PKCS#11 module:"), self.module)
        token_layout.addRow(_("PIN:"), self.pin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.use_file)
        layout.addWidget(self.file_form)
        layout.addWidget(self.use_token)
        layout.addWidget(self.token_form)
        (self.use_token if settings.kind == PKCS11 else self.use_file).setChecked(True)
        for widget in (self.use_file, self.use_token):
            widget.toggled.connect(self._update)
        for edit in (self.passphrase, self.token, self.pin):
            edit.textChanged.connect(self._update)
        self.path.editingFinished.connect(self._update)  # the keyring is asked when the path is complete
        self.path.textChanged.connect(lambda _t: self._update(check_keyring=False))
        self._update()

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Signing certificate"), self.path.text(),
                                                    _("PKCS#12 identities (*.p12 *.pfx);;All files (*)"))
        if path:
            self.path.setText(path)

    def _path_remembered(self) -> bool:
        """Asked of the keyring once per path (a locked keyring may prompt; never per keystroke)."""
        path = self.path.text().strip()
        if not path:
            return False
        if path not in self._remembered_cache:
            try:
                self._remembered_cache[path] = bool(self._remembered(path))
            except Exception:  # noqa: BLE001 - an unreadable file: the passphrase will be asked
                self._remembered_cache[path] = False
        return self._remembered_cache[path]

    def _update(self, check_keyring: bool = True) -> None:
        file_mode = self.use_file.isChecked()
        self.file_form.setEnabled(file_mode)
        self.token_form.setEnabled(not file_mode)
        path = self.path.text().strip()
        self.remembered = file_mode and (self._path_remembered() if check_keyring or path in self._remembered_cache
                                         else False)
        self.remembered_note.setVisible(self.remembered)
        self.passphrase.setPlaceholderText(_("(remembered)") if self.remembered else "")
        self.changed.emit()

    def ready(self) -> bool:
        """Everything needed to sign is there."""
        if self.use_file.isChecked():
            return bool(self.path.text().strip()) and (self.remembered or bool(self.passphrase.text()))
        return bool(self.token.text().strip()) and bool(self.pin.text())

    def settings(self, organisation_identity: str = "") -> SigningSettings:
        return SigningSettings(PKCS11 if self.use_token.isChecked() else PKCS12, self.path.text().strip(),
                               self.token.text().strip(), self.module.text().strip(), self.key_label.text().strip(),
                               organisation_identity)

    def secret(self) -> str | None:
        if self.use_token.isChecked():
            return self.pin.text()
        return self.passphrase.text() or None

    def remember(self) -> bool:
        return self.use_file.isChecked() and self.remember_box.isChecked() and bool(self.passphrase.text())


class SignDialog(QDialog):
    """`SignDialog(settings, title, remembered=...)`; after `accepted`: `settings()`, `secret()`
    (None: use the passphrase remembered in the keyring) and `remember()`."""

    def __init__(self, settings: SigningSettings, what: str, *, remembered=lambda path: False,
                 error: str = "", name_check: tuple[str, str, str | None] | None = None,
                 language: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Sign the opinion"))
        # (warning, the certificate's name, the passphrase typed): the letter's name was checked
        self.name_check = name_check
        self.certificate_name_chosen = ""
        self.setModal(True)
        self._organisation = settings.organisation_identity  # kept as it was: not chosen here
        intro = QLabel(_("<b>{what}</b><br>Once signed, the opinion cannot be changed: a later change is "
                               "a new, numbered addendum that is signed in its turn.").format(what=what))
        intro.setWordWrap(True)
        # The letter's language, chosen in the form (app/ui/form_dock.py): said before it is final.
        self.language_note = QLabel(_("{sentence} Change it in the form (Opinion language) before "
                                      "signing.").format(sentence=written_in(language)))
        self.language_note.setObjectName("sign-language")
        self.language_note.setWordWrap(True)
        self.identity = identity = SigningIdentityWidget(settings, remembered=remembered, parent=self)
        self.use_file, self.use_token, self.path, self.passphrase = (identity.use_file, identity.use_token,
                                                                     identity.path, identity.passphrase)
        self.remember_box, self.remembered_note = identity.remember_box, identity.remembered_note
        self.token, self.module, self.key_label, self.pin = identity.token, identity.module, identity.key_label, identity.pin
        self.file_form, self.token_form = identity.file_form, identity.token_form
        self.error = QLabel(error)
        self.error.setObjectName("sign-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.setVisible(bool(error))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = self.buttons.addButton(_("Sign"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name_warning = QLabel(name_check[0] if name_check else "")
        self.name_warning.setObjectName("name-warning")
        self.name_warning.setWordWrap(True)
        self.name_warning.setStyleSheet("color: #8a5300; font-weight: bold;")
        self.name_warning.setVisible(bool(name_check))
        self.use_certificate_name = QPushButton(_("Use the certificate's name and sign"))
        self.use_certificate_name.setAutoDefault(False)
        self.use_certificate_name.clicked.connect(self._use_certificate_name)
        self.use_certificate_name.setVisible(bool(name_check))
        if name_check:
            self.sign_button.setText(_("Sign as written"))
            if name_check[2] is not None and settings.kind == PKCS12:
                identity.passphrase.setText(name_check[2])  # checked a moment ago: not typed twice
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.language_note)
        layout.addWidget(identity)
        layout.addWidget(self.error)
        layout.addWidget(self.name_warning)
        layout.addWidget(self.use_certificate_name, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.buttons)
        identity.changed.connect(self._update)
        self._update()
        self.resize(560, self.sizeHint().height())
        (self.pin if settings.kind == PKCS11 else self.passphrase).setFocus()

    def _update(self) -> None:
        self.sign_button.setEnabled(self.identity.ready())
        self.use_certificate_name.setEnabled(self.identity.ready())

    def _use_certificate_name(self) -> None:
        if self.name_check:
            self.certificate_name_chosen = self.name_check[1]
            self.accept()

    # -- what was chosen ------------------------------------------------------------------------

    def settings(self) -> SigningSettings:
        return self.identity.settings(self._organisation)

    def secret(self) -> str | None:
        return self.identity.secret()

    def remember(self) -> bool:
        return self.identity.remember()
