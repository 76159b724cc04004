"""Checks on a signing certificate before anything is signed: valid now, and meant for signing.

A certificate is refused, with the reason, when it is not yet valid, has expired, or its key
usage allows neither digitalSignature nor nonRepudiation (contentCommitment). A certificate
without any key-usage extension is refused too: a reviewer's signing certificate must say
that it is one.
"""

from datetime import datetime, timezone

from cryptography import x509

from app.core.errors import IdentityError
from app.core.i18n import _
from app.signing.identities import subject_name


def signing_problem(certificate: x509.Certificate, now: datetime | None = None) -> str | None:
    """Why `certificate` may not sign now, or None when it may."""
    now = now or datetime.now(timezone.utc)
    name = subject_name(certificate)
    if now < certificate.not_valid_before_utc:
        return _("the certificate of {name} is not valid yet (valid from {start})").format(
            name=name, start=certificate.not_valid_before_utc.isoformat(timespec="seconds"))
    if now > certificate.not_valid_after_utc:
        return _("the certificate of {name} expired on {end}").format(
            name=name, end=certificate.not_valid_after_utc.isoformat(timespec="seconds"))
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return _("the certificate of {name} states no key usage; a signing certificate must allow "
                 "digitalSignature or nonRepudiation").format(name=name)
    if not (usage.digital_signature or usage.content_commitment):
        return _("the certificate of {name} is not meant for signing: its key usage allows neither "
                 "digitalSignature nor nonRepudiation").format(name=name)
    return None


def check_signing_certificate(certificate: x509.Certificate, now: datetime | None = None) -> None:
    """Raise `IdentityError` naming the reason when `certificate` may not sign now."""
    problem = signing_problem(certificate, now)
    if problem:
        raise IdentityError(_("Cannot sign: {reason}.").format(reason=problem))
