"""Image geometry, Qt-free: orientation markers, slice location along the normal, the scale
bar, and the geometry of one slice read from its header (SliceInfo, slice_geometry).

DICOM patient coordinates (PS3.3 C.7.6.2.1.1): +x points to the patient's Left, +y to
Posterior, +z to Head. Image Orientation (Patient) holds the direction cosines of the row
(the direction in which the column index grows, i.e. to the right on screen) and of the
column (down on screen). So the right edge of an image is labelled with the patient
direction of +row, the bottom edge with that of +column, and the opposite edges with the
opposite directions: an axial head-first supine image (1,0,0 / 0,1,0) reads R on the left,
L on the right, A at the top and P at the bottom, as in RadiAnt and Weasis.

Oblique directions get up to three letters, largest component first; components below
OBLIQUE_THRESHOLD (0.25, i.e. less than about 14° off the plane of the other axes) are left
out, so a slightly tilted axial still reads 'L', a 45° oblique reads 'LP' or 'PL'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from viewers.dicom.sources import SliceKey

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

OBLIQUE_THRESHOLD = 0.25
SPACING_SOURCES = ("PixelSpacing", "ImagerPixelSpacing")
EDGES = ("left", "right", "top", "bottom")
_LETTERS = (("L", "R"), ("P", "A"), ("H", "F"))  # (positive, negative) along x, y, z
_OPPOSITE = {"L": "R", "R": "L", "A": "P", "P": "A", "H": "F", "F": "H"}


def _vector(values, count: int) -> list[float] | None:
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        return None
    return numbers


def _unit(vector: Sequence[float]) -> list[float] | None:
    length = math.sqrt(sum(v * v for v in vector))
    return None if length < 1e-6 else [v / length for v in vector]


def unit_vector(values) -> tuple[float, float, float] | None:
    """`values` (3 numbers) scaled to length 1; None when malformed or null."""
    vector = _vector(values, 3) if values is not None else None
    unit = _unit(vector) if vector is not None else None
    return None if unit is None else (unit[0], unit[1], unit[2])


def normal(orientation: Sequence[float] | None) -> tuple[float, float, float] | None:
    """The unit slice normal (row x column) of an Image Orientation (Patient), or None."""
    values = _vector(orientation, 6) if orientation is not None else None
    if values is None:
        return None
    r, c = values[:3], values[3:]
    n = _unit((r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]))
    return None if n is None else (n[0], n[1], n[2])


def slice_location(position: Sequence[float] | None, orientation: Sequence[float] | None) -> float | None:
    """Where a slice lies along its normal (mm): Image Position (Patient) . normal; None when
    either is missing or malformed."""
    n = normal(orientation)
    p = _vector(position, 3) if position is not None else None
    if n is None or p is None:
        return None
    return p[0] * n[0] + p[1] * n[1] + p[2] * n[2]


def direction_letters(vector: Sequence[float], threshold: float = OBLIQUE_THRESHOLD) -> str:
    """The patient direction of a vector: 'L', 'A', 'H'... or up to three letters for an
    oblique one, largest component first ('' for a null vector)."""
    unit = _unit(vector)
    if unit is None:
        return ""
    parts = sorted((-abs(v), axis) for axis, v in enumerate(unit) if abs(v) >= threshold)  # ties: x, y, z
    return "".join(_LETTERS[axis][0 if unit[axis] > 0 else 1] for _size, axis in parts)


def opposite(letters: str) -> str:
    return "".join(_OPPOSITE.get(c, c) for c in letters)


def orientation_labels(orientation: Sequence[float] | None) -> dict[str, str]:
    """{'left', 'right', 'top', 'bottom'}: the letters for each edge of the unrotated image;
    every value '' when the orientation is missing or malformed."""
    values = _vector(orientation, 6) if orientation is not None else None
    if values is None or _unit(values[:3]) is None or _unit(values[3:]) is None:
        return dict.fromkeys(EDGES, "")
    right, bottom = direction_letters(values[:3]), direction_letters(values[3:])
    return {"left": opposite(right), "right": right, "top": opposite(bottom), "bottom": bottom}


def apply_view_transform(labels: dict[str, str], rotation_degrees: float = 0, flip_h: bool = False,
                         flip_v: bool = False) -> dict[str, str]:
    """The labels of the screen edges once the image is rotated clockwise by
    `rotation_degrees` (rounded to quarter turns) and then mirrored on screen (flip_h swaps
    left and right, flip_v top and bottom), as viewers.dicom.display.ViewState applies them."""
    out = {edge: labels.get(edge, "") for edge in EDGES}
    for _turn in range(round(rotation_degrees / 90) % 4):
        # A clockwise quarter turn: what was on the left edge is now at the top.
        out = {"top": out["left"], "right": out["top"], "bottom": out["right"], "left": out["bottom"]}
    if flip_h:
        out["left"], out["right"] = out["right"], out["left"]
    if flip_v:
        out["top"], out["bottom"] = out["bottom"], out["top"]
    return out


def scale_bar(pixel_spacing_mm, zoom: float, max_pixels: float) -> tuple[float, float] | None:
    """(length in mm, length in screen pixels) of the longest round scale bar (1, 2 or 5
    times a power of ten mm: ... 0.5, 1, 2, 5, 10, 20, 50, 100 ...) that fits in
    `max_pixels` screen pixels at `zoom` screen pixels per image column.

    `pixel_spacing_mm` is mm per image column (a float), or (row, column) spacing as in
    Pixel Spacing, of which the column spacing is used: the bar is horizontal. None when the
    spacing is unknown or the inputs make no bar.
    """
    if isinstance(pixel_spacing_mm, (tuple, list)):
        pixel_spacing_mm = pixel_spacing_mm[1] if len(pixel_spacing_mm) > 1 else None
    try:
        spacing, zoom, max_pixels = float(pixel_spacing_mm), float(zoom), float(max_pixels)
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) and v > 0 for v in (spacing, zoom, max_pixels)):
        return None
    pixels_per_mm = zoom / spacing
    max_mm = max_pixels / pixels_per_mm
    exponent = math.floor(math.log10(max_mm))
    for mantissa in (5, 2, 1):
        length = round(mantissa * 10.0 ** exponent, max(0, -exponent) + 1)
        if length <= max_mm * (1 + 1e-9):
            return length, length * pixels_per_mm
    return None  # not reached: 10**exponent <= max_mm


# --- slice geometry from a header ------------------------------------------------------------


@dataclass(frozen=True)
class SliceInfo:
    """Geometry of one slice (one frame of one instance), from its header.

    `pixel_spacing` is (between rows, between columns) in mm, as DICOM orders it. Its source
    is "PixelSpacing" (in the patient), "ImagerPixelSpacing" (at the detector: say so next to
    every measurement) or None (no usable spacing: measure in pixels).
    """

    index: int
    key: SliceKey
    instance_number: int | None
    rows: int | None
    columns: int | None
    position: tuple[float, float, float] | None  # Image Position (Patient), mm
    orientation: tuple[float, ...] | None  # Image Orientation (Patient), 6 cosines
    pixel_spacing: tuple[float, float] | None
    spacing_source: str | None
    thickness: float | None
    location: float | None  # position along the slice normal, mm
    frame_of_reference_uid: str | None

    @property
    def at_detector(self) -> bool:
        return self.spacing_source == "ImagerPixelSpacing"


def floats(value, count: int) -> tuple[float, ...] | None:
    if value is None or isinstance(value, (str, bytes)):
        return None
    numbers = _vector(value, count)
    return None if numbers is None else tuple(numbers)


def _positive_pair(value) -> tuple[float, float] | None:
    pair = floats(value, 2)
    return pair if pair is not None and pair[0] > 0 and pair[1] > 0 else None


def _number(value) -> float | None:
    pair = floats([value], 1) if value not in (None, "") else None
    return pair[0] if pair else None


def header_value(ds, keyword: str):
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001 - one malformed element never costs the slice
        return None
    return None if value in (None, "") else value


def _functional_groups(ds: Dataset, frame: int) -> list[Dataset]:
    """The per-frame item of `frame`, then the shared item (enhanced multi-frame objects)."""
    items = []
    for keyword, index in (("PerFrameFunctionalGroupsSequence", frame), ("SharedFunctionalGroupsSequence", 0)):
        sequence = header_value(ds, keyword)
        try:
            items.append(sequence[index])
        except (IndexError, TypeError):
            pass
    return items


def _grouped(items: list[Dataset], sequence: str, keyword: str):
    for item in items:
        inner = header_value(item, sequence)
        try:
            value = header_value(inner[0], keyword)
        except (IndexError, TypeError):
            continue
        if value is not None:
            return value
    return None


def slice_geometry(ds: Dataset, frame: int = 0) -> dict:
    """position, orientation, pixel_spacing, spacing_source and thickness of frame `frame`
    of `ds`: from its functional groups (per-frame, then shared), then the top level; frames
    of a plain multi-frame object are placed along the normal by Grid Frame Offset Vector."""
    groups = _functional_groups(ds, frame)
    orientation = floats(_grouped(groups, "PlaneOrientationSequence", "ImageOrientationPatient")
                         or header_value(ds, "ImageOrientationPatient"), 6)
    position = floats(_grouped(groups, "PlanePositionSequence", "ImagePositionPatient"), 3)
    if position is None:
        position = floats(header_value(ds, "ImagePositionPatient"), 3)
        offsets = header_value(ds, "GridFrameOffsetVector")
        direction = normal(orientation)
        if position is not None and frame and offsets is not None and direction is not None:
            try:
                shift = float(offsets[frame]) - float(offsets[0])
                position = tuple(p + shift * n for p, n in zip(position, direction))
            except (IndexError, TypeError, ValueError):
                position = None  # frames without a place: better none than all in one
    spacing, source = _positive_pair(_grouped(groups, "PixelMeasuresSequence", "PixelSpacing")), None
    if spacing is None:
        spacing = _positive_pair(header_value(ds, "PixelSpacing"))
    if spacing is not None:
        source = "PixelSpacing"
    else:
        spacing = _positive_pair(header_value(ds, "ImagerPixelSpacing"))
        source = "ImagerPixelSpacing" if spacing is not None else None
    thickness = _number(_grouped(groups, "PixelMeasuresSequence", "SliceThickness")) or _number(
        header_value(ds, "SliceThickness"))
    return {"position": position, "orientation": orientation, "pixel_spacing": spacing,
            "spacing_source": source, "thickness": thickness if thickness and thickness > 0 else None}
