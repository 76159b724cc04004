"""The passphrase of a PKCS#12 signing identity, kept in the OS keyring after its first use
when the user chooses to remember it.

Entries are keyed by the SHA-256 of the identity file, so that a moved file is still found and a
replaced one is not opened with an old passphrase. A remembered passphrase that no longer opens
the file is forgotten and the user is asked again. Without a usable keyring nothing is
remembered and nothing fails: the user is simply asked each time.
"""

from __future__ import annotations

from collections.abc import Callable
import hashlib
from pathlib import Path

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from app.core.errors import IdentityError
from app.core.i18n import _
from app.signing.identities import KeyIdentity, load_pkcs12, read_credential_file

SERVICE = "Second-O Workstation"

#: asks for the passphrase; `retry` is True after a wrong one. Returns (passphrase, remember)
#: or None when the user gives up.
AskPassphrase = Callable[[Path, bool], "tuple[str, bool] | None"]


def _entry(path: Path) -> str:
    digest = hashlib.sha256(read_credential_file(path, _("the identity file"))).hexdigest()
    return f"pkcs12/{digest}"


def remembered_passphrase(path: Path) -> str | None:
    try:
        return keyring.get_password(SERVICE, _entry(path))
    except KeyringError:
        return None


def remember_passphrase(path: Path, passphrase: str) -> bool:
    """Store the passphrase; False when there is no usable keyring."""
    try:
        keyring.set_password(SERVICE, _entry(path), passphrase)
        return True
    except KeyringError:
        return False


def forget_passphrase(path: Path) -> None:
    try:
        keyring.delete_password(SERVICE, _entry(path))
    except (KeyringError, PasswordDeleteError):
        pass


def open_identity(path: Path, ask: AskPassphrase | None = None, passphrase: str | None = None,
                  attempts: int = 3) -> KeyIdentity:
    """The identity in `path`, opened with `passphrase` if given, else the remembered one, else
    by asking (up to `attempts` times). A wrong given passphrase raises `IdentityError` at once:
    nothing is asked and nothing remembered."""
    path = Path(path)
    if passphrase is not None:
        return load_pkcs12(path, passphrase)
    stored = remembered_passphrase(path)
    if stored is not None:
        try:
            return load_pkcs12(path, stored)
        except IdentityError:
            forget_passphrase(path)  # changed since: ask again
    if ask is None:
        raise IdentityError(_("The passphrase of {path} is needed and no one can be asked.").format(path=path))
    retry = False
    last_error: IdentityError | None = None
    for _attempt in range(attempts):
        answer = ask(path, retry)
        if answer is None:
            raise IdentityError(_("Signing was cancelled: no passphrase for {path}.").format(path=path))
        given, remember = answer
        try:
            identity = load_pkcs12(path, given)
        except IdentityError as exc:
            last_error, retry = exc, True
            continue
        if remember:
            remember_passphrase(path, given)
        return identity
    raise last_error or IdentityError(_("The identity file {path} did not open.").format(path=path))
