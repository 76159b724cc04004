"""The measurement layer of a viewport: draws the distances, angles and ROIs of the shown
slice, and turns mouse gestures into new or edited measurements (viewers.dicom.measure).

Points are image coordinates (x along columns, y along rows); the viewport's transform maps
them to the screen, so lines keep one pixel width and labels stay upright at any rotation.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPolygonF, QTransform

from app.core.i18n import _
from viewers.dicom.measure import Angle, Distance, EllipseROI, MeasurementSet, RectROI, quantity
from viewers.dicom.numbers import fixed

TOOLS = ("window", "distance", "angle", "ellipse", "rect")
HANDLE_PX = 7.0  # how near (screen pixels) a press must be to grab a point
LINE_PX = 5.0
MIN_DRAG_PX = 3.0
COLOR = QColor(255, 214, 10)
SELECTED = QColor(40, 200, 255)
SHADOW = QColor(0, 0, 0, 200)


@dataclass
class _Drag:
    measurement: object
    handle: int | None  # a point index, or None to move the whole measurement
    start: tuple[float, float]
    original: dict
    created: bool = False


def _points(m) -> list[tuple[float, float]]:
    if isinstance(m, Distance):
        return [m.a, m.b]
    if isinstance(m, Angle):
        return [m.a, m.vertex, m.b]
    x0, y0, x1, y1 = m.rect
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _set_point(m, handle: int, p: tuple[float, float]) -> None:
    if isinstance(m, Distance):
        if handle == 0:
            m.a = p
        else:
            m.b = p
    elif isinstance(m, Angle):
        if handle == 0:
            m.a = p
        elif handle == 1:
            m.vertex = p
        else:
            m.b = p
    else:  # a corner of the ROI moves; the opposite corner stays
        corners = _points(m)
        ox, oy = corners[(handle + 2) % 4]
        m.rect = (min(ox, p[0]), min(oy, p[1]), max(ox, p[0]), max(oy, p[1]))


def _snapshot(m) -> dict:
    return m.to_json()


def _restore(m, data: dict) -> None:
    fresh = type(m).from_json(data)
    for name in ("a", "b", "vertex", "rect"):
        if hasattr(fresh, name):
            setattr(m, name, getattr(fresh, name))


def _segment_distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length2))
    return math.hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy))


class MeasurementTool:
    """Measurements of one viewport: `measurements` is shared with the other viewports."""

    def __init__(self) -> None:
        self.tool = "window"
        self.measurements = MeasurementSet()
        self.selected_id: str | None = None
        self.pending = None  # a measurement being drawn, not yet in the set
        self._placed = 0  # points of a pending angle already fixed
        self._drag: _Drag | None = None
        self._stats_cache: dict = {}

    # -- queries -----------------------------------------------------------------------------

    def on_slice(self, key) -> list:
        items = self.measurements.for_slice(key) if key is not None else []
        return items + ([self.pending] if self.pending is not None else [])

    @property
    def busy(self) -> bool:
        return self.pending is not None or self._drag is not None

    def hit(self, key, screen: QPointF, to_screen: QTransform):
        """(measurement, handle index or None) under the screen point, else None."""
        best = None
        for m in reversed(self.measurements.for_slice(key) if key is not None else []):
            pts = [to_screen.map(QPointF(*p)) for p in _points(m)]
            for i, q in enumerate(pts):
                if math.hypot(q.x() - screen.x(), q.y() - screen.y()) <= HANDLE_PX:
                    return m, i
            if best is None and self._near_outline(m, pts, screen, to_screen):
                best = (m, None)
        return best

    def _near_outline(self, m, pts, screen: QPointF, to_screen: QTransform) -> bool:
        if isinstance(m, (Distance, Angle)):
            return any(_segment_distance(screen, pts[i], pts[i + 1]) <= LINE_PX for i in range(len(pts) - 1))
        inverse, ok = to_screen.inverted()
        if not ok:
            return False
        p = inverse.map(screen)
        x0, y0, x1, y1 = m.rect
        if isinstance(m, RectROI):
            return x0 <= p.x() <= x1 and y0 <= p.y() <= y1
        a, b = (x1 - x0) / 2, (y1 - y0) / 2
        return a > 0 and b > 0 and ((p.x() - x0 - a) / a) ** 2 + ((p.y() - y0 - b) / b) ** 2 <= 1.0

    # -- gestures (image coordinates in, True when the layer took the event) -----------------

    def press(self, key, image_point, screen: QPointF, to_screen: QTransform) -> bool:
        p = (image_point[0], image_point[1])
        if self.pending is not None and isinstance(self.pending, Angle):
            _set_point(self.pending, self._placed, p)
            return True
        hit = self.hit(key, screen, to_screen)
        if hit is not None:
            m, handle = hit
            self.selected_id = m.id
            self._drag = _Drag(m, handle, p, _snapshot(m))
            return True
        self.selected_id = None
        if self.tool == "window" or key is None:
            return False
        if self.tool == "distance":
            self.pending = Distance(p, p)
        elif self.tool == "angle":
            self.pending, self._placed = Angle(p, p, p), 1
        else:
            self.pending = (EllipseROI if self.tool == "ellipse" else RectROI)((p[0], p[1], p[0], p[1]))
        self._drag = _Drag(self.pending, None, p, {}, created=True)
        return True

    def move(self, image_point) -> bool:
        p = (image_point[0], image_point[1])
        m = self.pending
        if isinstance(m, Angle) and (self._drag is None or self._drag.created):
            for i in range(self._placed, 3):
                _set_point(m, i, p)
            return True
        drag = self._drag
        if drag is None:
            return False
        if drag.created:
            if isinstance(m, Distance):
                m.b = p
            else:
                x0, y0 = drag.start
                m.rect = (min(x0, p[0]), min(y0, p[1]), max(x0, p[0]), max(y0, p[1]))
        elif drag.handle is None:
            _restore(drag.measurement, drag.original)
            dx, dy = p[0] - drag.start[0], p[1] - drag.start[1]
            target = drag.measurement
            if isinstance(target, (Distance, Angle)):
                for i, (x, y) in enumerate(_points(target)):
                    _set_point(target, i, (x + dx, y + dy))
            else:
                x0, y0, x1, y1 = target.rect
                target.rect = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)
        else:
            _set_point(drag.measurement, drag.handle, p)
        return True

    def release(self, key, screen_moved: float) -> str | None:
        """'added', 'changed' or None (nothing kept yet, or nothing changed)."""
        drag, self._drag = self._drag, None
        m = self.pending
        if isinstance(m, Angle):
            if drag is not None and drag.created:
                if screen_moved >= MIN_DRAG_PX:
                    self._placed = 2  # the first drag drew one arm: a to the vertex
                return None
            self._placed += 1
            if self._placed < 3:
                return None
            return self._commit(key)
        if drag is None:
            return None
        if drag.created:
            if screen_moved < MIN_DRAG_PX:
                self.pending = None  # a click, not a drawing
                return None
            return self._commit(key)
        return "changed" if _snapshot(drag.measurement) != drag.original else None

    def _commit(self, key) -> str:
        m, self.pending, self._placed = self.pending, None, 0
        self.measurements.add(m, key)
        self.selected_id = m.id
        return "added"

    def cancel(self) -> bool:
        """Esc: drop a drawing in progress or undo a drag; False when there was none."""
        if self._drag is not None and not self._drag.created:
            _restore(self._drag.measurement, self._drag.original)
        busy = self.busy
        self.pending, self._drag, self._placed = None, None, 0
        return busy

    def delete_selected(self) -> bool:
        if self.selected_id is None:
            return False
        removed = self.measurements.delete(self.selected_id)
        self.selected_id = None
        return removed

    # -- drawing -----------------------------------------------------------------------------

    def paint(self, painter: QPainter, key, to_screen: QTransform, spacing, spacing_source, frame) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        metrics = QFontMetricsF(painter.font())
        shown = []
        for m in self.on_slice(key):
            color = SELECTED if (m.id == self.selected_id or m is self.pending) else COLOR
            pts = [to_screen.map(QPointF(*p)) for p in _points(m)]
            self._draw_shape(painter, m, pts, to_screen, color)
            shown.append((m, pts, color))
        taken: list[QRectF] = []  # labels already written: the next one moves down past them
        for m, pts, color in shown:  # labels over every shape, so none is hidden by a handle
            lines = self.label(m, spacing, spacing_source, frame)
            anchor = self._label_anchor(m, pts)
            box = QRectF(anchor.x(), anchor.y() - metrics.height() / 2,
                         max(metrics.horizontalAdvance(line) for line in lines) + 2, metrics.height() * len(lines))
            for other in sorted(taken, key=lambda r: r.top()):
                if box.intersects(other):
                    box.moveTop(other.bottom() + 2)
            taken.append(box)
            _draw_label(painter, metrics, QPointF(box.left(), box.top() + metrics.height() / 2), lines, color)
        painter.restore()

    def _draw_shape(self, painter, m, pts, to_screen, color) -> None:
        for pen_color, width in ((SHADOW, 3.0), (color, 1.5)):
            pen = QPen(pen_color, width)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            if isinstance(m, (Distance, Angle)):
                for i in range(len(pts) - 1):
                    painter.drawLine(QLineF(pts[i], pts[i + 1]))
            elif isinstance(m, RectROI):
                painter.drawPolygon(QPolygonF(pts))
            else:
                x0, y0, x1, y1 = m.rect
                painter.save()
                painter.setTransform(to_screen, True)
                painter.drawEllipse(QRectF(x0, y0, x1 - x0, y1 - y0))
                painter.restore()
        painter.setPen(QPen(color, 1.0))
        painter.setBrush(SHADOW)
        for q in pts:
            painter.drawRect(QRectF(q.x() - 2.5, q.y() - 2.5, 5, 5))

    @staticmethod
    def _label_anchor(m, pts) -> QPointF:
        if isinstance(m, Distance):
            end = pts[1] if pts[1].x() >= pts[0].x() else pts[0]
            return QPointF(end.x() + 8, end.y() - 4)
        if isinstance(m, Angle):
            return QPointF(pts[1].x() + 10, pts[1].y() + 4)
        right = max(q.x() for q in pts)
        bottom = max(q.y() for q in pts)
        return QPointF(right + 6, bottom + 2)

    def label(self, m, spacing, spacing_source, frame) -> list[str]:
        """The lines written next to a measurement, in the reader's number convention."""
        if isinstance(m, Distance):
            value, unit = m.length(spacing)
            return [quantity(value, unit, spacing_source)]
        if isinstance(m, Angle):
            degrees = m.degrees(spacing)
            return ["-" if degrees is None else f"{fixed(degrees)}°"]
        stats = self._stats(m, spacing, frame)
        if stats is None:
            area, unit = m.area(spacing)
            return [_("Area {area}").format(area=quantity(area, unit, spacing_source))]
        lines = [_("Area {area}").format(area=quantity(stats.area, stats.area_unit, spacing_source))]
        if stats.mean is not None:
            units = f" {stats.unit}" if stats.unit else ""
            lines.append(_("Mean {mean}{units}  SD {sd}").format(mean=fixed(stats.mean), units=units,
                                                                  sd=fixed(stats.sd)))
            lines.append(_("Min {min}  Max {max}").format(min=fixed(stats.min, 0), max=fixed(stats.max, 0)))
        return lines

    def _stats(self, m, spacing, frame):
        if frame is None:
            return None
        cache_key = (m.id, m.rect, id(frame), spacing)
        stats = self._stats_cache.get(cache_key)
        if stats is None:
            if len(self._stats_cache) > 256:
                self._stats_cache.clear()
            stats = self._stats_cache[cache_key] = m.stats(frame, spacing)
        return stats

    def texts(self, key, spacing, spacing_source, frame) -> list[str]:
        """Every measurement of the slice as one line of text (for a key image's caption)."""
        return ["; ".join(self.label(m, spacing, spacing_source, frame))
                for m in self.measurements.for_slice(key)] if key is not None else []


def _draw_label(painter: QPainter, metrics: QFontMetricsF, anchor: QPointF, lines: list[str], color) -> None:
    height = metrics.height()
    for i, line in enumerate(lines):
        baseline = QPointF(anchor.x(), anchor.y() + i * height + metrics.ascent() - height / 2)
        painter.setPen(SHADOW)
        painter.drawText(baseline + QPointF(1, 1), line)
        painter.setPen(color)
        painter.drawText(baseline, line)
