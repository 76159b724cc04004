"""What the worklist and `secondo cases` show of a case's record (the patient, the question,
the identity check, the referral's date), kept encrypted beside the index row
(`app/store/summaries.py`) so that a list of the cases needs no record decrypted: written in
the transaction that publishes the record, made again from the record when missing or stale.
Everything else a list shows (status, counts, signature, archived) is in the index itself."""

from __future__ import annotations

import sqlite3

from app.core.errors import SecondoError
from app.dossier import identity
from app.dossier.case_details import details, patient_from_images
from app.store.store import CaseStore
from app.store.summaries import SummaryTable

#: Raise it when `record_part` changes: every kept summary is then made again once.
VERSION = 1

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


def record_part(record: dict) -> dict:
    """The summary's part that only the record knows."""
    referral = details(record)["referral"]
    return {"patient": patient_of(record), "question": referral.get("question"),
            "identity": identity.case_status([identity.normalised(i) for i in record.get("identity") or []]),
            # the desk counts days from the first of these that is a date (app/outgoing/desk.py)
            "referral_dates": [v for v in (referral.get("referral_date"), referral.get("date")) if isinstance(v, str)]}


def table(store: CaseStore) -> SummaryTable:
    return SummaryTable(store.index, store.vault.root, store.vault.key.key, VERSION)


def keep(store: CaseStore, db: sqlite3.Connection, case_id: str, record_blob: str, record: dict) -> None:
    """In the transaction that makes `record_blob` the case's record."""
    table(store).put(db, case_id, record_blob, record_part(record))


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
            part = record_part(store.vault.read_json(row["record"]))
        except DAMAGE_ERRORS as exc:
            parts[row["id"]] = exc
            continue
        parts[row["id"]] = part
        made.append((row["id"], row["record"], part))
    summaries.keep(made)
    return parts
