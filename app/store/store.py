"""The case store of one data folder: vault, index and audit log opened together.

Opening it also removes what an interrupted import left behind (staging folders, vault
folders no case refers to), so a crash never leaves half an import visible.
"""

from dataclasses import dataclass
import os
from pathlib import Path
import shutil
import uuid

from app.core.errors import BadInputError
from app.core.i18n import _
from app.store import paths
from app.store.audit import AuditLog
from app.store.index import Index
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

    @classmethod
    def open(cls, home: Path | None = None, prompt: PassphrasePrompt = no_prompt) -> "CaseStore":
        home = home or paths.data_dir()
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        key, source = load_vault_key(home, prompt)
        store = cls(home, Vault(home / "vault", key), Index(home / "index.sqlite3"),
                    AuditLog(home / "audit.log"), source)
        store.clean_leftovers()
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
        """A fresh staging folder for one import, on the vault's file system (rename is atomic)."""
        import_id = uuid.uuid4().hex
        self.staging_root.mkdir(exist_ok=True, mode=0o700)
        folder = self.staging_root / import_id
        folder.mkdir(mode=0o700)
        return import_id, folder

    def publish(self, import_id: str, staging: Path) -> None:
        """The one atomic rename that makes a staged import part of the vault, once every
        staged file is on disk (one sync for all: an fsync per file halved import speed)."""
        if hasattr(os, "sync"):
            os.sync()
        else:
            for path in staging.iterdir():
                with open(path, "rb+") as handle:
                    os.fsync(handle.fileno())
        os.replace(staging, self.vault.root / import_id)

    def clean_leftovers(self) -> None:
        shutil.rmtree(self.staging_root, ignore_errors=True)
        referenced = self.index.referenced_folders()
        for folder in self.vault.root.iterdir():
            if folder.is_dir() and folder.name not in referenced:
                shutil.rmtree(folder, ignore_errors=True)

    def resolve_case(self, case_ref: str) -> str:
        """A case id from its full id or an unambiguous prefix (as `git` does for commits)."""
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
