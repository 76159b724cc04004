"""`secondo [gui] [--case ID]`: start the workstation window.

Qt is imported only when the verb runs, so the rest of the command line starts without it.
"""

import argparse

from app.core.i18n import _


def add_parsers(sub: argparse._SubParsersAction) -> None:
    gui = sub.add_parser("gui", help=_("start the workstation (the default)"))
    gui.add_argument("--case", metavar="ID", help=_("open this case (its id or an unambiguous prefix)"))
    gui.set_defaults(handler=run_gui)


def run_gui(args) -> int:
    from app.ui.app_main import run_gui as start

    return start(args)
