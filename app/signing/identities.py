"""Signing and decryption identities: a private key with its certificate and chain."""

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from app.core.errors import IdentityError
from app.core.i18n import _
from app.crypto.identity import KeyIdentity, subject_name

__all__ = ["KeyIdentity", "WrongPassphraseError", "load_pkcs12", "read_credential_file", "subject_name"]


class WrongPassphraseError(IdentityError):
    """The passphrase did not open the PKCS#12 file (or the file is not one): ask again."""


def read_credential_file(path: Path, what: str) -> bytes:
    """The bytes of a certificate or identity file; `IdentityError` naming `what` if unreadable."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise IdentityError(_("Cannot read {what} {path}: {reason}").format(
            what=what, path=path, reason=exc.strerror or exc)) from None


def load_pkcs12(path: Path, passphrase: str) -> KeyIdentity:
    """Read a PKCS#12 file; a wrong passphrase or a damaged file raises `IdentityError`."""
    data = read_credential_file(path, _("the identity file"))
    try:
        p12 = pkcs12.load_pkcs12(data, passphrase.encode("utf-8"))
    except ValueError:
        raise WrongPassphraseError(_(
            "The identity file {path} did not open: wrong passphrase, or not a PKCS#12 file."
        ).format(path=path)) from None
    if p12.key is None or p12.cert is None:
        raise IdentityError(_("The identity file {path} holds no private key with its certificate.")
                            .format(path=path))
    if not isinstance(p12.key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise IdentityError(_("The identity file {path} holds a key type that is not supported "
                              "(RSA or EC only).").format(path=path))
    return KeyIdentity(p12.cert.certificate, p12.key,
                       tuple(c.certificate for c in p12.additional_certs))
