"""The case sheet: what users enter about a case the package did not say (a plain CD says
nothing of the question, the consent or the recipients): the patient, the referral, the
patient's consent; and the service that checks and saves it. The values live in
`record["sheet"]` (the manifest's shapes, see app/dossier/case_details.py); the received
manifest is never edited. Adding documents and a document's kind: app/dossier/case_documents.py.
"""

from __future__ import annotations

import copy
from datetime import date
import re

from app.core.errors import BadInputError
from app.core.i18n import _
from app.dossier import national_number
from app.dossier.manifest import is_language_tag
from app.dossier.sheet_fields import date_field, text_field
from app.dossier.case_details import (CONSENT_ROLES, PERSON_ROLES, details, patient_from_images,
                                      sources as value_sources)
from app.dossier.case_documents import add_documents, document_kinds, reclassify  # noqa: F401 (the API)
from app.dossier.case_update import commit, now, read_for_update
from app.store.audit import current_user
from app.store.store import CaseStore

SEXES = ("M", "F", "O", "U")
PATIENT_KEYS = ("family_name", "given_names", "birth_date", "sex", "national_number", "address_lines")
REFERRAL_KEYS = ("question", "reason", "referral_date")
PERSON_KEYS = ("name", "title", "organisation", "address_lines", "email", "language")
CONSENT_KEYS = ("roles", "decided_on", "recorded_by")
MAX_TEXT = 4000
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _address_lines(text: object) -> list[str]:
    if isinstance(text, list):
        return [str(x).strip() for x in text if str(x).strip()]
    value = str(text or "").replace("\r\n", "\n")
    parts = value.split("\n") if "\n" in value else value.split(", ")
    return [p.strip() for p in parts if p.strip()]


def _person_view(person: object) -> dict:
    person = person if isinstance(person, dict) else {"name": str(person)} if person else {}
    return {"name": person.get("name"), "title": person.get("title"), "organisation": person.get("organisation"),
            "address_lines": _address_lines(person.get("address")), "email": person.get("email"),
            "language": person.get("language")}


def sheet_view(record: dict) -> dict:
    """What the case sheet shows: {"patient": {family_name, given_names, birth_date (ISO), sex,
    national_number, address_lines}, "referral": {question, reason, referral_date,
    referring_physician / treating_physician / general_practitioner: {name, title,
    organisation, address_lines, email, language}}, "consent": {roles, decided_on,
    recorded_by, recorded_at}, "sources": {"patient.birth_date": "package" | "sheet" |
    "images", ...} (a field absent from `sources` is unknown), "documents", "studies",
    "missing" (missing_for_signing)}. Unknown values are None ([] for lists). A plain CD's
    patient, until entered, is shown as the images name it, marked "images"."""
    said = details(record)
    patient, referral = said["patient"], said["referral"]
    where = value_sources(record)
    if not patient.get("family_name") and not patient.get("birth_date"):
        for key, value in patient_from_images(record).items():
            if value and not patient.get(key):
                patient[key], where[f"patient.{key}"] = value, "images"
    identifiers = [i for i in patient.get("identifiers") or [] if isinstance(i, dict) and i.get("value")]
    if identifiers:
        where["patient.national_number"] = where.pop("patient.identifiers", "package")
    if patient.get("address"):
        where["patient.address_lines"] = where.pop("patient.address")
    consent = referral.get("consent") or {}
    view = {
        "patient": {"family_name": patient.get("family_name"), "given_names": patient.get("given_names"),
                    "birth_date": patient.get("birth_date"), "sex": patient.get("sex"),
                    "national_number": identifiers[0]["value"] if identifiers else None,
                    "address_lines": _address_lines(patient.get("address"))},
        "referral": {"question": referral.get("question"), "reason": referral.get("reason"),
                     "referral_date": referral.get("referral_date")}
        | {role: _person_view(referral.get(role)) for role in PERSON_ROLES},
        "consent": {"roles": list(referral.get("consented_recipients") or []),
                    "decided_on": consent.get("decided_on"), "recorded_by": consent.get("recorded_by"),
                    "recorded_at": consent.get("recorded_at")},
        "sources": where,
        "documents": [{k: d.get(k) for k in ("id", "title", "kind", "date", "author", "media_type", "origin", "path")}
                      for d in record.get("documents") or []],
        "studies": [{"study_uid": s.get("study_uid"), "date": s.get("date"), "description": s.get("description"),
                     "modalities": sorted({se.get("modality") for se in s.get("series", []) if se.get("modality")})}
                    for s in record.get("studies") or []],
        "missing": missing_for_signing(record),
    }
    for role in PERSON_ROLES:
        if f"referral.{role}.address" in where:
            where[f"referral.{role}.address_lines"] = where.pop(f"referral.{role}.address")
    return view


# -- what a case lacks -------------------------------------------------------------------------

