"""Comparable studies and their priors, Qt-free: which imaging studies of a case a reader
compares (same modality and body part, or a shared frame of reference), newest first, and
which series of the prior study goes beside a series of the current one.

Works on the studies of the case view dict (`app.dossier.case_view.case_json`): each study
has `study_uid`, `date` (YYYYMMDD) and `series`, each series `series_uid`, `modality`,
`body_part`, `frame_of_reference_uid`, `frames`, `kind`. Studies of another patient
(identity "mismatch") are never offered as a prior.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Body part synonyms found on discs, one name each (DICOM PS3.16 CID 4031 uses the first).
_BODY_PARTS = {"THORAX": "CHEST", "LUNG": "CHEST", "BRAIN": "HEAD", "SKULL": "HEAD", "ABD": "ABDOMEN"}
#: Series kinds that can stand beside another: not reports, presentation states, documents.
_IMAGE_KINDS = (None, "", "image")


@dataclass
class ComparableGroup:
    """Studies a reader compares, newest first; `label` e.g. "CT CHEST"."""

    label: str
    studies: list[dict] = field(default_factory=list)  # the view's study dicts, newest first

    @property
    def study_uids(self) -> list[str]:
        return [s["study_uid"] for s in self.studies]


def body_part(value) -> str | None:
    text = str(value or "").strip().upper().replace(" ", "")
    return _BODY_PARTS.get(text, text) or None


def _image_series(study: dict) -> list[dict]:
    return [s for s in study.get("series") or [] if s.get("kind") in _IMAGE_KINDS]


def _keys(study: dict) -> set[tuple]:
    """What makes a study comparable with another: (modality, body part) and frames of reference."""
    keys: set[tuple] = set()
    for series in _image_series(study):
        modality, part = (series.get("modality") or "").strip().upper(), body_part(series.get("body_part"))
        if modality and part:
            keys.add(("part", modality, part))
        if series.get("frame_of_reference_uid"):
            keys.add(("frame", series["frame_of_reference_uid"]))
    return keys


def _foreign(study: dict) -> bool:
    return (study.get("identity") or {}).get("status") == "mismatch"


def _newest_first(studies: list[dict]) -> list[dict]:
    # Undated studies last; same date: the later time first.
    return sorted(studies, key=lambda s: (bool(s.get("date")), s.get("date") or "", s.get("time") or ""),
                  reverse=True)


def comparable_groups(studies: list[dict]) -> list[ComparableGroup]:
    """The groups of two or more comparable studies (studies sharing a modality and body part,
    or a frame of reference, directly or through another study), each newest first; the groups
    in the order of their newest study, newest first."""
    studies = [s for s in studies if not _foreign(s)]
    keys = [_keys(s) for s in studies]
    parent = list(range(len(studies)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(studies)):
        for j in range(i):
            if keys[i] & keys[j]:
                parent[root(i)] = root(j)
    members: dict[int, list[int]] = {}
    for i in range(len(studies)):
        members.setdefault(root(i), []).append(i)
    groups = []
    for indices in members.values():
        if len(indices) < 2:
            continue
        shared = set.intersection(*(keys[i] for i in indices))
        parts = sorted(k for k in (shared or set().union(*(keys[i] for i in indices))) if k[0] == "part")
        label = " ".join(parts[0][1:]) if parts else _modalities(studies[i] for i in indices)
        groups.append(ComparableGroup(label, _newest_first([studies[i] for i in indices])))
    groups.sort(key=lambda g: (bool(g.studies[0].get("date")), g.studies[0].get("date") or ""), reverse=True)
    return groups


def _modalities(studies) -> str:
    found = sorted({(s.get("modality") or "").upper() for st in studies for s in _image_series(st)} - {""})
    return "/".join(found)


def _score(series: dict, like: dict) -> tuple:
    """How well `series` matches `like` (higher is better): a shared frame of reference, then the
    same modality and body part, then the most images (the main stack, not the scout)."""
    same_frame = bool(like.get("frame_of_reference_uid")) and \
        series.get("frame_of_reference_uid") == like.get("frame_of_reference_uid")
    same_modality = (series.get("modality") or "").upper() == (like.get("modality") or "").upper()
    same_part = body_part(series.get("body_part")) == body_part(like.get("body_part"))
    same_description = (series.get("description") or "").strip().lower() == (like.get("description") or "").strip().lower()
    return same_frame, same_modality and same_part, same_modality, same_description, series.get("frames") or 0


def _main_series(study: dict) -> dict | None:
    series = _image_series(study)
    return max(series, key=lambda s: s.get("frames") or 0) if series else None


def prior_pair(studies: list[dict], uid: str) -> tuple[str, str] | None:
    """(current series, prior series) for "Compare with prior" on a study or a series (`uid`):
    the current is that series (for a study, its largest image series); the prior, the best
    matching series of the next older comparable study (for the oldest, the next newer one
    becomes the current). None when the study has no comparable study."""
    study, chosen = None, None
    for s in studies:
        if s.get("study_uid") == uid:
            study, chosen = s, _main_series(s)
        for series in s.get("series") or []:
            if series.get("series_uid") == uid:
                study, chosen = s, series
    if study is None or chosen is None or _foreign(study):
        return None
    group = next((g for g in comparable_groups(studies) if study["study_uid"] in g.study_uids), None)
    if group is None:
        return None
    position = group.study_uids.index(study["study_uid"])
    if position + 1 < len(group.studies):  # an older study: the chosen one is the current
        other = group.studies[position + 1]
        match = max(_image_series(other), key=lambda s: _score(s, chosen))
        return chosen["series_uid"], match["series_uid"]
    newer = group.studies[position - 1]  # the oldest chosen: it is the prior of the next newer
    match = max(_image_series(newer), key=lambda s: _score(s, chosen))
    return match["series_uid"], chosen["series_uid"]
