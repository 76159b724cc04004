"""Reference lines, Qt-free: where the slice shown in each other viewport crosses the image
of a viewport, as segments in that viewport's pixel coordinates (as RadiAnt and Weasis draw
them).

Each viewport offers a `Source`: the plane of the slice it shows, its number (the colour of
its line) and whether it is the active viewport (its line is highlighted). A source's line is
drawn on a target only when both planes are in one frame of reference and cross within both
images. On a localiser (scout) the first and last slices of each crossing series are given
too, as dim lines, so that the scout shows the extent of the stack.

The planes come from `plane_at(series, n)`: `series.plane(n)` when the series has one (a
reformat), else the slice's header geometry as the series already holds it (never a file
read: this runs on the GUI thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from viewers.dicom.planes import Plane

CURRENT, FIRST, LAST = "current", "first", "last"


@dataclass(frozen=True)
class Source:
    """What one viewport offers the others: the plane it shows (None: no line)."""

    number: int  # the viewport's number: picks the line's colour
    plane: Plane | None
    active: bool = False
    first: Plane | None = None  # the series' first and last slices (scout extent lines)
    last: Plane | None = None
    colour: tuple[int, int, int] | None = None  # its own colour (an MPR plane's), else by number


@dataclass(frozen=True)
class ReferenceLine:
    """A segment in the target's pixel coordinates (x = column, y = row)."""

    start: tuple[float, float]
    end: tuple[float, float]
    number: int  # of the source viewport
    kind: str = CURRENT  # CURRENT, or FIRST / LAST (dim extent lines on a scout)
    active: bool = False
    colour: tuple[int, int, int] | None = None  # the source's own colour, if it has one


def is_localizer(dataset) -> bool:
    """Whether a header is a localiser (scout, topogram): LOCALIZER in Image Type."""
    if dataset is None:
        return False
    value = dataset.get("ImageType") if hasattr(dataset, "get") else None
    if value is None:
        return False
    values = [value] if isinstance(value, str) else list(value)
    return any(str(v).strip().upper() == "LOCALIZER" for v in values)


def lines_for(target: Plane | None, sources: Sequence[Source], *, extent: bool = False) -> list[ReferenceLine]:
    """The reference lines to draw on `target`: one per source crossing it in the same frame
    of reference, the active source's marked; with `extent` (the target is a scout) also the
    first and last slices of each source whose current slice crosses it."""
    if target is None:
        return []
    lines: list[ReferenceLine] = []
    for source in sources:
        plane = source.plane
        if plane is None or not target.same_frame(plane):
            continue
        segment = target.intersection(plane)
        if segment is None:
            continue
        if extent:
            for kind, end in ((FIRST, source.first), (LAST, source.last)):
                if end is None or not target.same_frame(end) or _same_place(end, plane):
                    continue
                crossing = target.intersection(end)
                if crossing is not None:
                    lines.append(ReferenceLine(crossing[0], crossing[1], source.number, kind, False,
                                               source.colour))
        lines.append(ReferenceLine(segment[0], segment[1], source.number, CURRENT, source.active, source.colour))
    # The active source's line last, so it is drawn over the others.
    lines.sort(key=lambda line: (line.kind == CURRENT, line.active))
    return lines


def _same_place(a: Plane, b: Plane) -> bool:
    return abs(b.distance(a.origin)) < 1e-3 and abs(abs(float(a.normal @ b.normal)) - 1.0) < 1e-6


def plane_like(like: Plane, info) -> Plane | None:
    """The plane of a slice whose header was not read yet, from what the import index says
    (position, orientation, size) and the pixel spacing of `like`, a slice of the same
    series; None when the index does not place it."""
    if info is None or info.position is None or info.orientation is None:
        return None
    shape = (info.rows or like.shape[0], info.columns or like.shape[1])
    try:
        return Plane.make(info.position, info.orientation[:3], info.orientation[3:6], like.spacing, shape,
                          info.frame_of_reference_uid or like.frame_of_reference_uid)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return None


def plane_at(series, n: int, like: Plane | None = None) -> Plane | None:
    """The plane of slice `n` of `series` (a SeriesModel or anything with `plane(n)`), or None
    when it is not known without reading a file or does not place the slice in the patient.
    With `like`, a slice whose header is not read yet borrows its pixel spacing."""
    if series is None or not 0 <= n < len(series):
        return None
    plane_of = getattr(series, "plane", None)
    if callable(plane_of):
        try:
            return plane_of(n)
        except Exception:  # noqa: BLE001 - a plane is optional: no line rather than no image
            return None
    peek = getattr(series, "peek_slice_info", None)
    try:
        info = peek(n) if peek is not None else series.slice_info(n)
    except Exception:  # noqa: BLE001
        return None
    if info is None:
        return None
    plane = Plane.from_slice_info(info)
    if plane is None and like is not None and info.pixel_spacing is None:
        plane = plane_like(like, info)
    return plane
