"""`secondo trust`: the trusted issuers of signatures on opinions (signers) and of dossier
senders (senders), headless.

    secondo trust list [--for signers|senders] [--json]
    secondo trust add FILE --for signers|senders [--json]
    secondo trust remove FINGERPRINT --for signers|senders
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands.output import print_json
from app.commands.store_access import add_vault_option, open_store
from app.core.i18n import _
from app.signing import trust  # its top level is light: the certificate libraries load when a list is read


def add_parsers(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("trust", help=_("the trusted issuers of signatures and of dossier senders"))
    verbs = parser.add_subparsers(dest="trust_verb", metavar="ACTION", required=True)
    listing = verbs.add_parser("list", help=_("list the trusted issuers"))
    listing.add_argument("--for", dest="which", choices=trust.TRUST_LISTS,
                         help=_("one list only (default: both)"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)
    add = verbs.add_parser("add", help=_("trust a certificate authority (PEM, DER, .crt, .cer)"))
    add.add_argument("file", metavar="FILE")
    add.add_argument("--for", dest="which", choices=trust.TRUST_LISTS, required=True)
    add.add_argument("--json", action="store_true")
    add_vault_option(add)
    add.set_defaults(handler=run_add)
    remove = verbs.add_parser("remove", help=_("stop trusting a certificate, named by its SHA-256 fingerprint"))
    remove.add_argument("fingerprint", metavar="FINGERPRINT",
                        help=_("the SHA-256 fingerprint, or its first digits (at least 8)"))
    remove.add_argument("--for", dest="which", choices=trust.TRUST_LISTS, required=True)
    add_vault_option(remove)
    remove.set_defaults(handler=run_remove)


def _line(entry: trust.TrustedCertificate) -> str:
    return _("{name}  valid {start} to {end}  SHA-256 {fingerprint}\n    subject: {subject}\n    issuer:  {issuer}").format(
        name=entry.name, start=entry.not_before[:10], end=entry.not_after[:10],
        fingerprint=trust.spaced_fingerprint(entry.sha256), subject=entry.subject, issuer=entry.issuer)


def run_list(args) -> int:
    lists = [args.which] if args.which else list(trust.TRUST_LISTS)
    found = {which: trust.list_trusted(which) for which in lists}
    if args.json:
        print_json({which: [e.to_json() for e in entries] for which, entries in found.items()})
        return 0
    titles = {trust.SIGNERS: _("Signatures on opinions (signers):"), trust.SENDERS: _("Dossier senders (senders):")}
    for which, entries in found.items():
        print(titles[which])
        if not entries:
            print("  " + _("none; add one with: secondo trust add FILE --for {which}").format(which=which))
        for entry in entries:
            print("  " + _line(entry).replace("\n", "\n  "))
    return 0


def run_add(args) -> int:
    certificate = trust.read_certificate_file(Path(args.file))
    with open_store(args) as store:
        entry = trust.add_trusted(args.which, certificate, audit=store.audit)
    if args.json:
        print_json(entry.to_json())
        return 0
    print(_("Trusted for {which}:").format(which=args.which))
    print("  " + _line(entry).replace("\n", "\n  "))
    return 0


def run_remove(args) -> int:
    trust.find_trusted(args.which, args.fingerprint)  # a wrong fingerprint: said before the store opens
    with open_store(args) as store:
        entry = trust.remove_trusted(args.which, args.fingerprint, audit=store.audit)
    print(_("No longer trusted for {which}: {name} (SHA-256 {fingerprint}).").format(
        which=args.which, name=entry.name, fingerprint=trust.spaced_fingerprint(entry.sha256)))
    return 0
