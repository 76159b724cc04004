"""What the worklist and `secondo cases` show of a case's record (the patient, the question,
the identity check, the referral's date), kept encrypted beside the index row
(`app/store/summaries.py`) so that a list of the cases needs no record decrypted: written in
the transaction that publishes the record, made again from the record when missing or stale.
Everything else a list shows (status, counts, signature, archived) is in the index itself.
The identity check counts the documents whose kept text names another patient
(`app/dossier/document_identity.py`): when texts are kept (`case_texts.ensure_texts`) the
summary is made again (`refresh`), the record being the same."""

from __future__ import annotations

import sqlite3

from app.core.errors import SecondoError
from app.core.page_text import DocumentText
from app.dossier import identity
from app.dossier.case_details import details, patient_from_images
from app.dossier.document_identity import record_document_checks
from app.store.store import CaseStore
from app.store.summaries import SummaryTable
from app.store.texts import TextStore

#: Raise it when `record_part` changes: every kept summary is then made again once.
VERSION = 2

# What a case record that cannot be read raises: a vault error, or a record of another shape.
DAMAGE_ERRORS = (SecondoError, ValueError, KeyError, TypeError, AttributeError)

PATIENT_KEYS = ("family_name", "given_names", "birth_date", "sex")


def patient_of(record: dict) -> dict:
    """The patient as a list shows it: the case's (package and sheet), else, for a plain CD not
    completed yet, as the images name it (first study)."""
    said = details(record)["patient"]
    if said.get("family_name"):
        return {k: said.get(k) for k in PATIENT_KEYS}
    dicom = patient_from_images(record)
    return {k: dicom.get(k) for k in PATIENT_KEYS}


def kept_texts(store: CaseStore, case_id: str) -> dict[str, DocumentText]:
    """The case's kept document texts; none when they cannot be read (a read-only folder)."""
    try:
        return TextStore(store).load_all(case_id)
    except (SecondoError, OSError):
        return {}


def record_part(record: dict, texts: dict[str, DocumentText] | None = None) -> dict:
    """The summary's part that only the record (and its documents' kept `texts`) knows."""
    referral = details(record)["referral"]
    documents = list(record_document_checks(record, texts or {}).values())
    entries = [identity.normalised(i) for i in record.get("identity") or []] + documents
    return {"patient": patient_of(record), "question": referral.get("question"),
            "identity": identity.case_status(entries),
            "document_mismatches": sum(1 for c in documents if c["status"] == identity.MISMATCH),
            # the desk counts days from the first of these that is a date (app/outgoing/desk.py)
            "referral_dates": [v for v in (referral.get("referral_date"), referral.get("date")) if isinstance(v, str)]}


def table(store: CaseStore) -> SummaryTable:
    return SummaryTable(store.index, store.vault.root, store.vault.key.key, VERSION)


def keep(store: CaseStore, db: sqlite3.Connection, case_id: str, record_blob: str, record: dict) -> None:
    """In the transaction that makes `record_blob` the case's record."""
    table(store).put(db, case_id, record_blob, record_part(record, kept_texts(store, case_id)))


def refresh(store: CaseStore, case_id: str, texts: dict[str, DocumentText] | None = None) -> None:
    """The case's kept summary made again from its record and `texts` (default: the kept
    ones), for when its documents' texts change; best effort, as `SummaryTable.keep`."""
    row = store.index.case(case_id)
    if row is None:
        return
    try:
        record = store.vault.read_json(row["record"])
        part = record_part(record, texts if texts is not None else kept_texts(store, case_id))
    except DAMAGE_ERRORS:
        return  # listed as damaged, as before
    table(store).keep([(case_id, row["record"], part)])


def record_parts(store: CaseStore, rows: list) -> dict[str, dict | Exception]:
    """Each case's record part (index rows in), by case id: the kept one when it was made from
    the case's current record, else made from the record (decrypted) and kept for next time; a
    record that cannot be read gives the exception saying why."""
    summaries = table(store)
    kept = summaries.read_all()
    parts: dict[str, dict | Exception] = {}
    made = []
    for row in rows:
        found = kept.get(row["id"])
        if found is not None and found[0] == row["record"]:
            parts[row["id"]] = found[1]
            continue
        try:
            part = record_part(store.vault.read_json(row["record"]), kept_texts(store, row["id"]))
        except DAMAGE_ERRORS as exc:
            parts[row["id"]] = exc
            continue
        parts[row["id"]] = part
        made.append((row["id"], row["record"], part))
    summaries.keep(made)
    return parts
