"""Our own annotations on a slice, Qt-free: arrows and text notes, kept per case as a MarkSet
(JSON round trip), beside the measurements (viewers/dicom/measure.py) and in the same
image pixel coordinates (x along the columns, y along the rows, a pixel's centre at +0.5).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from viewers.dicom.measure import Point, new_id
from viewers.dicom.sources import SliceKey

FORMAT = "secondo-marks/1"
MAX_TEXT = 500  # characters of one note


def _point(value) -> Point:
    x, y = (float(v) for v in value)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError("not a finite point")
    return x, y


def _key(value) -> SliceKey | None:
    return None if value is None else SliceKey.from_json(value)


def _key_json(key: SliceKey | None):
    return None if key is None else SliceKey(*key).to_json()


def clean_text(text: str) -> str:
    """A note's text as kept: stripped, at most MAX_TEXT characters."""
    return str(text or "").strip()[:MAX_TEXT]


@dataclass
class Arrow:
    """An arrow whose head points at `head`, drawn from `tail`."""

    head: Point
    tail: Point
    slice_key: SliceKey | None = None
    id: str = field(default_factory=new_id)
    kind = "arrow"

    def __post_init__(self):
        self.head, self.tail = _point(self.head), _point(self.tail)

    @property
    def points(self) -> list[Point]:
        return [self.head, self.tail]

    def set_point(self, handle: int, p: Point) -> None:
        if handle == 0:
            self.head = _point(p)
        else:
            self.tail = _point(p)

    def moved(self, dx: float, dy: float) -> None:
        self.head = (self.head[0] + dx, self.head[1] + dy)
        self.tail = (self.tail[0] + dx, self.tail[1] + dy)

    def to_json(self) -> dict:
        return {"type": self.kind, "id": self.id, "slice": _key_json(self.slice_key),
                "head": list(self.head), "tail": list(self.tail)}

    @classmethod
    def from_json(cls, data: dict) -> Arrow:
        return cls(_point(data["head"]), _point(data["tail"]), _key(data.get("slice")), str(data["id"]))


@dataclass
class TextNote:
    """A note written on the image, its first line starting at `at` (the top left corner)."""

    at: Point
    text: str
    slice_key: SliceKey | None = None
    id: str = field(default_factory=new_id)
    kind = "text"

    def __post_init__(self):
        self.at = _point(self.at)
        self.text = clean_text(self.text)

    @property
    def points(self) -> list[Point]:
        return [self.at]

    def set_point(self, handle: int, p: Point) -> None:
        self.at = _point(p)

    def moved(self, dx: float, dy: float) -> None:
        self.at = (self.at[0] + dx, self.at[1] + dy)

    def to_json(self) -> dict:
        return {"type": self.kind, "id": self.id, "slice": _key_json(self.slice_key),
                "at": list(self.at), "text": self.text}

    @classmethod
    def from_json(cls, data: dict) -> TextNote:
        return cls(_point(data["at"]), str(data["text"]), _key(data.get("slice")), str(data["id"]))


Mark = Arrow | TextNote
KINDS: dict[str, type] = {cls.kind: cls for cls in (Arrow, TextNote)}


def mark_from_json(data: dict) -> Mark:
    """One mark from its JSON; ValueError for an unknown type or bad values."""
    cls = KINDS.get(data.get("type"))
    if cls is None:
        raise ValueError(f"unknown mark type {data.get('type')!r}")
    try:
        return cls.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed {data.get('type')} mark: {exc}") from None


class MarkSet:
    """The arrows and notes of a case, in the order they were made. Entries of types this
    version does not know are kept as they are and written back."""

    def __init__(self, marks=()) -> None:
        self._items: dict[str, Mark] = {}
        self._unknown: list[dict] = []
        for mark in marks:
            self.add(mark)

    def add(self, mark: Mark, slice_key: SliceKey | None = None) -> Mark:
        """Add (or replace, by id) a mark; `slice_key` attaches it to a slice."""
        if slice_key is not None:
            mark.slice_key = SliceKey(*slice_key)
        if mark.slice_key is None:
            raise ValueError("a mark must belong to a slice")
        mark.slice_key = SliceKey(*mark.slice_key)
        self._items[mark.id] = mark
        return mark

    def delete(self, mark_id: str) -> bool:
        return self._items.pop(mark_id, None) is not None

    def get(self, mark_id: str) -> Mark | None:
        return self._items.get(mark_id)

    def for_slice(self, slice_key) -> list[Mark]:
        key = SliceKey(*slice_key)
        return [m for m in self._items.values() if m.slice_key == key]

    def __iter__(self) -> Iterator[Mark]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, mark_id: str) -> bool:
        return mark_id in self._items

    def to_json(self) -> dict:
        return {"format": FORMAT, "marks": [m.to_json() for m in self._items.values()] + self._unknown}

    @classmethod
    def from_json(cls, data: dict | None) -> MarkSet:
        result = cls()
        for item in (data or {}).get("marks", []):
            if isinstance(item, dict) and item.get("type") not in KINDS:
                result._unknown.append(item)
                continue
            result.add(mark_from_json(item))
        return result
