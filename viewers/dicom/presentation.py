"""Graphic annotations of Grayscale Softcopy Presentation States (GSPS), Qt-free: which images
a presentation state annotates and the shapes it draws on each, in image pixel coordinates.

Graphic Annotation Sequence items name their images (Referenced Image Sequence, with
Referenced Frame Number when only some frames), else they apply to every image the state
references (Referenced Series Sequence). Text objects (with bounding box and/or anchor point),
polylines, interpolated curves (drawn through their points), circles, ellipses and points are
read. PIXEL units are image coordinates as the viewer's own (PS3.3 C.10.5.1.2: 0\\0 is the
top left corner of the top left pixel; DICOM writes column\\row, which is x\\y); DISPLAY units
are fractions of the displayed area the state selects for that image (Displayed Area
Selection Sequence), or of the whole image without one. The state's other parts (its VOI,
spatial transformation, shutters) are not applied: the reader keeps their own view.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

GSPS_CLASS = "1.2.840.10008.5.1.4.1.1.11.1"
MAX_POINTS = 100_000  # points of one graphic; beyond, the graphic is left out

Point = tuple[float, float]


@dataclass(frozen=True)
class GraphicShape:
    """One thing to draw, in image pixel coordinates: `kind` is "polyline" (closed when its
    last point is its first), "circle" (centre, a point on it), "ellipse" (the ends of the
    major axis, then of the minor axis), "point" or "text" (`points` is then its bounding box
    as two corners, or empty; `anchor` the point it refers to)."""

    kind: str
    points: tuple[Point, ...]
    filled: bool = False
    text: str = ""
    anchor: Point | None = None
    anchor_visible: bool = False
    layer: str = ""

    @property
    def closed(self) -> bool:
        return self.kind == "polyline" and len(self.points) > 2 and self.points[0] == self.points[-1]


@dataclass(frozen=True)
class _Raw:
    """A graphic as the file gives it: points in its units, resolved per image by `resolve`."""

    kind: str
    units: str  # "PIXEL" or "DISPLAY" (of the points; a text's anchor has its own)
    points: tuple[Point, ...]
    filled: bool = False
    text: str = ""
    anchor: Point | None = None
    anchor_units: str = "PIXEL"
    anchor_visible: bool = False
    layer: str = ""


@dataclass
class _Annotation:
    images: dict[str, frozenset[int] | None] | None  # SOP instance -> 1-based frames (None: all); None: all images
    graphics: list[_Raw]


@dataclass
class PresentationState:
    """One GSPS: its label and the annotations it lays on the images it references."""

    sop_instance_uid: str
    label: str = ""
    description: str = ""
    images: dict[str, frozenset[int] | None] = field(default_factory=dict)  # all images it references
    areas: list[tuple[dict[str, frozenset[int] | None] | None, Point, Point]] = field(default_factory=list)
    annotations: list[_Annotation] = field(default_factory=list)

    def applies_to(self, sop_instance_uid: str, frame: int = 0) -> bool:
        """Whether the state references frame `frame` (0-based) of the image."""
        return _covers(self.images, sop_instance_uid, frame)

    def shapes(self, sop_instance_uid: str, frame: int, columns: int, rows: int) -> list[GraphicShape]:
        """The shapes on frame `frame` (0-based) of the image, an image of `columns` x `rows`."""
        if not self.applies_to(sop_instance_uid, frame):
            return []
        area = self._area(sop_instance_uid, frame, columns, rows)
        shapes = []
        for annotation in self.annotations:
            if annotation.images is not None and not _covers(annotation.images, sop_instance_uid, frame):
                continue
            shapes.extend(resolve(raw, area) for raw in annotation.graphics)
        return shapes

    def _area(self, sop: str, frame: int, columns: int, rows: int) -> tuple[Point, Point]:
        """The displayed area in image coordinates: (top left corner, bottom right corner)."""
        for images, tlhc, brhc in self.areas:
            if images is None or _covers(images, sop, frame):
                # The area's corners are pixels, 1-based: from the top left corner of the first
                # to the bottom right corner of the second.
                return (tlhc[0] - 1, tlhc[1] - 1), (brhc[0], brhc[1])
        return (0.0, 0.0), (float(columns), float(rows))


def _covers(images: dict[str, frozenset[int] | None], sop: str, frame: int) -> bool:
    if sop not in images:
        return False
    frames = images[sop]
    return frames is None or (frame + 1) in frames


def resolve(raw: _Raw, area: tuple[Point, Point]) -> GraphicShape:
    """`raw` in image pixel coordinates, DISPLAY units mapped onto `area`."""
    (x0, y0), (x1, y1) = area

    def place(points: Iterable[Point], units: str) -> tuple[Point, ...]:
        if units != "DISPLAY":
            return tuple(points)
        return tuple((x0 + x * (x1 - x0), y0 + y * (y1 - y0)) for x, y in points)

    anchor = place([raw.anchor], raw.anchor_units)[0] if raw.anchor is not None else None
    return GraphicShape(raw.kind, place(raw.points, raw.units), raw.filled, raw.text, anchor, raw.anchor_visible,
                        raw.layer)


# --- reading ---------------------------------------------------------------------------------


def is_presentation_state(ds) -> bool:
    return str(ds.get("SOPClassUID", "")) == GSPS_CLASS


def parse_presentation_state(ds) -> PresentationState:
    """The graphic annotations of a GSPS data set. Graphics with missing or non-finite
    values are left out, one by one; ValueError when `ds` is not a GSPS."""
    if not is_presentation_state(ds):
        raise ValueError("not a Grayscale Softcopy Presentation State")
    images: dict[str, frozenset[int] | None] = {}
    for series in ds.get("ReferencedSeriesSequence") or []:
        images.update(_image_refs(series.get("ReferencedImageSequence")) or {})
    state = PresentationState(str(ds.get("SOPInstanceUID", "")), _text(ds.get("ContentLabel")),
                              _text(ds.get("ContentDescription")), images)
    for item in ds.get("DisplayedAreaSelectionSequence") or []:
        try:
            tlhc = _point(item.DisplayedAreaTopLeftHandCorner)
            brhc = _point(item.DisplayedAreaBottomRightHandCorner)
        except (AttributeError, TypeError, ValueError):
            continue
        state.areas.append((_image_refs(item.get("ReferencedImageSequence")), tlhc, brhc))
    for item in ds.get("GraphicAnnotationSequence") or []:
        layer = _text(item.get("GraphicLayer"))
        graphics = [g for g in (_text_object(t, layer) for t in item.get("TextObjectSequence") or []) if g]
        graphics += [g for g in (_graphic_object(o, layer) for o in item.get("GraphicObjectSequence") or []) if g]
        if graphics:
            state.annotations.append(_Annotation(_image_refs(item.get("ReferencedImageSequence")), graphics))
    return state


def _image_refs(sequence) -> dict[str, frozenset[int] | None] | None:
    """SOP instance -> 1-based frames (None: every frame); None when there is no sequence."""
    if not sequence:
        return None
    refs: dict[str, frozenset[int] | None] = {}
    for item in sequence:
        uid = _text(item.get("ReferencedSOPInstanceUID"))
        if not uid:
            continue
        frames = item.get("ReferencedFrameNumber")
        if frames in (None, ""):
            refs[uid] = None
            continue
        numbers = [frames] if isinstance(frames, (str, bytes)) or not hasattr(frames, "__iter__") else frames
        try:
            refs[uid] = frozenset(int(n) for n in numbers)
        except (TypeError, ValueError):
            refs[uid] = None
    return refs


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _point(value) -> Point:
    x, y = (float(v) for v in value)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError("not a finite point")
    return x, y


def _units(value) -> str:
    return "DISPLAY" if _text(value).upper() == "DISPLAY" else "PIXEL"


def _text_object(item, layer: str) -> _Raw | None:
    text = _text(item.get("UnformattedTextValue"))
    if not text:
        return None
    box: tuple[Point, ...] = ()
    units = _units(item.get("BoundingBoxAnnotationUnits"))
    try:
        if "BoundingBoxTopLeftHandCorner" in item and "BoundingBoxBottomRightHandCorner" in item:
            box = (_point(item.BoundingBoxTopLeftHandCorner), _point(item.BoundingBoxBottomRightHandCorner))
        anchor = _point(item.AnchorPoint) if "AnchorPoint" in item else None
    except (TypeError, ValueError):
        return None
    if not box and anchor is None:
        return None
    return _Raw("text", units, box, text=text, anchor=anchor, anchor_units=_units(item.get("AnchorPointAnnotationUnits")),
                anchor_visible=_text(item.get("AnchorPointVisibility")).upper() == "Y", layer=layer)


_KINDS = {"POLYLINE": "polyline", "INTERPOLATED": "polyline", "CIRCLE": "circle", "ELLIPSE": "ellipse",
          "POINT": "point", "MULTIPOINT": "point"}
_NEEDED = {"circle": 2, "ellipse": 4, "point": 1, "polyline": 2}


def _graphic_object(item, layer: str) -> _Raw | None:
    graphic_type = _text(item.get("GraphicType")).upper()
    kind = _KINDS.get(graphic_type)
    data = item.get("GraphicData")
    if kind is None or data is None:
        return None
    try:
        values = [float(v) for v in data]
    except (TypeError, ValueError):
        return None
    if len(values) % 2 or len(values) // 2 > MAX_POINTS or not all(math.isfinite(v) for v in values):
        return None
    points = tuple((values[i], values[i + 1]) for i in range(0, len(values), 2))
    if len(points) < _NEEDED[kind]:
        return None
    if graphic_type != "MULTIPOINT":  # a multipoint draws every point; the others as many as they need
        points = points if kind == "polyline" else points[:_NEEDED[kind]]
    return _Raw(kind, _units(item.get("GraphicAnnotationUnits")), points,
                filled=_text(item.get("GraphicFilled")).upper() == "Y", layer=layer)


# --- the states of a case or folder, by image --------------------------------------------------


class PresentationIndex:
    """The presentation states on offer, found by the image they annotate."""

    def __init__(self, states: Iterable[PresentationState] = ()) -> None:
        self.states = list(states)
        self._by_image: dict[str, list[PresentationState]] = {}
        for state in self.states:
            for sop in state.images:
                self._by_image.setdefault(sop, []).append(state)

    def __len__(self) -> int:
        return len(self.states)

    def states_for(self, sop_instance_uid: str, frame: int = 0) -> list[PresentationState]:
        return [s for s in self._by_image.get(sop_instance_uid, []) if s.applies_to(sop_instance_uid, frame)]

    def shapes(self, sop_instance_uid: str, frame: int, columns: int, rows: int) -> list[GraphicShape]:
        """Every shape the states lay on that frame (each state once, in the order found)."""
        return [shape for state in self.states_for(sop_instance_uid, frame)
                for shape in state.shapes(sop_instance_uid, frame, columns, rows)]
