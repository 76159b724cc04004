"""A key image: a view of a slice kept for the opinion, as plain data (no Qt, no viewer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
import uuid


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class KeyImage:
    """The current view of a slice as shown (window and measurements burned in), for the
    opinion. `window` is (center, width) in modality units; `measurements` is the text of
    the measurements shown, for the caption in the PDF."""

    id: str
    caption: str
    png: bytes = field(repr=False)
    series_uid: str | None
    slice_key: tuple[str, int] | None  # (SOP Instance UID, frame)
    window: tuple[float, float] | None = None
    measurements: str = ""
    created: str = field(default_factory=_now)

    @classmethod
    def new(cls, caption: str, png: bytes, series_uid: str | None, slice_key: tuple[str, int] | None,
            window: tuple[float, float] | None = None, measurements: str = "") -> KeyImage:
        return cls(uuid.uuid4().hex, caption, png, series_uid, slice_key, window, measurements)

    def metadata(self) -> dict:
        return {"id": self.id, "caption": self.caption, "series_uid": self.series_uid,
                "slice": None if self.slice_key is None else [str(self.slice_key[0]), int(self.slice_key[1])],
                "window": None if self.window is None else [float(v) for v in self.window],
                "measurements": self.measurements, "created": self.created}

    @classmethod
    def from_metadata(cls, data: dict, png: bytes) -> KeyImage:
        window = data.get("window")
        return cls(str(data["id"]), str(data.get("caption") or ""), png, data.get("series_uid"),
                   None if data.get("slice") is None else (str(data["slice"][0]), int(data["slice"][1])),
                   None if window is None else (float(window[0]), float(window[1])),
                   str(data.get("measurements") or ""), str(data.get("created") or ""))
