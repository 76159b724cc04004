"""Detached CMS signature of manifest.json: made with `cryptography`, checked with pyHanko.

The four states are shown to the user as they are: unsigned, invalid (the bytes or the
signature are wrong: refuse), untrusted (sound, but no trusted root vouches for the
signer: import and flag), valid.
"""

import asyncio
from dataclasses import asdict, dataclass
from datetime import datetime

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from app.core.i18n import _
from app.crypto.identity import KeyIdentity

UNSIGNED, INVALID, UNTRUSTED, VALID = "unsigned", "invalid", "untrusted", "valid"
SIGNATURE_NAME = "manifest.json.p7s"
MAX_SIGNATURE_SIZE = 1 << 20


@dataclass(frozen=True)
class SignatureState:
    state: str
    signer: str | None = None
    signing_time: str | None = None
    reason: str | None = None

    def to_json(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        if self.state == VALID:
            return _("signed by {signer}, trusted").format(signer=self.signer)
        if self.state == UNTRUSTED:
            return _("signed by {signer}, NOT trusted: {reason}").format(signer=self.signer, reason=self.reason)
        if self.state == INVALID:
            return _("signature INVALID: {reason}").format(reason=self.reason)
        return _("unsigned")


def sign_manifest(manifest_bytes: bytes, identity: KeyIdentity) -> bytes:
    """DER detached SignedData over the exact bytes of manifest.json."""
    builder = (pkcs7.PKCS7SignatureBuilder().set_data(manifest_bytes)
               .add_signer(identity.certificate, identity.private_key, hashes.SHA256()))
    for cert in identity.chain:
        builder = builder.add_certificate(cert)
    return builder.sign(serialization.Encoding.DER,
                        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer_name(cert) -> str:
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def verify_manifest_signature(manifest_bytes: bytes, signature: bytes | None,
                              trusted_roots: list[x509.Certificate],
                              moment: datetime | None = None) -> SignatureState:
    """The state of the manifest's signature against the given trusted roots."""
    if signature is None:
        return SignatureState(UNSIGNED)
    try:
        content_info = cms.ContentInfo.load(signature)
        if content_info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = content_info["content"]
        signed_data.native  # noqa: B018 - force a full parse so that malformed DER fails here
    except (ValueError, TypeError, KeyError):
        return SignatureState(INVALID, reason=_("the signature file is not CMS SignedData"))
    context = ValidationContext(trust_roots=[_to_asn1(c) for c in trusted_roots], allow_fetching=False,
                                revocation_mode="soft-fail", moment=moment)
    try:
        status = asyncio.run(async_validate_detached_cms(manifest_bytes, signed_data,
                                                         signer_validation_context=context))
    except Exception as exc:  # pyHanko raises many kinds on malformed CMS; all mean invalid
        return SignatureState(INVALID, reason=_("the signature cannot be checked ({kind})")
                              .format(kind=type(exc).__name__))
    signer = _signer_name(status.signing_cert) if status.signing_cert is not None else None
    when = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
    if not (status.intact and status.valid):
        return SignatureState(INVALID, signer, when,
                              _("the manifest does not match its signature"))
    if not status.trusted:
        return SignatureState(UNTRUSTED, signer, when,
                              _("the signer's certificate does not chain to a trusted sender root"))
    return SignatureState(VALID, signer, when)
