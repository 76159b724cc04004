"""The reviewer's profile (name, specialty, registration number such as RIZIV/INAMI or BIG):
plain JSON in the data folder, not secret, pre-filled into every opinion."""

from __future__ import annotations

from dataclasses import asdict, dataclass
import json
from pathlib import Path

from app.core.files import atomic_output
from app.store.paths import data_dir

PROFILE_FILE = "reviewer.json"


@dataclass
class ReviewerProfile:
    name: str = ""
    specialty: str = ""
    registration: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ReviewerProfile:
        return cls(**{k: str(data.get(k) or "") for k in ("name", "specialty", "registration")})


def profile_path() -> Path:
    return data_dir() / PROFILE_FILE


def load_profile(path: Path | None = None) -> ReviewerProfile:
    """The saved profile; an empty one when none was saved or the file cannot be read."""
    path = Path(path) if path else profile_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ReviewerProfile()
    return ReviewerProfile.from_json(data) if isinstance(data, dict) else ReviewerProfile()


def save_profile(profile: ReviewerProfile, path: Path | None = None) -> None:
    path = Path(path) if path else profile_path()
    with atomic_output(path) as out:
        out.write(json.dumps(profile.to_json(), indent=2, ensure_ascii=False).encode("utf-8"))
