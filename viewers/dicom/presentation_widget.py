"""Drawing of a presentation state's graphic annotations (viewers/dicom/presentation.py):
shapes in image coordinates mapped through the viewport's transform, lines one screen pixel
wide and text upright at any zoom or rotation."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPolygonF, QTransform

COLOR = QColor(255, 150, 40)  # orange: neither a measurement (yellow) nor an overlay plane (green)
FILL = QColor(255, 150, 40, 60)
SHADOW = QColor(0, 0, 0, 200)
POINT_PX = 4.0


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)
    return pen


class PresentationLayer:
    """Paints the shapes a presentation state lays on the shown frame."""

    def paint(self, painter: QPainter, shapes, to_screen: QTransform) -> None:
        if not shapes:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for pen_color, width in ((SHADOW, 3.0), (COLOR, 1.5)):
            painter.setPen(_pen(pen_color, width))
            for shape in shapes:
                self._draw_shape(painter, shape, to_screen, pen_color is COLOR)
        for shape in shapes:
            if shape.kind == "text":
                self._draw_text(painter, shape, to_screen)
        painter.restore()

    def _draw_shape(self, painter: QPainter, shape, t: QTransform, top: bool) -> None:
        brush = FILL if shape.filled and top else Qt.BrushStyle.NoBrush
        painter.setBrush(brush)
        pts = [t.map(QPointF(*p)) for p in shape.points]
        if shape.kind == "polyline":
            if shape.closed:
                painter.drawPolygon(QPolygonF(pts[:-1]))
            else:
                painter.drawPolyline(QPolygonF(pts))
        elif shape.kind == "point":
            for q in pts:
                painter.drawLine(QLineF(q.x() - POINT_PX, q.y(), q.x() + POINT_PX, q.y()))
                painter.drawLine(QLineF(q.x(), q.y() - POINT_PX, q.x(), q.y() + POINT_PX))
        elif shape.kind in ("circle", "ellipse"):
            (cx, cy), a, b, degrees = _ellipse(shape)
            painter.save()
            painter.setTransform(t, True)
            painter.translate(cx, cy)
            painter.rotate(degrees)
            painter.drawEllipse(QRectF(-a, -b, 2 * a, 2 * b))
            painter.restore()
        elif shape.kind == "text" and shape.anchor is not None and shape.anchor_visible and len(pts) == 2:
            anchor = t.map(QPointF(*shape.anchor))
            box = QRectF(pts[0], pts[1]).normalized()
            nearest = QPointF(min(max(anchor.x(), box.left()), box.right()),
                              min(max(anchor.y(), box.top()), box.bottom()))
            painter.drawLine(QLineF(nearest, anchor))

    def _draw_text(self, painter: QPainter, shape, t: QTransform) -> None:
        metrics = QFontMetricsF(painter.font())
        if len(shape.points) == 2:
            box = QRectF(t.map(QPointF(*shape.points[0])), t.map(QPointF(*shape.points[1]))).normalized()
            origin = QPointF(box.left() + 2, box.top() + metrics.ascent())
        elif shape.anchor is not None:
            anchor = t.map(QPointF(*shape.anchor))
            origin = QPointF(anchor.x() + 6, anchor.y() - 6)
        else:
            return
        for i, line in enumerate(shape.text.splitlines() or [shape.text]):
            baseline = origin + QPointF(0, i * metrics.height())
            painter.setPen(SHADOW)
            painter.drawText(baseline + QPointF(1, 1), line)
            painter.setPen(COLOR)
            painter.drawText(baseline, line)


def _ellipse(shape) -> tuple[tuple[float, float], float, float, float]:
    """(centre, semi-axis a, semi-axis b, rotation in degrees) of a circle or ellipse shape."""
    if shape.kind == "circle":
        (cx, cy), (x, y) = shape.points[:2]
        r = math.hypot(x - cx, y - cy)
        return (cx, cy), r, r, 0.0
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = shape.points[:4]
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    a, b = math.hypot(x1 - x0, y1 - y0) / 2, math.hypot(x3 - x2, y3 - y2) / 2
    return centre, a, b, math.degrees(math.atan2(y1 - y0, x1 - x0))
