"""Work whose file side (a signed opinion's list, a package placed and its dispatch log) and
index side (the case status, the audit line) must both happen, or neither: an intent row is
committed first; the file side ends with the intent's witness file written atomically; one
transaction then drops the row, sets the status and appends the audit line. At the next open
an intent that no live process holds is finished when its witness is on disk, else dropped
with what it placed (docs/store.md, "Signatures and packages").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
import hashlib
import json
from pathlib import Path
import shutil
from typing import Any, Protocol
import uuid

from app.core.errors import OutputError, SecondoError
from app.core.i18n import _
from app.store.audit import AuditLog
from app.store.index import Index
from app.store.locks import HeldLock
from app.store.vault import Vault


class CaseStore(Protocol):
    """What of app.store.store.CaseStore an intent uses (that module opens the store with
    `recover_intents`, so this one cannot import it)."""

    home: Path
    vault: Vault
    index: Index
    audit: AuditLog

    def set_status(self, case_id: str, status: str, only_from: tuple[str, ...] = ()) -> bool: ...


class KeptButUnrecorded(OutputError):
    """The file side is done and kept; its status and audit line follow at the next open."""


def _lock_path(home: Path, intent_id: str) -> Path:
    return home / "locks" / f"intent-{intent_id}.lock"


@contextmanager
def intent(store: CaseStore, case_id: str, action: str, *, witness: Path, witness_bytes: bytes,
           status: str | None = None, only_from: Sequence[str] = (), cleanup: Sequence[Path] = (),
           **details: Any) -> Iterator[None]:
    """The block does the file side but the witness; then `witness_bytes` (an encrypted file,
    `Vault.encrypt`) replace `witness`, and the status and the audit line `action` with
    `details` are committed. `cleanup`: what the block places that must go if it never commits."""
    intent_id = uuid.uuid4().hex
    (store.home / "locks").mkdir(exist_ok=True, mode=0o700)
    lock = HeldLock.acquire(_lock_path(store.home, intent_id), exclusive_create=True)
    assert lock is not None  # created just now, by us alone
    plan = {"witness": str(Path(witness).relative_to(store.home)),
            "sha256": hashlib.sha256(witness_bytes).hexdigest(), "status": status, "only_from": list(only_from),
            "cleanup": [str(p) for p in cleanup], "details": details}
    try:
        with store.index.transaction() as db:
            db.execute("INSERT INTO intents VALUES (?, ?, ?, ?)", (intent_id, case_id, action, json.dumps(plan)))
        try:
            yield
            store.vault.replace_encrypted(Path(witness), witness_bytes)
        except BaseException:
            _drop(store, intent_id)  # the block undid its own part; nothing was kept
            raise
        try:
            _finish(store, intent_id, case_id, action, plan)
        except SecondoError as exc:
            raise KeptButUnrecorded(_("It was done and kept, but the case index could not record it ({reason}); "
                                      "that is done the next time the data folder is opened.")
                                    .format(reason=exc)) from None
    finally:
        lock.release(remove=True)


def _drop(store: CaseStore, intent_id: str) -> None:
    try:
        with store.index.transaction() as db:
            db.execute("DELETE FROM intents WHERE id = ?", (intent_id,))
    except SecondoError:
        pass  # the next open drops it: its witness was never written


def _finish(store: CaseStore, intent_id: str, case_id: str, action: str, plan: dict, recovered: bool = False) -> None:
    with store.index.transaction() as db:
        if not db.execute("DELETE FROM intents WHERE id = ?", (intent_id,)).rowcount:
            return  # finished meanwhile by another process's recovery
        if plan.get("status"):
            store.set_status(case_id, plan["status"], only_from=tuple(plan.get("only_from") or ()))
        details = dict(plan.get("details") or {}, **({"recovered": True} if recovered else {}))
        store.audit.append(action, case_id, **details)


def recover_intents(store: CaseStore) -> None:
    """Finish or drop the intents of processes that died between their file side and commit."""
    rows = store.index.db.execute("SELECT id, case_id, action, plan FROM intents").fetchall()
    for intent_id, case_id, action, text in rows:
        try:
            lock = HeldLock.acquire(_lock_path(store.home, intent_id), wait=False)
        except OSError:
            continue
        if lock is None:
            continue  # a live process is still at it
        try:
            if store.index.db.execute("SELECT 1 FROM intents WHERE id = ?", (intent_id,)).fetchone() is None:
                continue
            plan = json.loads(text)
            witness = store.home / plan["witness"]
            done = witness.is_file() and hashlib.sha256(witness.read_bytes()).hexdigest() == plan["sha256"]
            if done:
                _finish(store, intent_id, case_id, action, plan, recovered=True)
            else:
                for path in map(Path, plan.get("cleanup") or ()):
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
                _drop(store, intent_id)
        except (SecondoError, OSError, ValueError, KeyError, TypeError):
            pass  # tried again at the next open
        finally:
            lock.release(remove=True)
