"""Pre-filling an opinion from the case record and the reviewer's profile, in the spirit of
IHE MRRT auto-populated fields: an item names its source in the prefill extension.

Sources: a dotted path into what the case says (the manifest completed by the case sheet,
app/dossier/case_details.py: "referral.question", "referral.reason"...), "patient",
"documents" (a checklist of the case's documents and imaging studies: with the case's read
state, the documents the reviewer opened and every study are ticked; without it, all),
"consented_recipients" (ONLY the roles the patient consented to are ever offered),
"reviewer.name", "reviewer.specialty", "reviewer.registration", and "key_images" (a display
item the form fills with key image captions).

The options made here (documents, recipients) carry their labels in every language of the
workstation: the English text as the display, Dutch and French in the FHIR translation
extension, as the template's own options do (app/opinion/questionnaire.py), so the form
shows them in the interface language and the letter in its reader's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timezone
from typing import Any

from app.core.formatting import format_patient_name
from app.core.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, _, current_language, in_language, interface_language
from app.core.locale_format import format_date
from app.dossier.case_details import details
from app.opinion.profile import ReviewerProfile
from app.opinion.form_languages import set_translation, translated
from app.opinion.questionnaire import Questionnaire, empty_response, prefill_source, set_answer

DOCUMENT_SYSTEM = "urn:second-o:case-document"
STUDY_SYSTEM = "urn:second-o:case-study"
RECIPIENT_SYSTEM = "urn:second-o:recipient-role"
# Where the person of a role is found in the referral block (app/dossier/case_details.py).
ROLE_PEOPLE = {"treating_physician": "treating_physician", "referring_physician": "referring_physician",
               "general_practitioner": "general_practitioner"}


#: The roles a patient may consent to, for a role the template does not list.
ROLE_LABELS = {"treating_physician": N_("Treating physician"), "referring_physician": N_("Referring physician"),
               "general_practitioner": N_("General practitioner"), "patient": N_("The patient")}


def _coding(system: str, code: str, label: Callable[[], str]) -> dict:
    """A Coding whose display is `label()` in English, with its Dutch and French (`label` is
    called in each language: it translates and formats dates there)."""
    with in_language(SOURCE_LANGUAGE):
        coding = {"system": system, "code": code, "display": label()}
    # and in the interface's, should it be another (the test pseudo-language)
    for language in dict.fromkeys((*LANGUAGES, interface_language())):
        if language != SOURCE_LANGUAGE:
            with in_language(language):
                set_translation(coding, "display", language, label())
    return coding


def manifest_value(manifest: dict, path: str) -> Any:
    value: Any = manifest
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def patient_display(record: dict) -> str:
    """'TEST, Patient, born 01/01/1970' in the current language (the reader's inside
    `in_language`)."""
    patient = details(record)["patient"]
    if not patient.get("family_name"):
        return ""
    name = format_patient_name(patient["family_name"], patient.get("given_names"))
    born = format_date(patient.get("birth_date"))
    return _("{name}, born {date}").format(name=name, date=born) if born else name


def document_code(doc: dict, n: int) -> str:
    """The code of the `n`th document of the case in the documents checklist, and the key of
    its read state (app/store/annotations.py `read_documents`)."""
    return str(doc.get("id") or doc.get("path") or n)


def document_options(record: dict) -> list[dict]:
    """A checklist option per document and imaging study of the case: its title (or the study's
    modalities and description), date and author."""
    options = []
    for n, doc in enumerate(record.get("documents") or []):
        def document(doc: dict = doc, n: int = n) -> str:
            title = doc.get("title") or doc.get("path") or _("Document {n}").format(n=n + 1)
            facts = ", ".join(str(x) for x in (format_date(doc.get("date")), doc.get("author")) if x)
            return f"{title} — {facts}" if facts else title
        options.append({"valueCoding": _coding(DOCUMENT_SYSTEM, document_code(doc, n), document)})
    for study in record.get("studies") or []:
        if not study.get("study_uid"):
            continue
        modalities = sorted({str(s["modality"]) for s in study.get("series") or [] if s.get("modality")})

        def imaging(study: dict = study, modalities: list[str] = modalities) -> str:
            what = " ".join(x for x in (" ".join(modalities), study.get("description")) if x) or _("Imaging study")
            when = format_date(study.get("date"))
            return f"{what} — {when}" if when else what
        options.append({"valueCoding": _coding(STUDY_SYSTEM, str(study["study_uid"]), imaging)})
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
    options = []
    for role in consented:
        known = template.get(role)
        person = referral.get(ROLE_PEOPLE[role]) if role in ROLE_PEOPLE else None
        name = person.get("name") if isinstance(person, dict) else None

        def label(role: str = role, known: dict | None = known, name: str | None = name) -> str:
            if known is not None:  # the template's words for the role, in this language
                role_text = translated(known, "display", current_language()) or role
            else:
                role_text = _(ROLE_LABELS[role]) if role in ROLE_LABELS else role.replace("_", " ")
            person_text = name or (patient_display(record) if role == "patient" else "")
            # TRANSLATORS: a recipient of the opinion: their role and name ("Treating physician: Dr Janssens")
            return _("{role}: {name}").format(role=role_text, name=person_text) if person_text else role_text
        system = (known or {}).get("system") or RECIPIENT_SYSTEM
        coding = _coding(system, role, label)
        options.append({"valueCoding": {k: v for k, v in (known or {}).items() if k not in coding and
                                        not k.startswith("_")} | coding})
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


def new_response(q: Questionnaire, record: dict, profile: ReviewerProfile | None = None,
                 read: Collection[str] | None = None) -> dict:
    """A new draft for the case, pre-filled. `q` should come from `bind(template, record)`;
    an unbound template is bound here (the form must then be built from `bind` as well).
    `read`: the codes (`document_code`) of the documents the reviewer opened: only those
    documents are ticked as reviewed (the imaging studies all are); None: every document."""
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
        if source == "documents" and read is not None:
            value: Any = [o["valueCoding"] for o in item.get("answerOption", [])
                          if o["valueCoding"].get("system") != DOCUMENT_SYSTEM or o["valueCoding"].get("code") in read]
        elif source == "documents" or source == "consented_recipients":
            value = [o["valueCoding"] for o in item.get("answerOption", [])]
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
