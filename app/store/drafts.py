"""Opinion drafts at rest: one encrypted file per case, replaced atomically (temp file,
fsync, rename), so that a crash leaves the previous draft or the new one, never half. The
last good version is kept beside it, for when the current one is damaged at rest. A draft is
a QuestionnaireResponse; its `language` (BCP 47) is the language the opinion will be written
in, chosen in the form (app/signoff/language.py), kept with the draft like its answers."""

from datetime import datetime, timezone
import json
from pathlib import Path

from app.core.errors import SecondoError
from app.core.files import atomic_output
from app.core.i18n import _
from app.store.locks import folder_lock
from app.store.store import CaseStore


class DraftStore:
    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.folder = store.home / "drafts"
        self.folder.mkdir(exist_ok=True, mode=0o700)

    def path(self, case_id: str) -> Path:
        return self.folder / f"{case_id}.sov"

    def previous_path(self, case_id: str) -> Path:
        return self.folder / f"{case_id}.prev.sov"

    def save(self, case_id: str, response: dict) -> None:
        current = self.path(case_id)
        with folder_lock(self.store.home / "locks" / "drafts.lock"):  # the window and a command may save at once
            if current.exists() and self._readable(current):  # a damaged draft never replaces a good one
                with atomic_output(self.previous_path(case_id)) as out:
                    out.write(current.read_bytes())
            self.store.vault.replace_bytes(current, json.dumps(response, ensure_ascii=False).encode("utf-8"))

    def _readable(self, path: Path) -> bool:
        try:
            self._read(path)
        except (SecondoError, ValueError):
            return False
        return True

    def _read(self, path: Path) -> dict:
        return json.loads(self.store.vault.read_file(path).decode("utf-8"))

    def load_recovering(self, case_id: str) -> tuple[dict | None, str | None]:
        """The draft, or when it cannot be read the previous good version, with a notice
        for the user saying so (None when all is well)."""
        try:
            return self.load(case_id), None
        except (SecondoError, ValueError) as exc:
            reason = str(exc)
        previous = self.previous_path(case_id)
        if previous.exists() and self._readable(previous):
            return self._read(previous), _("The latest draft could not be read ({reason}); the previous "
                                           "version is shown. Check the last changes.").format(reason=reason)
        return None, _("The draft could not be read ({reason}) and no earlier version exists; the form "
                       "starts afresh.").format(reason=reason)

    def saved_at(self, case_id: str, previous: bool = False) -> datetime | None:
        """When the draft (or its previous version) was last saved, in local time; None if none."""
        try:
            mtime = (self.previous_path(case_id) if previous else self.path(case_id)).stat().st_mtime
        except OSError:
            return None
        return datetime.fromtimestamp(mtime, timezone.utc).astimezone()

    def language(self, case_id: str) -> str | None:
        """The language chosen for the case's opinion, None when the draft has none (or no draft)."""
        draft = self.load(case_id)
        value = (draft or {}).get("language")
        return value if isinstance(value, str) and value else None

    def load(self, case_id: str) -> dict | None:
        path = self.path(case_id)
        if not path.exists():
            return None
        return self._read(path)
