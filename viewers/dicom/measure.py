"""Measurements on a slice, Qt-free: distance, angle, ellipse and rectangle ROIs, kept per
case as a MeasurementSet (JSON round trip).

Coordinates are IMAGE pixel coordinates as floats: x along the columns, y along the rows,
pixel (column c, row r) covering [c, c+1) x [r, r+1), so its centre is (c + 0.5, r + 0.5)
and floor(x), floor(y) is the pixel under a point (as viewers.dicom.display.probe_text).

Spacing is (between rows, between columns) in mm, as DICOM Pixel Spacing, or None: then
lengths are in pixels ("px") and areas in "px²". A spacing taken from Imager Pixel Spacing
measures at the detector; the `text` helpers say so when given that source.

ROI statistics use the pixels whose centres lie inside the shape (edges included), and the
area is the shape's own area (an ellipse's pi*a*b), so a rectangle drawn along pixel edges
reports exactly n_pixels * row_spacing * column_spacing. SD is the sample standard deviation
(n - 1), as ImageJ reports it; 0 for a single pixel. Colour frames are measured on their
luminance (Rec. 601: 0.299 R + 0.587 G + 0.114 B), without units, and say so (`luminance`).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from app.core.i18n import _
from viewers.dicom.numbers import fixed
from viewers.dicom.sources import SliceKey

FORMAT = "secondo-measurements/1"
Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 (any corner order)
Spacing = tuple[float, float] | None


def new_id() -> str:
    return uuid.uuid4().hex


def _spacing(spacing) -> tuple[float, float] | None:
    if spacing is None:
        return None
    try:
        row, column = (float(v) for v in spacing)
    except (TypeError, ValueError):
        return None
    ok = math.isfinite(row) and math.isfinite(column) and row > 0 and column > 0
    return (row, column) if ok else None


def _point(value) -> Point:
    x, y = value
    return float(x), float(y)


def _rect(value) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _key(value) -> SliceKey | None:
    return None if value is None else SliceKey.from_json(value)


def _number(value: float, digits: int = 1) -> str:
    return fixed(value, digits)


def quantity(value: float, unit: str, spacing_source: str | None = None) -> str:
    """'9,8 mm' in the reader's convention; a length or area in mm from Imager Pixel Spacing
    says that it is measured at the detector."""
    if unit in ("mm", "mm²") and spacing_source == "ImagerPixelSpacing":
        # TRANSLATORS: a length or area measured on a projection image, e.g. "10,0 mm (at detector)".
        return _("{value} {unit} (at detector)").format(value=_number(value), unit=unit)
    return f"{_number(value)} {unit}"


# --- the measurements ------------------------------------------------------------------------


@dataclass
class Distance:
    a: Point
    b: Point
    slice_key: SliceKey | None = None
    id: str = field(default_factory=new_id)
    kind = "distance"

    def __post_init__(self):
        self.a, self.b = _point(self.a), _point(self.b)

    def length(self, spacing: Spacing = None) -> tuple[float, str]:
        """(value, "mm") with a spacing, else (value, "px")."""
        dx, dy = self.b[0] - self.a[0], self.b[1] - self.a[1]
        mm = _spacing(spacing)
        if mm is None:
            return math.hypot(dx, dy), "px"
        return math.hypot(dx * mm[1], dy * mm[0]), "mm"

    def text(self, spacing: Spacing = None, spacing_source: str | None = None) -> str:
        value, unit = self.length(spacing)
        return quantity(value, unit, spacing_source)

    def to_json(self) -> dict:
        return {"type": self.kind, "id": self.id, "slice": _key_json(self.slice_key),
                "a": list(self.a), "b": list(self.b)}

    @classmethod
    def from_json(cls, data: dict) -> Distance:
        return cls(_point(data["a"]), _point(data["b"]), _key(data.get("slice")), str(data["id"]))


@dataclass
class Angle:
    a: Point
    vertex: Point
    b: Point
    slice_key: SliceKey | None = None
    id: str = field(default_factory=new_id)
    kind = "angle"

    def __post_init__(self):
        self.a, self.vertex, self.b = _point(self.a), _point(self.vertex), _point(self.b)

    def degrees(self, spacing: Spacing = None) -> float | None:
        """The angle at `vertex` in degrees (0..180), in mm space when the spacing is known
        (non-square pixels change angles); None when an arm has no length."""
        mm = _spacing(spacing) or (1.0, 1.0)
        u = ((self.a[0] - self.vertex[0]) * mm[1], (self.a[1] - self.vertex[1]) * mm[0])
        v = ((self.b[0] - self.vertex[0]) * mm[1], (self.b[1] - self.vertex[1]) * mm[0])
        if math.hypot(*u) == 0 or math.hypot(*v) == 0:
            return None
        return math.degrees(abs(math.atan2(u[0] * v[1] - u[1] * v[0], u[0] * v[0] + u[1] * v[1])))

    def text(self, spacing: Spacing = None, spacing_source: str | None = None) -> str:
        value = self.degrees(spacing)
        return "-" if value is None else f"{_number(value)}°"

    def to_json(self) -> dict:
        return {"type": self.kind, "id": self.id, "slice": _key_json(self.slice_key),
                "a": list(self.a), "vertex": list(self.vertex), "b": list(self.b)}

    @classmethod
    def from_json(cls, data: dict) -> Angle:
        return cls(_point(data["a"]), _point(data["vertex"]), _point(data["b"]), _key(data.get("slice")),
                   str(data["id"]))


@dataclass(frozen=True)
class RoiStats:
    area: float
    area_unit: str  # "mm²" or "px²"
    mean: float | None  # None when no pixel centre is inside
    sd: float | None
    min: float | None
    max: float | None
    n_pixels: int
    unit: str  # of the values: the frame's units ("HU"), "" when none
    luminance: bool = False  # measured on the luminance of a colour frame

    def text(self, spacing_source: str | None = None) -> str:
        unit = f" {self.unit}" if self.unit else ""
        area = quantity(self.area, self.area_unit, spacing_source)
        if self.mean is None:
            return _("Area {area}").format(area=area)
        return _("Area {area}, mean {mean}{unit}, SD {sd}, min {min}, max {max}").format(
            area=area, mean=_number(self.mean), unit=unit, sd=_number(self.sd),
            min=_number(self.min), max=_number(self.max))


@dataclass
class _Roi:
    rect: Rect
    slice_key: SliceKey | None = None
    id: str = field(default_factory=new_id)
    kind = "roi"

    def __post_init__(self):
        self.rect = _rect(self.rect)

    def _shape_area(self) -> float:  # in pixels²
        raise NotImplementedError

    def _inside(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def area(self, spacing: Spacing = None) -> tuple[float, str]:
        mm = _spacing(spacing)
        if mm is None:
            return self._shape_area(), "px²"
        return self._shape_area() * mm[0] * mm[1], "mm²"

    def mask(self, shape: tuple[int, int]) -> tuple[tuple[slice, slice], np.ndarray]:
        """(the bounding box within an image of `shape` (rows, columns), the boolean mask of
        the pixels inside the shape within that box)."""
        rows, columns = shape[:2]
        x0, y0, x1, y1 = self.rect
        # Pixel c has its centre inside [x0, x1] when x0 - 0.5 <= c <= x1 - 0.5.
        c0, c1 = max(0, math.ceil(x0 - 0.5)), min(columns, math.floor(x1 - 0.5) + 1)
        r0, r1 = max(0, math.ceil(y0 - 0.5)), min(rows, math.floor(y1 - 0.5) + 1)
        box = (slice(r0, max(r0, r1)), slice(c0, max(c0, c1)))
        ys, xs = np.mgrid[r0:max(r0, r1), c0:max(c0, c1)]
        return box, self._inside(xs + 0.5, ys + 0.5)

    def stats(self, values, spacing: Spacing = None, unit: str | None = None) -> RoiStats:
        """Statistics of the modality values inside the shape: `values` is the frame's
        modality array (HxW, or HxWx3 for colour: luminance is measured) or a decoded
        viewers.dicom.pixels.Frame (then its units are used unless `unit` is given).
        Non-finite values are left out."""
        luminance = False
        if hasattr(values, "modality"):  # a Frame
            unit = getattr(values, "units", "") if unit is None else unit
            values = values.modality
        values = np.asarray(values)
        if values.ndim == 3:
            values = values[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
            luminance, unit = True, ""
        area, area_unit = self.area(spacing)
        box, inside = self.mask(values.shape)
        picked = values[box][inside].astype(np.float64)
        picked = picked[np.isfinite(picked)]
        n = int(picked.size)
        if n == 0:
            return RoiStats(area, area_unit, None, None, None, None, 0, unit or "", luminance)
        sd = float(picked.std(ddof=1)) if n > 1 else 0.0
        return RoiStats(area, area_unit, float(picked.mean()), sd, float(picked.min()), float(picked.max()), n,
                        unit or "", luminance)

    def text(self, spacing: Spacing = None, spacing_source: str | None = None, values=None,
             unit: str | None = None) -> str:
        if values is None:
            area, area_unit = self.area(spacing)
            return _("Area {area}").format(area=quantity(area, area_unit, spacing_source))
        return self.stats(values, spacing, unit).text(spacing_source)

    def to_json(self) -> dict:
        return {"type": self.kind, "id": self.id, "slice": _key_json(self.slice_key), "rect": list(self.rect)}

    @classmethod
    def from_json(cls, data: dict):
        return cls(_rect(data["rect"]), _key(data.get("slice")), str(data["id"]))


@dataclass
class RectROI(_Roi):
    kind = "rect_roi"

    def _shape_area(self) -> float:
        x0, y0, x1, y1 = self.rect
        return (x1 - x0) * (y1 - y0)

    def _inside(self, xs, ys):
        x0, y0, x1, y1 = self.rect
        return (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)


@dataclass
class EllipseROI(_Roi):
    """The ellipse inscribed in `rect`."""

    kind = "ellipse_roi"

    def _shape_area(self) -> float:
        x0, y0, x1, y1 = self.rect
        return math.pi * (x1 - x0) * (y1 - y0) / 4

    def _inside(self, xs, ys):
        x0, y0, x1, y1 = self.rect
        a, b = (x1 - x0) / 2, (y1 - y0) / 2
        if a <= 0 or b <= 0:
            return np.zeros(xs.shape, dtype=bool)
        return ((xs - (x0 + a)) / a) ** 2 + ((ys - (y0 + b)) / b) ** 2 <= 1.0


Measurement = Distance | Angle | RectROI | EllipseROI
KINDS: dict[str, type] = {cls.kind: cls for cls in (Distance, Angle, RectROI, EllipseROI)}


def _key_json(key: SliceKey | None):
    return None if key is None else SliceKey(*key).to_json()


def measurement_from_json(data: dict) -> Measurement:
    """One measurement from its JSON; ValueError for an unknown type or bad values."""
    cls = KINDS.get(data.get("type"))
    if cls is None:
        raise ValueError(f"unknown measurement type {data.get('type')!r}")
    try:
        return cls.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed {data.get('type')} measurement: {exc}") from None


# --- the set of a case -----------------------------------------------------------------------


class MeasurementSet:
    """The measurements of a case, in the order they were made. Entries of types this
    version does not know are kept as they are and written back (newer files stay whole)."""

    def __init__(self, measurements=()) -> None:
        self._items: dict[str, Measurement] = {}
        self._unknown: list[dict] = []
        for m in measurements:
            self.add(m)

    def add(self, measurement: Measurement, slice_key: SliceKey | None = None) -> Measurement:
        """Add (or replace, by id) a measurement; `slice_key` attaches it to a slice."""
        if slice_key is not None:
            measurement.slice_key = SliceKey(*slice_key)
        if measurement.slice_key is None:
            raise ValueError("a measurement must belong to a slice")
        measurement.slice_key = SliceKey(*measurement.slice_key)
        self._items[measurement.id] = measurement
        return measurement

    def delete(self, measurement_id: str) -> bool:
        return self._items.pop(measurement_id, None) is not None

    def get(self, measurement_id: str) -> Measurement | None:
        return self._items.get(measurement_id)

    def for_slice(self, slice_key: SliceKey) -> list[Measurement]:
        key = SliceKey(*slice_key)
        return [m for m in self._items.values() if m.slice_key == key]

    def delete_slice(self, slice_key: SliceKey) -> int:
        doomed = [m.id for m in self.for_slice(slice_key)]
        for measurement_id in doomed:
            del self._items[measurement_id]
        return len(doomed)

    def slices(self) -> list[SliceKey]:
        """Slices that carry a measurement, in the order of their first one."""
        return list(dict.fromkeys(m.slice_key for m in self._items.values()))

    def __iter__(self) -> Iterator[Measurement]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, measurement_id: str) -> bool:
        return measurement_id in self._items

    def to_json(self) -> dict:
        return {"format": FORMAT, "measurements": [m.to_json() for m in self._items.values()] + self._unknown}

    @classmethod
    def from_json(cls, data: dict | None) -> MeasurementSet:
        result = cls()
        for item in (data or {}).get("measurements", []):
            if isinstance(item, dict) and item.get("type") not in KINDS:
                result._unknown.append(item)
                continue
            result.add(measurement_from_json(item))
        return result
