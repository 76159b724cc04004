"""Painting of a viewport's overlays: corner text, orientation markers at the edge
midpoints, the scale bar and centred notes, each light on a dark shadow so that it reads
on any image. The viewport decides what they say; this module only draws."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from viewers.dicom.display import Corners
from viewers.dicom.overlay_layout import Box, PlacedText, layout_corners

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


def draw_markers(painter: QPainter, size: QSize, labels: dict[str, str]) -> list[Box]:
    """The orientation letters in the middle of each edge; their boxes."""
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
    boxes = []
    for edge, point in places.items():
        if labels.get(edge):
            shadow_text(painter, point, labels[edge], MARKER)
            boxes.append(Box(point.x(), point.y() - metrics.ascent(), metrics.horizontalAdvance(labels[edge]) + 1,
                             metrics.height() + 1))
    painter.restore()
    return boxes


def draw_scale_bar(painter: QPainter, size: QSize, pixels: float, text: str) -> Box:
    """A horizontal bar `pixels` long with ticks at tenths, centred above the bottom marker;
    its box, label included."""
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
    bottom = y + metrics.ascent() / 2 + metrics.descent()
    return Box(x0 - 2, y - 7, pixels + 10 + metrics.horizontalAdvance(text), bottom - (y - 7))


def draw_corners(painter: QPainter, size: QSize, corners: Corners, reserved: list[Box] | None = None
                 ) -> list[PlacedText]:
    """Each corner's lines in its own quarter, around the `reserved` boxes (markers, scale
    bar, warning), elided or left out where there is no room (overlay_layout.py)."""
    metrics = QFontMetricsF(painter.font())
    placed = layout_corners(size.width(), size.height(), corners, line_height=metrics.height(),
                            measure=metrics.horizontalAdvance, reserved=reserved or [], margin=MARGIN)
    for item in placed:
        shadow_text(painter, QPointF(item.box.x, item.box.y + metrics.ascent()), item.text)
    return placed


def draw_warning(painter: QPainter, size: QSize, text: str) -> Box:
    """A bold red line centred under the top orientation marker (another patient's image); its box."""
    bold = QFont(painter.font())
    bold.setBold(True)
    bold.setPixelSize(int(bold.pixelSize() * 1.3) if bold.pixelSize() > 0 else 16)
    painter.save()
    painter.setFont(bold)
    metrics = QFontMetricsF(bold)
    x = (size.width() - metrics.horizontalAdvance(text)) / 2
    shadow_text(painter, QPointF(x, MARGIN + metrics.ascent() + metrics.height()), text, WARNING)
    painter.restore()
    return Box(x, MARGIN + metrics.height(), metrics.horizontalAdvance(text) + 1, metrics.height() + 1)
