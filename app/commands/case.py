"""`secondo case`: the case sheet headless (docs/cli.md).

    secondo case edit CASE [--family-name X --given-names X --birth-date D --sex M|F|O|U
                           --national-number N --address LINE... --question Q --reason R
                           --referral-date D --treating-physician NAME (and -title, -organisation,
                           -address, -email, -language; the same for --referring-physician and
                           --general-practitioner) --consent ROLE... --consent-date D --by NAME] [--json]
    secondo case add-document CASE FILE... [--kind K --date D --author A --title T] [--json]
    secondo case reclassify CASE DOCUMENT_ID --kind K [--json]
    secondo case show CASE [--json]
"""

from __future__ import annotations

import argparse

from app.commands import case_lifecycle
from app.commands.output import print_json
from app.commands.store_access import add_vault_option, open_store
from app.core.i18n import _
from app.dossier.case_details import CONSENT_ROLES, PERSON_ROLES
from app.dossier.manifest import DOCUMENT_KINDS

#: Modules adding subcommands to `secondo case`: each has add_case_parsers(case_subparsers).
CASE_SUBCOMMANDS: tuple = (case_lifecycle,)
_PERSON_OPTIONS = ("title", "organisation", "email", "language")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    case = sub.add_parser("case", help=_("complete a case: its sheet (patient, question, consent), documents; "
                                         "archive or delete it"))
    verbs = case.add_subparsers(dest="case_verb", metavar="ACTION")
    case.set_defaults(handler=lambda args: _usage(case))

    edit = verbs.add_parser("edit", help=_("set the patient, the question, the physicians and the consent"))
    edit.add_argument("case", metavar="CASE")
    patient = edit.add_argument_group(_("the patient"))
    patient.add_argument("--family-name")
    patient.add_argument("--given-names")
    patient.add_argument("--birth-date", metavar="YYYY-MM-DD")
    patient.add_argument("--sex", metavar="M|F|O|U")
    patient.add_argument("--national-number", metavar="N", help=_("Belgian national register number or Dutch BSN"))
    patient.add_argument("--address", action="append", metavar="LINE", help=_("one line of the address; repeat"))
    referral = edit.add_argument_group(_("the referral"))
    referral.add_argument("--question")
    referral.add_argument("--reason")
    referral.add_argument("--referral-date", metavar="YYYY-MM-DD")
    for role in PERSON_ROLES:
        flag = role.replace("_", "-")
        referral.add_argument(f"--{flag}", metavar="NAME", dest=f"{role}_name")
        for option in _PERSON_OPTIONS:
            referral.add_argument(f"--{flag}-{option}", dest=f"{role}_{option}", help=argparse.SUPPRESS)
        referral.add_argument(f"--{flag}-address", action="append", metavar="LINE", dest=f"{role}_address",
                              help=argparse.SUPPRESS)
    consent = edit.add_argument_group(_("the patient's consent"))
    consent.add_argument("--consent", action="append", metavar="ROLE",
                         help=_("a role the patient agreed may receive the opinion; repeat ({roles})").format(
                             roles=", ".join(CONSENT_ROLES)))
    consent.add_argument("--consent-date", metavar="YYYY-MM-DD", help=_("when the patient decided (default today)"))
    edit.add_argument("--by", metavar="NAME", help=_("who enters this (default: the system user)"))
    edit.add_argument("--json", action="store_true")
    add_vault_option(edit)
    edit.set_defaults(handler=run_edit)

    add = verbs.add_parser("add-document", help=_("add PDF, image or text files to the case as documents"))
    add.add_argument("case", metavar="CASE")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.add_argument("--kind", default="other", choices=DOCUMENT_KINDS)
    add.add_argument("--date", metavar="YYYY-MM-DD")
    add.add_argument("--author")
    add.add_argument("--title")
    add.add_argument("--by", metavar="NAME")
    add.add_argument("--json", action="store_true")
    add_vault_option(add)
    add.set_defaults(handler=run_add_document)

    reclassify = verbs.add_parser("reclassify", help=_("set the kind of one of the case's documents"))
    reclassify.add_argument("case", metavar="CASE")
    reclassify.add_argument("document", metavar="DOCUMENT_ID")
    reclassify.add_argument("--kind", required=True, choices=DOCUMENT_KINDS)
    reclassify.add_argument("--by", metavar="NAME")
    reclassify.add_argument("--json", action="store_true")
    add_vault_option(reclassify)
    reclassify.set_defaults(handler=run_reclassify)

    show = verbs.add_parser("show", help=_("the case sheet: what the case says and what it still lacks"))
    show.add_argument("case", metavar="CASE")
    show.add_argument("--json", action="store_true")
    add_vault_option(show)
    show.set_defaults(handler=run_show)

    for module in CASE_SUBCOMMANDS:
        module.add_case_parsers(verbs)
    for action in verbs.choices.values():
        action.set_defaults(parser=action)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _changes(args) -> dict:
    """The changes the options ask for; an option not given changes nothing."""
    patient = {key: getattr(args, key) for key in ("family_name", "given_names", "birth_date", "sex",
                                                   "national_number") if getattr(args, key) is not None}
    if args.address is not None:
        patient["address_lines"] = args.address
    referral: dict = {key: getattr(args, key) for key in ("question", "reason", "referral_date")
                      if getattr(args, key) is not None}
    for role in PERSON_ROLES:
        person = {option: getattr(args, f"{role}_{option}") for option in ("name", *_PERSON_OPTIONS)
                  if getattr(args, f"{role}_{option}") is not None}
        if getattr(args, f"{role}_address") is not None:
            person["address_lines"] = getattr(args, f"{role}_address")
        if person:
            referral[role] = person
    changes: dict = {}
    if patient:
        changes["patient"] = patient
    if referral:
        changes["referral"] = referral
    if args.consent is not None or args.consent_date is not None:
        changes["consent"] = {"roles": args.consent or [], "decided_on": args.consent_date}
    return changes


