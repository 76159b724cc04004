"""Where a viewport's corner texts go (no Qt): each corner's lines stacked from its corner,
in their own quarter, around what else is drawn at the edges (orientation markers, scale
bar, warning), elided to the room they have; lines that find no room are left out, the
last ones of a corner first. The caller measures text (`measure(text) -> width`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from viewers.dicom.display import Corners

ELLIPSIS = "…"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom


@dataclass(frozen=True)
class PlacedText:
    corner: str  # "top_left", "top_right", "bottom_left", "bottom_right"
    text: str  # as drawn (elided)
    box: Box  # its line: x and width of the text, y and height of the line


def elide(text: str, width: float, measure: Callable[[str], float]) -> str:
    """`text` cut at the end with "…" to fit `width`; "" when not even one character fits."""
    if measure(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if measure(text[:middle].rstrip() + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


def layout_corners(width: float, height: float, corners: Corners, *, line_height: float,
                   measure: Callable[[str], float], reserved: Iterable[Box] = (), margin: float = 6,
                   gap: float = 4, min_width: float | None = None) -> list[PlacedText]:
    """The corner lines placed in a `width` x `height` viewport, never overlapping each other
    nor a `reserved` box. A line narrower than `min_width` once elided is left out (by
    default the width of four letters)."""
    reserved = list(reserved)
    min_width = measure("MMMM") if min_width is None else min_width
    column = (width - 2 * margin - gap) / 2
    placed: list[PlacedText] = []
    for corner in ("top_left", "top_right", "bottom_left", "bottom_right"):
        lines = [line for line in getattr(corners, corner) if line]
        if not lines or column < min_width:
            continue
        right = corner.endswith("right")
        top = corner.startswith("top")
        lo, hi = (width - margin - column, width - margin) if right else (margin, margin + column)
        slots = []  # (y, x from, x to) of each line slot with room, outward from the corner
        i = 0
        while True:
            y = margin + i * line_height if top else height - margin - (i + 1) * line_height
            if (top and y + line_height > height / 2 - gap / 2) or (not top and y < height / 2 + gap / 2):
                break
            i += 1
            start, end = lo, hi
            for box in reserved:
                if not (box.y < y + line_height and y < box.bottom) or box.right <= start or box.x >= end:
                    continue
                before, after = (start, box.x - gap), (box.right + gap, end)  # keep the wider side
                start, end = before if before[1] - before[0] >= after[1] - after[0] else after
            if end - start >= min_width:
                slots.append((y, start, end))
        shown = lines[:len(slots)]  # the first lines matter most: the last ones are left out
        outward = shown if top else shown[::-1]  # the line nearest the corner first
        n = 0
        corner_lines: list[PlacedText] = []
        for k, line in enumerate(outward):
            spare = len(slots) - (len(outward) - k)  # the last slot this line may take
            fits = [m for m in range(n, spare + 1) if measure(line) <= slots[m][2] - slots[m][1]]
            if fits:  # a slot narrowed by the scale bar... is passed over for a spare one it fits in
                n = fits[0]
            if n >= len(slots):
                break
            y, start, end = slots[n]
            n += 1
            text = elide(line, end - start, measure)
            w = measure(text)
            if not text or w < min(min_width, measure(line)):
                continue
            corner_lines.append(PlacedText(corner, text, Box(end - w if right else start, y, w, line_height)))
        placed += sorted(corner_lines, key=lambda p: p.box.y)  # as read, top to bottom
    return placed
