"""`secondo contacts`: the address book headless.

    secondo contacts [--json]                         the contacts, with their certificates' state
    secondo contacts add --name NAME --role ROLE [--registration R] [--organisation O]
                         [--address "street, city"] [--language nl-BE] [--certificate CERT.pem] [--json]
    secondo contacts remove ID

ROLE: treating_physician, referring_physician, general_practitioner or patient. LANGUAGE: the
language the contact reads, a BCP 47 tag (nl-BE, nl-NL, fr-BE, fr, en): their cover letters'.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands.output import print_json
from app.commands.store_access import add_vault_option, open_store
from app.core.errors import BadInputError
from app.core.i18n import _
from app.outgoing.address_book import CONTACT_ROLES


def add_parsers(sub: argparse._SubParsersAction) -> None:
    contacts = sub.add_parser("contacts", help=_("the address book: list, add or remove recipients"))
    contacts.add_argument("--json", action="store_true")
    add_vault_option(contacts)
    contacts.set_defaults(handler=run_list)
    verbs = contacts.add_subparsers(dest="contacts_verb", metavar="ACTION")
    add = verbs.add_parser("add", help=_("add a contact (or replace the one with --id)"))
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=CONTACT_ROLES)
    add.add_argument("--registration", default="")
    add.add_argument("--organisation", default="")
    add.add_argument("--address", default="", help=_('postal address, lines separated by ", "'))
    add.add_argument("--language", default="", metavar="TAG",
                     help=_("the language the contact reads, e.g. nl-BE, nl-NL, fr-BE or en"))
    add.add_argument("--certificate", metavar="CERT.pem", help=_("the encryption certificate (PEM or DER)"))
    add.add_argument("--id", help=argparse.SUPPRESS)
    add.add_argument("--json", action="store_true")
    add_vault_option(add)
    add.set_defaults(handler=run_add)
    remove = verbs.add_parser("remove", help=_("remove a contact"))
    remove.add_argument("id", metavar="ID")
    add_vault_option(remove)
    remove.set_defaults(handler=run_remove)


def _contact_json(contact) -> dict:
    from app.outgoing.address_book import certificate_details

    data = {k: v for k, v in contact.to_json().items() if k != "certificate_pem"}
    certificate = contact.certificate
    data["certificate"] = certificate_details(certificate) if certificate is not None else None
    return data


def run_list(args) -> int:
    from app.outgoing.address_book import AddressBook

    with open_store(args) as store:
        contacts = [_contact_json(c) for c in AddressBook(store).contacts()]
    if args.json:
        print_json({"contacts": contacts})
        return 0
    if not contacts:
        print(_("The address book is empty. Add a contact with: secondo contacts add --name NAME --role ROLE"))
    for c in contacts:
        cert = c["certificate"]
        state = (_("certificate of {name}, valid to {end}").format(name=cert["name"], end=cert["not_after"][:10])
                 if cert and not cert["problem"] else cert["problem"] if cert else _("no certificate"))
        print(f"{c['id'][:8]}  {c['role']:<22} {c.get('language') or '-':<6} {c['name']}  ({state})")
    return 0


def run_add(args) -> int:
    from app.outgoing.address_book import AddressBook, Contact, certificate_from_bytes, certificate_pem, check_language
    from app.signing.identities import read_credential_file

    pem = ""
    if args.certificate:
        path = Path(args.certificate)
        pem = certificate_pem(certificate_from_bytes(read_credential_file(path, _("the certificate file")), path.name))
    contact = Contact(args.name, args.role, args.registration, args.organisation, args.address, pem,
                      language=check_language(args.language.strip()))
    with open_store(args) as store:
        book = AddressBook(store)
        if args.id:
            matches = [c for c in book.contacts() if c.id.startswith(args.id)]
            if len(matches) != 1:
                raise BadInputError(_("No single contact has the id {id}.").format(id=args.id))
            contact.id = matches[0].id
        book.save(contact)
    if args.json:
        print_json(_contact_json(contact))
    else:
        print(_("{id}: {name} ({role}) kept in the address book").format(id=contact.id[:8], name=contact.name,
                                                                        role=contact.role))
    return 0


def run_remove(args) -> int:
    from app.outgoing.address_book import AddressBook

    with open_store(args) as store:
        book = AddressBook(store)
        matches = [c for c in book.contacts() if c.id.startswith(args.id)]
        if len(matches) != 1:
            raise BadInputError(_("No single contact has the id {id}.").format(id=args.id))
        book.remove(matches[0].id)
    print(_("{id}: removed").format(id=matches[0].id[:8]))
    return 0
