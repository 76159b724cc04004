"""A plain source (folder, CD, ISO, loose DICOM file) holding several patients becomes one
case per patient: the import's batch is split by patient (`identity.group_by_patient`) and
each part is published as a case of its own, with its own staging folder."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
import shutil

from app.dossier import identity
from app.dossier.case_record import build_record, instance_info
from app.dossier.dicom_index import build_studies
from app.dossier.import_batch import DuplicateDossier, ImportBatch, ImportResult
from app.store.store import CaseStore


def patient_groups(batch: ImportBatch) -> list[set[str]]:
    """The study UIDs of each patient in the batch, the patient with the most studies first
    (ties: the one whose first study comes first by date)."""
    studies = build_studies([instance_info(i) for i in batch.instances])
    groups = identity.group_by_patient([s.patient for s in studies])
    ordered = sorted(groups, key=lambda g: (-len(g), g[0]))
    return [{studies[n].study_uid for n in group} for group in ordered]


def _patient_of(studies: set[str], batch: ImportBatch) -> dict:
    return next(i["patient"] for i in batch.instances if i["study_uid"] in studies)


def _belongs(item: dict, studies: set[str], patient: dict) -> bool:
    """A missing or unreadable file, by what the DICOMDIR said of it."""
    if item.get("study_uid"):
        return item["study_uid"] in studies
    return bool(item.get("patient")) and identity.same_patient(patient, item["patient"])


def split_batch(store: CaseStore, batch: ImportBatch, staging: Path,
                groups: list[set[str]]) -> list[tuple[ImportBatch, Path]]:
    """`batch` cut into one batch per group; the first keeps what belongs to no patient
    (documents of the disc, notes, skipped files). The others get staging folders of their
    own (held; the caller releases them), their files moved there."""
    parts = [(batch, staging)]
    patients = [_patient_of(g, batch) for g in groups]
    for studies, patient in zip(groups[1:], patients[1:]):
        import_id, folder = store.new_staging()
        part = ImportBatch(import_id, sources=list(batch.sources))
        moved = []
        for item in batch.instances:
            if item["study_uid"] not in studies:
                continue
            name = item["blob"].split("/", 1)[1]
            os.replace(staging / name, folder / name)
            moved.append(item | {"blob": f"{import_id}/{name}"})
        store.moved_staged(staging, folder, [item["blob"].split("/", 1)[1] for item in moved])
        part.instances = moved
        part.files, part.bytes = len(moved), sum(i.get("size", 0) for i in moved)
        part.missing_detail = [m for m in batch.missing_detail if _belongs(m, studies, patient)]
        part.missing = [m["path"] for m in part.missing_detail]
        part.unreadable = [u for u in batch.unreadable if _belongs(u, studies, patient)]
        parts.append((part, folder))
    taken = {i["sop_instance_uid"] for part, _f in parts[1:] for i in part.instances}
    taken_paths = {m["path"] for part, _f in parts[1:] for m in part.missing_detail + part.unreadable}
    batch.instances = [i for i in batch.instances if i["sop_instance_uid"] not in taken]
    batch.missing_detail = [m for m in batch.missing_detail if m["path"] not in taken_paths]
    batch.missing = [m for m in batch.missing if m not in taken_paths]
    batch.unreadable = [u for u in batch.unreadable if u["path"] not in taken_paths]
    batch.files -= sum(p.files for p, _f in parts[1:])
    batch.bytes -= sum(p.bytes for p, _f in parts[1:])
    return parts


def build_cases(store: CaseStore, batch: ImportBatch, staging: Path) -> ImportResult:
    """One case per patient of `batch` (one case when it holds one patient). Each case is
    published on its own; one already on the workstation is listed as a duplicate."""
    groups = patient_groups(batch)
    if len(groups) <= 1:
        return build_record(store, batch, staging, None)
    parts = split_batch(store, batch, staging, groups)
    results: list[ImportResult] = []
    try:
        for part, folder in parts:
            try:
                result = build_record(store, part, folder, None)
            except DuplicateDossier as duplicate:
                shutil.rmtree(folder, ignore_errors=True)
                result = ImportResult(duplicate.case_id, duplicate=True)
                result.cases = [result.case_entry(_patient_of(groups[len(results)], part) if part.instances else None)]
            results.append(result)
    finally:
        for part, folder in parts[1:]:
            shutil.rmtree(folder, ignore_errors=True)  # gone once published; else what is left
            store.release_staging(part.import_id)
    first = results[0]
    return replace(first, duplicate=all(r.duplicate for r in results), files=sum(r.files for r in results),
                   bytes=sum(r.bytes for r in results),
                   identity_mismatches=sum(r.identity_mismatches for r in results),
                   unreadable=sum(r.unreadable for r in results), missing=sum(r.missing for r in results),
                   missing_studies=sum(r.missing_studies for r in results), patients=len(groups),
                   cases=[c for r in results for c in r.cases])