def missing_for_signing(record: dict) -> list[str]:
    """What the case still lacks before its opinion can be signed, each a short phrase that
    completes "Complete the case sheet: ..." ([] when nothing is missing)."""
    said = details(record)
    patient, referral = said["patient"], said["referral"]
    missing = []
    if not (patient.get("family_name") or "").strip():
        missing.append(_("the patient's name"))
    if not patient.get("birth_date"):
        missing.append(_("the patient's birth date"))
    if not (referral.get("question") or "").strip():
        missing.append(_("the question asked"))
    if not [r for r in referral.get("consented_recipients") or [] if r in CONSENT_ROLES]:
        missing.append(_("the patient's consent to at least one recipient"))
    if not record.get("documents") and not record.get("studies"):
        missing.append(_("at least one document or imaging study"))
    return missing


def missing_sentence(record: dict) -> str | None:
    """"Complete the case sheet: the question asked, ..." or None when the case is complete."""
    missing = missing_for_signing(record)
    return _("Complete the case sheet: {missing}.").format(missing="; ".join(missing)) if missing else None


# -- checking what was entered -----------------------------------------------------------------

def _lines(value: object, label: str) -> str | None:
    if value is None:
        return None
    lines = [value] if isinstance(value, str) else value
    if not isinstance(lines, list):
        raise BadInputError(_("{field} must be lines of text.").format(field=label))
    checked = [text_field(line, label) for line in lines]
    return "\n".join(line for line in checked if line) or None


def _patient(entered: dict, changes: dict, birth_date: str | None) -> None:
    labels = {"family_name": _("The family name"), "given_names": _("The given names"),
              "birth_date": _("The birth date"), "sex": _("The sex"), "national_number": _("The national number"),
              "address_lines": _("The address")}
    _unknown(changes, PATIENT_KEYS, "patient")
    for key in ("family_name", "given_names"):
        if key in changes:
            entered[key] = text_field(changes[key], labels[key])
    if "birth_date" in changes:
        entered["birth_date"] = date_field(changes["birth_date"], labels["birth_date"])
    if "sex" in changes:
        sex = text_field(changes["sex"], labels["sex"], 1)
        if sex is not None and sex.upper() not in SEXES:
            raise BadInputError(_("The sex must be M, F, O (other) or U (unknown)."))
        entered["sex"] = sex.upper() if sex else None
    if "address_lines" in changes:
        entered["address"] = _lines(changes["address_lines"], labels["address_lines"])
    if "national_number" in changes:
        text = text_field(changes["national_number"], labels["national_number"], 40)
        entered["identifiers"] = [national_number.parse(text, entered.get("birth_date") or birth_date)] if text else None


def _person_labels(role: str) -> dict[str, str]:
    """The names of a physician's fields, as the subject of an error ('The treating
    physician's e-mail address'), one whole phrase each."""
    if role == "referring_physician":
        return {"name": _("The referring physician's name"), "title": _("The referring physician's title"),
                "organisation": _("The referring physician's organisation"),
                "address": _("The referring physician's address"),
                "email": _("The referring physician's e-mail address"),
                "language": _("The referring physician's language")}
    if role == "treating_physician":
        return {"name": _("The treating physician's name"), "title": _("The treating physician's title"),
                "organisation": _("The treating physician's organisation"),
                "address": _("The treating physician's address"),
                "email": _("The treating physician's e-mail address"),
                "language": _("The treating physician's language")}
    return {"name": _("The general practitioner's name"), "title": _("The general practitioner's title"),
            "organisation": _("The general practitioner's organisation"),
            "address": _("The general practitioner's address"),
            "email": _("The general practitioner's e-mail address"),
            "language": _("The general practitioner's language")}


def _person(entered: dict, changes: object, role: str) -> None:
    if not isinstance(changes, dict):
        changes = {"name": changes}
    _unknown(changes, PERSON_KEYS, role)
    label = _person_labels(role)
    person = dict(entered.get(role) or {})
    for key in ("name", "title", "organisation"):
        if key in changes:
            person[key] = text_field(changes[key], label[key])
    if "address_lines" in changes:
        person["address"] = _lines(changes["address_lines"], label["address"])
    if "email" in changes:
        email = text_field(changes["email"], label["email"])
        if email and not _EMAIL.fullmatch(email):
            raise BadInputError(_("{field} is not an e-mail address.").format(field=label["email"]))
        person["email"] = email
    if "language" in changes:
        language = text_field(changes["language"], label["language"], 35)
        if language and not is_language_tag(language):
            raise BadInputError(_("A language is a BCP 47 tag such as nl-BE, fr-BE, nl or en."))
        person["language"] = language or None
    entered[role] = {k: v for k, v in person.items() if v}


def _consent(changes: dict, by: str) -> dict:
    _unknown(changes, CONSENT_KEYS, "consent")
    roles = changes.get("roles") or []
    if not isinstance(roles, list) or any(r not in CONSENT_ROLES for r in roles):
        wrong = next((str(r) for r in roles if r not in CONSENT_ROLES), "") if isinstance(roles, list) else ""
        raise BadInputError(_("{role} is not a recipient role; the roles are: {roles}.").format(
            role=wrong[:40] or _("That"), roles=", ".join(CONSENT_ROLES)))
    decided_on = date_field(changes.get("decided_on"), _("The date of the patient's decision")) or date.today().isoformat()
    recorded_by = text_field(changes.get("recorded_by"), _("Who recorded the consent")) or by
    return {"roles": [r for r in CONSENT_ROLES if r in roles], "decided_on": decided_on,
            "recorded_by": recorded_by, "recorded_at": now()}


