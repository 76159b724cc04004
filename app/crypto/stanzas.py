"""SODP v1 recipient stanzas: each wraps the same 32-byte file key for one recipient.

Three kinds (app/dossier/SODP.md, Stanzas): RSA-OAEP and ECDH-ES to an X.509 certificate, and
Argon2id under a passphrase. `wrap` makes a stanza; `unwrap` opens one with a credential.
"""

from base64 import b64decode, b64encode
import binascii
from dataclasses import dataclass
from datetime import datetime, timezone
import os
import unicodedata

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.errors import IdentityError, PackageFormatError, WrongKeyError
from app.core.i18n import _
from app.crypto.identity import KeyIdentity, subject_name
from app.crypto.limits import (MAX_ARGON2_PER_OPEN, MAX_ARGON2_WORK_KIB, MAX_LANES, MAX_MEMORY_KIB,
                               MAX_TIME_COST, MIN_MEMORY_KIB, MIN_TIME_COST)

RSA_OAEP = "x509-rsa-oaep"
ECDH_ES = "x509-ecdh-es"
PASSPHRASE = "passphrase-argon2id"
VAULT = "vault-aes256gcm"  # files at rest in the workstation's vault, never in a transported package

ECDH_INFO = b"sodp/1 ecdh-es"
PASSPHRASE_AAD = b"sodp/1 passphrase"
VAULT_AAD = b"sodp/1 vault"

SUPPORTED_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class Passphrase:
    """A passphrase, as recipient when writing and as credential when reading."""

    text: str
    time_cost: int = 3
    memory_kib: int = 65536
    lanes: int = 4

    def __repr__(self) -> str:  # never print the secret
        return "Passphrase(***)"


@dataclass(frozen=True)
class VaultKey:
    """The workstation's vault key: wraps the file key of every file stored at rest."""

    key: bytes
    key_id: str

    def __repr__(self) -> str:
        return f"VaultKey({self.key_id})"


def cert_sha256(certificate: x509.Certificate) -> str:
    """Lowercase hex SHA-256 of the certificate's DER encoding: how stanzas name it."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def b64(data: bytes) -> str:
    return b64encode(data).decode("ascii")


def unb64(value: object, field: str, length: int | None = None) -> bytes:
    """Strict standard-alphabet base64 with padding, optionally of a fixed length."""
    try:
        if not isinstance(value, str):
            raise ValueError
        data = b64decode(value.encode("ascii"), validate=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise PackageFormatError(_("The package header is malformed ({field} is not base64).")
                                 .format(field=field)) from None
    if length is not None and len(data) != length:
        raise PackageFormatError(_("The package header is malformed ({field} has the wrong length).")
                                 .format(field=field))
    return data


class RecipientCertificateError(IdentityError):
    """A recipient's certificate cannot, or may not, be encrypted for (a package or a `.p7m`)."""


def check_recipient_certificate(certificate: x509.Certificate, now: datetime | None = None) -> None:
    """Refuse, with the reason, a certificate that cannot or may not receive an encrypted
    package or `.p7m`: the one rule for both (key type and size, key usage, validity at `now`)."""
    now = now or datetime.now(timezone.utc)
    who = _("{name} (serial {serial})").format(name=subject_name(certificate),
                                              serial=format(certificate.serial_number, "X"))
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise RecipientCertificateError(_(
                "The certificate of {who} has an RSA key of {bits} bits; at least {minimum} bits are needed to "
                "encrypt for it.").format(who=who, bits=key.key_size, minimum=MIN_RSA_BITS))
        usage, usage_name = "key_encipherment", "keyEncipherment"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, SUPPORTED_CURVES):
            raise RecipientCertificateError(_(
                "The certificate of {who} has an EC key on the curve {curve}; only P-256, P-384 and P-521 keys "
                "can be encrypted for.").format(who=who, curve=key.curve.name))
        usage, usage_name = "key_agreement", "keyAgreement"
    else:
        raise RecipientCertificateError(_(
            "The certificate of {who} has a key of a type that cannot be encrypted for; it needs an RSA or EC "
            "key.").format(who=who))
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None  # RFC 5280 §4.2.1.3: no extension, no restriction
    if key_usage is not None and not getattr(key_usage, usage):
        raise RecipientCertificateError(_(
            "The certificate of {who} is not allowed to receive encrypted documents: its key "
            "usage lacks {usage}.").format(who=who, usage=usage_name))
    if now > certificate.not_valid_after_utc:
        raise RecipientCertificateError(_(
            "The certificate of {who} expired on {date}.").format(
                who=who, date=certificate.not_valid_after_utc.date().isoformat()))
    if now < certificate.not_valid_before_utc:
        raise RecipientCertificateError(_(
            "The certificate of {who} is not valid before {date}.").format(
                who=who, date=certificate.not_valid_before_utc.date().isoformat()))


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _ecdh_kek(shared: bytes, ephemeral_point: bytes, recipient_point: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, ephemeral_point + recipient_point, ECDH_INFO).derive(shared)


