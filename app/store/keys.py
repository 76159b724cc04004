"""The vault key: 32 random bytes kept in the OS keyring, or, where there is no keyring,
wrapped with Argon2id under a passphrase the user chooses. Never stored in clear.
"""

from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass
import hashlib
import hmac
import json
import os
from pathlib import Path
import uuid

import keyring
from keyring.errors import KeyringError, NoKeyringError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core.errors import BadInputError
from app.core.files import atomic_output
from app.core.i18n import _
from app.crypto.stanzas import Passphrase, VaultKey, argon2id_kek

SERVICE = "Second-O Workstation"
STORE_FILE = "store.json"
WRAPPED_KEY_FILE = "vault-key.json"
WRAP_AAD = b"secondo vault key"


MIN_PASSPHRASE_LENGTH = 8


class VaultLockedError(BadInputError):
    """The vault key is not available: no keyring entry, wrong or missing passphrase."""


class WrongVaultPassphraseError(VaultLockedError):
    """The passphrase did not open the wrapped vault key: it may be asked again."""


#: Asked for the fallback passphrase: (is_new_store) -> passphrase, or raise.
PassphrasePrompt = Callable[[bool], str]


@dataclass(frozen=True)
class KeySource:
    """Where the key came from, for the one-time notice: "keyring" or "passphrase"."""

    kind: str
    backend: str
    created: bool = False  # the key was made just now (first use of this data folder)


def _store_info(home: Path) -> dict:
    path = home / STORE_FILE
    if path.exists():
        return json.loads(path.read_text())
    info = {"format": "secondo-store/1", "store_id": str(uuid.uuid4())}
    with atomic_output(path) as out:
        out.write(json.dumps(info, indent=2).encode())
    return info


def _save_store_info(home: Path, info: dict) -> None:
    with atomic_output(home / STORE_FILE) as out:
        out.write(json.dumps(info, indent=2).encode())


def _key_check(key: bytes) -> str:
    return hmac.new(key, b"secondo vault key check", hashlib.sha256).hexdigest()


def keyring_usable() -> bool:
    """False where the OS offers no keyring (e.g. Linux without a Secret Service): keyring
    then selects its `fail` backend, or a chainer with nothing in it, both of priority 0."""
    try:
        return keyring.get_keyring().priority > 0
    except Exception:  # a broken backend plugin is as good as none
        return False


def _from_keyring(home: Path, info: dict) -> bytes | None:
    try:
        stored = keyring.get_password(SERVICE, f"vault-key/{info['store_id']}")
        if stored is None:
            if "key_check" in info:
                raise VaultLockedError(_("The vault key of {home} is not in this keyring; the data "
                                         "folder cannot be opened.").format(home=home))
            key = os.urandom(32)
            keyring.set_password(SERVICE, f"vault-key/{info['store_id']}", b64encode(key).decode())
            info.update(key_check=_key_check(key), key_storage="keyring")
            _save_store_info(home, info)
            return key
    except (NoKeyringError, KeyringError, RuntimeError):
        return None
    key = b64decode(stored)
    if not hmac.compare_digest(_key_check(key), info.get("key_check", "")):
        raise VaultLockedError(_("The vault key in the keyring does not open {home}.").format(home=home))
    return key


def _from_passphrase(home: Path, info: dict, prompt: PassphrasePrompt) -> bytes:
    path = home / WRAPPED_KEY_FILE
    if not path.exists():
        passphrase = prompt(True)
        if len(passphrase) < MIN_PASSPHRASE_LENGTH:
            raise VaultLockedError(_("The vault passphrase must have at least {n} characters.").format(
                n=MIN_PASSPHRASE_LENGTH))
        key, salt, nonce = os.urandom(32), os.urandom(16), os.urandom(12)
        params = Passphrase(passphrase)
        kek = argon2id_kek(passphrase, salt, params.time_cost, params.memory_kib, params.lanes)
        wrapped = {"kdf": "argon2id", "salt": b64encode(salt).decode(), "time_cost": params.time_cost,
                   "memory_kib": params.memory_kib, "lanes": params.lanes, "nonce": b64encode(nonce).decode(),
                   "wrapped_key": b64encode(AESGCM(kek).encrypt(nonce, key, WRAP_AAD)).decode()}
        with atomic_output(path) as out:
            out.write(json.dumps(wrapped, indent=2).encode())
        info.update(key_check=_key_check(key), key_storage="passphrase")
        _save_store_info(home, info)
        return key
    wrapped = json.loads(path.read_text())
    passphrase = prompt(False)
    kek = argon2id_kek(passphrase, b64decode(wrapped["salt"]), wrapped["time_cost"], wrapped["memory_kib"],
                    wrapped["lanes"])
    try:
        return AESGCM(kek).decrypt(b64decode(wrapped["nonce"]), b64decode(wrapped["wrapped_key"]), WRAP_AAD)
    except InvalidTag:
        raise WrongVaultPassphraseError(_("Wrong vault passphrase.")) from None


def load_vault_key(home: Path, prompt: PassphrasePrompt) -> tuple[VaultKey, KeySource]:
    """The vault key of the data folder `home`, from the keyring or the passphrase fallback."""
    info = _store_info(home)
    if info.get("key_storage") != "passphrase" and keyring_usable():
        key = _from_keyring(home, info)
        if key is not None:
            return VaultKey(key, info["store_id"]), KeySource("keyring", type(keyring.get_keyring()).__name__)
    if info.get("key_storage") == "keyring":
        raise VaultLockedError(_("The vault key of {home} is in an OS keyring that is not available now.")
                               .format(home=home))
    created = not (home / WRAPPED_KEY_FILE).exists()
    key = _from_passphrase(home, info, prompt)
    return VaultKey(key, info["store_id"]), KeySource("passphrase", "argon2id", created)


def no_prompt(is_new: bool) -> str:
    raise VaultLockedError(_("This workstation has no OS keyring; give the vault passphrase "
                             "(--vault-passphrase-env VAR)."))

