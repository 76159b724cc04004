"""Dossier completeness: the checklist second-opinion clinics ask for, present or missing."""

from __future__ import annotations

from collections import Counter

from app.core.i18n import N_, _, ngettext
from app.dossier.dicom_index import ENCAPSULATED_PDF_CLASS, StudySummary


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


def disc_problems(missing: list | None, unreadable: list | None, studies: list) -> dict:
    """What the disc lacks: {"studies": [...], "series": [...], "files": [...], "unreadable": [...]}.

    `missing`: what the DICOMDIR names but the disc does not hold, as the record keeps it
    (dicts with "path" and, where the DICOMDIR said, "study_uid", "series_uid", ...; or bare
    paths in records of earlier versions). A study none of whose files arrived is a missing
    study; a series likewise within a study that is there; the rest are missing files."""
    summaries = [StudySummary.from_json(s) if isinstance(s, dict) else s for s in studies]
    present_studies = {s.study_uid for s in summaries}
    present_series = {se.series_uid for s in summaries for se in s.series}
    result: dict[str, list] = {"studies": [], "series": [], "files": [], "unreadable": list(unreadable or [])}
    by_study: dict[str, dict] = {}
    by_series: dict[str, dict] = {}
    for item in missing or []:
        item = {"path": item} if isinstance(item, str) else item
        study, series = item.get("study_uid"), item.get("series_uid")
        if study and study not in present_studies:
            entry = by_study.get(study)
            if entry is None:
                entry = by_study[study] = {k: item.get(k) for k in ("study_uid", "study_date", "study_description",
                                                                    "patient")} | {"paths": [], "series": []}
                result["studies"].append(entry)
            entry["paths"].append(item["path"])
            if series and series not in entry["series"]:
                entry["series"].append(series)
        elif series and series not in present_series:
            entry = by_series.get(series)
            if entry is None:
                entry = by_series[series] = {k: item.get(k) for k in ("study_uid", "series_uid", "modality",
                                                                      "series_number")} | {"paths": []}
                result["series"].append(entry)
            entry["paths"].append(item["path"])
        else:
            result["files"].append(item)
    return result


def _disc_note(problems: dict) -> str:
    parts = []
    if problems["studies"]:
        n = len(problems["studies"])
        parts.append(ngettext("{n} study named by the DICOMDIR is missing from the disc.",
                              "{n} studies named by the DICOMDIR are missing from the disc.", n).format(n=n))
    if problems["series"]:
        n = len(problems["series"])
        parts.append(ngettext("{n} series named by the DICOMDIR is missing from the disc.",
                              "{n} series named by the DICOMDIR are missing from the disc.", n).format(n=n))
    if problems["files"]:
        n = len(problems["files"])
        parts.append(ngettext("{n} file named by the DICOMDIR is missing from the disc.",
                              "{n} files named by the DICOMDIR are missing from the disc.", n).format(n=n))
    if problems["unreadable"]:
        n = len(problems["unreadable"])
        parts.append(ngettext("{n} file could not be read.", "{n} files could not be read.", n).format(n=n))
    return " ".join(parts)


def assess(documents: list[dict], studies: list[StudySummary] | int, question: str | None,
           missing: list | None = None, unreadable: list | None = None) -> list[dict]:
    """One entry per CHECKLIST item, in its order: {"item", "label", "present", "count", "note"},
    and, when the disc lacks something its DICOMDIR names or a file could not be read
    (`missing`, `unreadable`: see `disc_problems`), a last entry "disc", not present.

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
    problems = disc_problems(missing, unreadable, [] if isinstance(studies, int) else studies)
    lacking = sum(len(v) for v in problems.values())
    if lacking:
        result.append({"item": "disc", "label": _(DISC_LABEL), "present": False, "count": lacking,
                       "note": _disc_note(problems)})
    return result


DISC_LABEL = N_("Everything the DICOMDIR names, on the disc and readable")
