"""The DICOM viewer's toolbar icons, drawn with QPainter (no image files to ship): simple
line glyphs on a 24-unit grid, sharp at 16 px and on a 2x screen."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

INK = QColor(40, 40, 40)
ACCENT = QColor(0, 110, 190)
SIZES = (16, 24, 32, 48)


def _pen(p: QPainter, width: float = 1.8, color: QColor = INK) -> None:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)


def _grid(p: QPainter, rows: int, columns: int) -> None:
    _pen(p, 1.6)
    p.drawRect(QRectF(3, 4, 18, 16))
    for c in range(1, columns):
        x = 3 + 18 * c / columns
        p.drawLine(QPointF(x, 4), QPointF(x, 20))
    for r in range(1, rows):
        y = 4 + 16 * r / rows
        p.drawLine(QPointF(3, y), QPointF(21, y))


def _arrow_head(p: QPainter, tip: QPointF, angle: float, size: float = 5.0, color: QColor = INK,
                spread: float = 0.5) -> None:
    """A filled head at `tip` of an arrow pointing at `angle`, its sides `spread` rad off it."""
    left = QPointF(tip.x() - size * math.cos(angle - spread), tip.y() - size * math.sin(angle - spread))
    right = QPointF(tip.x() - size * math.cos(angle + spread), tip.y() - size * math.sin(angle + spread))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawPolygon(QPolygonF([tip, left, right]))


def _window(p: QPainter) -> None:
    _pen(p)
    p.drawEllipse(QRectF(4, 4, 16, 16))
    path = QPainterPath()
    path.moveTo(12, 4)
    path.arcTo(QRectF(4, 4, 16, 16), 90, 180)
    path.closeSubpath()
    p.fillPath(path, INK)


def _distance(p: QPainter) -> None:
    _pen(p)
    p.drawLine(QPointF(5, 19), QPointF(19, 5))
    for x, y in ((5, 19), (19, 5)):
        p.drawLine(QPointF(x - 2.5, y - 2.5), QPointF(x + 2.5, y + 2.5))
    _pen(p, 1.2, ACCENT)
    p.drawLine(QPointF(10, 14), QPointF(12, 16))
    p.drawLine(QPointF(14, 10), QPointF(16, 12))


def _angle(p: QPainter) -> None:
    _pen(p)
    p.drawPolyline(QPolygonF([QPointF(20, 5), QPointF(4, 19), QPointF(21, 19)]))
    _pen(p, 1.4, ACCENT)
    p.drawArc(QRectF(-4, 11, 16, 16), 0, 41 * 16)


def _ellipse(p: QPainter) -> None:
    _pen(p)
    p.drawEllipse(QRectF(3, 6, 18, 12))
    p.setBrush(ACCENT)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QPointF(12, 12), 1.6, 1.6)


def _rect(p: QPainter) -> None:
    _pen(p)
    p.drawRect(QRectF(4, 6, 16, 12))
    p.setBrush(ACCENT)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QPointF(12, 12), 1.6, 1.6)


def _key_image(p: QPainter) -> None:
    _pen(p, 1.6)
    p.drawRect(QRectF(3, 5, 18, 15))
    p.drawPolyline(QPolygonF([QPointF(5, 18), QPointF(10, 12), QPointF(13, 15), QPointF(16, 11), QPointF(20, 18)]))
    star = QPolygonF([QPointF(17 + 4.5 * math.cos(math.pi / 2 + k * 2 * math.pi / 5 * 2),
                              6 - 4.5 * math.sin(math.pi / 2 + k * 2 * math.pi / 5 * 2)) for k in range(5)])
    p.setPen(QPen(QColor(150, 90, 0), 0.8))
    p.setBrush(QColor(255, 190, 0))
    p.drawPolygon(star, Qt.FillRule.WindingFill)


def _presets(p: QPainter) -> None:
    for i, grey in enumerate((20, 90, 170, 245)):
        p.fillRect(QRectF(3 + 4.5 * i, 6, 4.5, 12), QColor(grey, grey, grey))
    _pen(p, 1.2)
    p.drawRect(QRectF(3, 6, 18, 12))


def _fit(p: QPainter) -> None:
    _pen(p)
    for x, y, dx, dy in ((4, 4, 1, 1), (20, 4, -1, 1), (4, 20, 1, -1), (20, 20, -1, -1)):
        p.drawPolyline(QPolygonF([QPointF(x, y + 5 * dy), QPointF(x, y), QPointF(x + 5 * dx, y)]))
    p.drawRect(QRectF(9, 9, 6, 6))


def _reset(p: QPainter) -> None:
    _pen(p)
    p.drawArc(QRectF(5, 5, 14, 14), 120 * 16, 300 * 16)
    _arrow_head(p, QPointF(8, 5), math.radians(200), 5.5)


def _actual(p: QPainter) -> None:
    font = QFont()
    font.setPixelSize(11)
    font.setBold(True)
    p.setFont(font)
    p.setPen(INK)
    p.drawText(QRectF(0, 0, 24, 24), Qt.AlignmentFlag.AlignCenter, "1:1")


def _rotate(p: QPainter, clockwise: bool) -> None:
    _pen(p)
    if clockwise:
        p.drawArc(QRectF(5, 6, 14, 14), 180 * 16, -210 * 16)
        _arrow_head(p, QPointF(18.5, 10), math.radians(80), 5.5)
    else:
        p.drawArc(QRectF(5, 6, 14, 14), 0, 210 * 16)
        _arrow_head(p, QPointF(5.5, 10), math.radians(100), 5.5)


def _flip(p: QPainter, horizontal: bool) -> None:
    p.save()
    if not horizontal:
        p.translate(24, 0)
        p.rotate(90)
    dashed = QPen(ACCENT, 1.2, Qt.PenStyle.DashLine)
    p.setPen(dashed)
    p.drawLine(QPointF(12, 3), QPointF(12, 21))
    p.setPen(QPen(INK, 1.4))
    p.setBrush(INK)
    p.drawPolygon(QPolygonF([QPointF(10, 6), QPointF(10, 18), QPointF(3, 18)]))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPolygon(QPolygonF([QPointF(14, 6), QPointF(14, 18), QPointF(21, 18)]))
    p.restore()


def _invert(p: QPainter) -> None:
    p.fillRect(QRectF(4, 4, 8, 16), INK)
    p.fillRect(QRectF(12, 4, 8, 16), QColor(255, 255, 255))
    _pen(p, 1.2)
    p.drawRect(QRectF(4, 4, 16, 16))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255))
    p.drawEllipse(QPointF(8, 12), 2.2, 2.2)
    p.setBrush(INK)
    p.drawEllipse(QPointF(16, 12), 2.2, 2.2)


def _play(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(30, 120, 50))
    p.drawPolygon(QPolygonF([QPointF(7, 4), QPointF(20, 12), QPointF(7, 20)]))


def _pause(p: QPainter) -> None:
    p.fillRect(QRectF(6, 5, 4, 14), INK)
    p.fillRect(QRectF(14, 5, 4, 14), INK)


def _sync(p: QPainter) -> None:
    _pen(p, 1.5)
    for y in (4, 14):
        p.drawPolygon(QPolygonF([QPointF(3, y + 3), QPointF(8, y), QPointF(21, y), QPointF(16, y + 3)]))
    _pen(p, 1.6, ACCENT)
    p.drawLine(QPointF(12, 7.5), QPointF(12, 14))


def _tags(p: QPainter) -> None:
    _pen(p, 1.5)
    p.drawPolygon(QPolygonF([QPointF(3, 6), QPointF(15, 6), QPointF(21, 12), QPointF(15, 18), QPointF(3, 18)]))
    p.setBrush(INK)
    p.drawEllipse(QPointF(15, 12), 1.5, 1.5)
    _pen(p, 1.3, ACCENT)
    p.drawLine(QPointF(6, 10), QPointF(11, 10))
    p.drawLine(QPointF(6, 14), QPointF(11, 14))


GLYPHS: dict[str, Callable[[QPainter], None]] = {
    "layout-1x1": lambda p: _grid(p, 1, 1), "layout-1x2": lambda p: _grid(p, 1, 2),
    "layout-2x2": lambda p: _grid(p, 2, 2), "window": _window, "distance": _distance, "angle": _angle,
    "ellipse": _ellipse, "rect": _rect, "key-image": _key_image, "presets": _presets, "fit": _fit,
    "reset": _reset, "actual-size": _actual, "rotate-left": lambda p: _rotate(p, False),
    "rotate-right": lambda p: _rotate(p, True), "flip-h": lambda p: _flip(p, True),
    "flip-v": lambda p: _flip(p, False), "invert": _invert, "play": _play, "pause": _pause, "sync": _sync, "tags": _tags,
}


def viewer_icon(name: str) -> QIcon:
    """The toolbar icon `name` (a key of GLYPHS), drawn at the sizes a toolbar asks for."""
    draw = GLYPHS[name]
    icon = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.scale(size / 24, size / 24)
            draw(painter)
        finally:
            painter.end()
        icon.addPixmap(pixmap)
    return icon
