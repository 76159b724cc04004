"""`secondo outgoing`: the secretary's desk headless (docs/cli.md).

    secondo outgoing CASE --to ROLE [--form sodp|pdf|p7m|pdi|paper]
            [--recipient CERT.pem | --passphrase-env VAR] -o DIR [--iso | --folder] [--key-images]
            [--sheet SHEET.pdf] [--sign ORG.p12 --sign-pass-env VAR] [--lang nl|fr|en] [--json]
    secondo outgoing CASE --to ROLE --mark-sent --channel CHANNEL [--date YYYY-MM-DD]
    secondo outgoing CASE --list [--json]

A package is made only for a role the patient consented to (else exit 3) and only for a
signed case. --form chooses what the recipient gets: sodp (default) a Second-O package; pdf
the password-protected copy made at signing, with its passphrase sheet; p7m the signed PDF
encrypted to the recipient's certificate; pdi a DICOM disc for their PACS (a CD folder, or
--iso); paper the cover letter to print with the opinion. A form that cannot be made (no
certificate for p7m, no protected copy for pdf) exits 3 with the reason, nothing written.
For sodp, without --recipient and --passphrase-env the package is encrypted to the
certificate kept for that role in the address book, else to a generated passphrase printed
on a separate sheet (DIR/...-passphrase-sheet.pdf). Warnings (an unencrypted PDI disc, a
passphrase sheet on the same medium as the package) go to stderr and into the JSON. The
manifest of a package (sodp) is signed by the organisation identity (--sign, else the one
chosen in the settings); the other forms need none. The cover letter, the passphrase sheet
and the disc's README.TXT are in the recipient's language (address book, else dossier, else the
signed opinion's); --lang overrides it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

from app.commands import secrets as cli_secrets
from app.commands.output import print_json
from app.commands.store_access import add_vault_option, open_store
from app.core.errors import BadInputError
from app.core.i18n import LANGUAGES, _

FORMS = ("sodp", "pdf", "p7m", "pdi", "paper")  # app.outgoing.package.FORMS, without importing it for --help


def add_parsers(sub: argparse._SubParsersAction) -> None:
    out = sub.add_parser("outgoing", help=_("package the signed opinion for a consented recipient, or mark it sent"))
    out.add_argument("case", metavar="CASE")
    out.add_argument("--to", metavar="ROLE", help=_("treating_physician, general_practitioner or patient"))
    out.add_argument("--form", choices=FORMS, default="sodp",
                     help=_("what the recipient gets: sodp (a Second-O package, the default), pdf (the "
                            "password-protected PDF), p7m (encrypted to their certificate), pdi (a DICOM disc for "
                            "a PACS) or paper"))
    key = out.add_mutually_exclusive_group()
    key.add_argument("--recipient", metavar="CERT.pem", help=_("encrypt to this certificate (PEM or DER)"))
    key.add_argument("--passphrase-env", metavar="VAR", help=_("encrypt to the passphrase in VAR"))
    out.add_argument("-o", "--output", metavar="DIR", help=_("the folder to write the package and its letters in"))
    medium = out.add_mutually_exclusive_group()
    medium.add_argument("--iso", action="store_true", help=_("an .iso image, ready to burn"))
    medium.add_argument("--folder", action="store_true", help=_("a folder with the CD's files, ready to burn"))
    out.add_argument("--key-images", action="store_true", help=_("add the case's key images"))
    out.add_argument("--sheet", metavar="SHEET.pdf", help=_("where to write the sheet of a generated passphrase "
                                                            "(default: beside the package); keep it apart"))
    out.add_argument("--lang", choices=LANGUAGES, metavar="LANG",
                     help=_("the language of the cover letter, passphrase sheet and README: nl, fr or en "
                            "(default: the recipient's)"))
    out.add_argument("--sign", metavar="ORG.p12", help=_("the organisation identity that signs the manifest"))
    out.add_argument("--sign-pass-env", metavar="VAR")
    out.add_argument("--mark-sent", action="store_true", help=_("record that the package for --to was sent"))
    out.add_argument("--channel", metavar="CHANNEL", help=_("post, courier, hand, secure-mail or other"))
    out.add_argument("--date", metavar="YYYY-MM-DD", help=_("when it was sent (default today)"))
    out.add_argument("--list", action="store_true", help=_("what was packaged and sent, and what is still to send"))
    out.add_argument("--json", action="store_true")
    add_vault_option(out)
    out.set_defaults(handler=run_outgoing)


def _organisation(args):
    from app.signing.secrets import open_identity
    from app.signing.settings import load_signing_settings

    if args.sign:
        return cli_secrets.identity(args.sign, args.sign_pass_env)
    chosen = load_signing_settings().organisation_identity
    if not chosen:
        raise BadInputError(_("The outgoing manifest is signed by the organisation's identity: give --sign ORG.p12, "
                              "or choose it in the settings."))
    passphrase = cli_secrets.secret_from_env(args.sign_pass_env) if args.sign_pass_env else None
    return open_identity(Path(chosen), passphrase=passphrase)


def _status_json(store, case_id: str) -> dict:
    from app.outgoing.dispatch import DispatchLog
    from app.outgoing.package import sending_plan

    plan = sending_plan(store, case_id)
    return {"case_id": case_id, "status": store.index.case(case_id)["status"], "addressed": plan.addressed,
            "to_send": plan.to_send if plan.opinion else plan.addressed,
            "shipments": [s.to_json() for s in DispatchLog(store).shipments(case_id)]}


def run_outgoing(args) -> int:
    from app.outgoing import package as outgoing

    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        if args.list:
            return _print(args, _status_json(store, case_id), _render_status)
        if not args.to:
            args.parser.error(_("--to ROLE is needed"))
        if args.mark_sent:
            if not args.channel:
                args.parser.error(_("--mark-sent needs --channel"))
            shipment = outgoing.mark_sent(store, case_id, args.to, args.channel, on=args.date, via="cli")
            row = store.index.case(case_id)
            print(_("{role}: marked sent on {date} by {channel}; the case is {status}.").format(
                role=args.to, date=shipment.sent_on, channel=shipment.channel,
                status=row["status"] if row is not None else ""))
            return 0
        if not args.output:
            args.parser.error(_("-o DIR is needed to make a package"))
        request = _request(args, store, case_id)
        organisation = _organisation(args) if request.form == "sodp" else None  # only a package is signed
        result = outgoing.make_outgoing(store, case_id, request, organisation, Path(args.output), via="cli")
    document = {"case_id": case_id, "role": args.to, "recipient": result.recipient.name,
                "form": result.shipment.form, "medium": result.shipment.medium,
                "output": str(result.output) if result.output else None, "cover_letter": str(result.cover_letter),
                "passphrase_sheet": str(result.passphrase_sheet) if result.passphrase_sheet else None,
                "protection": result.shipment.protection, "package_sha256": result.shipment.package_sha256,
                "files": result.files, "language": result.language, "warnings": result.warnings}
    for warning in result.warnings:
        print(_("warning: {message}").format(message=warning), file=sys.stderr)
    return _print(args, document, _render_made)


def _request(args, store, case_id: str):
    from app.outgoing.address_book import AddressBook
    from app.outgoing.package import OutgoingRequest
    from app.outgoing.recipients import require_consent
    from app.signing.certificates import load_certificate

    if args.recipient and args.form not in ("sodp", "p7m"):
        args.parser.error(_("--recipient is for --form sodp or p7m"))
    if args.passphrase_env and args.form != "sodp":
        args.parser.error(_("--passphrase-env is for --form sodp (a protected PDF has the passphrase made at "
                            "signing)"))
    recipient = require_consent(store.record(case_id), args.to)  # refused before anything else is asked
    contact = AddressBook(store).for_recipient(recipient)
    medium = "iso" if args.iso else "folder" if args.folder else "folder" if args.form == "pdi" else "file"
    request = OutgoingRequest(args.to, args.form, medium, key_images=args.key_images,
                              recipient=contact.recipient() if contact else None,
                              sheet_path=Path(args.sheet) if args.sheet else None, language=args.lang)
    if args.recipient:
        request.certificate = load_certificate(Path(args.recipient))
    elif args.passphrase_env:
        request.passphrase = cli_secrets.secret_from_env(args.passphrase_env)
    elif args.form in ("sodp", "p7m") and contact is not None and contact.certificate is not None:
        request.certificate = contact.certificate
    return request


def _print(args, document: dict, render) -> int:
    if args.json:
        print_json(document)
    else:
        print(render(document))
    return 0


def _render_made(d: dict) -> str:
    how = {"certificate": _("encrypted to the recipient's certificate"), "passphrase": _("protected by a passphrase"),
           "none": _("not encrypted")}.get(d["protection"], d["protection"])
    if d["form"] == "paper":
        lines = [_("paper for {role} ({name}): print the signed opinion with its cover letter").format(
            role=d["role"], name=d["recipient"])]
    else:
        what = {"sodp": _("package"), "pdf": _("protected PDF"), "p7m": _(".p7m"), "pdi": _("PDI disc")}.get(
            d["form"], d["form"])
        lines = [_("{out}: {what} for {role} ({name}), {how}").format(out=d["output"], what=what, role=d["role"],
                                                                     name=d["recipient"], how=how)]
    lines.append(_("cover letter to print: {path}").format(path=d["cover_letter"]))
    if d["passphrase_sheet"]:
        lines.append(_("passphrase sheet, to send apart from the package: {path}").format(path=d["passphrase_sheet"]))
    return "\n".join(lines)


def _render_status(d: dict) -> str:
    lines = [_("Case {id}: {status}").format(id=d["case_id"][:8], status=d["status"])]
    for s in d["shipments"]:
        sent = (_("sent {date} ({channel}) by {who}").format(date=s["sent_on"], channel=s["channel"], who=s["sent_by"])
                if s["sent_on"] else _("not sent yet"))
        form = s["form"] if s["form"] in ("paper", "pdf", "p7m") else f"{s['form']} ({s['medium']})"
        lines.append(f"  {s['role']:<22} {form:<15} {s['made_at'][:10]}  {sent}")
    lines.append(_("still to send: {roles}").format(roles=", ".join(d["to_send"]) or _("nothing")))
    return "\n".join(lines)
