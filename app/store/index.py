"""The SQLite index of cases, imports, documents and DICOM instances.

It holds ids, kinds, counts, sizes, hashes and DICOM UIDs only: every name, date of
birth, identifier, title or text lives in the encrypted case record in the vault.
"""

from collections.abc import Iterator
from contextlib import contextmanager
import sqlite3
from pathlib import Path

STATUSES = ("received", "in_review", "signed", "packaged", "sent")

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases(
    id TEXT PRIMARY KEY,
    dossier_id TEXT UNIQUE,
    sop_fingerprint TEXT,
    status TEXT NOT NULL DEFAULT 'received',
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    record TEXT NOT NULL,
    documents INTEGER NOT NULL DEFAULT 0,
    studies INTEGER NOT NULL DEFAULT 0,
    instances INTEGER NOT NULL DEFAULT 0,
    identity_mismatches INTEGER NOT NULL DEFAULT 0,
    missing_items INTEGER NOT NULL DEFAULT 0,
    signature TEXT NOT NULL DEFAULT 'unsigned');
CREATE INDEX IF NOT EXISTS cases_fingerprint ON cases(sop_fingerprint);
CREATE TABLE IF NOT EXISTS imports(
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    source_kind TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    files INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    blob TEXT NOT NULL,
    kind TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances(
    case_id TEXT NOT NULL REFERENCES cases(id),
    sop_instance_uid TEXT NOT NULL,
    study_uid TEXT NOT NULL,
    series_uid TEXT NOT NULL,
    blob TEXT NOT NULL,
    frames INTEGER NOT NULL,
    PRIMARY KEY(case_id, sop_instance_uid));
"""


class Index:
    """One connection; the store's single writer uses it (SQLite is never written from two threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.touch(mode=0o600, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def case(self, case_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()

    def cases(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM cases ORDER BY received_at DESC").fetchall()

    def case_by_dossier(self, dossier_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM cases WHERE dossier_id = ?", (dossier_id,)).fetchone()

    def case_by_fingerprint(self, fingerprint: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM cases WHERE sop_fingerprint = ?", (fingerprint,)).fetchone()

    def case_ids_by_prefix(self, prefix: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM cases WHERE id LIKE ? || '%'", (prefix,))]

    def sop_uids(self, case_id: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT sop_instance_uid FROM instances WHERE case_id = ?",
                                             (case_id,))}

    def referenced_folders(self) -> set[str]:
        """The vault folders (one per import) that some case still refers to."""
        return {r[0] for r in self.db.execute("SELECT id FROM imports")}
