"""`secondo [gui] [--case ID] [FILE...]`: start the workstation window; FILEs (a package, an
ISO, a folder) are imported into it, as a double-click on a .sodp file does.

Qt is imported only when the verb runs, so the rest of the command line starts without it.
"""

import argparse

from app.commands.store_access import add_vault_option, env_prompt
from app.core.i18n import _


def add_parsers(sub: argparse._SubParsersAction) -> None:
    gui = sub.add_parser("gui", help=_("start the workstation (the default)"))
    gui.add_argument("--case", metavar="ID", help=_("open this case (its id or an unambiguous prefix)"))
    gui.add_argument("files", nargs="*", metavar="FILE", help=_("import these packages, ISO images or folders"))
    gui.add_argument("--exit-when-shown", action="store_true", help=argparse.SUPPRESS)  # start-up timing
    add_vault_option(gui)
    gui.set_defaults(handler=run_gui)


def run_gui(args) -> int:
    from app.ui.app_main import run_gui as start

    variable = getattr(args, "vault_passphrase_env", None)  # as the other verbs: the passphrase in VAR
    return start(args, prompt=env_prompt(variable) if variable else None)
