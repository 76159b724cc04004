"""Kept case summaries: what the worklist and `secondo cases` show of a case's record (the
patient's name and birth date, the question, the identity check...), kept in the index's
`case_summaries` table, encrypted, so that listing the cases never decrypts every record.

Each row is bound to the record blob it was made from (`record`, as in `cases.record`): when
the case's record changes, a summary of the old one is stale and is made again from the new
record. It is bound to that file's size, time and inode too (`stamp`): a record file removed
or rewritten at rest is read again, and so listed as damaged, as it would be without summaries. The value is AES-256-GCM under a key derived from the vault key, with the case id and
the record blob as associated data, so a row moved to another case or record does not open.
The store knows nothing of what a summary holds: the dossier layer makes it
(`app/dossier/case_summaries.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
import sqlite3

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.store.index import Index, IndexWriteError

#: What a summary holds changes with the app; a row of another version is made again.
SCHEMA = """
CREATE TABLE IF NOT EXISTS case_summaries(
    case_id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    stamp TEXT NOT NULL,
    version INTEGER NOT NULL,
    data BLOB NOT NULL)
"""
NONCE = 12


class SummaryTable:
    """`read_all()` (case id → (record blob, value) of each summary that opens), `put(...)`
    inside the caller's transaction, `keep(...)` for a summary made again by a reader."""

    def __init__(self, index: Index, vault_root: Path, vault_key: bytes, version: int) -> None:
        self.index = index
        self.vault_root = vault_root
        self.version = version
        self._aead = AESGCM(hmac.new(vault_key, b"secondo case summaries", hashlib.sha256).digest())
        ensure_table(index)

    @staticmethod
    def _bound(case_id: str, record: str) -> bytes:
        return f"{case_id}\n{record}".encode()

    def seal(self, case_id: str, record: str, value: dict) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + self._aead.encrypt(nonce, json.dumps(value, separators=(",", ":")).encode(),
                                          self._bound(case_id, record))

    def open(self, case_id: str, record: str, data: bytes) -> dict | None:
        """The summary, or None when it does not open (altered, moved, another key)."""
        try:
            plain = self._aead.decrypt(bytes(data[:NONCE]), bytes(data[NONCE:]), self._bound(case_id, record))
            value = json.loads(plain)
        except (InvalidTag, ValueError, TypeError):
            return None
        return value if isinstance(value, dict) else None

    def stamp(self, record: str) -> str | None:
        """The record file's size, modification time and inode; None when it is not there."""
        try:
            st = os.stat(self.vault_root / record)
        except (OSError, ValueError):
            return None
        return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"

    def read_all(self) -> dict[str, tuple[str, dict]]:
        """Every summary of this version that opens and whose record file is as it was, by case
        id, with the record blob it was made from (the caller compares it with the case's
        current one)."""
        kept: dict[str, tuple[str, dict]] = {}
        try:
            rows = self.index.db.execute("SELECT case_id, record, stamp, data FROM case_summaries "
                                         "WHERE version = ?", (self.version,)).fetchall()
        except sqlite3.OperationalError:
            return kept  # a read-only data folder from before the table
        for case_id, record, stamp, data in rows:
            if stamp != self.stamp(record):
                continue
            value = self.open(case_id, record, data)
            if value is not None:
                kept[case_id] = (record, value)
        return kept

    def put(self, db: sqlite3.Connection, case_id: str, record: str, value: dict) -> None:
        """In the caller's transaction, the one that makes `record` the case's record."""
        db.execute("INSERT OR REPLACE INTO case_summaries VALUES (?, ?, ?, ?, ?)",
                   (case_id, record, self.stamp(record) or "", self.version, self.seal(case_id, record, value)))

    def keep(self, made: list[tuple[str, str, dict]]) -> None:
        """Summaries a reader made again ((case id, record blob, value)), each kept only while
        that blob is still the case's record (another process may have changed the case
        meanwhile). Best effort: a data folder that cannot be written is listed all the same."""
        if not made:
            return
        try:
            with self.index.transaction() as db:
                for case_id, record, value in made:
                    db.execute("INSERT OR REPLACE INTO case_summaries SELECT ?, ?, ?, ?, ? WHERE EXISTS "
                               "(SELECT 1 FROM cases WHERE id = ? AND record = ?)",
                               (case_id, record, self.stamp(record) or "", self.version,
                                self.seal(case_id, record, value), case_id, record))
        except (IndexWriteError, sqlite3.Error):
            pass  # read-only or busy: made again next time


def ensure_table(index: Index) -> None:
    """The table, in a data folder made before it. One statement, not executescript, which
    would commit the caller's transaction; inside one, it is created with it (or not at all).
    A read-only folder has none: every summary is then made from its record."""
    try:
        if index.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_summaries'"
                            ).fetchone() is None:
            index.db.execute(SCHEMA)
    except sqlite3.Error:
        pass


def forget(db: sqlite3.Connection, case_id: str) -> None:
    """In the transaction that deletes the case."""
    try:
        db.execute("DELETE FROM case_summaries WHERE case_id = ?", (case_id,))
    except sqlite3.OperationalError:
        pass  # no table yet: nothing kept
