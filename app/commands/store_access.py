"""Opening the case store from the CLI: the vault passphrase (where there is no keyring)
from `--vault-passphrase-env VAR` or a prompt, and the one-time notice about it."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING

from app.core.i18n import _

if TYPE_CHECKING:
    from app.store.store import CaseStore


def add_vault_option(parser) -> None:
    parser.add_argument("--vault-passphrase-env", metavar="VAR", default=None,
                        help=_("where there is no OS keyring: the vault passphrase is in VAR"))


def env_prompt(variable: str):
    """A vault prompt that reads the variable `variable` only."""
    def prompt(is_new: bool) -> str:
        from app.store.keys import VaultLockedError

        value = os.environ.get(variable)
        if value is None:
            raise VaultLockedError(_("The environment variable {var} is not set.").format(var=variable))
        return value
    return prompt


def _prompt(variable: str | None):
    def prompt(is_new: bool) -> str:
        from app.store.keys import VaultLockedError

        if variable:
            return env_prompt(variable)(is_new)
        if not sys.stdin.isatty():
            raise VaultLockedError(_("This workstation has no OS keyring, so its data is locked with a vault "
                                     "passphrase; name the variable holding it with --vault-passphrase-env VAR."))
        if not is_new:
            return getpass.getpass(_("Vault passphrase: "))
        first = getpass.getpass(_("Choose a vault passphrase (at least 8 characters): "))
        if getpass.getpass(_("The same again: ")) != first:
            raise VaultLockedError(_("The two passphrases differ; nothing was set up."))
        return first
    return prompt


def open_store(args) -> CaseStore:
    from app.store.store import CaseStore

    store = CaseStore.open(prompt=_prompt(getattr(args, "vault_passphrase_env", None)))
    if store.key_source.created:
        print(_("note: this workstation has no OS keyring; its vault key is kept wrapped under the vault "
                "passphrase you chose (Argon2id). Without that passphrase the data cannot be opened."),
              file=sys.stderr)
    return store