def _view_json(case_id: str, record: dict) -> dict:
    from app.dossier import case_sheet

    return {"case_id": case_id} | case_sheet.sheet_view(record)


def _report(record: dict) -> str:
    from app.dossier import case_sheet

    sentence = case_sheet.missing_sentence(record)
    return sentence or _("The case is complete: its opinion can be signed.")


def run_edit(args) -> int:
    from app.dossier import case_sheet

    changes = _changes(args)
    if not changes:
        args.parser.error(_("give at least one field to set, for example --question TEXT"))
    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        record = case_sheet.update_case(store, case_id, changes, by=args.by)
    if args.json:
        print_json(_view_json(case_id, record))
    else:
        print(_("Case {id}: the case sheet was saved.").format(id=case_id[:8]))
        print(_report(record))
    return 0


def run_add_document(args) -> int:
    from app.dossier import case_sheet
    from app.dossier.case_documents import added_summary

    items = [{"path": path, "kind": args.kind, "date": args.date, "author": args.author, "title": args.title}
             for path in args.files]
    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        ids = case_sheet.add_documents(store, case_id, items, by=args.by)
    if args.json:
        print_json({"case_id": case_id, "documents": ids})
    else:
        print(added_summary(len(ids)))
        for document_id in ids:
            print(document_id)
    return 0


def run_reclassify(args) -> int:
    from app.dossier import case_sheet

    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        record = case_sheet.reclassify(store, case_id, args.document, args.kind, by=args.by)
    if args.json:
        print_json(_view_json(case_id, record))
    else:
        print(_("The document's kind is now {kind}.").format(kind=case_sheet.document_kinds()[args.kind]))
    return 0


def render_sheet(view: dict) -> str:
    from app.core.locale_format import format_date

    p, r, c = view["patient"], view["referral"], view["consent"]
    sources = view["sources"]

    def line(label: str, value, key: str) -> str:
        where = {"package": _("from the package"), "sheet": _("entered"),
                 "images": _("from the images, not confirmed")}.get(sources.get(key, ""), "")
        shown = value if value not in (None, "", []) else "—"
        return f"  {label:<22} {shown}" + (f"  ({where})" if where and value else "")

    lines = [_("Case {id}").format(id=view["case_id"]), _("Patient:"),
             line(_("Family name"), p["family_name"], "patient.family_name"),
             line(_("Given names"), p["given_names"], "patient.given_names"),
             line(_("Birth date"), format_date(p["birth_date"]), "patient.birth_date"),
             line(_("Sex"), p["sex"], "patient.sex"),
             line(_("National number"), p["national_number"], "patient.national_number"),
             line(_("Address"), ", ".join(p["address_lines"]), "patient.address_lines"),
             _("Referral:"),
             line(_("Question"), r["question"], "referral.question"),
             line(_("Reason"), r["reason"], "referral.reason"),
             line(_("Referral date"), format_date(r["referral_date"]), "referral.referral_date")]
    labels = {"referring_physician": _("Referring physician"), "treating_physician": _("Treating physician"),
              "general_practitioner": _("General practitioner")}
    for role in PERSON_ROLES:
        person = r[role]
        text = ", ".join(x for x in (person["name"], person["organisation"], person["email"]) if x)
        lines.append(line(labels[role], text, f"referral.{role}.name"))
    lines.append(_("Consent:"))
    lines.append(line(_("Recipients"), ", ".join(c["roles"]), "consent"))
    if c["decided_on"]:
        lines.append(line(_("Decided on"), format_date(c["decided_on"]), "consent"))
        lines.append(line(_("Recorded by"), c["recorded_by"], "consent"))
    lines.append(_("Documents:"))
    for d in view["documents"]:
        lines.append(f"  {d['id'][:8]}  {d['kind']:<17} {format_date(d.get('date')):<10}  "
                     f"{d.get('title') or d.get('path') or ''}")
    missing = view["missing"]
    lines.append(_("Complete the case sheet: {missing}.").format(missing="; ".join(missing)) if missing
                 else _("The case is complete: its opinion can be signed."))
    return "\n".join(lines)


def run_show(args) -> int:
    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        view = _view_json(case_id, store.record(case_id))
        store.audit.append("open", case_id, via="cli")
    if args.json:
        print_json(view)
    else:
        print(render_sheet(view))
    return 0

