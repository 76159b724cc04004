"""The reviewer's profile (name, specialty, registration number such as RIZIV/INAMI or BIG):
plain JSON in the data folder, not secret, pre-filled into every opinion."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from app.core.files import read_json_object, write_json_object
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
    data = read_json_object(Path(path) if path else profile_path())
    return ReviewerProfile.from_json(data) if data is not None else ReviewerProfile()


def save_profile(profile: ReviewerProfile, path: Path | None = None) -> None:
    write_json_object(Path(path) if path else profile_path(), profile.to_json())
