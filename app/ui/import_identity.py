"""The identity that opens an encrypted dossier, chosen in the import dialog: a certificate file
(.p12/.pfx) with its passphrase, a smart card or other PKCS#11 token with its PIN, and/or the
package's own passphrase. The choice (file, token label, module) is remembered for next time in
the window's settings file; a passphrase or PIN never is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (QButtonGroup, QFileDialog, QFormLayout, QHBoxLayout, QLineEdit, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from app.crypto.stanzas import Passphrase
from app.store import paths
from app.ui.settings import FILE_NAME
from app.core.i18n import _

P12, TOKEN = "pkcs12", "pkcs11"


@dataclass
class IdentityChoice:
    """What opens packages, as remembered: never a secret."""

    kind: str = P12
    identity_path: str = ""
    token_label: str = ""
    module: str = ""


def load_choice(folder: Path | None = None) -> IdentityChoice:
    """The remembered choice; by default the reviewer's signing identity (app/signing/settings.py)."""
    qsettings = QSettings(str((folder or paths.data_dir()) / FILE_NAME), QSettings.Format.IniFormat)
    kind = str(qsettings.value("import/kind") or "")
    if kind in (P12, TOKEN):
        return IdentityChoice(kind, str(qsettings.value("import/identity_path") or ""),
                              str(qsettings.value("import/token_label") or ""), str(qsettings.value("import/module") or ""))
    from app.signing.settings import PKCS11, load_signing_settings

    signing = load_signing_settings()
    if signing.kind == PKCS11:
        return IdentityChoice(TOKEN, "", signing.token_label, signing.module)
    return IdentityChoice(P12, signing.identity_path)


def save_choice(choice: IdentityChoice, folder: Path | None = None) -> None:
    qsettings = QSettings(str((folder or paths.data_dir()) / FILE_NAME), QSettings.Format.IniFormat)
    for key in ("kind", "identity_path", "token_label", "module"):
        qsettings.setValue(f"import/{key}", getattr(choice, key))
    qsettings.sync()


class IdentityChooserWidget(QWidget):
    """The choice and its secrets; `credentials()` opens what was chosen (an `IdentityError`
    says why not); `changed` when the choice or a secret changes."""

    changed = Signal()

    def __init__(self, choice: IdentityChoice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.p12_button = QRadioButton(_("Certificate file (.p12, .pfx)"), self)
        self.token_button = QRadioButton(_("Smart card or token (PKCS#11)"), self)
        group = QButtonGroup(self)
        group.addButton(self.p12_button)
        group.addButton(self.token_button)
        self.p12_path = QLineEdit(choice.identity_path, self)
        self.p12_path.setObjectName("identity-path")
        browse = QPushButton(_("Choose…"), self)
        browse.clicked.connect(self._browse)
        self.p12_passphrase = QLineEdit(self)
        self.p12_passphrase.setObjectName("identity-passphrase")
        self.p12_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_label = QLineEdit(choice.token_label, self)
        self.token_label.setObjectName("token-label")
        self.token_pin = QLineEdit(self)
        self.token_pin.setObjectName("token-pin")
        self.token_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.module = choice.module
        self.package_passphrase = QLineEdit(self)
        self.package_passphrase.setObjectName("package-passphrase")
        self.package_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.package_passphrase.setPlaceholderText(_("only if the sender gave you one"))
        path_line = QHBoxLayout()
        path_line.addWidget(self.p12_path, 1)
        path_line.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.p12_button)
        form.addRow(_("File:"), path_line)
        form.addRow(_("Its passphrase:"), self.p12_passphrase)
        form.addRow(self.token_button)
        form.addRow(_("Token label:"), self.token_label)
        form.addRow(_("PIN:"), self.token_pin)
        form.addRow(_("Package passphrase:"), self.package_passphrase)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        (self.token_button if choice.kind == TOKEN else self.p12_button).setChecked(True)
        for button in (self.p12_button, self.token_button):
            button.toggled.connect(self._kind_changed)
        for line in (self.p12_path, self.p12_passphrase, self.token_label, self.token_pin, self.package_passphrase):
            line.editingFinished.connect(self.changed)
        self._kind_changed()

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, _("Your certificate file"), self.p12_path.text(),
                                                      _("Certificate files (*.p12 *.pfx);;All files (*)"))
        if chosen:
            self.p12_path.setText(chosen)
            self.p12_passphrase.setFocus()
            self.changed.emit()

    def _kind_changed(self) -> None:
        p12 = self.p12_button.isChecked()
        for widget in (self.p12_path, self.p12_passphrase):
            widget.setEnabled(p12)
        for widget in (self.token_label, self.token_pin):
            widget.setEnabled(not p12)
        self.changed.emit()

    def choice(self) -> IdentityChoice:
        return IdentityChoice(TOKEN if self.token_button.isChecked() else P12, self.p12_path.text().strip(),
                              self.token_label.text().strip(), self.module)

    def set_p12(self, path: Path | str, passphrase: str) -> None:
        self.p12_button.setChecked(True)
        self.p12_path.setText(str(path))
        self.p12_passphrase.setText(passphrase)
        self.changed.emit()

    def credentials(self) -> list:
        """What was chosen, opened: the identity (when a file or token is named) and the package
        passphrase (when one was typed). A wrong passphrase or PIN raises `IdentityError`."""
        found: list = []
        choice = self.choice()
        if choice.kind == P12 and choice.identity_path and self.p12_passphrase.text():
            from app.signing.identities import load_pkcs12

            found.append(load_pkcs12(Path(choice.identity_path), self.p12_passphrase.text()))
        elif choice.kind == TOKEN and choice.token_label and self.token_pin.text():
            from app.signing.token_keys import token_identity

            found.append(token_identity(choice.token_label, self.token_pin.text(), module=choice.module or None))
        if self.package_passphrase.text():
            found.append(Passphrase(self.package_passphrase.text()))
        return found
