"""Who may receive a case's signed opinion: only the roles the patient consented to (the
manifest's `consented_recipients`, app/dossier/SODP.md, or the consent recorded on the case
sheet, app/dossier/case_details.py). Anyone else is never offered, and asking for them is
refused with `ConsentError`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.core.errors import BadInputError
from app.core.formatting import format_patient_name
from app.core.i18n import _
from app.dossier.case_details import CONSENT_ROLES, details
from app.dossier.manifest import is_language_tag
from app.opinion.prefill import consented_roles


class ConsentError(BadInputError):
    """The patient did not consent to this recipient (CLI exit 3)."""


def role_label(role: str) -> str:
    return {"treating_physician": _("Treating physician"), "general_practitioner": _("General practitioner"),
            "referring_physician": _("Referring physician"), "patient": _("The patient")}.get(role, role)


@dataclass
class Recipient:
    """One addressee of an outgoing package."""

    role: str
    name: str
    registration: str = ""
    organisation: str = ""
    address: str = ""  # postal address, lines separated by ", " or newlines
    title: str = ""  # "Dr", "Prof.", "Ms"...: how the salutation addresses them
    language: str = ""  # BCP 47 ("nl-BE"): their letters' language; "" when not known

    def to_json(self) -> dict:
        return asdict(self)

    def merged(self, other: Recipient | None) -> Recipient:
        """This recipient with the fields `other` (an address-book entry) fills in."""
        if other is None:
            return self
        return Recipient(self.role, other.name or self.name, other.registration or self.registration,
                         other.organisation or self.organisation, other.address or self.address,
                         other.title or self.title, other.language or self.language)

    @property
    def address_lines(self) -> list[str]:
        text = self.address.replace("\r\n", "\n")
        parts = text.split("\n") if "\n" in text else text.split(", ")
        return [p.strip() for p in parts if p.strip()]


def person(record: dict, role: str) -> Recipient:
    """The person of `role` as the dossier names them (the package's manifest, the case sheet on
    top), consented to or not; an empty name when the dossier does not name them."""
    said = details(record)
    if role == "patient":
        patient = said["patient"]
        name = format_patient_name(patient.get("family_name") or "", patient.get("given_names"))
        return Recipient(role, name, address=str(patient.get("address") or ""), title=courtesy(patient.get("sex")),
                         language=_language(patient))
    person = said["referral"].get(role) or {}
    if not isinstance(person, dict):
        person = {"name": str(person)}
    return Recipient(role, str(person.get("name") or ""), str(person.get("registration") or ""),
                     str(person.get("organisation") or ""), str(person.get("address") or ""),
                     title=str(person.get("title") or ""), language=_language(person))


def _language(person: dict) -> str:
    value = person.get("language")
    return str(value) if is_language_tag(value) else ""


def courtesy(sex: object) -> str:
    """The patient's title in the salutation, from the recorded sex (none when unknown)."""
    return {"F": "Ms", "M": "Mr"}.get(str(sex or ""), "")


def consented_recipients(record: dict) -> list[Recipient]:
    """The recipients the patient agreed to, as the dossier names them, in the manifest's order."""
    return [person(record, role) for role in consented_roles(record) if role in CONSENT_ROLES]


def require_consent(record: dict, role: str) -> Recipient:
    """The recipient of `role`; `ConsentError` when the patient did not consent to it."""
    for recipient in consented_recipients(record):
        if recipient.role == role:
            return recipient
    allowed = ", ".join(r.role for r in consented_recipients(record)) or _("nobody")
    raise ConsentError(_("The patient did not consent to sending the opinion to {role} ({label}); the consented "
                         "recipients are: {allowed}.").format(role=role, label=role_label(role), allowed=allowed))
