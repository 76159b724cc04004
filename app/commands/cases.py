"""`secondo import`, `secondo cases`, `secondo show` and `secondo audit`."""

import argparse
from pathlib import Path
import sys

from app.commands.output import print_json
from app.commands.store_access import add_vault_option, open_store
from app.core.errors import BadInputError
from app.core.i18n import _, ngettext


def add_parsers(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser("import", help=_("import a dossier: .sodp, .p7m, a CD/USB folder or an .iso"))
    imp.add_argument("sources", nargs="+", metavar="SOURCE",
                     help=_("several sources (a package and its CD) go into one case"))
    imp.add_argument("--json", action="store_true")
    key = imp.add_mutually_exclusive_group()
    key.add_argument("--passphrase-env", metavar="VAR")
    key.add_argument("--identity", metavar="ID.p12")
    imp.add_argument("--identity-pass-env", metavar="VAR")
    imp.add_argument("--case", metavar="CASE", help=_("add to this existing case"))
    imp.add_argument("--keep-together", action="store_true",
                     help=_("keep the images of several patients in one case, the other patients' studies "
                            "flagged, instead of one case per patient"))
    imp.add_argument("--trust", action="append", default=[], metavar="ROOT.pem")
    add_vault_option(imp)
    imp.set_defaults(handler=run_import)

    cases = sub.add_parser("cases", help=_("list the cases on this workstation"))
    cases.add_argument("--json", action="store_true")
    cases.add_argument("--all", action="store_true", help=_("the archived cases too"))
    add_vault_option(cases)
    cases.set_defaults(handler=run_cases)

    show = sub.add_parser("show", help=_("documents, studies, completeness and identity check of a case"))
    show.add_argument("case", metavar="CASE")
    show.add_argument("--json", action="store_true")
    add_vault_option(show)
    show.set_defaults(handler=run_show)

    audit = sub.add_parser("audit", help=_("show the audit log; --verify checks its chain"))
    audit.add_argument("--verify", action="store_true")
    audit.add_argument("--json", action="store_true")
    add_vault_option(audit)
    audit.set_defaults(handler=run_audit)


def run_import(args) -> int:
    from app.commands import secrets
    from app.dossier.importer import DossierImporter
    from app.signing import trust

    credentials = secrets.credentials(args)
    roots = trust.trusted_sender_roots([Path(p) for p in args.trust])
    with open_store(args) as store:
        result = DossierImporter(store, credentials, roots).run([Path(s) for s in args.sources], args.case,
                                                                keep_together=args.keep_together)
        if args.json:
            print_json(result.to_json())
            return 0
        if len(result.cases) > 1:
            print(ngettext("The source holds {n} patient; one case was made for each:",
                           "The source holds {n} patients; one case was made for each:", len(result.cases))
                  .format(n=len(result.cases)), file=sys.stderr)
            for case in result.cases:
                if case["duplicate"]:
                    print(_("Already on this workstation as case {id}; nothing was added.").format(id=case["case_id"]))
                else:
                    print(case["case_id"])
        elif result.duplicate:
            print(_("Already on this workstation as case {id}; nothing was added.").format(id=result.case_id))
        else:
            print(result.case_id)
        for note in result.notes:
            print(_("note: {note}").format(note=note), file=sys.stderr)
        if result.patients > 1 and len(result.cases) == 1:
            print(_("WARNING: the images are of {n} patients, kept in one case; the other patients' studies are "
                    "flagged (secondo show {id}).").format(n=result.patients, id=result.case_id), file=sys.stderr)
        elif result.identity_mismatches:
            print(ngettext("WARNING: {n} imaging study does not match the patient of the dossier; check it before "
                           "use (secondo show {id}).",
                           "WARNING: {n} imaging studies do not match the patient of the dossier; check them before "
                           "use (secondo show {id}).", result.identity_mismatches)
                  .format(n=result.identity_mismatches, id=result.case_id), file=sys.stderr)
        if result.signature == "untrusted":
            print(_("WARNING: the dossier's signature is sound but its sender is not trusted on this "
                    "workstation."), file=sys.stderr)
    return 0


def run_cases(args) -> int:
    from app.dossier.case_view import case_summaries, render_cases

    with open_store(args) as store:
        summaries = case_summaries(store, include_archived=args.all)
    if args.json:
        print_json(summaries)
    else:
        print(render_cases(summaries))
    return 0


def run_show(args) -> int:
    from app.dossier.case_view import case_json, render_case

    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        view = case_json(store, case_id)
        store.audit.append("open", case_id, via="cli")
    if args.json:
        print_json(view)
    else:
        print(render_case(view))
    return 0


def run_audit(args) -> int:
    with open_store(args) as store:
        log = store.audit
        if args.verify:
            check = log.verify(repair=True)
        else:
            entries = log.entries()
    if args.verify:
        if args.json:
            print_json({"ok": check.ok, "entries": check.entries, "problem": check.problem})
        if not check.ok:
            raise BadInputError(_("The audit log is broken after entry {n}: {problem}.")
                                .format(n=check.entries, problem=check.problem))
        if not args.json:
            print(ngettext("The audit log is intact: {n} entry, chain verified.",
                           "The audit log is intact: {n} entries, chain verified.", check.entries).format(n=check.entries))
        return 0
    if args.json:
        print_json(entries)
    else:
        for entry in entries:
            print(f"{entry.get('seq')!s:>6}  {entry.get('time')!s}  {entry.get('user')!s:<12} "
                  f"{entry.get('action')!s:<8} {entry.get('case') or ''}")
    return 0
