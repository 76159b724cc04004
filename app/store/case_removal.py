"""Archiving and deleting a case.

An archived case is kept whole but left off the worklist (the `archived` index table) until it
is restored. Deleting a case destroys it: its index rows go and the audit line "delete" (the
case id alone) is appended in one transaction, which also commits an intent whose only task is
to remove the case's files (its vault folders, drafts, signed opinions, annotations, dispatch
log); then the key material in the header of each of its encrypted files (the file key,
wrapped under the vault key) is overwritten and the files removed. A crash before the commit
leaves the whole case; after it the case is no longer listed, and the next open of the data
folder removes what is left (app/store/intents.py, `recover_intents`). docs/store.md,
"Archiving and deleting a case".
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import uuid

from app.core.errors import BadInputError
from app.core.i18n import _, ngettext
from app.crypto.sodp import MAC_SIZE, read_header
from app.store.intents import _lock_path
from app.store.locks import HeldLock, texts_lock
from app.store.store import CaseNotFound, CaseStore
from app.store.summaries import forget as forget_summary

#: The data folder's parts that hold one entry (file or folder) per case, named by its id.
CASE_FOLDERS = ("drafts", "opinions", "annotations", "outgoing", "texts")
#: Not the data folder's parts that hold a case's files by name: the vault (by import), the
#: store's own bookkeeping.
NOT_CASE_FOLDERS = ("vault", "staging", "locks")
HEADER_FALLBACK = 64 * 1024  # bytes overwritten when a file's header cannot be parsed
NEVER = "locks/never-written-{id}"  # the witness of a removal's intent: it never exists


class UnsentOpinionError(BadInputError):
    """The case's signed opinion was never sent: its deletion must be confirmed once more."""


class CaseBusyError(BadInputError):
    """Something is being done to the case right now (a signature, a package)."""


@dataclass
class RemovalPlan:
    """What deleting a case destroys, for the confirmation a user reads."""

    case_id: str
    status: str
    documents: int = 0
    studies: int = 0
    instances: int = 0
    opinions: int = 0
    key_images: int = 0
    draft: bool = False
    shipments: int = 0
    paths: list[Path] = field(default_factory=list)

    @property
    def signed_not_sent(self) -> bool:
        return self.opinions > 0 and self.status != "sent"

    def lines(self) -> list[str]:
        """One sentence per kind of thing that will be destroyed."""
        # TRANSLATORS: e.g. "3 documents, 2 imaging studies (420 image files)."
        lines = [_("{documents}, {studies} ({images}).").format(
            documents=ngettext("{n} document", "{n} documents", self.documents).format(n=self.documents),
            studies=ngettext("{n} imaging study", "{n} imaging studies", self.studies).format(n=self.studies),
            images=ngettext("{n} image file", "{n} image files", self.instances).format(n=self.instances))]
        if self.opinions:
            lines.append(ngettext("{n} signed opinion (kept nowhere else on this workstation).",
                                  "{n} signed opinions and addenda (kept nowhere else on this workstation).",
                                  self.opinions).format(n=self.opinions))
        if self.draft:
            lines.append(_("The opinion draft."))
        if self.key_images:
            lines.append(ngettext("{n} key image and the measurements.", "{n} key images and the measurements.",
                                  self.key_images).format(n=self.key_images))
        if self.shipments:
            lines.append(ngettext("The record of {n} package made for the recipients (packages already "
                                  "sent stay where they are).",
                                  "The record of {n} packages made for the recipients (packages already "
                                  "sent stay where they are).", self.shipments).format(n=self.shipments))
        return lines

    def to_json(self) -> dict:
        return {"case_id": self.case_id, "status": self.status, "documents": self.documents,
                "studies": self.studies, "instances": self.instances, "opinions": self.opinions,
                "key_images": self.key_images, "draft": self.draft, "shipments": self.shipments,
                "signed_not_sent": self.signed_not_sent}


# -- archive -----------------------------------------------------------------------------------

def archived_cases(store: CaseStore) -> set[str]:
    return {r[0] for r in store.index.db.execute("SELECT case_id FROM archived")}


def set_archived(store: CaseStore, case_id: str, archived: bool) -> bool:
    """Archive (or restore) the case; True if that changed anything. Audited."""
    with store.index.transaction() as db:
        if store.index.case(case_id) is None:
            raise CaseNotFound(_("There is no case {ref} on this workstation.").format(ref=case_id))
        if archived:
            changed = db.execute("INSERT OR IGNORE INTO archived VALUES (?, datetime('now'))", (case_id,)).rowcount
        else:
            changed = db.execute("DELETE FROM archived WHERE case_id = ?", (case_id,)).rowcount
        if changed:
            store.audit.append("archive" if archived else "unarchive", case_id)
    return bool(changed)


# -- delete ------------------------------------------------------------------------------------

def removal_plan(store: CaseStore, case_id: str) -> RemovalPlan:
    """What deleting `case_id` would destroy (read only)."""
    row = store.index.case(case_id)
    if row is None:
        raise CaseNotFound(_("There is no case {ref} on this workstation.").format(ref=case_id))
    plan = RemovalPlan(case_id, row["status"], row["documents"], row["studies"], row["instances"])
    plan.paths = _case_paths(store, case_id)
    from app.store.opinions import SignedOpinionStore  # the store's own parts, read as they are
    from app.store.annotations import AnnotationStore
    from app.store.drafts import DraftStore

    plan.opinions = _or_zero(lambda: len(SignedOpinionStore(store).list(case_id)))
    plan.key_images = _or_zero(lambda: len(AnnotationStore(store).key_images(case_id)))
    plan.draft = DraftStore(store).path(case_id).exists()
    plan.shipments = _or_zero(lambda: _shipments(store, case_id))
    return plan


