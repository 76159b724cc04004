"""The case store of one data folder: vault, index and audit log opened together.

Opening it also removes what an interrupted import left behind (staging folders, vault
folders no case refers to) that no live process holds, so a crash never leaves half an
import visible and a sweep never touches an import still running. docs/store.md states the
rules (locks, sweep, publish order).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
import uuid

from app.core.errors import BadInputError
from app.core.files import output_error
from app.core.i18n import _
from app.store import paths
from app.store.durable import FileSyncer, fsync_folder, sync_dir
from app.store.audit import AuditLog, HeadFileAnchor, IndexAnchor
from app.store.index import Index
from app.store.intents import recover_intents
from app.store.locks import HeldLock, folder_lock
from app.store.keys import KeySource, PassphrasePrompt, load_vault_key, no_prompt
from app.store.vault import Vault


class CaseNotFound(BadInputError):
    """No case with that id (or id prefix) on this workstation."""


@dataclass
class CaseStore:
    home: Path
    vault: Vault
    index: Index
    audit: AuditLog
    key_source: KeySource
    _held: dict[str, HeldLock] = field(default_factory=dict, repr=False)  # this process's staging locks
    _syncers: dict[str, FileSyncer] = field(default_factory=dict, repr=False)  # by staging folder name

    @classmethod
    def open(cls, home: Path | None = None, prompt: PassphrasePrompt = no_prompt) -> "CaseStore":
        home = home or paths.data_dir()
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        with folder_lock(home / "locks" / "vault-key.lock"):  # two first opens make one key
            key, source = load_vault_key(home, prompt)
        index = Index(home / "index.sqlite3")
        anchor = IndexAnchor(index, key.key, HeadFileAnchor(home / "audit.head"))
        store = cls(home, Vault(home / "vault", key), index, AuditLog(home / "audit.log", anchor), source)
        anchor.start(store.audit.path)
        store.clean_leftovers()
        recover_intents(store)
        return store

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> "CaseStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def staging_root(self) -> Path:
        return self.home / "staging"

    def new_staging(self) -> tuple[str, Path]:
        """A fresh staging folder for one import, on the vault's file system (rename is atomic),
        held by this process (`staging/ID.lock`) until `release_staging`."""
        import_id = uuid.uuid4().hex
        folder = self.staging_root / import_id
        try:
            self.staging_root.mkdir(exist_ok=True, mode=0o700)
            lock = HeldLock.acquire(self._staging_lock(import_id), exclusive_create=True)
            assert lock is not None  # created just now, by us alone
            folder.mkdir(mode=0o700)
        except OSError as exc:
            raise output_error(folder, exc) from None
        self._held[import_id] = lock
        return import_id, folder

    def _staging_lock(self, import_id: str) -> Path:
        return self.staging_root / f"{import_id}.lock"

    def release_staging(self, import_id: str) -> None:
        """The import is over (published and committed, or failed and its folder removed)."""
        syncer = self._syncers.pop(import_id, None)
        if syncer is not None:
            syncer.abort()  # a failed import: its folder is removed, nothing needs syncing
        lock = self._held.pop(import_id, None)
        if lock is not None:
            lock.release(remove=True)

    def staging_syncer(self, staging: Path) -> FileSyncer:
        """The background fsync of the files written into `staging` (`Vault.create(...,
        syncer=)`): each is synced as soon as it is closed, while the import goes on."""
        syncer = self._syncers.get(staging.name)
        if syncer is None:
            syncer = self._syncers[staging.name] = FileSyncer()
        return syncer

    def moved_staged(self, source: Path, target: Path, names: list[str]) -> None:
        """`names` were moved by rename from the staging folder `source` to `target` (an import
        split by patient): those `source`'s syncer has synced are not synced again."""
        syncer = self._syncers.get(source.name)
        if syncer is not None:
            self.staging_syncer(target).adopt(syncer.synced_names() & set(names))

    def sync_staging(self, staging: Path) -> None:
        """Every staged file on disk, and the staging folder's entries: the files its syncer
        has not synced are fsynced here, one by one; never the whole machine (os.sync), whose
        cost is every other program's unwritten data."""
        syncer = self._syncers.pop(staging.name, None)
        try:
            synced = syncer.finish() if syncer is not None else set()
            fsync_folder(staging, skip=synced)
        except OSError as exc:
            raise output_error(staging, exc) from None

    @contextmanager
    def publishing(self, import_id: str, staging: Path) -> Iterator[None]:
        """The rename that makes a staged import part of the vault, inside the index transaction
        that adds its rows (the caller's block): a crash before the commit leaves a vault folder
        that no row names, which the sweep removes once no live process holds its lock; an
        error in the block moves the folder back, so that nothing of the import stays."""
        target, moved = self.vault.root / import_id, False
        try:
            with self.index.transaction():
                try:
                    os.replace(staging, target)
                    moved = True
                    _sync_dir(self.vault.root)
                except OSError as exc:
                    raise output_error(target, exc) from None
                yield
        except BaseException:
            if moved:
                _move_back(target, staging)
            raise

    def publish(self, import_id: str, staging: Path) -> None:
        """Sync and rename alone, for callers that commit nothing else (the rows come first)."""
        self.sync_staging(staging)
        with self.publishing(import_id, staging):
            pass

    def clean_leftovers(self) -> None:
        """Remove staging folders and unreferenced vault folders that no live process holds."""
        root = self.staging_root
        try:
            root.mkdir(exist_ok=True, mode=0o700)
        except OSError:
            return  # a read-only data folder: nothing can be swept, nor imported
        if root.is_dir():
            names = {p.name.removesuffix(".lock") for p in root.iterdir()}
            for name in names:
                if name not in self._held:
                    self._sweep(name, root / name, staging=True)
        referenced = self.index.referenced_folders()
        for folder in self.vault.root.iterdir():
            if folder.is_dir() and folder.name not in referenced and folder.name not in self._held:
                self._sweep(folder.name, folder, staging=False)

    def _sweep(self, import_id: str, folder: Path, staging: bool) -> None:
        try:
            lock = HeldLock.acquire(self._staging_lock(import_id), create=not staging, wait=False)
        except OSError:
            return  # no staging folder to lock in: nothing is being imported
        if lock is None and staging and not self._staging_lock(import_id).exists():
            shutil.rmtree(folder, ignore_errors=True)  # left by a crash between removing lock and folder
            return
        if lock is None:
            return  # a live import holds it
        try:
            # Looked at again under the lock: the import may have committed since the listing.
            if staging or not self.index.is_referenced(import_id):
                shutil.rmtree(folder, ignore_errors=True)
        finally:
            lock.release(remove=True)

    def resolve_case(self, case_ref: str) -> str:
        """A case id from its full id or an unambiguous prefix (as `git` does for commits)."""
        if not isinstance(case_ref, str) or not case_ref:
            raise CaseNotFound(_("There is no case {ref} on this workstation.").format(ref=case_ref))
        if self.index.case(case_ref) is not None:
            return case_ref
        matches = self.index.case_ids_by_prefix(case_ref) if len(case_ref) >= 4 else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CaseNotFound(_("{ref} matches several cases; give more of the id.").format(ref=case_ref))
        raise CaseNotFound(_("There is no case {ref} on this workstation.").format(ref=case_ref))

    def mark_in_review(self, case_id: str) -> bool:
        """A received case whose opinion has been begun is In review; True if it changed."""
        with self.index.transaction() as db:
            changed = db.execute("UPDATE cases SET status = 'in_review', updated_at = datetime('now') "
                                 "WHERE id = ? AND status = 'received'", (case_id,)).rowcount
        return bool(changed)

    def record(self, case_id: str) -> dict:
        """The decrypted case record: manifest, documents, studies, checks."""
        row = self.index.case(case_id)
        if row is None:
            raise CaseNotFound(_("There is no case {ref} on this workstation.").format(ref=case_id))
        return self.vault.read_json(row["record"])

    def mark_signed(self, case_id: str) -> None:
        """The case has a newly signed opinion (or addendum): Signed, until it is packaged."""
        with self.index.transaction() as db:
            db.execute("UPDATE cases SET status = 'signed', updated_at = datetime('now') WHERE id = ?", (case_id,))

    def set_status(self, case_id: str, status: str, only_from: tuple[str, ...] = ()) -> bool:
        """Set the case's status (only when it is one of `only_from`, if given); True if it changed."""
        from app.store.index import STATUSES

        if status not in STATUSES:
            raise ValueError(status)
        query = "UPDATE cases SET status = ?, updated_at = datetime('now') WHERE id = ? AND status != ?"
        params: list = [status, case_id, status]
        if only_from:
            query += f" AND status IN ({', '.join('?' * len(only_from))})"
            params += list(only_from)
        with self.index.transaction() as db:
            return bool(db.execute(query, params).rowcount)


def _sync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where directories can be opened)."""
    sync_dir(folder)


def _move_back(target: Path, staging: Path) -> None:
    """Undo a publish rename whose transaction failed; the sweep removes what cannot be moved."""
    try:
        os.replace(target, staging)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
