"""Dossier completeness: the checklist second-opinion clinics ask for, present or missing."""

from __future__ import annotations

from collections import Counter

from app.core.i18n import _
from app.dossier.dicom_index import ENCAPSULATED_PDF_CLASS, StudySummary


def N_(message: str) -> str:
    """Mark a string for translation; it is translated where it is shown."""
    return message


CHECKLIST = [
    ("referral_letter", N_("Referral letter with the question")),
    ("history_letter", N_("History letter")),
    ("correspondence", N_("Specialists' correspondence")),
    ("imaging", N_("Imaging (DICOM studies)")),
    ("imaging_report", N_("Imaging reports")),
    ("operation_report", N_("Operation reports")),
]

# SR classes that carry a reader's report: Basic Text, Enhanced, Comprehensive,
# Comprehensive 3D and Extensible SR. Dose reports, CAD results and key-object
# selections are SR too, and come on nearly every CT disc, but are no report.
REPORT_SR_CLASSES = frozenset("1.2.840.10008.5.1.4.1.1.88." + n for n in ("11", "22", "33", "34", "35"))


def _is_report(instance) -> bool:
    return instance.sop_class_uid in REPORT_SR_CLASSES or instance.sop_class_uid == ENCAPSULATED_PDF_CLASS


def _studies(studies: list | int) -> tuple[int, int, int]:
    """(studies with image series, studies, report objects) in the imaging."""
    if isinstance(studies, int):
        return studies, studies, 0
    summaries = [StudySummary.from_json(s) if isinstance(s, dict) else s for s in studies]
    with_images = sum(1 for s in summaries if s.has_images)
    reports = sum(_is_report(i) for s in summaries for series in s.series for i in series.instances)
    return with_images, len(summaries), reports


def assess(documents: list[dict], studies: list[StudySummary] | int, question: str | None) -> list[dict]:
    """One entry per CHECKLIST item, in its order: {"item", "label", "present", "count", "note"}.

    `studies` may be a bare number of studies when only that is known; then every study
    counts as imaging and reports are looked for among the documents only."""
    kinds = Counter(d.get("kind") for d in documents)
    has_question = bool((question or "").strip())
    imaged, study_count, dicom_reports = _studies(studies)
    counts = dict(kinds)
    counts["imaging"] = imaged
    counts["imaging_report"] = kinds["imaging_report"] + dicom_reports
    notes: dict[str, str] = {}
    if kinds["referral_letter"] and not has_question:
        notes["referral_letter"] = _("The referral letter is there, but the question asked is missing.")
    elif has_question and not kinds["referral_letter"]:
        notes["referral_letter"] = _("The question is known, but the referral letter itself is missing.")
    if study_count and not imaged:
        notes["imaging"] = _("The imaging holds no images, only reports or other objects.")
    if imaged and not counts["imaging_report"]:
        notes["imaging_report"] = _("Images without a report.")
    elif dicom_reports and not kinds["imaging_report"]:
        notes["imaging_report"] = _("Found in the imaging only (structured report or PDF).")
    elif counts["imaging_report"] and not study_count:
        notes["imaging_report"] = _("Reports without the images.")
    result = []
    for item, label in CHECKLIST:
        count = counts.get(item, 0)
        present = count > 0 and (has_question if item == "referral_letter" else True)
        result.append({"item": item, "label": _(label), "present": present, "count": count,
                       "note": notes.get(item)})
    return result
