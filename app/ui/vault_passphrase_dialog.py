"""The vault passphrase, asked in the window where the OS has no keyring: which data folder it
opens (and how to choose another), the reason a previous try was refused, and for a new vault
the passphrase twice. `VaultPrompt` asks again with the reason, up to three tries."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QMessageBox, QVBoxLayout,
                               QWidget)

from app.store.keys import MIN_PASSPHRASE_LENGTH, VaultLockedError
from app.core.i18n import _

MAX_TRIES = 3  # the messages below say "one" and "two" tries left



def other_folder_hint() -> str:
    return _("To use another data folder, start Second-O with the environment variable SECONDO_HOME set to "
               "that folder.")


class VaultPassphraseDialog(QDialog):
    """The passphrase of the data folder `home`; `is_new`: choose one (asked twice)."""

    def __init__(self, home: Path, is_new: bool, reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.is_new = is_new
        self.setWindowTitle(_("Second-O — vault passphrase"))
        intro = QLabel(_("This workstation has no OS keyring, so its data folder is locked with a passphrase "
                               "you choose. Without it the data cannot be opened; keep it safe.") if is_new else
                       _("Enter the vault passphrase of this workstation's data folder."))
        intro.setWordWrap(True)
        folder = QLabel(_("Data folder: {path}").format(path=home))
        folder.setObjectName("vault-folder")
        folder.setWordWrap(True)
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint = QLabel(other_folder_hint())
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(_("Passphrase:"), self.passphrase)
        if is_new:
            self.passphrase.setPlaceholderText(_("at least {n} characters").format(n=MIN_PASSPHRASE_LENGTH))
            form.addRow(_("The same again:"), self.again)
        self.error = QLabel(reason)
        self.error.setObjectName("vault-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error.setVisible(bool(reason))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Quit"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            _("Create the vault") if is_new else _("Open"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (intro, folder, hint):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())
        self.passphrase.setFocus()


def ask_passphrase(home: Path, is_new: bool, reason: str) -> tuple[str, str] | None:
    """The passphrase typed (and, for a new vault, typed again), or None: the user quit."""
    dialog = VaultPassphraseDialog(home, is_new, reason)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.passphrase.text(), dialog.again.text() if is_new else dialog.passphrase.text()


def show_locked(home: Path, message: str) -> None:
    """The last word before quitting: why, and where the data folder is."""
    QMessageBox.critical(None, _("Second-O"), message + "\n\n" + _("Data folder: {path}").format(path=home)
                         + "\n" + other_folder_hint())


class VaultPrompt:
    """A `PassphrasePrompt` (app.store.keys) that asks in a dialog, with the reason of the last
    refusal; `refused(reason)` counts a wrong try, and the third ends with `show_locked` and a
    `VaultLockedError` (the command exits 3)."""

    def __init__(self, home: Path, ask=None, locked=None) -> None:
        self.home, self.reason, self.tries = home, "", 0
        self.ask = ask or ask_passphrase
        self.locked = locked or show_locked

    def refused(self, reason: str) -> None:
        self.tries += 1
        if self.tries >= MAX_TRIES:
            message = _("The vault passphrase was refused three times; Second-O closes.")
            self.locked(self.home, message)
            raise VaultLockedError(message)
        left = MAX_TRIES - self.tries
        self.reason = reason + " " + (_("One try left.") if left == 1 else _("Two tries left."))

    def __call__(self, is_new: bool) -> str:
        while True:
            answer = self.ask(self.home, is_new, self.reason)
            if answer is None:
                raise VaultLockedError(_("No vault passphrase given; the data folder stays locked."))
            text, again = answer
            if len(text) < MIN_PASSPHRASE_LENGTH:
                self.refused(_("At least {n} characters.").format(n=MIN_PASSPHRASE_LENGTH))
            elif is_new and again != text:
                self.refused(_("The two passphrases differ."))
            else:
                return text
