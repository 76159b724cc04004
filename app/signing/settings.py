"""Which identity the reviewer signs with: a PKCS#12 file or a PKCS#11 token (smart card).
Plain JSON in the data folder (signing.json), not secret: a path, a token label, a module;
the passphrase or PIN is never stored here (a PKCS#12 passphrase may be kept in the OS
keyring, see app.signing.secrets)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from app.core.files import read_json_object, write_json_object
from app.store.paths import data_dir

SETTINGS_FILE = "signing.json"
PKCS12, PKCS11 = "pkcs12", "pkcs11"


@dataclass
class SigningSettings:
    kind: str = PKCS12
    identity_path: str = ""  # the PKCS#12 file
    token_label: str = ""  # the PKCS#11 token
    module: str = ""  # the PKCS#11 module; empty: a known location
    key_label: str = ""  # the key on the token; empty: id 01 (SoftHSM2) as app.signing.pkcs11 says
    organisation_identity: str = ""  # PKCS#12 of the workstation's organisation: signs outgoing manifests

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SigningSettings:
        values = {k: str(data.get(k) or "") for k in ("kind", "identity_path", "token_label", "module", "key_label",
                                                       "organisation_identity")}
        if values["kind"] not in (PKCS12, PKCS11):
            values["kind"] = PKCS12
        return cls(**values)

    @property
    def configured(self) -> bool:
        return bool(self.identity_path) if self.kind == PKCS12 else bool(self.token_label)


def settings_path() -> Path:
    return data_dir() / SETTINGS_FILE


def load_signing_settings(path: Path | None = None) -> SigningSettings:
    """The saved choice; an empty PKCS#12 choice when none was saved or it cannot be read."""
    data = read_json_object(Path(path) if path else settings_path())
    return SigningSettings.from_json(data) if data is not None else SigningSettings()


def save_signing_settings(settings: SigningSettings, path: Path | None = None) -> None:
    write_json_object(Path(path) if path else settings_path(), settings.to_json())
