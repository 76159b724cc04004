"""Where a timeline's items go on the screen, Qt-free (app/ui/timeline_widget.py draws it).

The axis shows a `TimeWindow` (days, as `date.toordinal`, fractional) over a width in pixels.
`lay_out` puts each lane's items on it as `Mark`s: an item's marker is a dot at its day; dots
that would touch are merged into one cluster (a pill spanning its items, '12 documents') until
zoomed in far enough to part them. Each mark's label sits right of its marker, within the space
up to the next marker (or, in a lane tall enough, on a second line below the markers), elided
to fit or left out: in a lane no two markers and no two labels ever overlap, at any zoom. `ticks` picks years, months or days for the axis by how much room a
label needs, in the interface's locale. Text widths come from the caller (`Metrics`: the
widget's font metrics, a fixed width in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import functools
from typing import Protocol

from app.core import i18n
from app.core.locale_format import format_date, format_month
from app.dossier.timeline import Timeline, TimelineItem, cluster_label

RADIUS = 5.0  # a single item's dot
GAP = 3.0  # the least room between two markers
LABEL_PAD = 4.0  # between a marker and its label
MIN_LABEL = 60.0  # narrower than this, a title is not elided but left out (its tooltip says it)
MIN_SPAN = 2.0  # days: the deepest zoom
MAX_SPAN = 366.0 * 150  # days: the widest
FIRST_DAY = date(1850, 1, 1).toordinal()  # the axis' bounds (a date mistyped as 0001 stays on it)
LAST_DAY = date(2200, 1, 1).toordinal()


class Metrics(Protocol):
    def width(self, text: str) -> float: ...

    def elide(self, text: str, width: float) -> str: ...


@dataclass(frozen=True)
class TimeWindow:
    """The days shown, from `start` to `end`."""

    start: float
    end: float

    @property
    def span(self) -> float:
        return self.end - self.start

    def x(self, day: float, width: float) -> float:
        return (day - self.start) / self.span * width

    def day_at(self, x: float, width: float) -> float:
        return self.start + x / width * self.span

    def zoomed(self, factor: float, anchor_x: float, width: float) -> TimeWindow:
        """In (`factor` > 1) or out around the pixel `anchor_x`: the day under it stays under it."""
        anchor = self.day_at(anchor_x, width)
        span = min(max(self.span / factor, MIN_SPAN), MAX_SPAN)
        start = anchor - anchor_x / width * span
        return TimeWindow(start, start + span).clamped()

    def panned(self, dx: float, width: float) -> TimeWindow:
        """Moved with a drag of `dx` pixels (right: back in time)."""
        shift = -dx / width * self.span
        return TimeWindow(self.start + shift, self.end + shift).clamped()

    def clamped(self) -> TimeWindow:
        span = min(max(self.span, MIN_SPAN), MAX_SPAN)
        start = min(max(self.start, FIRST_DAY), LAST_DAY - span)
        return TimeWindow(start, start + span)

    def showing(self, day: float, width: float, margin: float = 40.0) -> TimeWindow:
        """The same span moved just enough that `day` is at least `margin` pixels inside."""
        x = self.x(day, width)
        if x < margin:
            return self.panned(margin - x, width)
        if x > width - margin:
            return self.panned(width - margin - x, width)
        return self


def fit(days: list[float], width: float, left: float = 24.0, right: float = 180.0) -> TimeWindow:
    """The window that shows all `days`, `left` pixels before the first and `right` after the
    last (room for its label); a year around today when there are none."""
    if not days:
        today = date.today().toordinal()
        return TimeWindow(today - 300.0, today + 65.0)
    first, last = min(days), max(days)
    inner = max(width - left - right, width / 3, 1.0)
    span = max(last - first, MIN_SPAN / 2)
    per_px = span / inner
    return TimeWindow(first - left * per_px, last + right * per_px).clamped()


@dataclass(frozen=True)
class Mark:
    """One marker of a lane: a single item (a dot) or a cluster (a pill from x0 to x1), and
    its label from label_x0 to label_x1 ('' when there is no room): on the markers' line
    (`label_row` 0, right of its marker) or on the line below them (1, from the marker's left)."""

    lane: str
    items: tuple[TimelineItem, ...]
    x0: float
    x1: float
    label: str
    label_x0: float
    label_x1: float
    label_row: int = 0

    @property
    def cluster(self) -> bool:
        return len(self.items) > 1

    @property
    def x(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def count_text(self) -> str:
        return str(len(self.items)) if self.cluster else ""


def _extent(lo: float, hi: float, n: int, metrics: Metrics) -> tuple[float, float]:
    if n == 1:
        return lo - RADIUS, hi + RADIUS
    half = (metrics.width(str(n)) + 10) / 2  # the count inside the pill
    centre = (lo + hi) / 2
    return min(lo - RADIUS, centre - half), max(hi + RADIUS, centre + half)


def lane_marks(lane: str, items: list[TimelineItem], window: TimeWindow, width: float,
               metrics: Metrics, days: list[float] | None = None, rows: int = 1) -> list[Mark]:
    """The marks of one lane's dated `items` (oldest first; `days`: their days, when known);
    `rows`: 2 when the lane has room for a line of labels below its markers."""
    groups: list[list] = []  # [items, lo x, hi x, x0, x1]
    start, scale = window.start, width / window.span
    for item, day in zip(items, days if days is not None else [i.day or 0.0 for i in items]):
        x = (day - start) * scale
        if groups and x - RADIUS < groups[-1][4] + GAP:
            last = groups[-1]
            last[0].append(item)
            last[2] = x
            last[3], last[4] = _extent(last[1], last[2], len(last[0]), metrics)
            # a pill grown to the left may now touch the one before: one cluster then
            while len(groups) > 1 and groups[-2][4] + GAP > groups[-1][3]:
                tail = groups.pop()
                head = groups[-1]
                head[0].extend(tail[0])
                head[2] = tail[2]
                head[3], head[4] = _extent(head[1], head[2], len(head[0]), metrics)
        else:
            groups.append([[item], x, x, x - RADIUS, x + RADIUS])
    return _labelled(lane, groups, width, metrics, rows)


def _fitted(text: str, room: float, single: bool, metrics: Metrics) -> str:
    """`text` if it fits `room`, else elided when it is one item's title and the room is worth
    it (a cluster's count is in its pill already), else ''."""
    if metrics.width(text) <= room:
        return text
    if not single or room < MIN_LABEL:
        return ""
    label = metrics.elide(text, room)
    return label if metrics.width(label) <= room else ""


def _labelled(lane: str, groups: list[list], width: float, metrics: Metrics, rows: int) -> list[Mark]:
    """The marks with their labels: on the markers' line, up to the next marker; when that is
    too short and the lane has a second line, below the marker, up to the marker after next
    and after the previous label of that line."""
    marks = []
    below_end = float("-inf")  # where the last label of the second line ends
    for n, (members, _lo, _hi, x0, x1) in enumerate(groups):
        text = members[0].label if len(members) == 1 else cluster_label(lane, len(members))
        single = len(members) == 1
        beside_x0 = x1 + LABEL_PAD
        beside_room = (groups[n + 1][3] - GAP if n + 1 < len(groups) else width) - beside_x0
        label, row, label_x0 = _fitted(text, beside_room, single, metrics), 0, beside_x0
        if rows > 1 and label != text and below_end + GAP * 2 <= x0:
            below_room = (groups[n + 2][3] - GAP if n + 2 < len(groups) else width) - x0
            below = _fitted(text, below_room, single, metrics)
            if below and metrics.width(below) > metrics.width(label):
                label, row, label_x0 = below, 1, x0
        label_x1 = label_x0 + (metrics.width(label) if label else 0.0)
        if row == 1:
            below_end = label_x1
        marks.append(Mark(lane, tuple(members), x0, x1, label, label_x0, label_x1, row))
    return marks


def lay_out(timeline: Timeline, window: TimeWindow, width: float, metrics: Metrics,
            rows: int = 1) -> dict[str, list[Mark]]:
    """Every lane's marks (lanes without dated items: an empty list); `rows`: lines of labels."""
    return {lane: lane_marks(lane, timeline.lane_items(lane), window, width, metrics, timeline.lane_days(lane), rows)
            for lane in timeline.lanes}


# -- the axis ------------------------------------------------------------------------------------

#: Tick units, finest first: (unit, step).
UNITS = (("day", 1), ("day", 2), ("day", 7), ("day", 14), ("month", 1), ("month", 2), ("month", 3),
         ("month", 6), ("year", 1), ("year", 2), ("year", 5), ("year", 10), ("year", 20), ("year", 50))
_UNIT_DAYS = {"day": 1.0, "month": 28.0, "year": 365.0}  # the shortest of each


@dataclass(frozen=True)
class Tick:
    day: float
    x: float
    label: str


def tick_label(unit: str, when: date) -> str:
    """'2026', 'nov. 2026', '04/11/2026' in the current language."""
    if unit == "year":
        return str(when.year)
    return _dated_label(i18n.current_language(), i18n.reader_region(), unit, when)


@functools.lru_cache(maxsize=8192)
def _dated_label(language: str, region: str | None, unit: str, when: date) -> str:
    """Babel's formatting, kept: a zoom step asks the same labels again (and Babel takes half a
    millisecond for one)."""
    return format_month(when) if unit == "month" else format_date(when)


def tick_unit(window: TimeWindow, width: float, metrics: Metrics) -> tuple[str, int]:
    """The finest unit whose labels have room: each at least its width plus 24 pixels apart."""
    per_day = width / window.span
    widest = {unit: max(metrics.width(tick_label(unit, date(2028, month, 28))) for month in range(1, 13))
              for unit in _UNIT_DAYS}
    for unit, step in UNITS:
        if _UNIT_DAYS[unit] * step * per_day >= widest[unit] + 24:
            return unit, step
    return UNITS[-1]


def _tick_dates(unit: str, step: int, first: date, last: date):
    if unit == "day":
        ordinal = first.toordinal()
        ordinal -= (ordinal - 1) % step  # weeks start on Mondays (ordinal 1 is a Monday)
        while ordinal <= last.toordinal():
            yield date.fromordinal(ordinal)
            ordinal += step
    elif unit == "month":
        index = first.year * 12 + first.month - 1
        index -= index % step
        while index <= last.year * 12 + last.month - 1:
            yield date(index // 12, index % 12 + 1, 1)
            index += step
    else:
        year = first.year - first.year % step
        while year <= last.year:
            yield date(year, 1, 1)
            year += step


def ticks(window: TimeWindow, width: float, metrics: Metrics) -> list[Tick]:
    """The axis' ticks inside the window, at the start of each day, month or year."""
    unit, step = tick_unit(window, width, metrics)
    first = date.fromordinal(max(int(window.start), 1))
    last = date.fromordinal(max(int(window.end) + 1, 1))
    return [Tick(d.toordinal(), window.x(d.toordinal(), width), tick_label(unit, d))
            for d in _tick_dates(unit, step, first, last) if window.start <= d.toordinal() <= window.end]


@dataclass(frozen=True)
class Chip:
    """One chip of the undated strip: an item, or the last '+ 7 more' holding the rest."""

    items: tuple[TimelineItem, ...]
    row: int
    x0: float
    x1: float
    text: str


def undated_chips(items: tuple[TimelineItem, ...], width: float, metrics: Metrics, max_rows: int = 2,
                  chip_max: float = 220.0, gap: float = 6.0) -> list[Chip]:
    """The undated strip's chips, left to right and row by row; what does not fit in
    `max_rows` rows is one last chip, '+ 7 more', holding all of them."""
    from app.core.i18n import _

    def more(n: int) -> str:
        # TRANSLATORS: the last chip of the timeline's undated strip, for what does not fit
        return _("+ {n} more").format(n=n)

    reserve = metrics.width(more(len(items))) + 12 + gap
    chips: list[Chip] = []
    row, x = 0, 0.0
    for n, item in enumerate(items):
        text = item.label if metrics.width(item.label) <= chip_max - 12 else metrics.elide(item.label, chip_max - 12)
        w = metrics.width(text) + 12
        last_row = row == max_rows - 1
        limit = width - (reserve if last_row and n < len(items) - 1 else 0.0)
        if x > 0 and x + w > limit:
            if last_row:
                rest = items[n:]
                chips.append(Chip(tuple(rest), row, x, x + metrics.width(more(len(rest))) + 12, more(len(rest))))
                break
            row, x = row + 1, 0.0
        chips.append(Chip((item,), row, x, x + w, text))
        x += w + gap
    return chips
