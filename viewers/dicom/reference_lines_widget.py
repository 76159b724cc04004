"""Reference lines on screen: which viewport gets which lines (`refresh`), and drawing them
thin over the image (`draw`). The geometry is in reference_lines.py."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTransform

from viewers.dicom import reference_lines as rl
from viewers.dicom.toolbar_icons_widget import ACCENT, GLYPHS, INK

#: One colour per viewport (by its number in the viewer), as RadiAnt colours each source.
COLOURS = (QColor(0, 200, 255), QColor(255, 214, 0), QColor(90, 230, 90), QColor(255, 110, 220))
HIGHLIGHT = QColor(255, 170, 0)  # the active viewport's slice: the active border's colour


def _glyph(p: QPainter) -> None:
    """The toolbar icon: an image frame crossed by a coloured slice line."""
    pen = QPen(INK, 1.4)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(4, 3, 16, 18)
    p.setPen(QPen(ACCENT, 2.0))
    p.drawLine(QPointF(2, 13), QPointF(22, 13))
    p.setPen(QPen(INK, 1.0, Qt.PenStyle.DashLine))
    p.drawLine(QPointF(4, 7), QPointF(20, 7))


GLYPHS.setdefault("reference-lines", _glyph)


def colour(number: int) -> QColor:
    return COLOURS[number % len(COLOURS)]


def source_of(vp, number: int, active: bool, own: QColor | None = None) -> rl.Source:
    """What viewport `vp` offers the others: its current plane, and its series' first and last
    slices (the extent lines on a scout); `own`: its colour (an MPR plane's), else by number."""
    plane = vp.current_plane()
    first = last = None
    if plane is not None and vp.count > 1:
        first = rl.plane_at(vp.series, 0, like=plane)
        last = rl.plane_at(vp.series, vp.count - 1, like=plane)
    rgb = None if own is None else (own.red(), own.green(), own.blue())
    return rl.Source(number, plane, active, first, last, rgb)


def refresh(viewports: Sequence, all_viewports: Sequence, active, enabled: bool,
            colours: dict | None = None) -> None:
    """Give each of `viewports` (the visible ones) the lines of the others' slices; none when
    not `enabled`. `all_viewports` numbers them (the colours stay with a viewport); `colours`
    gives some viewports their own colour (the MPR planes': their crosshair's)."""
    colours = colours or {}
    sources = {vp: source_of(vp, all_viewports.index(vp), vp is active, colours.get(vp))
               for vp in viewports if enabled and vp.series is not None}
    for target in viewports:
        lines: list[rl.ReferenceLine] = []
        if enabled and target in sources:
            others = [source for vp, source in sources.items() if vp is not target]
            lines = rl.lines_for(sources[target].plane, others, extent=rl.is_localizer(target.dataset()))
        target.set_reference_lines(lines)


def draw(painter: QPainter, t: QTransform, lines: Sequence[rl.ReferenceLine]) -> None:
    """Each line thin (cosmetic pens: the same on screen at any zoom), the active viewport's
    thicker and, unless its source has its own colour, in the highlight colour; a scout's
    first/last slice lines dim and dashed."""
    if not lines:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # crisp one-pixel lines
    for line in lines:
        a, b = t.map(QPointF(*line.start)), t.map(QPointF(*line.end))
        own = QColor(*line.colour) if line.colour is not None else None
        if line.kind == rl.CURRENT:
            pen = QPen(own or (HIGHLIGHT if line.active else colour(line.number)), 1.6 if line.active else 1.0)
        else:
            dim = QColor(own or colour(line.number))
            dim.setAlpha(130)
            pen = QPen(dim, 1.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        if line.kind == rl.CURRENT:
            edge = QPen(QColor(0, 0, 0, 150), pen.widthF() + 2)  # a dark edge: reads on white bone
            edge.setCosmetic(True)
            painter.setPen(edge)
            painter.drawLine(a, b)
        painter.setPen(pen)
        painter.drawLine(a, b)
    painter.restore()
