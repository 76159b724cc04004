"""Opening packages with the RSA key of a smart card or other PKCS#11 token (tested with
SoftHSM2): `token_identity(label, pin)` is a `KeyIdentity` whose private key decrypts on the
token, so the package readers (app/crypto/stanzas.py, app/dossier/p7m_recipients.py) use it as
they use a key from a .p12 file. The key never leaves the token; each use opens and closes a
session of its own. Only RSA keys are supported (RSA-OAEP and PKCS#1 v1.5 key transport), as
far as the token supports them: SoftHSM 2.6 does OAEP with SHA-1 only, so it opens .p7m files
(PKCS#1 v1.5 or OAEP SHA-1) but not SODP packages (OAEP SHA-256), and says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from app.core.errors import IdentityError
from app.core.i18n import _
from app.crypto.identity import KeyIdentity
from app.signing.pkcs11 import find_module, token_error

OAEP_HASHES = {"sha1": ("SHA_1", "SHA1"), "sha224": ("SHA224", "SHA224"), "sha256": ("SHA256", "SHA256"),
               "sha384": ("SHA384", "SHA384"), "sha512": ("SHA512", "SHA512")}  # -> (Mechanism, MGF) names


@dataclass(frozen=True)
class TokenKeyRef:
    """Where the key is: the token's label, its PIN, the module, and the key's id or label."""

    token_label: str
    pin: str
    module: str
    key_id: bytes = b"\x01"
    key_label: str | None = None

    def __repr__(self) -> str:  # never print the PIN
        return f"TokenKeyRef({self.token_label!r})"

    def which(self) -> dict:
        from pkcs11 import Attribute

        return {Attribute.LABEL: self.key_label} if self.key_label else {Attribute.ID: self.key_id}


@contextmanager
def token_session(ref: TokenKeyRef) -> Iterator[Any]:
    """A logged-in session on the token, closed on exit; failures as `IdentityError`."""
    try:
        import pkcs11
        from pkcs11 import exceptions as p11

        token = pkcs11.lib(ref.module).get_token(token_label=ref.token_label)
        try:
            session = token.open(user_pin=ref.pin)
        except p11.UserAlreadyLoggedIn:  # another session of this program logged in already
            session = token.open()
    except IdentityError:
        raise
    except Exception as exc:
        raise token_error(exc, ref.token_label) from None
    try:
        yield session
    finally:
        try:
            session.close()
        except Exception:  # the token may be gone already; nothing more to release
            pass


def scheme_name(padding_: padding.AsymmetricPadding) -> str:
    if isinstance(padding_, padding.OAEP):
        return f"RSA-OAEP ({padding_.algorithm.name.upper().replace('SHA', 'SHA-')})"
    return "RSA PKCS#1 v1.5"


class TokenRsaKey(rsa.RSAPrivateKey):
    """An RSA private key that stays on the token: it decrypts there and does nothing else."""

    def __init__(self, ref: TokenKeyRef, public: rsa.RSAPublicKey) -> None:
        self._ref, self._public = ref, public

    def decrypt(self, ciphertext: bytes, padding_: padding.AsymmetricPadding) -> bytes:
        from pkcs11 import MGF, Mechanism, ObjectClass
        from pkcs11 import exceptions as p11

        if isinstance(padding_, padding.OAEP):
            names = OAEP_HASHES.get(padding_.algorithm.name)
            mgf_hash = getattr(padding_.mgf, "_algorithm", padding_.algorithm)
            if names is None or mgf_hash.name != padding_.algorithm.name:
                raise ValueError("unsupported OAEP parameters")
            mechanism = Mechanism.RSA_PKCS_OAEP
            parameters: Any = (getattr(Mechanism, names[0]), getattr(MGF, names[1]), None)
        elif isinstance(padding_, padding.PKCS1v15):
            mechanism, parameters = Mechanism.RSA_PKCS, None
        else:
            raise ValueError("unsupported padding")
        with token_session(self._ref) as session:
            try:
                key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, **(
                    {"label": self._ref.key_label} if self._ref.key_label else {"id": self._ref.key_id}))
                return bytes(key.decrypt(ciphertext, mechanism=mechanism, mechanism_param=parameters))
            except (p11.TokenNotPresent, p11.DeviceRemoved, p11.SessionClosed, p11.SessionHandleInvalid) as exc:
                raise token_error(exc, self._ref.token_label) from None
            except (p11.ArgumentsBad, p11.MechanismInvalid, p11.MechanismParamInvalid):
                raise IdentityError(_("The token {label} cannot decrypt with {scheme}, which this package uses; "
                                      "ask the sender for a package with a passphrase, or open it with a "
                                      "certificate file.").format(label=self._ref.token_label,
                                                                  scheme=scheme_name(padding_))) from None
            except Exception as exc:  # the token refused the wrapped key: the readers say it cannot be unwrapped
                raise ValueError(type(exc).__name__) from None

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def sign(self, data: bytes, padding: padding.AsymmetricPadding, algorithm: Any) -> bytes:
        raise IdentityError(_("This token key is used here to open packages only."))

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        raise IdentityError(_("A key on a token cannot be read out."))

    def private_bytes(self, encoding: Any, format: Any, encryption_algorithm: Any) -> bytes:
        raise IdentityError(_("A key on a token cannot be read out."))

    def __copy__(self) -> TokenRsaKey:
        return self

    def __deepcopy__(self, memo: dict) -> TokenRsaKey:
        return self


def token_identity(token_label: str, pin: str, *, module: str | None = None, key_id: bytes = b"\x01",
                   key_label: str | None = None) -> KeyIdentity:
    """The identity on the token labelled `token_label`: the key and certificate with id 01 (as
    on SoftHSM2 test tokens) or labelled `key_label`. The PIN is checked now. Every failure is an
    `IdentityError` with a reason a user can act on."""
    from pkcs11 import Attribute, KeyType, ObjectClass

    ref = TokenKeyRef(token_label, pin, find_module(module), key_id, key_label)
    with token_session(ref) as session:
        try:
            keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, **ref.which()}))
            certificates = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, **ref.which()}))
            if not keys or not certificates:
                raise IdentityError(_("The token {label} holds no key with its certificate to open packages with.")
                                    .format(label=token_label))
            is_rsa = keys[0].key_type == KeyType.RSA
            der = bytes(certificates[0][Attribute.VALUE])
        except IdentityError:
            raise
        except Exception as exc:
            raise token_error(exc, token_label) from None
    certificate = x509.load_der_x509_certificate(der)
    public = certificate.public_key()
    if not is_rsa or not isinstance(public, rsa.RSAPublicKey):
        raise IdentityError(_("The key on the token {label} is not an RSA key; only RSA keys on a token can open "
                              "packages here.").format(label=token_label))
    return KeyIdentity(certificate, TokenRsaKey(ref, public))
