"""The DEMO reviewer's opinion on the DEMO dossier (fictitious, not for clinical use): the
answers `secondo demo` types into the form before it previews and signs the sample opinion."""

from __future__ import annotations

from app.opinion.questionnaire import Questionnaire, set_answer


def _option(q: Questionnaire, link_id: str, code: str):
    for option in q.item(link_id).get("answerOption", []):
        coding = option.get("valueCoding") or {}
        if coding.get("code") == code:
            return coding
    return q.item(link_id)["answerOption"][0].get("valueCoding")


def fill_demo_opinion(q: Questionnaire, response: dict) -> dict:
    """`response` with every section of the DEMO opinion answered (in place; also returned)."""
    answers = {
        "clinical-summary": (
            "DEMO. Woman of 56, former smoker (20 pack-years), in whom a solid nodule of the right lower lobe was "
            "found on a CT for persistent cough. Growth from 7 to 9 mm over 14 months. Navigational bronchoscopy "
            "with radial EBUS was non-diagnostic. Normal lung function; cardiological work-up without objection "
            "to surgery."),
        "findings": (
            "DEMO. Solid nodule of 9 mm in the posterior basal segment of the right lower lobe (segment 10), "
            "smooth margins, no spiculation, no calcification; mean density about 30 HU. Compared with the prior "
            "CT, a volume doubling time of about 600 days.\n\n"
            "No mediastinal or hilar lymphadenopathy. No pleural effusion. No other pulmonary nodule."),
        "agreement": _option(q, "agreement", "partly"),
        "agreement-explanation": (
            "DEMO. The growth is real but slow; with a non-diagnostic biopsy, a sublobar resection is justified, "
            "and so is a short-interval CT surveillance for a patient who prefers to wait."),
        "diagnosis": "DEMO. Slowly growing solid pulmonary nodule; a low-grade adenocarcinoma cannot be excluded.",
        "differential": ["Hamartoma without visible fat", "Intrapulmonary lymph node", "Carcinoid tumour"],
        "treatment": (
            "DEMO. Either a segmentectomy (S10) by VATS with intraoperative frozen section, or CT surveillance at "
            "3, 9 and 24 months with resection at any further growth. Discuss both with the patient."),
        "examinations": ["FDG PET-CT before any resection"],
        "answer": (
            "DEMO. Resection is not required at once: CT surveillance is a reasonable alternative. If the patient "
            "prefers certainty, a segmentectomy is the right operation, not a lobectomy."),
        "urgency": _option(q, "urgency", "routine"),
    }
    for link, value in answers.items():
        if link in q.items:
            set_answer(q, response, link, value)
    return response
