"""The SQLite index of cases, imports, documents and DICOM instances.

It holds ids, kinds, counts, sizes, hashes and DICOM UIDs only: every name, date of
birth, identifier, title or text lives in the encrypted case record in the vault.
"""

from collections.abc import Iterator
from contextlib import contextmanager
import sqlite3
from pathlib import Path
import threading

from app.core.errors import OutputError
from app.core.i18n import _

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
CREATE TABLE IF NOT EXISTS audit_anchor(
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    mac TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS intents(
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    action TEXT NOT NULL,
    plan TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS archived(
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    archived_at TEXT NOT NULL);
"""

#: How long a writer waits for another process's write transaction (they last milliseconds:
#: an import holds one only for its rename and audit line, never while it copies).
BUSY_TIMEOUT_S = 60.0


class IndexWriteError(OutputError):
    """The index could not be written (disk full, I/O error, held too long by another process)."""


def index_error(exc: sqlite3.Error) -> IndexWriteError:
    text = str(exc).lower()
    if "full" in text:
        reason = _("the disk is full")
    elif "locked" in text or "busy" in text:
        reason = _("another program kept the data folder busy for too long; try again")
    elif "readonly" in text or "read-only" in text:
        reason = _("the data folder is not writable")
    else:
        reason = _("the disk could not be read or written")
    return IndexWriteError(_("The case index could not be updated: {reason}. Nothing was changed.")
                           .format(reason=reason))


class Index:
    """One connection per process; its writes are transactions (BEGIN IMMEDIATE), which
    SQLite serialises across processes: a second writer waits up to BUSY_TIMEOUT_S."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = threading.RLock()
        try:
            path.touch(mode=0o600, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            self.db.row_factory = sqlite3.Row
            # Each only when needed: a reader must not wait for a writer to open the index.
            if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            # What a delete removes (a case's rows, its kept summary) is overwritten, not left in free pages.
            self.db.execute("PRAGMA secure_delete=ON")
            if self.db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                               "'archived'").fetchone()[0] == 0:  # the newest table: older folders get it too
                self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise index_error(exc) from None
        except OSError as exc:
            raise IndexWriteError(_("The case index {path} cannot be opened: {reason}.")
                                  .format(path=path, reason=exc.strerror or exc)) from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested in another of the same thread, it is part of that one
        (another thread's waits: they share the connection)."""
        with self._writer:
            if self.db.in_transaction:
                yield self.db
                return
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise index_error(exc) from None
            try:
                yield self.db
            except BaseException:
                self._rollback()
                raise
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise index_error(exc) from None

    def _rollback(self) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite rolls back itself when it cannot: the journal is replayed on the next open

    def case(self, case_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()

    def cases(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM cases ORDER BY received_at DESC").fetchall()

    def case_by_dossier(self, dossier_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM cases WHERE dossier_id = ?", (dossier_id,)).fetchone()

    def case_by_fingerprint(self, fingerprint: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM cases WHERE sop_fingerprint = ?", (fingerprint,)).fetchone()

    def case_ids_by_prefix(self, prefix: str) -> list[str]:
        """Ids starting with `prefix`, compared as plain text (no wildcards)."""
        return [r[0] for r in self.db.execute("SELECT id FROM cases WHERE substr(id, 1, ?) = ?",
                                             (len(prefix), prefix))]

    def sop_uids(self, case_id: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT sop_instance_uid FROM instances WHERE case_id = ?",
                                             (case_id,))}

    def referenced_folders(self) -> set[str]:
        """The vault folders (one per import) that some case still refers to."""
        return {r[0] for r in self.db.execute("SELECT id FROM imports")}

    def is_referenced(self, folder: str) -> bool:
        return self.db.execute("SELECT 1 FROM imports WHERE id = ?", (folder,)).fetchone() is not None

    def has_cases(self) -> bool:
        return self.db.execute("SELECT 1 FROM cases LIMIT 1").fetchone() is not None
