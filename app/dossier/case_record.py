"""The case record: the encrypted JSON that holds everything shown about a case (patient,
question, documents, studies, identity checks, completeness), and its publication."""

from dataclasses import fields
from datetime import datetime, timezone
import hashlib
from pathlib import Path
import uuid

from app.core.errors import BadInputError
from app.core.i18n import _
from app.dossier import case_details, case_summaries, completeness, identity
from app.dossier.dicom_index import InstanceInfo, StudySummary, build_studies, extract_encapsulated_pdf
from app.dossier.import_batch import DuplicateDossier, ImportBatch, ImportResult
from app.dossier.series_index import (RECORD_FORMAT, build_index, compact_studies, instance_stub,
                                      instances_of_record, is_compact)
from app.store.store import CaseStore

_INFO_FIELDS = {f.name for f in fields(InstanceInfo)}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def instance_info(stored: dict) -> InstanceInfo:
    return InstanceInfo(**{k: v for k, v in stored.items() if k in _INFO_FIELDS})


def sop_fingerprint(instances: list[dict]) -> str | None:
    """Identifies a plain CD's content: the same images give the same fingerprint."""
    uids = sorted(i["sop_instance_uid"] for i in instances)
    return hashlib.sha256("\n".join(uids).encode()).hexdigest() if uids else None


def _dedupe_instances(store: CaseStore, batch: ImportBatch, known: set[str]) -> list[dict]:
    """Drop instances already in the case (or twice in this import); delete their copies."""
    kept = []
    for item in batch.instances:
        if item["sop_instance_uid"] in known:
            (store.staging_root / item["blob"]).unlink(missing_ok=True)
            continue
        known.add(item["sop_instance_uid"])
        kept.append(item)
    return kept


def _encapsulated_documents(store: CaseStore, batch: ImportBatch, staging: Path, instances: list[dict]) -> list[dict]:
    """Encapsulated PDFs in the imaging become documents of their own."""
    documents = []
    for item in instances:
        if item["kind"] != "encapsulated_pdf":
            continue
        pdf = extract_encapsulated_pdf(store.vault.read_file(store.staging_root / item["blob"]))
        blob = store.vault.write_bytes(staging, pdf)
        documents.append({"id": uuid.uuid4().hex, "blob": f"{batch.import_id}/{blob}", "path": item["path"],
                          "origin": "DICOM", "kind": "other", "media_type": "application/pdf",
                          "study_uid": item["study_uid"],  # its header names a patient: the study's check applies
                          "title": item.get("series", {}).get("description") or _("Encapsulated PDF"),
                          "size": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest()})
    return documents


def recompute_checks(record: dict) -> None:
    """(Re)compute identity checks and completeness from the record's contents and what the
    case says of its patient and question (app/dossier/case_details.py); and, in a record of
    the first format, its studies from its instances."""
    if is_compact(record):  # the studies are kept; their instances are in the series indexes
        studies = [StudySummary.from_json(s) for s in record["studies"]]
    else:
        studies = build_studies([instance_info(i) for i in record["instances"]])
        record["studies"] = [s.to_json() for s in studies]
    _checks(record, studies)


def _checks(record: dict, studies: list[StudySummary]) -> None:
    said = case_details.details(record)
    patient = said["patient"] if said["patient"].get("family_name") or said["patient"].get("birth_date") else None
    if patient:
        record["identity"] = [dict(study_uid=s.study_uid, **identity.check_study(patient, s.patient).to_json())
                              for s in studies]
    else:
        record["identity"] = identity.check_studies_against_each_other(studies)
    question = said["referral"].get("question")
    record["completeness"] = completeness.assess(record["documents"], studies, question,
                                                 missing=missing_items(record), unreadable=record.get("unreadable"))