def argon2id_kek(passphrase: str, salt: bytes, time_cost: int, memory_kib: int, lanes: int) -> bytes:
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return Argon2id(salt=salt, length=32, iterations=time_cost, lanes=lanes,
                    memory_cost=memory_kib).derive(secret)


def wrap(recipient: x509.Certificate | Passphrase, file_key: bytes, *,
         salt: bytes | None = None, nonce: bytes | None = None,
         ephemeral_key: ec.EllipticCurvePrivateKey | None = None) -> dict:
    """The stanza that gives `recipient` the file key. Fixed salt, nonce and ephemeral
    key are for test vectors only; by default all are fresh random values."""
    nonce = nonce or os.urandom(12)
    if isinstance(recipient, VaultKey):
        return {"type": VAULT, "key_id": recipient.key_id, "nonce": b64(nonce),
                "wrapped_key": b64(AESGCM(recipient.key).encrypt(nonce, file_key, VAULT_AAD))}
    if isinstance(recipient, Passphrase):
        salt = salt or os.urandom(16)
        kek = argon2id_kek(recipient.text, salt, recipient.time_cost, recipient.memory_kib, recipient.lanes)
        return {"type": PASSPHRASE, "salt": b64(salt), "time_cost": recipient.time_cost,
                "memory_kib": recipient.memory_kib, "lanes": recipient.lanes, "nonce": b64(nonce),
                "wrapped_key": b64(AESGCM(kek).encrypt(nonce, file_key, PASSPHRASE_AAD))}
    fingerprint = cert_sha256(recipient)
    key = recipient.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        wrapped = key.encrypt(file_key, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
        return {"type": RSA_OAEP, "cert_sha256": fingerprint, "wrapped_key": b64(wrapped)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        ephemeral_key = ephemeral_key or ec.generate_private_key(key.curve)
        ephemeral_point = _point(ephemeral_key.public_key())
        kek = _ecdh_kek(ephemeral_key.exchange(ec.ECDH(), key), ephemeral_point, _point(key))
        wrapped = AESGCM(kek).encrypt(nonce, file_key, bytes.fromhex(fingerprint))
        return {"type": ECDH_ES, "cert_sha256": fingerprint, "ephemeral_public_key": b64(ephemeral_point),
                "nonce": b64(nonce), "wrapped_key": b64(wrapped)}
    raise IdentityError(_("The certificate of {who} holds neither an RSA nor an EC key.")
                        .format(who=subject_name(recipient)))


def _shown_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def describe(stanza: dict) -> dict:
    """What may be shown of a stanza without any key: its type and whom it names (values of
    the wrong type, which no key could open anyway, are shown as null)."""
    kind = stanza.get("type")
    if kind in (RSA_OAEP, ECDH_ES):
        fingerprint = stanza.get("cert_sha256")
        return {"type": kind, "cert_sha256": fingerprint[:64] if isinstance(fingerprint, str) else None}
    if kind == PASSPHRASE:
        return {"type": kind, "time_cost": _shown_int(stanza.get("time_cost")),
                "memory_kib": _shown_int(stanza.get("memory_kib")), "lanes": _shown_int(stanza.get("lanes"))}
    return {"type": kind[:64] if isinstance(kind, str) else repr(kind)[:64]}


def _int_param(stanza: dict, name: str, low: int, high: int) -> int:
    value = stanza.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise PackageFormatError(_("The package header is malformed ({field} must be {low}..{high}).")
                                 .format(field=name, low=low, high=high))
    return value


def argon2_parameters(stanza: dict) -> tuple[int, int, int]:
    """time_cost, memory_kib and lanes of a passphrase stanza, refused unless within the
    reader's bounds (app/crypto/limits.py), so that no hostile header is ever derived."""
    time_cost = _int_param(stanza, "time_cost", MIN_TIME_COST, MAX_TIME_COST)
    memory_kib = _int_param(stanza, "memory_kib", MIN_MEMORY_KIB, MAX_MEMORY_KIB)
    lanes = _int_param(stanza, "lanes", 1, MAX_LANES)
    if time_cost * memory_kib > MAX_ARGON2_WORK_KIB:
        raise PackageFormatError(_("The package header is malformed (its Argon2id cost, time_cost × "
                                   "memory_kib, is over {max} KiB).").format(max=MAX_ARGON2_WORK_KIB))
    return time_cost, memory_kib, lanes


def unwrap_passphrase(stanza: dict, passphrase: Passphrase) -> bytes | None:
    """The file key, or None when the passphrase does not open this stanza."""
    salt = unb64(stanza.get("salt"), "salt", 16)
    nonce = unb64(stanza.get("nonce"), "nonce", 12)
    wrapped = unb64(stanza.get("wrapped_key"), "wrapped_key", 48)
    time_cost, memory_kib, lanes = argon2_parameters(stanza)
    try:
        kek = argon2id_kek(passphrase.text, salt, time_cost, memory_kib, lanes)
    except MemoryError:
        raise PackageFormatError(_("This workstation has not enough free memory to derive the key of the "
                                   "package's passphrase ({mib} MiB); close other programs and try again.")
                                 .format(mib=memory_kib // 1024)) from None
    try:
        return AESGCM(kek).decrypt(nonce, wrapped, PASSPHRASE_AAD)
    except InvalidTag:
        return None


def unwrap_identity(stanza: dict, identity: KeyIdentity) -> bytes:
    """The file key from a certificate stanza that names `identity`'s certificate."""
    key = identity.private_key
    damaged = WrongKeyError(_("The key for {who} in this package cannot be unwrapped: the package "
                              "is damaged or was altered.").format(who=identity.subject))
    try:
        if stanza["type"] == RSA_OAEP and isinstance(key, rsa.RSAPrivateKey):
            wrapped = unb64(stanza.get("wrapped_key"), "wrapped_key")
            file_key = key.decrypt(wrapped, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
        elif stanza["type"] == ECDH_ES and isinstance(key, ec.EllipticCurvePrivateKey):
            ephemeral_point = unb64(stanza.get("ephemeral_public_key"), "ephemeral_public_key")
            nonce = unb64(stanza.get("nonce"), "nonce", 12)
            wrapped = unb64(stanza.get("wrapped_key"), "wrapped_key", 48)
            ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, ephemeral_point)
            kek = _ecdh_kek(key.exchange(ec.ECDH(), ephemeral), ephemeral_point, _point(key.public_key()))
            file_key = AESGCM(kek).decrypt(nonce, wrapped, bytes.fromhex(stanza["cert_sha256"]))
        else:
            raise damaged
    except (ValueError, InvalidTag):
        raise damaged from None
    if len(file_key) != 32:
        raise damaged
    return file_key


def find_file_key(stanzas: list[dict], credentials: list) -> bytes:
    """Try each credential on the stanzas meant for it; raise `WrongKeyError` saying why not."""
    # Each try of a passphrase costs an Argon2id derivation: only passphrase stanzas are
    # tried, their parameters all checked first, and at most MAX_ARGON2_PER_OPEN of them.
    passphrase_stanzas = [s for s in stanzas if s.get("type") == PASSPHRASE]
    if any(isinstance(c, Passphrase) for c in credentials):
        for stanza in passphrase_stanzas:
            argon2_parameters(stanza)
    derivations = 0
    for credential in credentials:
        if isinstance(credential, Passphrase):
            for stanza in passphrase_stanzas:
                if derivations == MAX_ARGON2_PER_OPEN:
                    break
                derivations += 1
                file_key = unwrap_passphrase(stanza, credential)
                if file_key is not None:
                    return file_key
        elif isinstance(credential, VaultKey):
            for stanza in stanzas:
                if stanza.get("type") == VAULT and stanza.get("key_id") == credential.key_id:
                    try:
                        return AESGCM(credential.key).decrypt(unb64(stanza.get("nonce"), "nonce", 12),
                                                              unb64(stanza.get("wrapped_key"), "wrapped_key", 48),
                                                              VAULT_AAD)
                    except InvalidTag:
                        raise WrongKeyError(_("A stored file cannot be decrypted: it was altered at rest, "
                                              "or the vault key is wrong.")) from None
        elif isinstance(credential, KeyIdentity):
            fingerprint = cert_sha256(credential.certificate)
            for stanza in stanzas:
                if stanza.get("type") in (RSA_OAEP, ECDH_ES) and stanza.get("cert_sha256") == fingerprint:
                    return unwrap_identity(stanza, credential)
    raise WrongKeyError(_not_opened_message(stanzas, credentials))


def recipients_summary(stanzas: list[dict]) -> str:
    """One line naming who a package is for, without any key: 'certificate ab12…, passphrase'."""
    parts = []
    for stanza in stanzas:
        if stanza.get("type") in (RSA_OAEP, ECDH_ES):
            parts.append(_("certificate {fp}").format(fp=str(stanza.get("cert_sha256", ""))[:16]))
        elif stanza.get("type") == PASSPHRASE:
            parts.append(_("a passphrase"))
        else:
            parts.append(_("an unknown recipient type"))
    return ", ".join(parts)


def _not_opened_message(stanzas: list[dict], credentials: list) -> str:
    have = recipients_summary(stanzas)
    identities = [c for c in credentials if isinstance(c, KeyIdentity)]
    if not credentials:
        return _("This package is encrypted; give a passphrase or an identity. It is for: {have}.").format(have=have)
    if identities and not any(isinstance(c, Passphrase) for c in credentials):
        who = ", ".join(f"{c.subject} ({cert_sha256(c.certificate)[:16]})" for c in identities)
        return _("This package is not encrypted for {who}. It is for: {have}.").format(who=who, have=have)
    if not any(s.get("type") == PASSPHRASE for s in stanzas):
        return _("This package cannot be opened with a passphrase. It is for: {have}.").format(have=have)
    return _("Wrong passphrase: it does not open this package.")
