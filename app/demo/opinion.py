"""The DEMO reviewer's opinion on the DEMO dossier (fictitious, not for clinical use): the
answers `secondo demo` types into the form before it previews and signs the sample opinion."""

from __future__ import annotations

from typing import Any

from app.core.i18n import interface_language, language_of
from app.opinion.questionnaire import Questionnaire, set_answer


def _option(q: Questionnaire, link_id: str, code: str):
    for option in q.item(link_id).get("answerOption", []):
        coding = option.get("valueCoding") or {}
        if coding.get("code") == code:
            return coding
    return q.item(link_id)["answerOption"][0].get("valueCoding")


#: The DEMO reviewer's free text, written in each language a letter can be written in (a
#: reviewer writes in the letter's language; the coded answers are translated by the form).
DEMO_TEXTS: dict[str, dict[str, Any]] = {
    "en": {
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
    },
    "nl": {
        "clinical-summary": (
            "DEMO. Vrouw van 56 jaar, ex-rookster (20 pakjaren), bij wie op een CT voor aanhoudende hoest een solide "
            "nodulus in de rechteronderkwab werd gevonden. Groei van 7 naar 9 mm over 14 maanden. "
            "Navigatiebronchoscopie met radiale EBUS was niet diagnostisch. Normale longfunctie; cardiologisch "
            "onderzoek zonder bezwaar tegen chirurgie."),
        "findings": (
            "DEMO. Solide nodulus van 9 mm in het posterobasale segment van de rechteronderkwab (segment 10), "
            "gladde rand, geen spiculae, geen verkalking; gemiddelde densiteit ongeveer 30 HU. In vergelijking met "
            "de vorige CT een volumeverdubbelingstijd van ongeveer 600 dagen.\n\n"
            "Geen mediastinale of hilaire adenopathie. Geen pleuravocht. Geen andere longnodulus."),
        "agreement-explanation": (
            "DEMO. De groei is reëel maar traag; met een niet-diagnostische biopsie is een sublobaire resectie "
            "verantwoord, en evenzeer een CT-opvolging met kort interval voor een patiënte die liever afwacht."),
        "diagnosis": "DEMO. Traag groeiende solide longnodulus; een laaggradig adenocarcinoom is niet uit te sluiten.",
        "differential": ["Hamartoom zonder zichtbaar vet", "Intrapulmonale lymfeklier", "Carcinoïdtumor"],
        "treatment": (
            "DEMO. Ofwel een segmentectomie (S10) via VATS met peroperatoir vriescoupe-onderzoek, ofwel CT-opvolging "
            "na 3, 9 en 24 maanden met resectie bij verdere groei. Beide met de patiënte bespreken."),
        "examinations": ["FDG-PET-CT vóór elke resectie"],
        "answer": (
            "DEMO. Een resectie is niet meteen nodig: CT-opvolging is een redelijk alternatief. Als de patiënte "
            "zekerheid verkiest, is een segmentectomie de juiste ingreep, geen lobectomie."),
    },
    "fr": {
        "clinical-summary": (
            "DEMO. Femme de 56 ans, ancienne fumeuse (20 paquets-années), chez qui un nodule solide du lobe "
            "inférieur droit a été découvert à un scanner réalisé pour une toux persistante. Croissance de 7 à 9 mm "
            "en 14 mois. La bronchoscopie de navigation avec EBUS radial n'a pas été contributive. Fonction "
            "respiratoire normale ; bilan cardiologique sans contre-indication à la chirurgie."),
        "findings": (
            "DEMO. Nodule solide de 9 mm du segment basal postérieur du lobe inférieur droit (segment 10), contours "
            "lisses, sans spicules ni calcification ; densité moyenne d'environ 30 UH. Par rapport au scanner "
            "précédent, temps de doublement volumique d'environ 600 jours.\n\n"
            "Pas d'adénopathie médiastinale ni hilaire. Pas d'épanchement pleural. Pas d'autre nodule pulmonaire."),
        "agreement-explanation": (
            "DEMO. La croissance est réelle mais lente ; avec une biopsie non contributive, une résection "
            "infralobaire se justifie, tout comme une surveillance scanographique rapprochée chez une patiente "
            "qui préfère attendre."),
        "diagnosis": ("DEMO. Nodule pulmonaire solide à croissance lente ; un adénocarcinome de bas grade ne peut "
                      "être exclu."),
        "differential": ["Hamartome sans graisse visible", "Ganglion intrapulmonaire", "Tumeur carcinoïde"],
        "treatment": (
            "DEMO. Soit une segmentectomie (S10) par VATS avec examen extemporané, soit une surveillance par scanner "
            "à 3, 9 et 24 mois avec résection en cas de nouvelle croissance. Discuter des deux options avec la "
            "patiente."),
        "examinations": ["TEP-TDM au FDG avant toute résection"],
        "answer": (
            "DEMO. Une résection n'est pas nécessaire d'emblée : la surveillance par scanner est une alternative "
            "raisonnable. Si la patiente préfère une certitude, la segmentectomie est l'intervention adéquate, "
            "pas la lobectomie."),
    },
}


def fill_demo_opinion(q: Questionnaire, response: dict, language: str | None = None) -> dict:
    """`response` with every section of the DEMO opinion answered (in place; also returned),
    the free text in `language` (default: the response's own language, else the interface's)."""
    chosen = language_of(language) or language_of(response.get("language")) or interface_language()
    answers: dict[str, Any] = dict(DEMO_TEXTS.get(chosen, DEMO_TEXTS["en"]))
    answers["agreement"] = _option(q, "agreement", "partly")
    answers["urgency"] = _option(q, "urgency", "routine")
    for link, value in answers.items():
        if link in q.items:
            set_answer(q, response, link, value)
    return response
