"""argparse's own words ("usage:", "error:", "show this help message and exit") in the
interface language, from our catalogue.

argparse looks its messages up with the gettext module's global functions, bound into its
own namespace when it is imported; `use_our_catalogue()` points those two names at
`app.core.i18n`, so they follow SECONDO_LANGUAGE and the OS locale as every other string of
the CLI does. The messages a user can meet are listed below (N_) so that extraction puts
them into secondo.po; argparse's developer errors (a wrongly built parser) stay English.
"""

from __future__ import annotations

import argparse

from app.core.i18n import N_, _, ngettext

#: argparse's user-facing messages, word for word as in Python 3.11's argparse.py.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
)


def use_our_catalogue() -> None:
    """Make argparse translate its messages with `app.core.i18n` (idempotent)."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