def completeness_now(record: dict) -> list[dict]:
    """The record's completeness checklist in the current language (the record keeps the
    words of the language it was imported in); the same items, counts and states."""
    try:
        studies = [StudySummary.from_json(s) for s in record.get("studies") or []]
    except (KeyError, TypeError, ValueError):  # a record of an older shape: what it said then
        return record.get("completeness") or []
    question = case_details.details(record)["referral"].get("question")
    return completeness.assess(record.get("documents") or [], studies, question,
                               missing=missing_items(record), unreadable=record.get("unreadable"))


def missing_items(record: dict) -> list:
    """What the DICOMDIR named that is not on the disc: with the study and series it said
    (`missing_detail`), or bare paths in records of earlier versions."""
    return record.get("missing_detail") or list(record.get("missing") or [])


def identity_entries(record: dict) -> list[dict]:
    """The record's study checks in today's words (`identity.normalised`), whatever its version."""
    return [identity.normalised(i) for i in record.get("identity") or []]


def case_identity(record: dict) -> str:
    """"ok", "not_verified" or "mismatch": the identity rule (`identity.case_status`)."""
    return identity.case_status(identity_entries(record))


def build_record(store: CaseStore, batch: ImportBatch, staging: Path, existing: str | None):
    row = store.index.case(existing) if existing else None
    base = row["record"] if row is not None else None  # to see a concurrent change at the commit
    record = store.record(existing) if existing else {
        "format": RECORD_FORMAT, "case_id": uuid.uuid4().hex, "received_at": _now(), "manifest": None,
        "signature": {"state": "unsigned"}, "sources": [], "documents": [], "instances": [], "unreadable": [],
        "missing": [], "missing_detail": [], "refused": [], "skipped": [], "notes": []}
    instances = instances_of_record(record, store.vault.read_json)  # an older record: from itself
    known = {i["sop_instance_uid"] for i in instances}
    new_instances = _dedupe_instances(store, batch, known)
    if batch.manifest is not None:
        record["manifest"], record["signature"] = batch.manifest, batch.signature
    record["documents"] += batch.documents + _encapsulated_documents(store, batch, staging, new_instances)
    instances += new_instances
    for key in ("unreadable", "missing", "missing_detail", "refused", "skipped", "notes", "sources"):
        record[key] = record.get(key, []) + getattr(batch, key)
    fingerprint = sop_fingerprint(instances)
    if existing is None and record["manifest"] is None and fingerprint:
        row = store.index.case_by_fingerprint(fingerprint)
        if row is not None:
            raise DuplicateDossier(row["id"])
    studies = build_studies([instance_info(i) for i in instances])
    record["format"] = RECORD_FORMAT
    record["studies"] = compact_studies(studies, write_series_indexes(store, batch.import_id, staging, studies,
                                                                      instances))
    record["instances"] = [instance_stub(i) for i in instances]
    recompute_checks(record)
    record["updated_at"] = _now()
    record_blob = f"{batch.import_id}/{store.vault.write_json(staging, record)}"
    publish(store, record, record_blob, batch, staging, fingerprint, base, new_instances)
    mismatches = sum(1 for i in record["identity"] if i["status"] == "mismatch")
    missing_studies = len(completeness.disc_problems(batch.missing_detail, [], record["studies"])["studies"])
    result = ImportResult(record["case_id"], added_to_existing=existing is not None, files=batch.files,
                          bytes=batch.bytes, signature=record["signature"]["state"], identity_mismatches=mismatches,
                          unreadable=len(batch.unreadable), missing=len(batch.missing), notes=batch.notes,
                          identity=case_identity(record), missing_studies=missing_studies,
                          patients=max(1, len(identity.group_by_patient([s["patient"] for s in record["studies"]]))))
    first = record["studies"][0]["patient"] if record["studies"] else None
    result.cases = [result.case_entry(first, len(record["studies"]), len(record["documents"]))]
    return result


def write_series_indexes(store: CaseStore, import_id: str, staging: Path, studies: list[StudySummary],
                         instances: list[dict]) -> dict[tuple[str, str], str]:
    """One encrypted series index per series (app/dossier/series_index.py), staged with the
    import; (study UID, series UID) -> its vault ref."""
    stored = {i["sop_instance_uid"]: i for i in instances}
    return {(study.study_uid, series.series_uid):
            f"{import_id}/{store.vault.write_json(staging, build_index(series, study.study_uid, stored))}"
            for study in studies for series in study.series}


