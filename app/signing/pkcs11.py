"""Signing with a key on a PKCS#11 token (a smart card such as the Belgian eID; tested with
SoftHSM2) through pyHanko's `PKCS11Signer`.

`token_signer(module, token_label, pin, ...)` opens a session on the token with that label,
logs in with the PIN and yields a pyHanko signer to pass to `app.signing.pades.sign_pdf`; the
session is closed on exit. Every failure (module missing, no such token, token removed, wrong
or locked PIN, no key or certificate) becomes an `IdentityError` with a reason a user can act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path

from app.core.errors import IdentityError
from app.core.i18n import _

# Where common PKCS#11 modules live (first found is the default when none is named).
KNOWN_MODULES = (
    "/usr/lib/x86_64-linux-gnu/libbeidpkcs11.so.0",  # Belgian eID middleware
    "/usr/lib/libbeidpkcs11.so",
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)


def find_module(explicit: str | None = None) -> str:
    """The PKCS#11 module to load: `explicit`, $SECONDO_PKCS11_MODULE, or a known location."""
    candidate = explicit or os.environ.get("SECONDO_PKCS11_MODULE")
    if candidate:
        if not Path(candidate).is_file():
            raise IdentityError(_("The PKCS#11 module {path} does not exist.").format(path=candidate))
        return candidate
    for path in KNOWN_MODULES:
        if Path(path).is_file():
            return path
    raise IdentityError(_("No PKCS#11 module found; install the card's middleware or name the module."))


def token_error(exc: BaseException, token_label: str | None = None) -> IdentityError:
    """A user-facing `IdentityError` for an exception raised by python-pkcs11 or pyHanko."""
    if isinstance(exc, IdentityError):
        return exc
    try:
        from pkcs11 import exceptions as p11
    except ImportError:  # pragma: no cover - python-pkcs11 is a dependency
        p11 = None  # type: ignore[assignment]  # then only the generic message below
    label = token_label or _("the token")
    if p11 is not None:
        if isinstance(exc, (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange)):
            return IdentityError(_("The PIN for {label} was refused.").format(label=label))
        if isinstance(exc, p11.PinLocked):
            return IdentityError(_("The PIN of {label} is locked; unblock the card first.").format(label=label))
        if isinstance(exc, (p11.TokenNotPresent, p11.DeviceRemoved, p11.NoSuchToken, p11.TokenNotRecognised,
                            p11.SessionClosed, p11.SessionHandleInvalid)):
            return IdentityError(_("The token {label} is not present (removed?); insert it and try again.")
                                 .format(label=label))
    text = str(exc)
    if "No token" in text:
        return IdentityError(_("The token {label} is not present (removed?); insert it and try again.")
                             .format(label=label))
    return IdentityError(_("The token {label} could not sign: {reason}").format(
        label=label, reason=text or type(exc).__name__))


@contextmanager
def token_signer(token_label: str, pin: str, *, module: str | None = None, key_label: str | None = None,
                 key_id: bytes | None = None, cert_label: str | None = None,
                 cert_id: bytes | None = None) -> Iterator:
    """A pyHanko `PKCS11Signer` for the key on the token labelled `token_label`.

    With neither labels nor ids the key and certificate with id 01 are used (as on SoftHSM2
    test tokens); the Belgian eID names them "Signature"."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    library = find_module(module)
    if not (key_label or key_id):
        key_id = b"\x01"
    if not (cert_label or cert_id):
        cert_label, cert_id = key_label, key_id
    try:
        session = open_pkcs11_session(library, token_criteria=TokenCriteria(label=token_label), user_pin=pin)
    except Exception as exc:
        raise token_error(exc, token_label) from None
    try:
        signer = PKCS11Signer(session, key_label=key_label, key_id=key_id, cert_label=cert_label,
                              cert_id=cert_id)
        try:
            signer.signing_cert  # noqa: B018 - loads the certificate now: a missing one is reported here
        except Exception as exc:
            raise IdentityError(_("The token {label} holds no usable certificate for the signing key ({reason}).")
                                .format(label=token_label, reason=exc)) from None
        yield signer
    finally:
        try:
            session.close()
        except Exception:  # the token may be gone already; nothing more to release
            pass
