"""Opinion drafts at rest: one encrypted file per case, replaced atomically (temp file,
fsync, rename), so that a crash leaves the previous draft or the new one, never half."""

import json
from pathlib import Path

from app.store.store import CaseStore


class DraftStore:
    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.folder = store.home / "drafts"
        self.folder.mkdir(exist_ok=True, mode=0o700)

    def path(self, case_id: str) -> Path:
        return self.folder / f"{case_id}.sov"

    def save(self, case_id: str, response: dict) -> None:
        self.store.vault.replace_bytes(self.path(case_id), json.dumps(response, ensure_ascii=False).encode("utf-8"))

    def load(self, case_id: str) -> dict | None:
        path = self.path(case_id)
        if not path.exists():
            return None
        return json.loads(self.store.vault.read_file(path).decode("utf-8"))
