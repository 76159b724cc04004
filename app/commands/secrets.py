"""Secrets for the CLI: from an environment variable named by an option, or a prompt.

Never from the command line itself, where other users could read them in `ps`.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import SecretMissingError
from app.core.i18n import _

if TYPE_CHECKING:
    from app.signing.identities import KeyIdentity


def secret_from_env(variable: str) -> str:
    value = os.environ.get(variable)
    if value is None:
        raise SecretMissingError(_("The environment variable {var} is not set.").format(var=variable))
    return value


def secret(variable: str | None, prompt: str) -> str:
    """The secret in `variable`, else asked for on the terminal."""
    if variable:
        return secret_from_env(variable)
    if not sys.stdin.isatty():
        raise SecretMissingError(_("{prompt}: no terminal to ask on; name an environment variable "
                                   "with the matching --…-env option.").format(prompt=prompt))
    return getpass.getpass(prompt + ": ")


def identity(path: str | None, pass_env: str | None) -> KeyIdentity | None:
    if not path:
        return None
    from app.signing.identities import load_pkcs12

    return load_pkcs12(Path(path), secret(pass_env, _("Passphrase of {path}").format(path=path)))


def credentials(args) -> list:
    """The credentials of `--passphrase-env` and `--identity/--identity-pass-env`."""
    from app.crypto.stanzas import Passphrase

    found: list = []
    if getattr(args, "passphrase_env", None):
        found.append(Passphrase(secret_from_env(args.passphrase_env)))
    ident = identity(getattr(args, "identity", None), getattr(args, "identity_pass_env", None))
    if ident is not None:
        found.append(ident)
    return found
