"""The address book (kept encrypted in the vault): contacts with role, registration number,
organisation, postal address, the language they read (their cover letters') and an optional
encryption certificate. Importing a
certificate shows its subject, issuer, validity and key usage, and says plainly when it
cannot receive packages (expired, no keyEncipherment/keyAgreement, not a certificate)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from app.core.errors import IdentityError
from app.core.formatting import format_date
from app.outgoing.address_book import (CONTACT_ROLES, AddressBook, Contact, certificate_details, certificate_from_bytes,
                                       certificate_pem)
from app.outgoing.recipients import role_label
from app.ui.task_runner import guarded, user_message
from app.core.i18n import N_, _

ROLES = CONTACT_ROLES


#: X.509 key usages (asn1crypto's names) as a reader of the certificate details calls them.
KEY_USAGES = {"digital_signature": N_("digital signature"), "non_repudiation": N_("non-repudiation"),
              "content_commitment": N_("non-repudiation"), "key_encipherment": N_("key encipherment"),
              "data_encipherment": N_("data encipherment"), "key_agreement": N_("key agreement"),
              "key_cert_sign": N_("certificate signing"), "crl_sign": N_("CRL signing"),
              "encipher_only": N_("encipher only"), "decipher_only": N_("decipher only")}


def describe_certificate(details: dict) -> str:
    """The lines the window shows for an imported certificate."""
    usage = (", ".join(_(KEY_USAGES[name]) if name in KEY_USAGES else name for name in details["key_usage"])
             if details["key_usage"] is not None else _("(no key usage stated)"))
    lines = [_("Subject: {v}").format(v=details["subject"]), _("Issuer: {v}").format(v=details["issuer"]),
             _("Valid: {a} to {b}").format(a=format_date(details["not_before"][:10]),
                                           b=format_date(details["not_after"][:10])),
             _("Key usage: {v}").format(v=usage), _("SHA-256: {v}").format(v=details["sha256"][:32] + "…")]
    lines.append(_("Cannot receive packages: {why}").format(why=details["problem"]) if details["problem"]
                 else _("Usable for encryption."))
    return "\n".join(lines)


#: The languages offered for a contact: BCP 47 tags (the region says which conventions their
#: letters follow), named in the interface language where shown.
CONTACT_LANGUAGES = (("nl-BE", N_("Dutch (Belgium)")), ("nl-NL", N_("Dutch (the Netherlands)")),
                     ("fr-BE", N_("French (Belgium)")), ("fr-FR", N_("French (France)")), ("en", N_("English")))


def import_certificate_for(parent, store, runner, recipient, contact_id: str | None, path: Path, *, done, failed):
    """Read `path`, keep it in the address book for `recipient` (a new contact or `contact_id`)."""
    def work(token, progress):
        data = Path(path).read_bytes()
        certificate = certificate_from_bytes(data, Path(path).name)
        book = AddressBook(store)
        contact = next((c for c in book.contacts() if c.id == contact_id), None) or Contact(
            recipient.name, recipient.role, recipient.registration, recipient.organisation, recipient.address,
            language=recipient.language)
        contact.certificate_pem = certificate_pem(certificate)
        book.save(contact)
        return certificate_details(certificate)

    runner.run(work, success=guarded(parent, lambda details: done()), failure=guarded(parent, failed))


class AddressBookDialog(QDialog):
    """Settings ▸ Address book: the list on the left, the selected contact on the right."""

    saved = Signal()
    failed = Signal(str)

    def __init__(self, store, runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Address book"))
        self.store, self.runner = store, runner
        self.contacts: list[Contact] = []
        self.current: Contact | None = None
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show)
        add = QPushButton(_("New contact"))
        add.clicked.connect(self.new_contact)
        self.remove_button = QPushButton(_("Remove"))
        self.remove_button.clicked.connect(self.remove_contact)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(self.remove_button)
        left.addLayout(row)
        self.name = QLineEdit()
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(role_label(role), role)
        self.registration = QLineEdit()
        self.registration.setPlaceholderText(_("RIZIV/INAMI or BIG number"))
        self.organisation = QLineEdit()
        self.language = QComboBox()
        self.language.setObjectName("contact-language")
        self.language.addItem(_("Not known (the opinion's language)"), "")
        for tag, name in CONTACT_LANGUAGES:
            self.language.addItem(_(name), tag)
        self.language.setToolTip(_("The language of this contact's cover letters and passphrase sheets, and of "
                                   "the opinion when they are the treating physician"))
        self.address = QPlainTextEdit()
        self.address.setFixedHeight(70)
        self.certificate = QLabel(_("No encryption certificate: packages use a generated passphrase."))
        self.certificate.setObjectName("certificate-details")
        self.certificate.setWordWrap(True)
        self.certificate.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        import_button = QPushButton(_("Import certificate…"))
        import_button.clicked.connect(lambda: self.import_certificate())
        clear_button = QPushButton(_("Remove certificate"))
        clear_button.clicked.connect(self._clear_certificate)
        cert_row = QHBoxLayout()
        cert_row.addWidget(import_button)
        cert_row.addWidget(clear_button)
        cert_row.addStretch(1)
        save = QPushButton(_("Save contact"))
        save.setObjectName("save-contact")
        save.clicked.connect(self.save_contact)
        form = QFormLayout()
        form.addRow(_("Name:"), self.name)
        form.addRow(_("Role:"), self.role)
        form.addRow(_("Registration no.:"), self.registration)
        form.addRow(_("Organisation:"), self.organisation)
        form.addRow(_("Language:"), self.language)
        form.addRow(_("Postal address:"), self.address)
        form.addRow(_("Certificate:"), self.certificate)
        form.addRow("", cert_row)
        form.addRow("", save)
        self.message = QLabel()
        self.message.setWordWrap(True)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(form, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(820, 460)
        self._pem = ""
        self.reload()

    def reload(self, select: str | None = None) -> None:
        store = self.store
        self.runner.run(lambda token, progress: AddressBook(store).contacts(),
                        success=guarded(self, lambda contacts: self._listed(contacts, select)),
                        failure=guarded(self, self._failed))

    def _listed(self, contacts: list[Contact], select: str | None) -> None:
        self.contacts = contacts
        self.list.blockSignals(True)
        self.list.clear()
        for contact in contacts:
            item = QListWidgetItem(f"{contact.name} — {role_label(contact.role)}")
            item.setData(Qt.ItemDataRole.UserRole, contact.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        ids = [c.id for c in contacts]
        if contacts:
            self.list.setCurrentRow(ids.index(select) if select in ids else 0)
        else:
            self.new_contact()

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.contacts):
            return
        contact = self.contacts[row]
        self.current = contact
        self.name.setText(contact.name)
        self.role.setCurrentIndex(max(0, self.role.findData(contact.role)))
        self.registration.setText(contact.registration)
        self.organisation.setText(contact.organisation)
        self._set_language(contact.language)
        self.address.setPlainText(contact.address.replace(", ", "\n"))
        self._set_pem(contact.certificate_pem)

    def _set_pem(self, pem: str) -> None:
        self._pem = pem
        if not pem:
            self.certificate.setText(_("No encryption certificate: packages use a generated passphrase."))
            self.certificate.setStyleSheet("")
            return
        details = certificate_details(certificate_from_bytes(pem.encode("ascii")))
        self.certificate.setText(describe_certificate(details))
        self.certificate.setStyleSheet("color: #b00020;" if details["problem"] else "color: #1b5e20;")

    def _set_language(self, tag: str) -> None:
        index = self.language.findData(tag or "")
        if index < 0:  # a tag given elsewhere (secondo contacts add --language de-BE): kept as it is
            self.language.addItem(tag, tag)
            index = self.language.count() - 1
        self.language.setCurrentIndex(index)

    def _clear_certificate(self) -> None:
        self._set_pem("")

    def new_contact(self) -> None:
        self.current = None
        self.list.clearSelection()
        for edit in (self.name, self.registration, self.organisation):
            edit.clear()
        self.address.clear()
        self._set_language("")
        self._set_pem("")
        self.name.setFocus()

    def import_certificate(self, path: str | None = None) -> bool:
        """Read a PEM or DER certificate into the contact being edited; False (and why) if it is none."""
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(self, _("Encryption certificate"), "",
                                                        _("Certificates (*.pem *.crt *.cer *.der);;All files (*)"))
            if not path:
                return False
        try:
            certificate = certificate_from_bytes(Path(path).read_bytes(), Path(path).name)
        except (IdentityError, OSError) as exc:
            self._failed(exc)
            return False
        self._set_pem(certificate_pem(certificate))
        self.message.setText("")
        return True

    def contact(self) -> Contact:
        lines = [line.strip() for line in self.address.toPlainText().splitlines() if line.strip()]
        contact = Contact(self.name.text().strip(), self.role.currentData(), self.registration.text().strip(),
                          self.organisation.text().strip(), ", ".join(lines), self._pem,
                          language=self.language.currentData() or "")
        if self.current is not None:
            contact.id = self.current.id
        return contact

    def save_contact(self) -> None:
        contact = self.contact()
        if not contact.name:
            self._failed_text(_("A contact needs a name."))
            return
        store = self.store
        self.runner.run(lambda token, progress: AddressBook(store).save(contact),
                        success=guarded(self, lambda saved: (self.saved.emit(), self.reload(saved.id))),
                        failure=guarded(self, self._failed))

    def remove_contact(self) -> None:
        if self.current is None:
            return
        store, contact_id = self.store, self.current.id
        self.runner.run(lambda token, progress: AddressBook(store).remove(contact_id),
                        success=guarded(self, lambda _removed: self.reload()), failure=guarded(self, self._failed))

    def _failed(self, error: BaseException) -> None:
        self._failed_text(user_message(error, self) if not isinstance(error, OSError) else str(error))

    def _failed_text(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;")
        self.failed.emit(text)
