"""Toolbar glyphs of the annotation features (overlays on/off, arrow, text), drawn like the
viewer's other icons and added to its glyph table (toolbar_icons_widget.GLYPHS) on import."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter

from viewers.dicom.toolbar_icons_widget import ACCENT, GLYPHS, INK, _arrow_head, _pen


def _overlays(p: QPainter) -> None:
    """An image frame with a green graphic laid over it."""
    _pen(p, 1.4)
    p.drawRect(QRectF(3, 4, 18, 16))
    _pen(p, 2.0, QColor(40, 160, 30))
    p.drawEllipse(QRectF(7, 7, 10, 10))
    p.drawLine(QPointF(12, 9), QPointF(12, 15))


def _arrow(p: QPainter) -> None:
    _pen(p, 1.8)
    tip, tail = QPointF(6, 6), QPointF(19, 19)
    p.drawLine(tail, QPointF(8, 8))
    _arrow_head(p, tip, math.atan2(tip.y() - tail.y(), tip.x() - tail.x()), 7.0, ACCENT, spread=0.45)


def _text(p: QPainter) -> None:
    font = QFont()
    font.setPixelSize(18)
    font.setBold(True)
    p.setFont(font)
    p.setPen(INK)
    p.drawText(QRectF(2, 2, 20, 20), Qt.AlignmentFlag.AlignCenter, "T")
    _pen(p, 1.4, ACCENT)
    p.drawLine(QPointF(5, 21), QPointF(19, 21))


GLYPHS.update({"overlays": _overlays, "arrow": _arrow, "text": _text})
