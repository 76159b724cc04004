"""The letterhead of the opinion: the reviewing institution, as configured in the settings
(data folder, letterhead.json). Until one is saved the letter is headed by the reviewer's own
name and specialty (`with_reviewer_fallback`); only the DEMO command saves a DEMO letterhead."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.core.files import read_json_object, write_json_object
from app.store.paths import data_dir

LETTERHEAD_FILE = "letterhead.json"


@dataclass
class Letterhead:
    institution: str = ""
    department: str = ""
    address_lines: list[str] = field(default_factory=list)
    phone: str = ""
    email: str = ""
    logo: str | None = None  # path to a PNG or JPEG

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Letterhead:
        lines = data.get("address_lines") or []
        if isinstance(lines, str):
            lines = lines.splitlines()
        return cls(str(data.get("institution") or ""), str(data.get("department") or ""),
                   [str(x) for x in lines if str(x).strip()], str(data.get("phone") or ""),
                   str(data.get("email") or ""), str(data["logo"]) if data.get("logo") else None)

    @property
    def is_demo(self) -> bool:
        return "DEMO" in self.institution

    @property
    def is_empty(self) -> bool:
        return not (self.institution or self.department or self.address_lines or self.phone or self.email
                    or self.logo)


def with_reviewer_fallback(letterhead: Letterhead, name: str, specialty: str) -> Letterhead:
    """`letterhead`, or when nothing of it was filled in, a head of the reviewer's own name
    and specialty: a letter from a private practice is headed so."""
    if not letterhead.is_empty:
        return letterhead
    return Letterhead(institution=name.strip(), department=specialty.strip())


def letterhead_path() -> Path:
    return data_dir() / LETTERHEAD_FILE


def load_letterhead(path: Path | None = None) -> Letterhead:
    """The saved letterhead; an empty one when none was saved or the file cannot be read."""
    data = read_json_object(Path(path) if path else letterhead_path())
    return Letterhead.from_json(data) if data is not None else Letterhead()


def save_letterhead(letterhead: Letterhead, path: Path | None = None) -> None:
    write_json_object(Path(path) if path else letterhead_path(), letterhead.to_json())
