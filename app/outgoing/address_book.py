"""The address book of the secretary's desk, kept encrypted in the vault (address-book.sov):
recipients with name, role, registration number, organisation, postal address, the language
they read (BCP 47, e.g. "nl-BE": their cover letters' language) and an optional X.509
encryption certificate. `certificate_details` is what the window shows when
a certificate is imported: subject, issuer, validity, key usage, and whether it can receive."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import hashlib
import json
import threading
from typing import TYPE_CHECKING
import uuid

from app.core.errors import BadInputError, IdentityError
from app.core.i18n import _
from app.dossier.manifest import is_language_tag
from app.store.locks import folder_lock

if TYPE_CHECKING:  # the certificate library and the store load when a contact is read, not with the CLI's parser
    from cryptography import x509

    from app.outgoing.recipients import Recipient
    from app.store.store import CaseStore

FILE_NAME = "address-book.sov"
#: The roles a contact can have: the recipients a patient may consent to, and the physician who
#: referred the patient (the address book's entries of older versions keep their role).
CONTACT_ROLES = ("treating_physician", "referring_physician", "general_practitioner", "patient")
FORMAT = "secondo-address-book/1"
USAGES = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
          "key_cert_sign", "crl_sign")


@dataclass
class Contact:
    name: str
    role: str = ""
    registration: str = ""
    organisation: str = ""
    address: str = ""
    certificate_pem: str = ""  # optional: packages for this contact are encrypted to it
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    language: str = ""  # BCP 47 ("nl-BE", "fr-BE"); "" when not known: the letters' default applies

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Contact:
        language = data.get("language")
        return cls(**{k: str(data.get(k) or "") for k in ("name", "role", "registration", "organisation", "address",
                                                          "certificate_pem")}, id=str(data.get("id") or uuid.uuid4().hex),
                   language=str(language) if is_language_tag(language) else "")

    @property
    def certificate(self) -> x509.Certificate | None:
        if not self.certificate_pem:
            return None
        from cryptography import x509

        try:
            return x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii"))
        except ValueError:
            raise IdentityError(_("The certificate kept for {name} in the address book cannot be read; import it "
                                  "again.").format(name=self.name)) from None

    def recipient(self) -> Recipient:
        from app.outgoing.recipients import Recipient

        return Recipient(self.role, self.name, self.registration, self.organisation, self.address,
                         language=self.language)


def check_language(tag: str) -> str:
    """`tag` when it is empty or a BCP 47 language tag; `BadInputError` naming the form expected."""
    if tag and not is_language_tag(tag):
        raise BadInputError(_("{tag} is not a language tag: give one such as nl-BE, nl-NL, fr-BE, fr or en.").format(
            tag=tag))
    return tag


def certificate_from_bytes(data: bytes, name: str = "") -> x509.Certificate:
    """A certificate from PEM or DER bytes; `IdentityError` when it is not one."""
    from cryptography import x509

    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise IdentityError(_("{name} is not an X.509 certificate (PEM or DER).").format(
            name=name or _("The file"))) from None


def _name(value: x509.Name) -> str:
    return value.rfc4514_string() or "?"


def certificate_details(certificate: x509.Certificate) -> dict:
    """Subject, issuer, validity and key usage, and why it cannot receive packages (or None)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from app.crypto.stanzas import check_recipient_certificate

    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        usages = []
        for key in USAGES:
            try:
                if getattr(usage, key):
                    usages.append(key)
            except ValueError:  # encipher_only / decipher_only raise without key_agreement
                pass
    except x509.ExtensionNotFound:
        usages = None
    try:
        check_recipient_certificate(certificate)
        problem = None
    except IdentityError as exc:
        problem = str(exc)
    from app.signing.identities import subject_name
    return {"subject": _name(certificate.subject), "issuer": _name(certificate.issuer),
            "name": subject_name(certificate),
            "not_before": certificate.not_valid_before_utc.isoformat(timespec="seconds"),
            "not_after": certificate.not_valid_after_utc.isoformat(timespec="seconds"),
            "key_usage": usages,
            "sha256": hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest(),
            "problem": problem}


def certificate_pem(certificate: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


class AddressBook:
    """`contacts()`, `save(contact)`, `remove(id)`, `for_recipient(r)`; one encrypted file, replaced atomically."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.path = store.home / FILE_NAME
        self._lock = threading.RLock()

    def contacts(self) -> list[Contact]:
        if not self.path.exists():
            return []
        data = json.loads(self.store.vault.read_file(self.path).decode("utf-8"))
        return [Contact.from_json(c) for c in data.get("contacts", [])]

    def _write(self, contacts: list[Contact]) -> None:
        data = {"format": FORMAT, "contacts": [c.to_json() for c in contacts]}
        self.store.vault.replace_bytes(self.path, json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def save(self, contact: Contact) -> Contact:
        """Add `contact`, or replace the one with its id. A certificate that cannot be read is refused."""
        if contact.certificate_pem:
            certificate_from_bytes(contact.certificate_pem.encode("ascii"), contact.name)
        check_language(contact.language)
        with self._lock, folder_lock(self.store.home / ".address-book.lock"):
            contacts = [c for c in self.contacts() if c.id != contact.id]
            self._write(contacts + [contact])
        return contact

    def remove(self, contact_id: str) -> bool:
        with self._lock, folder_lock(self.store.home / ".address-book.lock"):
            contacts = self.contacts()
            kept = [c for c in contacts if c.id != contact_id]
            if len(kept) == len(contacts):
                return False
            self._write(kept)
            return True

    def for_recipient(self, recipient: Recipient) -> Contact | None:
        """The contact that is this dossier's person: the same role and the same registration
        number, or (without one) the same name. Never merely someone of the same role: the
        package would go to another person."""
        def norm(text: str) -> str:
            return " ".join(str(text or "").replace(",", " ").split()).casefold()

        for contact in self.contacts():
            if contact.role != recipient.role:
                continue
            if recipient.registration and contact.registration:
                if norm(recipient.registration) == norm(contact.registration):
                    return contact
            elif recipient.name and norm(contact.name) == norm(recipient.name):
                return contact
        return None
