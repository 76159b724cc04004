"""What the DICOM index holds, as plain data: one instance, a series, a study, and their
JSON form (kept in the encrypted case record). dicom_index.py fills them in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields

KINDS = ("image", "sr", "encapsulated_pdf", "presentation_state", "other_non_image", "dicomdir")


@dataclass
class InstanceInfo:
    """One DICOM object as indexed; plain data, JSON-serialisable with to_json()."""

    path: str
    sop_class_uid: str
    sop_instance_uid: str
    study_uid: str
    series_uid: str
    modality: str | None
    kind: str  # one of KINDS
    instance_number: int | None
    frames: int  # NumberOfFrames (or 1) for images, 0 otherwise
    rows: int | None
    columns: int | None
    position: list[float] | None  # ImagePositionPatient
    orientation: list[float] | None  # ImageOrientationPatient
    slice_thickness: float | None
    transfer_syntax: str | None
    frame_of_reference_uid: str | None
    patient: dict  # name (raw PN), birth_date (YYYYMMDD), id, sex
    study: dict  # date, time, description, accession, id, referring
    series: dict  # number, description, body_part

    def to_json(self) -> dict:
        # Shallow: asdict() deep-copies, which cost half a second per thousand slices.
        return {name: getattr(self, name) for name in _FIELD_NAMES[InstanceInfo]}

    @classmethod
    def from_json(cls, data: dict) -> InstanceInfo:
        return cls(**_known_fields(cls, data))


@dataclass
class SeriesSummary:
    series_uid: str
    number: int | None
    modality: str | None
    description: str | None
    body_part: str | None
    frame_of_reference_uid: str | None
    kind: str
    instances: list[InstanceInfo] = field(default_factory=list)  # in display order
    frames: int = 0

    def to_json(self) -> dict:
        values = {name: getattr(self, name) for name in _FIELD_NAMES[SeriesSummary]}
        values["instances"] = [i.to_json() for i in self.instances]
        return values

    @classmethod
    def from_json(cls, data: dict) -> SeriesSummary:
        values = _known_fields(cls, data)
        if "instances" not in data and "instance_count" in data:
            values["instances"] = _stand_ins(data)
        else:
            values["instances"] = [InstanceInfo.from_json(i) for i in values.get("instances", [])]
        return cls(**values)


def _stand_ins(data: dict) -> list[InstanceInfo]:
    """A summary of a compact record (app/dossier/series_index.py) names no instance: one
    shared stand-in per SOP class, as many times as the series holds instances of it, keeps
    what the case's checks count (how many, of which class); the instances themselves are in
    the series index."""
    result: list[InstanceInfo] = []
    for sop_class, count in (data.get("sop_classes") or {}).items():
        stand_in = InstanceInfo(
            path="", sop_class_uid=sop_class, sop_instance_uid="", study_uid="",
            series_uid=data.get("series_uid") or "", modality=data.get("modality"), kind=data.get("kind") or "image",
            instance_number=None, frames=0, rows=None, columns=None, position=None, orientation=None,
            slice_thickness=None, transfer_syntax=None, frame_of_reference_uid=data.get("frame_of_reference_uid"),
            patient={}, study={}, series={})
        result += [stand_in] * max(int(count), 0)
    missing = int(data.get("instance_count") or 0) - len(result)
    return result + result[-1:] * missing if result and missing > 0 else result


@dataclass
class StudySummary:
    study_uid: str
    date: str | None
    time: str | None
    description: str | None
    accession: str | None
    patient: dict  # as InstanceInfo.patient, from the study's first instance
    series: list[SeriesSummary] = field(default_factory=list)

    @property
    def has_images(self) -> bool:
        return any(s.kind == "image" for s in self.series)

    def to_json(self) -> dict:
        values = {name: getattr(self, name) for name in _FIELD_NAMES[StudySummary]}
        values["series"] = [s.to_json() for s in self.series]
        return values

    @classmethod
    def from_json(cls, data: dict) -> StudySummary:
        values = _known_fields(cls, data)
        values["series"] = [SeriesSummary.from_json(s) for s in values.get("series", [])]
        return cls(**values)


_FIELD_NAMES = {cls: tuple(f.name for f in fields(cls)) for cls in (InstanceInfo, SeriesSummary, StudySummary)}


_FIELD_SETS = {cls: frozenset(names) for cls, names in _FIELD_NAMES.items()}


def _known_fields(cls, data: dict) -> dict:
    names = _FIELD_SETS[cls]
    return {k: v for k, v in data.items() if k in names}


def studies_to_json(studies: list[StudySummary]) -> str:
    """Studies as a JSON text (for the encrypted case record: it holds patient data)."""
    return json.dumps([s.to_json() for s in studies], ensure_ascii=False)


def studies_from_json(text: str | bytes) -> list[StudySummary]:
    return [StudySummary.from_json(s) for s in json.loads(text)]
