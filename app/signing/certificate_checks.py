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
from app.core.names import same_person
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


def certificate_person_name(certificate: x509.Certificate) -> str:
    """The person a certificate is issued to: given name and surname when it states them (as
    an eID does), else its common name."""
    def first(oid) -> str:
        values = certificate.subject.get_attributes_for_oid(oid)
        return str(values[0].value).strip() if values else ""

    given, surname = first(x509.NameOID.GIVEN_NAME), first(x509.NameOID.SURNAME)
    return f"{given} {surname}" if given and surname else subject_name(certificate)


def name_mismatch(letter_name: str, certificate: x509.Certificate) -> str | None:
    """The warning when the name the letter is signed as is not the certificate's (titles,
    accents, case and word order aside), or None when they agree or no name is given."""
    issued_to = certificate_person_name(certificate)
    if not letter_name.strip() or same_person(letter_name, issued_to) or same_person(letter_name,
                                                                                     subject_name(certificate)):
        return None
    return _("The certificate is issued to {certificate}; the letter is signed as {letter}.").format(
        certificate=issued_to, letter=letter_name.strip())