def _shipments(store: CaseStore, case_id: str) -> int:
    path = store.home / "outgoing" / f"{case_id}.sov"
    if not path.exists():
        return 0
    data = json.loads(store.vault.read_file(path).decode("utf-8"))
    return len(data.get("shipments", data) if isinstance(data, dict) else data)


def _or_zero(count) -> int:
    try:
        return int(count())
    except Exception:  # noqa: BLE001 - a damaged part is destroyed all the same; it only counts as none
        return 0


def _case_paths(store: CaseStore, case_id: str) -> list[Path]:
    """Every file and folder of the case in the data folder: its vault folders (one per import),
    any stored file of it elsewhere in the vault, and its entries in the other parts."""
    db = store.index.db
    folders = [r[0] for r in db.execute("SELECT id FROM imports WHERE case_id = ?", (case_id,))]
    paths = [store.vault.root / f for f in folders]
    refs = [r[0] for r in db.execute("SELECT record FROM cases WHERE id = ?", (case_id,))]
    refs += [r[0] for r in db.execute("SELECT blob FROM documents WHERE case_id = ?", (case_id,))]
    refs += [r[0] for r in db.execute("SELECT blob FROM instances WHERE case_id = ?", (case_id,))]
    paths += [store.vault.root / ref for ref in refs if ref.split("/")[0] not in folders]
    for part in sorted(p for p in store.home.iterdir() if p.is_dir() and p.name not in NOT_CASE_FOLDERS):
        paths += [p for p in part.iterdir() if p.name == case_id or p.name.startswith(case_id + ".")]
    # A document's text being read holds a claim named after the case (app/dossier/case_texts.py):
    # its file goes with the case (the reader, refused a text for a deleted case, stops).
    locks = store.home / "locks"
    paths += sorted(locks.glob(f"text-{case_id}-*.lock")) if locks.is_dir() else []
    return paths


def delete_case(store: CaseStore, case_id: str, *, unsent_confirmed: bool = False) -> RemovalPlan:
    """Destroy the case (see the module's docstring); the plan of what was destroyed. A case
    whose signed opinion was never sent needs `unsent_confirmed`."""
    plan = removal_plan(store, case_id)
    if plan.signed_not_sent and not unsent_confirmed:
        raise UnsentOpinionError(_("The case's signed opinion was never sent; confirm once more that it is "
                                   "to be destroyed."))
    intent_id = uuid.uuid4().hex
    (store.home / "locks").mkdir(exist_ok=True, mode=0o700)
    lock = HeldLock.acquire(_lock_path(store.home, intent_id), exclusive_create=True)
    assert lock is not None  # created just now, by us alone
    try:
        with texts_lock(store.home), store.index.transaction() as db:
            if store.index.case(case_id) is None:
                raise CaseNotFound(_("There is no case {ref} on this workstation.").format(ref=case_id))
            if db.execute("SELECT 1 FROM intents WHERE case_id = ?", (case_id,)).fetchone() is not None:
                raise CaseBusyError(_("The case is being signed or packaged right now; delete it once that is "
                                      "done."))
            paths = _case_paths(store, case_id)  # again, under the lock: an addition may have come meanwhile
            for table in ("instances", "documents", "imports", "archived"):
                db.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))  # noqa: S608 - fixed names
            forget_summary(db, case_id)
            db.execute("DELETE FROM cases WHERE id = ?", (case_id,))
            intent: dict[str, object] = {"witness": NEVER.format(id=intent_id), "sha256": "", "status": None, "only_from": [],
                      "cleanup": [str(p) for p in paths], "details": {}}
            db.execute("INSERT INTO intents VALUES (?, ?, ?, ?)", (intent_id, case_id, "delete", json.dumps(intent)))
            store.audit.append("delete", case_id)
        destroy(paths)
        _checkpoint(store)
        try:
            with store.index.transaction() as db:
                db.execute("DELETE FROM intents WHERE id = ?", (intent_id,))
        except BadInputError:
            pass  # the next open finds nothing left to remove and drops it
    finally:
        lock.release(remove=True)
    plan.paths = paths
    return plan


def _checkpoint(store: CaseStore) -> None:
    """The index's write-ahead log folded into the index and emptied, so the pages the delete
    overwrote (secure_delete) are not kept there in their earlier state. Best effort: a reader
    of another process may hold the log; it is emptied by a later write then."""
    try:
        store.index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except Exception:  # noqa: BLE001 - the delete stands either way
        pass


def destroy(paths: list[Path]) -> None:
    """Overwrite the key material of every encrypted file under `paths`, make that durable
    (each file fsynced, never a sync of the whole machine), then remove them."""
    files = []
    for path in paths:
        if path.is_dir():
            files += [Path(root, name) for root, _dirs, names in os.walk(path) for name in names]
        elif path.is_file():
            files.append(path)
    for file in files:
        _overwrite_header(file)  # each on disk before anything is removed; no machine-wide sync
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _overwrite_header(path: Path) -> None:
    """Random bytes over the file's SODP header (its wrapped file key and salt): without them
    the rest cannot be decrypted, even by the vault key."""
    try:
        with open(path, "r+b") as handle:
            try:
                header = read_header(handle)
                size = len(header.signed_bytes) + MAC_SIZE
            except Exception:  # noqa: BLE001 - not (or no longer) an SODP file: its start all the same
                size = HEADER_FALLBACK
            size = min(size, os.fstat(handle.fileno()).st_size)
            handle.seek(0)
            handle.write(os.urandom(size))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        pass  # removed all the same below
