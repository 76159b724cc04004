"""`secondo case archive|unarchive|delete CASE` (under the `case` verb of app/commands/case.py): a
case off the worklist (and back), or
destroyed for good (app/store/case_removal.py).

    secondo case archive CASE
    secondo case unarchive CASE
    secondo case delete CASE [--yes [--even-unsent]] [--json]
"""

from __future__ import annotations

import argparse
import sys

from app.commands.output import print_json
from app.commands.store_access import add_vault_option, open_store
from app.core.errors import BadInputError
from app.core.i18n import _


def add_case_parsers(actions: argparse._SubParsersAction) -> None:
    """archive, unarchive and delete, under the `case` verb's actions."""
    for name, text in (("archive", _("keep the case but leave it off the worklist and `secondo cases`")),
                       ("unarchive", _("put an archived case back on the worklist"))):
        parser = actions.add_parser(name, help=text)
        parser.add_argument("case", metavar="CASE")
        add_vault_option(parser)
        parser.set_defaults(handler=run_archive, archive=name == "archive")
    delete = actions.add_parser("delete", help=_("destroy the case: its files, keys, opinions and drafts"))
    delete.add_argument("case", metavar="CASE")
    delete.add_argument("--yes", action="store_true", help=_("no question: the case is destroyed"))
    delete.add_argument("--even-unsent", action="store_true",
                        help=_("with --yes: also when its signed opinion was never sent"))
    delete.add_argument("--json", action="store_true")
    add_vault_option(delete)
    delete.set_defaults(handler=run_delete)


def run_archive(args) -> int:
    from app.store.case_removal import set_archived

    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        changed = set_archived(store, case_id, args.archive)
    if args.archive:
        print(_("Case {id} archived.").format(id=case_id[:8]) if changed
              else _("Case {id} was archived already.").format(id=case_id[:8]))
    else:
        print(_("Case {id} is back on the worklist.").format(id=case_id[:8]) if changed
              else _("Case {id} was not archived.").format(id=case_id[:8]))
    return 0


def _ask(question: str, expected: str) -> bool:
    print(question, end=" ", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    return answer.strip().lower() == expected.lower()


def run_delete(args) -> int:
    from app.store.case_removal import delete_case, removal_plan

    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        plan = removal_plan(store, case_id)
        if not args.yes:
            if not sys.stdin.isatty():
                raise BadInputError(_("Deleting a case destroys it for good; add --yes to confirm."))
            print(_("Case {id} will be destroyed for good, with:").format(id=case_id), file=sys.stderr)
            for line in plan.lines():
                print(f"  {line}", file=sys.stderr)
            if not _ask(_("Type the first 8 characters of the case id to destroy it:"), case_id[:8]):
                raise BadInputError(_("Not confirmed; nothing was deleted."))
            if plan.signed_not_sent and not _ask(_("Its signed opinion was never sent. Type \"delete\" to "
                                                   "destroy it all the same:"), "delete"):
                raise BadInputError(_("Not confirmed; nothing was deleted."))
        elif plan.signed_not_sent and not args.even_unsent:
            raise BadInputError(_("The case's signed opinion was never sent; add --even-unsent to destroy it all "
                                  "the same."))
        done = delete_case(store, case_id, unsent_confirmed=True)
    if args.json:
        print_json(dict(done.to_json(), deleted=True))
    else:
        print(_("Case {id} was deleted.").format(id=case_id))
    return 0
