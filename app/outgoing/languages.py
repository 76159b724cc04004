"""Which language a reader gets: the default language of a case's opinion (the treating
physician's, from the dossier, else from the address book, else the interface's) and the
language of a recipient's cover letter, passphrase sheet and disc README."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.i18n import interface_language, language_of
from app.outgoing.recipients import Recipient, person

#: Where a default language came from (`DefaultLanguage.source`).
FROM_DOSSIER, FROM_ADDRESS_BOOK, FROM_INTERFACE = "dossier", "address_book", "interface"


@dataclass(frozen=True)
class DefaultLanguage:
    tag: str  # BCP 47 ("nl-BE") or a language of app.core.i18n.LANGUAGES
    source: str  # FROM_DOSSIER, FROM_ADDRESS_BOOK or FROM_INTERFACE


def default_opinion_language(record: dict, book=None) -> DefaultLanguage:
    """The treating physician's language when it is known and one the letters are written in:
    the dossier's (manifest or case sheet), else that of their contact in `book` (an
    `AddressBook`, matched as a package's recipient is); else the interface language."""
    treating = person(record, "treating_physician")
    if language_of(treating.language):
        return DefaultLanguage(treating.language, FROM_DOSSIER)
    if book is not None and (treating.name or treating.registration):
        contact = book.for_recipient(treating)
        if contact is not None and language_of(contact.language):
            return DefaultLanguage(contact.language, FROM_ADDRESS_BOOK)
    return DefaultLanguage(interface_language(), FROM_INTERFACE)


def recipient_language(recipient: Recipient, override: str | None = None, opinion_language: str | None = None) -> str:
    """The language of `recipient`'s letters: `override` (`secondo outgoing --lang`, the
    outgoing dialog's choice), else their own (address book, then dossier), else the signed
    opinion's, else the interface's."""
    for tag in (override, recipient.language, opinion_language):
        if language_of(tag):
            return str(tag)
    return interface_language()
