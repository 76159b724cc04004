"""Painting of a viewport's overlays: corner text, orientation markers at the edge
midpoints, the scale bar and centred notes, each light on a dark shadow so that it reads
on any image. The viewport decides what they say; this module only draws."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from viewers.dicom.display import Corners

TEXT = QColor(235, 235, 235)
SHADOW = QColor(0, 0, 0, 220)
MARKER = QColor(255, 255, 140)
WARNING = QColor(255, 48, 48)
MARGIN = 6


def overlay_font(base: QFont, size: QSize) -> QFont:
    """The overlay font: 11 to 15 pixels, by the viewport's size (2x2 layouts stay readable)."""
    font = QFont(base)
    font.setPixelSize(int(max(11, min(15, min(size.width(), size.height()) / 42))))
    return font


def shadow_text(painter: QPainter, origin: QPointF, text: str, color: QColor = TEXT) -> None:
    painter.setPen(SHADOW)
    painter.drawText(origin + QPointF(1, 1), text)
    painter.setPen(color)
    painter.drawText(origin, text)


def centre_text(painter: QPainter, size: QSize, text: str, offset: QPointF = QPointF()) -> None:
    metrics = QFontMetricsF(painter.font())
    width = metrics.horizontalAdvance(text)
    shadow_text(painter, QPointF((size.width() - width) / 2, size.height() / 2 + metrics.ascent() / 2) + offset, text)


def draw_markers(painter: QPainter, size: QSize, labels: dict[str, str]) -> None:
    """The orientation letters in the middle of each edge."""
    bold = QFont(painter.font())
    bold.setBold(True)
    painter.save()
    painter.setFont(bold)
    metrics = QFontMetricsF(bold)
    w, h, m = size.width(), size.height(), MARGIN
    middle = h / 2 + metrics.ascent() / 2
    places = {
        "left": QPointF(m, middle),
        "right": QPointF(w - m - metrics.horizontalAdvance(labels.get("right", "")), middle),
        "top": QPointF((w - metrics.horizontalAdvance(labels.get("top", ""))) / 2, m + metrics.ascent()),
        "bottom": QPointF((w - metrics.horizontalAdvance(labels.get("bottom", ""))) / 2, h - m - metrics.descent()),
    }
    for edge, point in places.items():
        if labels.get(edge):
            shadow_text(painter, point, labels[edge], MARKER)
    painter.restore()


def draw_scale_bar(painter: QPainter, size: QSize, pixels: float, text: str) -> None:
    """A horizontal bar `pixels` long with ticks at tenths, centred above the bottom marker."""
    metrics = QFontMetricsF(painter.font())
    x0 = (size.width() - pixels) / 2
    y = size.height() - 2 * MARGIN - metrics.height() - 2
    divisions = 10 if pixels >= 60 else 2
    painter.save()
    for color, width in ((SHADOW, 3.0), (TEXT, 1.0)):
        painter.setPen(QPen(color, width))
        painter.drawLine(QPointF(x0, y), QPointF(x0 + pixels, y))
        for i in range(divisions + 1):
            fraction = i / divisions
            x = x0 + fraction * pixels
            painter.drawLine(QPointF(x, y), QPointF(x, y - (6 if fraction in (0, 0.5, 1) else 3)))
    shadow_text(painter, QPointF(x0 + pixels + 6, y + metrics.ascent() / 2 - 1), text)
    painter.restore()


def draw_corners(painter: QPainter, size: QSize, corners: Corners) -> None:
    """Each corner's lines, cut to half the width and half the height so corners never meet."""
    metrics = QFontMetricsF(painter.font())
    line = metrics.height()
    room = max(0, int((size.height() / 2 - MARGIN - line) // line))  # lines per corner
    width = max(40.0, size.width() / 2 - 3 * MARGIN - metrics.horizontalAdvance("MM"))
    for lines, right, bottom in ((corners.top_left, False, False), (corners.top_right, True, False),
                                 (corners.bottom_left, False, True), (corners.bottom_right, True, True)):
        lines = (lines[-room:] if bottom else lines[:room]) if room else []
        for i, text in enumerate(lines):
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
            x = size.width() - MARGIN - metrics.horizontalAdvance(text) if right else MARGIN
            if bottom:
                y = size.height() - MARGIN - metrics.descent() - (len(lines) - 1 - i) * line
            else:
                y = MARGIN + metrics.ascent() + i * line
            shadow_text(painter, QPointF(x, y), text)


def draw_warning(painter: QPainter, size: QSize, text: str) -> None:
    """A bold red line centred under the top orientation marker (another patient's image)."""
    bold = QFont(painter.font())
    bold.setBold(True)
    bold.setPixelSize(int(bold.pixelSize() * 1.3) if bold.pixelSize() > 0 else 16)
    painter.save()
    painter.setFont(bold)
    metrics = QFontMetricsF(bold)
    x = (size.width() - metrics.horizontalAdvance(text)) / 2
    shadow_text(painter, QPointF(x, MARGIN + metrics.ascent() + metrics.height()), text, WARNING)
    painter.restore()
