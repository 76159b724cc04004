"""What a case says about its patient and referral: the received manifest's `patient` and
`referral` blocks (app/dossier/SODP.md), completed or overridden by what users entered on the
case sheet (`record["sheet"]`, written by app/dossier/case_sheet.py). The received manifest is
never edited: it is what the sender signed. Every reader of the patient or the referral goes
through `details()`."""

from __future__ import annotations

import copy

PATIENT_FIELDS = ("family_name", "given_names", "birth_date", "sex", "address")
REFERRAL_FIELDS = ("question", "reason", "referral_date")
PERSON_ROLES = ("referring_physician", "treating_physician", "general_practitioner")
PERSON_FIELDS = ("name", "title", "organisation", "address", "email", "language", "registration")
#: Who may receive the opinion, as the patient decided (the sheet's consent, else the manifest's).
CONSENT_ROLES = ("patient", "treating_physician", "referring_physician", "general_practitioner")


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _blocks(record: dict) -> tuple[dict, dict, dict]:
    """(manifest patient, manifest referral, sheet); each a dict, never None."""
    manifest = _dict(record.get("manifest"))
    return _dict(manifest.get("patient")), _dict(manifest.get("referral")), _dict(record.get("sheet"))


def _merged(base: dict, entered: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in entered.items():
        if value not in (None, "", []):
            out[key] = copy.deepcopy(value)
    return out


def details(record: dict) -> dict:
    """{"patient": {...}, "referral": {...}} in the manifest's shapes: the package's values
    with the case sheet's on top (a person of the referral field by field). The sheet's
    consent, when recorded, replaces the manifest's `consented_recipients` and is kept as
    `referral["consent"]` ({roles, decided_on, recorded_by, recorded_at})."""
    patient, referral, sheet = _blocks(record)
    entered_patient = sheet.get("patient") or {}
    entered_referral = sheet.get("referral") or {}
    merged_patient = _merged(patient, entered_patient)
    merged_referral = _merged(referral, {k: v for k, v in entered_referral.items() if k not in PERSON_ROLES})
    for role in PERSON_ROLES:
        entered = entered_referral.get(role)
        if isinstance(entered, dict) and entered:
            merged_referral[role] = _merged(_dict(referral.get(role)), entered)
    consent = sheet.get("consent")
    if isinstance(consent, dict) and consent.get("recorded_at"):
        merged_referral["consented_recipients"] = [r for r in consent.get("roles") or [] if r in CONSENT_ROLES]
        merged_referral["consent"] = copy.deepcopy(consent)
    return {"patient": merged_patient, "referral": merged_referral}


def patient(record: dict) -> dict:
    return details(record)["patient"]


def referral(record: dict) -> dict:
    return details(record)["referral"]


def sources(record: dict) -> dict[str, str]:
    """Where each known value of `details()` comes from: {"patient.birth_date": "package" |
    "sheet", "referral.treating_physician.name": ..., "consent": ...}."""
    patient, referral, sheet = _blocks(record)
    out: dict[str, str] = {}

    def mark(prefix: str, base: dict, entered: dict, names) -> None:
        for name in names:
            if entered.get(name) not in (None, "", []):
                out[f"{prefix}.{name}"] = "sheet"
            elif base.get(name) not in (None, "", []):
                out[f"{prefix}.{name}"] = "package"

    entered_referral = sheet.get("referral") or {}
    mark("patient", patient, sheet.get("patient") or {}, (*PATIENT_FIELDS, "identifiers"))
    mark("referral", referral, entered_referral, REFERRAL_FIELDS)
    for role in PERSON_ROLES:
        mark(f"referral.{role}", _dict(referral.get(role)), _dict(entered_referral.get(role)), PERSON_FIELDS)
    consent = sheet.get("consent")
    if isinstance(consent, dict) and consent.get("recorded_at"):
        out["consent"] = "sheet"
    elif referral.get("consented_recipients"):
        out["consent"] = "package"
    return out


def patient_from_images(record: dict) -> dict:
    """The patient as the images name them (a plain CD's only source), in the manifest's
    shape: the first study not flagged as another patient's (app/dossier/identity.py
    `check_studies_against_each_other`); {} when there are no images."""
    studies = record.get("studies") or []
    foreign = {i.get("study_uid") for i in record.get("identity") or [] if i.get("status") == "mismatch"}
    first = next((s for s in studies if s.get("study_uid") not in foreign), next(iter(studies), None))
    dicom = (first or {}).get("patient") or {}
    if not dicom:
        return {}
    name = str(dicom.get("name") or "").split("=")[0].split("^")
    birth = str(dicom.get("birth_date") or "")
    return {"family_name": name[0] or None, "given_names": " ".join(n for n in name[1:3] if n).strip() or None,
            "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:8]}" if len(birth) == 8 and birth.isdigit() else None,
            "sex": dicom.get("sex") or None}
