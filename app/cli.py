"""The `secondo` command: parses arguments, calls the services, prints the result.

Domain errors become one line on stderr and their exit code (3 bad input, 4 a failed
signature or trust check); usage errors exit 2 (argparse). The human output is in the
interface language (the OS locale, SECONDO_LANGUAGE overrides); --json keys and coded values
do not change with it.

`secondo VERB` loads the command module of VERB only (VERB_MODULES), and each command
module imports at its top only what building its parser needs: what a verb runs on (the
store, pydicom, pyHanko, Qt) is imported by its handler.
"""

import argparse
import importlib
import logging
import os
import sys

from app.commands.argparse_words import use_our_catalogue
from app.core.errors import SecondoError
from app.core.i18n import _, set_interface_language

#: The modules of app.commands, in the order `secondo --help` lists their verbs; each has add_parsers(sub).
COMMAND_MODULES = ("package", "cases", "case", "search", "demo", "snapshot", "view", "opinion", "outgoing", "contacts",
                   "trust", "gui")
#: Each verb and the module that adds it (tests/unit/test_lazy_imports.py checks it against the modules).
VERB_MODULES = {"pack": "package", "inspect": "package", "import": "cases", "cases": "cases", "show": "cases",
                "audit": "cases", "case": "case", "search": "search", "demo": "demo", "snapshot": "snapshot", "view": "view",
                "opinion": "opinion", "verify": "opinion", "outgoing": "outgoing", "contacts": "contacts",
                "trust": "trust", "gui": "gui"}


class VersionAction(argparse.Action):
    """--version: computed only when asked, from the packages' metadata (no Qt, pydicom or pyHanko loaded)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from app.commands.about import version_text
        print(version_text())
        parser.exit()


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The parser of every verb; given a known verb, of that verb's module only (the same
    subparsers, as `secondo VERB ...` needs no other)."""
    parser = argparse.ArgumentParser(prog="secondo", description=_(
        "Second-O Workstation: review medical second-opinion dossiers offline."))
    parser.add_argument("--version", action=VersionAction, help=_("show the version and those of Qt, pydicom, "
                                                                  "pyHanko and the rest, and exit"))
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in (VERB_MODULES[verb],) if verb in VERB_MODULES else COMMAND_MODULES:
        importlib.import_module(f"app.commands.{name}").add_parsers(sub)
    for action in sub.choices.values():
        action.set_defaults(parser=action)
    return parser


def main(argv: list[str] | None = None) -> int:
    # pydicom logs a full traceback at ERROR for every frame its decoders cannot read; the
    # viewer shows the reason itself, and nothing of a dossier belongs in a log.
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    set_interface_language(None)  # the OS locale, like any gettext program (SECONDO_LANGUAGE overrides)
    use_our_catalogue()  # argparse's "usage:" and "error:" in that language too
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0].split("=")[0] == "--case":  # no verb: the workstation
        argv = ["gui", *argv]
    parser = build_parser(argv[0])
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except SecondoError as exc:
        print(f"secondo: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # the reader of our output went away (`secondo cases | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 141
    except KeyboardInterrupt:
        print(_("secondo: interrupted; nothing was kept."), file=sys.stderr)
        return 130