def _unknown(changes: dict, known: tuple[str, ...], where: str) -> None:
    if not isinstance(changes, dict):
        raise BadInputError(_("The case sheet's {part} must be a set of fields.").format(part=where))
    for key in changes:
        if key not in known:
            raise BadInputError(_("The case sheet has no field {field} in {part}.").format(field=key, part=where))


def _changed_fields(before: dict, after: dict, prefix: str = "") -> list[str]:
    names = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) or isinstance(new, dict):
            names += _changed_fields(old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {},
                                     f"{prefix}{key}.")
        elif (old or None) != (new or None):
            names.append(prefix + key)
    return names


def _beyond(entered: dict, package: object) -> dict:
    """The entered values that are set and differ from the package's."""
    package = package if isinstance(package, dict) else {}
    return {k: v for k, v in entered.items() if v and v != package.get(k)}


def apply_changes(record: dict, changes: dict, by: str) -> tuple[dict, list[str], dict | None]:
    """(the new sheet, the names of the fields changed, the new consent or None): `changes`
    checked against the record, nothing written. BadInputError names the first bad field."""
    _unknown(changes, ("patient", "referral", "consent"), _("the case sheet"))
    sheet = copy.deepcopy(record.get("sheet") or {})
    before = {k: copy.deepcopy(sheet.get(k) or {}) for k in ("patient", "referral")}
    patient = dict(sheet.get("patient") or {})
    if "patient" in changes:
        _patient(patient, changes["patient"] or {}, details(record)["patient"].get("birth_date"))
    referral = dict(sheet.get("referral") or {})
    if "referral" in changes:
        entered = changes["referral"] or {}
        _unknown(entered, (*REFERRAL_KEYS, *PERSON_ROLES), "referral")
        labels = {"question": _("The question"), "reason": _("The reason"), "referral_date": _("The referral date")}
        for key in ("question", "reason"):
            if key in entered:
                referral[key] = text_field(entered[key], labels[key], MAX_TEXT)
        if "referral_date" in entered:
            referral["referral_date"] = date_field(entered["referral_date"], labels["referral_date"])
        for role in PERSON_ROLES:
            if role in entered:
                _person(referral, entered[role], role)
    # What the package says already is not repeated on the sheet: its value stays "from the package".
    manifest = record.get("manifest")
    manifest = manifest if isinstance(manifest, dict) else {}
    sheet["patient"] = _beyond(patient, manifest.get("patient"))
    sent = manifest.get("referral")
    sent = sent if isinstance(sent, dict) else {}
    sheet["referral"] = _beyond({k: v for k, v in referral.items() if k not in PERSON_ROLES}, sent)
    for role in PERSON_ROLES:
        person = _beyond(referral.get(role) or {}, sent.get(role))
        if person:
            sheet["referral"][role] = person
    fields = _changed_fields(before["patient"], sheet["patient"], "patient.") + \
        _changed_fields(before["referral"], sheet["referral"], "referral.")
    consent = None
    if changes.get("consent") is not None:
        consent = _consent(changes["consent"], by)
        old = sheet.get("consent") or {}
        if {k: old.get(k) for k in CONSENT_KEYS} == {k: consent[k] for k in CONSENT_KEYS}:
            consent = None  # the same decision again: nothing to record
        else:
            sheet["consent"] = consent
    return sheet, fields, consent


def update_case(store: CaseStore, case_id: str, changes: dict, by: str | None = None) -> dict:
    """Check `changes` and save them on the case sheet; returns the new record (the same
    record when nothing changed).

    `changes`: {"patient": {family_name, given_names, birth_date (YYYY-MM-DD), sex (M/F/O/U),
    national_number, address_lines: [..]}, "referral": {question, reason, referral_date,
    referring_physician / treating_physician / general_practitioner: {name, title,
    organisation, address_lines, email, language}}, "consent": {roles: [...], decided_on,
    recorded_by}}. Only the keys given change; None or "" clears what the sheet said (the
    package's value shows again). `by`: who edits (default: the system user). Audited as
    "case-edit" naming the fields (never values) and, for a new consent, "consent" (roles,
    decision date, recorded by). BadInputError: a value is wrong (one sentence) or the case
    changed meanwhile (CaseChangedMeanwhile)."""
    by = (by or "").strip() or current_user()
    case_id = store.resolve_case(case_id)
    record, base = read_for_update(store, case_id)
    sheet, fields, consent = apply_changes(record, changes, by)
    if not fields and consent is None:
        return record
    record["sheet"] = sheet
    audit: list[tuple[str, dict]] = []
    if fields:
        audit.append(("case-edit", {"fields": fields, "by": by}))
    if consent is not None:
        audit.append(("consent", {"roles": consent["roles"], "decided_on": consent["decided_on"],
                                  "recorded_by": consent["recorded_by"], "by": by}))
    return commit(store, record, base, audit, kind="case-sheet")
