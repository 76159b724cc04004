"""Publishing a new version of an existing case's record (a case sheet edit, added documents,
a document's kind): the record and any new files staged, then the rename, the index rows and
the audit lines in one transaction (CaseStore.publishing), refused when the case was changed
meanwhile. docs/store.md, "The publish order of an import", is the same path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
import shutil
import sqlite3

from app.core.i18n import _
from app.dossier import case_summaries
from app.dossier.case_record import (  # noqa: F401 - CaseChangedMeanwhile is raised from here too
    CaseChangedMeanwhile, index_row, recompute_checks, replace_case_row, sop_fingerprint)
from app.store.store import CaseStore


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_for_update(store: CaseStore, case_id: str) -> tuple[dict, str]:
    """(the record, the blob it was read from): the base that `commit` checks is unchanged."""
    row = store.index.case(case_id)
    if row is None:
        store.resolve_case(case_id)  # raises CaseNotFound with its sentence
        raise AssertionError("unreachable")
    return store.vault.read_json(row["record"]), row["record"]


def commit(store: CaseStore, record: dict, base: str, audit: list[tuple[str, dict]], *, kind: str,
           stage: Callable[[str, Path], list[dict]] | None = None,
           rows: Callable[[sqlite3.Connection], None] | None = None) -> dict:
    """Recompute the checks of `record`, stage it (and, with `stage(import_id, folder)`, the
    files it returns as new document entries, already in `record["documents"]`), and publish:
    the new record and index row, the staged folder as an `imports` row of `kind`, the new
    documents' rows and the `audit` lines ((action, details)). `base`: the record blob the
    change was made on; another one in the index means the case changed meanwhile, and
    nothing is kept. `rows(db)`: further index changes in the same transaction. Returns the
    new record."""
    case_id = record["case_id"]
    import_id, staging = store.new_staging()
    try:
        new_documents = stage(import_id, staging) if stage is not None else []
        recompute_checks(record)
        record["updated_at"] = now()
        blob = f"{import_id}/{store.vault.write_json(staging, record)}"
        row = index_row(record, blob, sop_fingerprint(record["instances"]))
        store.sync_staging(staging)
        with store.publishing(import_id, staging):
            db = store.index.db
            replace_case_row(store, case_id, base, row, _(
                "The case was changed meanwhile (by an import or another window); nothing was saved. "
                "Open it again and repeat the change."))
            case_summaries.keep(store, db, case_id, blob, record)
            db.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?)",
                       (import_id, case_id, kind, now(), sum(d.get("size", 0) for d in new_documents),
                        len(new_documents)))
            db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [(d["id"], case_id, d["blob"], d["kind"], d["media_type"], d.get("size", 0),
                             d.get("sha256", "")) for d in new_documents])
            if rows is not None:
                rows(db)
            for action, details in audit:
                store.audit.append(action, case_id, **details)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        store.release_staging(import_id)
    return record
