"""Pre-filling an opinion from the case record and the reviewer's profile, in the spirit of
IHE MRRT auto-populated fields: an item names its source in the prefill extension.

Sources: a dotted path into what the case says (the manifest completed by the case sheet,
app/dossier/case_details.py: "referral.question", "referral.reason"...), "patient",
"documents" (a checklist of the case's documents and imaging studies, all ticked),
"consented_recipients" (ONLY the roles the patient consented to are ever offered),
"reviewer.name", "reviewer.specialty", "reviewer.registration", and "key_images" (a display
item the form fills with key image captions).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from app.core.formatting import format_date, format_patient_name
from app.core.i18n import _
from app.dossier.case_details import details
from app.opinion.profile import ReviewerProfile
from app.opinion.questionnaire import Questionnaire, empty_response, prefill_source, set_answer

DOCUMENT_SYSTEM = "urn:second-o:case-document"
STUDY_SYSTEM = "urn:second-o:case-study"
RECIPIENT_SYSTEM = "urn:second-o:recipient-role"
# Where the person of a role is found in the referral block (app/dossier/case_details.py).
ROLE_PEOPLE = {"treating_physician": "treating_physician", "referring_physician": "referring_physician",
               "general_practitioner": "general_practitioner"}


def _role_labels() -> dict[str, str]:
    return {"treating_physician": _("Treating physician"), "referring_physician": _("Referring physician"),
            "general_practitioner": _("General practitioner"), "patient": _("The patient")}


def manifest_value(manifest: dict, path: str) -> Any:
    value: Any = manifest
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def patient_display(record: dict) -> str:
    patient = details(record)["patient"]
    if not patient.get("family_name"):
        return ""
    name = format_patient_name(patient["family_name"], patient.get("given_names"))
    born = format_date(patient.get("birth_date"))
    return _("{name}, born {date}").format(name=name, date=born) if born else name


def document_options(record: dict) -> list[dict]:
    options = []
    for n, doc in enumerate(record.get("documents") or []):
        facts = ", ".join(str(x) for x in (format_date(doc.get("date")), doc.get("author")) if x)
        title = doc.get("title") or doc.get("path") or _("Document {n}").format(n=n + 1)
        options.append({"valueCoding": {"system": DOCUMENT_SYSTEM, "code": str(doc.get("id") or doc.get("path") or n),
                                        "display": f"{title} — {facts}" if facts else title}})
    for study in record.get("studies") or []:
        if not study.get("study_uid"):
            continue
        modalities = sorted({str(s["modality"]) for s in study.get("series") or [] if s.get("modality")})
        what = " ".join(x for x in (" ".join(modalities), study.get("description")) if x) or _("Imaging study")
        when = format_date(study.get("date"))
        options.append({"valueCoding": {"system": STUDY_SYSTEM, "code": str(study["study_uid"]),
                                        "display": f"{what} — {when}" if when else what}})
    return options


def consented_roles(record: dict) -> list[str]:
    referral = details(record)["referral"]
    consented = referral.get("consented_recipients") or []
    return [r for r in consented if isinstance(r, str)]


def recipient_options(q_item: dict, record: dict) -> list[dict]:
    """The template's recipient options restricted to consented roles (a role the template
    does not list is added only if consented), labelled with the person's name."""
    referral = details(record)["referral"]
    consented = consented_roles(record)
    template = {o["valueCoding"]["code"]: o["valueCoding"] for o in q_item.get("answerOption", []) or []
                if "valueCoding" in o}
    labels = _role_labels()
    options = []
    for role in consented:
        base = dict(template.get(role) or {"system": RECIPIENT_SYSTEM, "code": role,
                                           "display": labels.get(role, role.replace("_", " "))})
        person = referral.get(ROLE_PEOPLE.get(role, "")) if role in ROLE_PEOPLE else None
        if isinstance(person, dict) and person.get("name"):
            base["display"] = f"{base.get('display', role)}: {person['name']}"
        elif role == "patient" and patient_display(record):
            base["display"] = f"{base.get('display', role)}: {patient_display(record)}"
        options.append({"valueCoding": base})
    return options


def bind(template: Questionnaire, record: dict) -> Questionnaire:
    """A copy of the template for this case: the documents checklist lists the case's
    documents and the recipients are only the consented roles."""
    q = template.copy()
    for item in q.walk():
        source = prefill_source(item)
        if source == "documents":
            item["answerOption"] = document_options(record)
        elif source == "consented_recipients":
            item["answerOption"] = recipient_options(item, record)
    q.bound_to = str(record.get("case_id") or "")
    return q


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_response(q: Questionnaire, record: dict, profile: ReviewerProfile | None = None) -> dict:
    """A new draft for the case, pre-filled. `q` should come from `bind(template, record)`;
    an unbound template is bound here (the form must then be built from `bind` as well)."""
    if q.bound_to is None:
        q = bind(q, record)
    profile = profile or ReviewerProfile()
    said = dict(record.get("manifest") or {}) | details(record)
    response = empty_response(q, patient_display(record), _now())
    for item in q.walk():
        source = prefill_source(item)
        if not source or item["type"] in ("group", "display"):
            continue
        link = item["linkId"]
        if source == "documents" or source == "consented_recipients":
            value: Any = [o["valueCoding"] for o in item.get("answerOption", [])]
        elif source == "patient":
            value = patient_display(record)
        elif source.startswith("reviewer."):
            value = getattr(profile, source.split(".", 1)[1], "")
        else:
            value = manifest_value(said, source)
            if isinstance(value, dict):
                value = value.get("name") or value.get("display")
            elif isinstance(value, list):
                value = [str(v) for v in value]
        set_answer(q, response, link, value)
    return response
