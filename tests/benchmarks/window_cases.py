"""Data folders of many cases for the window's start-up benchmark, made quickly: one plain CD
imported by the real importer, then `count - 1` cases made from its record through the store's
own API (a new import folder with its record, the case's rows, its kept summary and its audit
line, in one transaction each), each a different patient and question. Real records, as an
import leaves them; only the images are shared with the first case's import.

`python -m tests.benchmarks.window_cases HOME COUNT` makes one (a vault passphrase in
SECONDO_BENCH_PASSPHRASE, so that no keyring is needed)."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
import sys
import uuid

PASSPHRASE_ENV = "SECONDO_BENCH_PASSPHRASE"
PASSPHRASE = "DEMO benchmark passphrase"
STATUSES = ("received", "received", "in_review", "signed", "sent")


def make_cases(home: Path, count: int, work: Path) -> None:
    from app.dossier import case_summaries
    from app.dossier.case_record import index_row
    from app.dossier.case_update import now
    from app.dossier.importer import DossierImporter
    from app.store.store import CaseStore
    from tests.unit.store_cds import unique_cd

    os.environ.setdefault(PASSPHRASE_ENV, PASSPHRASE)
    with CaseStore.open(home, prompt=lambda _new: os.environ[PASSPHRASE_ENV]) as store:
        first = DossierImporter(store, [], []).run([unique_cd(work / "cd")]).case_id
        template = store.record(first)
        images = store.index.db.execute("SELECT sop_instance_uid, study_uid, series_uid, blob, frames FROM instances "
                                        "WHERE case_id = ?", (first,)).fetchall()
        for n in range(1, count):
            record = copy.deepcopy(template)
            case_id = uuid.uuid4().hex
            record["case_id"] = case_id
            record["received_at"] = record["updated_at"] = now()
            record["sheet"] = {"patient": {"family_name": f"Patient{n:04d}", "given_names": "Demo",
                                           "birth_date": f"19{40 + n % 60:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                                           "sex": "FM"[n % 2]},
                               "referral": {"question": f"DEMO question number {n}: is treatment indicated?",
                                            "referral_date": f"2026-{1 + n % 11:02d}-{1 + n % 28:02d}"}}
            import_id, staging = store.new_staging()
            try:
                blob = f"{import_id}/{store.vault.write_json(staging, record)}"
                row = index_row(record, blob, None) | {"id": case_id, "received_at": record["received_at"],
                                                       "status": STATUSES[n % len(STATUSES)]}
                with store.publishing(import_id, staging):
                    db = store.index.db
                    db.execute("INSERT INTO cases(" + ", ".join(row) + ") VALUES ("  # noqa: S608 - fixed names
                               + ", ".join(f":{k}" for k in row) + ")", row)
                    case_summaries.keep(store, db, case_id, blob, record)
                    db.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?)", (import_id, case_id, "none", now(), 0, 0))
                    db.executemany("INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?)",
                                   [(case_id, *tuple(image)) for image in images])
                    store.audit.append("import", case_id, sources=[], files=0, bytes=0)
            finally:
                store.release_staging(import_id)
        assert len(store.index.cases()) == count


if __name__ == "__main__":
    import tempfile

    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    with tempfile.TemporaryDirectory() as work:
        make_cases(Path(sys.argv[1]), int(sys.argv[2]), Path(work))
    print(json.dumps({"home": sys.argv[1], "cases": int(sys.argv[2])}))