def index_row(record: dict, record_blob: str, fingerprint: str | None) -> dict:
    """The case's row in the index (app/store/index.py `cases`) but its id, received_at and status."""
    return dict(dossier_id=(record["manifest"] or {}).get("dossier_id"), sop_fingerprint=fingerprint,
                updated_at=record["updated_at"], record=record_blob, documents=len(record["documents"]),
                studies=len(record["studies"]), instances=len(record["instances"]),
                identity_mismatches=sum(1 for i in record["identity"] if i["status"] == "mismatch"),
                # of the six checklist items the worklist counts; the disc's gaps are shown by the checklist itself
                missing_items=sum(1 for c in record["completeness"] if not c["present"] and c["item"] != "disc"),
                signature=record["signature"]["state"])


class CaseChangedMeanwhile(BadInputError):
    """Another writer (an import, another window or command) changed the case since it was read."""


def replace_case_row(store: CaseStore, case_id: str, base: str, row: dict, refusal: str) -> None:
    """Inside CaseStore.publishing: the case's index row becomes `row`, but only while the
    case is still the version read from the record blob `base`; otherwise CaseChangedMeanwhile
    with `refusal`, and the caller's transaction publishes nothing."""
    current = store.index.case(case_id)
    if current is None or current["record"] != base:
        raise CaseChangedMeanwhile(refusal)
    # The column names are the keys of index_row(), never data; every value is a bound parameter.
    store.index.db.execute("UPDATE cases SET " + ", ".join(f"{k} = :{k}" for k in row) + " WHERE id = :id",  # noqa: S608
                           row | {"id": case_id})


def publish(store: CaseStore, record: dict, record_blob: str, batch: ImportBatch, staging: Path,
            fingerprint: str | None, base: str | None, new_instances: list[dict]) -> None:
    """The staging rename, the index rows and the audit line in one transaction
    (CaseStore.publishing): the case appears whole, audited, or not at all. `base`: the
    record an addition to an existing case was built on."""
    case_id = record["case_id"]
    row = index_row(record, record_blob, fingerprint)
    store.sync_staging(staging)
    with store.publishing(batch.import_id, staging):
        db = store.index.db
        # The column names are the keys of `row` above, never data; every value is a bound parameter.
        if base is None:  # another process may have imported the same dossier meanwhile
            same = store.index.case_by_dossier(row["dossier_id"]) if row["dossier_id"] else \
                store.index.case_by_fingerprint(fingerprint) if fingerprint and record["manifest"] is None else None
            if same is not None:
                raise DuplicateDossier(same["id"])
            db.execute("INSERT INTO cases(id, received_at, " + ", ".join(row) + ") VALUES (:id, :received_at, "  # noqa: S608
                       + ", ".join(f":{k}" for k in row) + ")", row | {"id": case_id, "received_at": record["received_at"]})
        else:
            replace_case_row(store, case_id, base, row, _(
                "The case was changed meanwhile (by an import or another window); nothing was added. Import again."))
        case_summaries.keep(store, db, case_id, record_blob, record)
        db.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?)",
                   (batch.import_id, case_id, "+".join(s["kind"] for s in batch.sources) or "none", _now(),
                    batch.bytes, batch.files))
        db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(d["id"], case_id, d["blob"], d["kind"], d["media_type"], d.get("size", 0), d.get("sha256", ""))
                        for d in record["documents"] if d["blob"].startswith(batch.import_id + "/")])
        db.executemany("INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?)",
                       [(case_id, i["sop_instance_uid"], i["study_uid"], i["series_uid"], i["blob"], i["frames"])
                        for i in new_instances])
        store.audit.append("import", case_id, sources=[s["kind"] for s in batch.sources],
                           files=batch.files, bytes=batch.bytes)
