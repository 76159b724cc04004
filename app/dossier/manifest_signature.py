"""Detached CMS signature of manifest.json: made with `cryptography`, checked with pyHanko.

The four states are shown to the user as they are: unsigned, invalid (the bytes or the
signature are wrong: refuse), untrusted (sound, but no trusted root vouches for the
signer: import and flag), valid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
import logging
from typing import TYPE_CHECKING

from app.core.i18n import N_, _

if TYPE_CHECKING:  # the CMS and validation libraries load when a signature is made or checked, not with its states
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509

    from app.crypto.identity import KeyIdentity

UNSIGNED, INVALID, UNTRUSTED, VALID = "unsigned", "invalid", "untrusted", "valid"
#: Each state's word for a reader (the state itself is stored and in --json).
STATE_LABELS = {UNSIGNED: N_("unsigned"), INVALID: N_("invalid"), UNTRUSTED: N_("untrusted"), VALID: N_("valid")}
SIGNATURE_NAME = "manifest.json.p7s"
# The rule of app/signing/certificate_checks.py: a signing certificate allows one of these.
SIGNING_USAGES = frozenset({"digital_signature", "non_repudiation"})


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


def state_label(state: str) -> str:
    """A sender signature state in the current language ('untrusted' → 'niet vertrouwd')."""
    return _(STATE_LABELS[state]) if state in STATE_LABELS else state


def sign_manifest(manifest_bytes: bytes, identity: KeyIdentity) -> bytes:
    """DER detached SignedData over the exact bytes of manifest.json."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    builder = (pkcs7.PKCS7SignatureBuilder().set_data(manifest_bytes)
               .add_signer(identity.certificate, identity.private_key, hashes.SHA256()))
    for cert in identity.chain:
        builder = builder.add_certificate(cert)
    return builder.sign(serialization.Encoding.DER,
                        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer_name(cert) -> str | None:
    try:
        return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)[:200]
    except Exception:  # a subject damaged beyond reading still leaves a state to report
        return None


def _untrusted_reason(cert, moment: datetime | None) -> str:
    """Why a sound signature is not trusted, as precisely as the signer's certificate tells."""
    moment = moment or datetime.now(timezone.utc)
    try:
        validity = cert["tbs_certificate"]["validity"]
        not_before, not_after = validity["not_before"].native, validity["not_after"].native
        usage = cert.key_usage_value.native if cert.key_usage_value is not None else None
    except Exception:
        return _("the signer's certificate cannot be read")
    if moment > not_after:
        return _("the signer's certificate expired on {date}").format(date=not_after.date())
    if moment < not_before:
        return _("the signer's certificate is not valid before {date}").format(date=not_before.date())
    if usage is None:
        return _("the signer's certificate states no key usage, so it is not meant for signing")
    if not SIGNING_USAGES & set(usage):
        return _("the signer's certificate is not meant for signing (its key usage allows neither "
                 "digitalSignature nor nonRepudiation)")
    return _("the signer's certificate does not chain to a trusted sender root")


def _unsigned_damage(signature: bytes, signed_data, signing_cert, trusted_roots: list[x509.Certificate]) -> str | None:
    from asn1crypto import cms

    from app.crypto.cms_checks import certificate_problem, strict_cms_problem

    try:
        canonical = cms.ContentInfo.load(signature, strict=True).dump(force=True) == signature
    except Exception:
        canonical = False
    if not canonical:
        return _("the signature file is not in canonical DER, as a signature is made")
    if signing_cert is None:
        return _("the signature names no signer certificate")
    roots = [_to_asn1(c) for c in trusted_roots]
    return (strict_cms_problem(signed_data, signing_cert) or certificate_problem(signed_data, signing_cert, roots)
            or _signer_certificate_damage(signed_data, signing_cert, trusted_roots))


def _signer_certificate_damage(signed_data, signing_cert, trusted_roots: list[x509.Certificate]) -> str | None:
    """The signer's certificate, when its issuer is at hand (carried or trusted), must bear that
    issuer's valid signature: a certificate changed in transit is damage, not mere distrust."""
    from cryptography import x509

    damaged = _("the signer's certificate is damaged: its issuer's signature on it does not verify")
    try:
        signer = x509.load_der_x509_certificate(signing_cert.dump())
        carried = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed_data["certificates"]
                   if c.name == "certificate"]
        issuers = [c for c in [*carried, *trusted_roots] if c.subject == signer.issuer]
    except Exception:
        return damaged
    if not issuers:
        return None  # an issuer nobody vouches for: untrusted, not damaged
    for issuer in issuers:
        try:
            signer.verify_directly_issued_by(issuer)
            return None
        except Exception:  # a wrong signature or key type: try the next issuer of that name
            continue
    return damaged


def _quiet_validation_logs() -> None:
    """pyHanko logs a traceback for every untrusted signature; the state says it plainly."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def verify_manifest_signature(manifest_bytes: bytes, signature: bytes | None,
                              trusted_roots: list[x509.Certificate],
                              moment: datetime | None = None) -> SignatureState:
    """The state of the manifest's signature against the given trusted roots."""
    if signature is None:  # an unsigned manifest loads no validator
        return SignatureState(UNSIGNED)
    import asyncio

    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    try:
        content_info = cms.ContentInfo.load(signature)
        if content_info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = content_info["content"]
        signed_data.native  # noqa: B018 - force a full parse so that malformed DER fails here
    except Exception:  # asn1crypto raises many kinds (and RecursionError) on hostile BER
        return SignatureState(INVALID, reason=_("the signature file is not CMS SignedData"))
    _quiet_validation_logs()
    context = ValidationContext(trust_roots=[_to_asn1(c) for c in trusted_roots], allow_fetching=False,
                                revocation_mode="soft-fail", moment=moment)
    try:
        status = asyncio.run(async_validate_detached_cms(
            manifest_bytes, signed_data, signer_validation_context=context,
            key_usage_settings=KeyUsageConstraints(key_usage=set(SIGNING_USAGES))))
    except Exception as exc:  # pyHanko raises many kinds on malformed CMS; all mean invalid
        return SignatureState(INVALID, reason=_("the signature cannot be checked ({kind})")
                              .format(kind=type(exc).__name__))
    signer = _signer_name(status.signing_cert) if status.signing_cert is not None else None
    when = status.signer_reported_dt.isoformat() if isinstance(status.signer_reported_dt, datetime) else None
    if not (status.intact and status.valid):
        return SignatureState(INVALID, signer, when,
                              _("the manifest does not match its signature"))
    # pyHanko checks what the signature covers; the rest of the CMS (versions, algorithm
    # lists, the carried certificates) must be exactly as made, or a flipped bit there passes.
    damage = _unsigned_damage(signature, signed_data, status.signing_cert, trusted_roots)
    if damage:
        return SignatureState(INVALID, signer, when, damage)
    if not status.trusted:
        return SignatureState(UNTRUSTED, signer, when, _untrusted_reason(status.signing_cert, moment))
    return SignatureState(VALID, signer, when)
