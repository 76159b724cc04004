"""The arrows and text notes of a viewport (viewers/dicom/marks.py): drawn like the
measurements, selected and dragged by their handles or body, and made with the arrow tool
(press at the point the arrow shows, drag to its tail) or the text tool (click, then write).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QInputDialog, QWidget

from app.core.i18n import _
from viewers.dicom.marks import Arrow, MarkSet, TextNote, clean_text
from viewers.dicom.measure_widget import COLOR, HANDLE_PX, LINE_PX, MIN_DRAG_PX, SELECTED, SHADOW

TOOLS = ("arrow", "text")
HEAD_PX = 12.0  # length of the arrow head on screen


@dataclass
class _Drag:
    mark: object
    handle: int | None  # a point index, or None to move the whole mark
    start: tuple[float, float]
    original: dict
    created: bool = False


def ask_text(parent: QWidget | None, initial: str = "") -> str | None:
    """The note's text from a small dialog; None when cancelled or left empty."""
    text, ok = QInputDialog.getText(parent, _("Text note"), _("Text on the image:"), text=initial)
    text = clean_text(text) if ok else ""
    return text or None


def _segment_distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length2))
    return math.hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy))


class MarkTool:
    """Arrows and notes of one viewport: `marks` is shared with the other viewports; `tool`
    is "arrow", "text" or None (then presses only select and drag existing marks);
    `prompt(initial)` asks a note's text (None: cancelled)."""

    def __init__(self, prompt: Callable[[str], str | None] | None = None) -> None:
        self.tool: str | None = None
        self.marks = MarkSet()
        self.selected_id: str | None = None
        self.pending = None  # an arrow being drawn, not yet in the set
        self.prompt: Callable[[str], str | None] = prompt or (lambda initial: ask_text(None, initial))
        self._drag: _Drag | None = None
        self._text_boxes: dict[str, QRectF] = {}  # screen boxes of the notes last drawn

    @property
    def busy(self) -> bool:
        return self.pending is not None or self._drag is not None

    def on_slice(self, key) -> list:
        items = self.marks.for_slice(key) if key is not None else []
        return items + ([self.pending] if self.pending is not None else [])

    # -- hits --------------------------------------------------------------------------------

    def hit(self, key, screen: QPointF, to_screen: QTransform):
        """(mark, handle index or None) under the screen point, else None."""
        best = None
        for m in reversed(self.marks.for_slice(key) if key is not None else []):
            if isinstance(m, TextNote):
                box = self._text_boxes.get(m.id)
                if box is not None and box.adjusted(-3, -3, 3, 3).contains(screen):
                    return m, None
                continue
            head, tail = (to_screen.map(QPointF(*p)) for p in m.points)
            for i, q in enumerate((head, tail)):
                if math.hypot(q.x() - screen.x(), q.y() - screen.y()) <= HANDLE_PX:
                    return m, i
            if best is None and _segment_distance(screen, head, tail) <= LINE_PX:
                best = (m, None)
        return best

    # -- gestures (image coordinates in; True when the layer took the press) ------------------

    def press(self, key, image_point, screen: QPointF, to_screen: QTransform, *, create: bool = True) -> bool:
        """A press on an existing mark selects it (and starts its drag); with `create`, a
        press elsewhere starts a new one with the current tool."""
        p = (image_point[0], image_point[1])
        found = self.hit(key, screen, to_screen)
        if found is not None:
            mark, handle = found
            self.selected_id = mark.id
            self._drag = _Drag(mark, handle, p, mark.to_json())
            return True
        if not create or self.tool is None or key is None:
            return False
        self.selected_id = None
        if self.tool == "arrow":
            self.pending = Arrow(p, p)
            self._drag = _Drag(self.pending, None, p, {}, created=True)
        else:
            self.pending = TextNote(p, "")
            self._drag = _Drag(self.pending, None, p, {}, created=True)
        return True

    def move(self, image_point) -> bool:
        drag = self._drag
        if drag is None:
            return False
        p = (image_point[0], image_point[1])
        m = drag.mark
        if drag.created:
            if isinstance(m, Arrow):
                m.tail = p
            else:
                m.at = p  # a note follows the pointer until it is let go
        elif drag.handle is None:
            fresh = type(m).from_json(drag.original)
            for name in ("head", "tail", "at"):
                if hasattr(fresh, name):
                    setattr(m, name, getattr(fresh, name))
            m.moved(p[0] - drag.start[0], p[1] - drag.start[1])
        else:
            m.set_point(drag.handle, p)
        return True

    def release(self, key, screen_moved: float) -> str | None:
        """'added', 'changed' or None (nothing kept: a click without a drawing, a cancelled
        note, or nothing changed)."""
        drag, self._drag = self._drag, None
        if drag is None:
            return None
        m = drag.mark
        if not drag.created:
            return "changed" if m.to_json() != drag.original else None
        self.pending = None
        if isinstance(m, Arrow):
            if screen_moved < MIN_DRAG_PX:
                return None  # a click, not an arrow
        else:
            text = self.prompt("")
            if not text:
                return None
            m.text = clean_text(text)
        self.marks.add(m, key)
        self.selected_id = m.id
        return "added"

    def edit_text(self, key, screen: QPointF, to_screen: QTransform) -> bool:
        """Double-click on a note: its text asked again; True when it changed."""
        found = self.hit(key, screen, to_screen)
        if found is None or not isinstance(found[0], TextNote):
            return False
        note = found[0]
        self.selected_id = note.id
        text = self.prompt(note.text)
        if not text or text == note.text:
            return False
        note.text = clean_text(text)
        return True

    def cancel(self) -> bool:
        """Esc: drop a drawing in progress or undo a drag; False when there was none."""
        drag = self._drag
        if drag is not None and not drag.created:
            fresh = type(drag.mark).from_json(drag.original)
            for name in ("head", "tail", "at"):
                if hasattr(fresh, name):
                    setattr(drag.mark, name, getattr(fresh, name))
        busy = self.busy
        self.pending, self._drag = None, None
        return busy

    def delete_selected(self) -> bool:
        if self.selected_id is None:
            return False
        removed = self.marks.delete(self.selected_id)
        self.selected_id = None
        return removed

    def texts(self, key) -> list[str]:
        """The notes of the slice, one line each (for a key image's text, after the measurements)."""
        return [" ".join(m.text.split()) for m in self.marks.for_slice(key) if isinstance(m, TextNote)] \
            if key is not None else []

    # -- drawing -----------------------------------------------------------------------------

    def paint(self, painter: QPainter, key, to_screen: QTransform) -> None:
        items = self.on_slice(key)
        if not items:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        metrics = QFontMetricsF(painter.font())
        for m in items:
            color = SELECTED if (m.id == self.selected_id or m is self.pending) else COLOR
            if isinstance(m, Arrow):
                _draw_arrow(painter, to_screen.map(QPointF(*m.head)), to_screen.map(QPointF(*m.tail)), color)
            elif m.text:
                self._text_boxes[m.id] = _draw_note(painter, metrics, to_screen.map(QPointF(*m.at)), m.text, color,
                                                    m.id == self.selected_id)
        painter.restore()


def _draw_arrow(painter: QPainter, head: QPointF, tail: QPointF, color: QColor) -> None:
    angle = math.atan2(head.y() - tail.y(), head.x() - tail.x())
    wings = [QPointF(head.x() - HEAD_PX * math.cos(angle + s * 0.4), head.y() - HEAD_PX * math.sin(angle + s * 0.4))
             for s in (-1, 1)]
    for pen_color, width in ((SHADOW, 3.5), (color, 2.0)):
        pen = QPen(pen_color, width)
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(pen_color)
        painter.drawLine(QLineF(tail, head))
        painter.drawPolygon(QPolygonF([head, wings[0], wings[1]]))


def _draw_note(painter: QPainter, metrics: QFontMetricsF, at: QPointF, text: str, color: QColor,
               selected: bool) -> QRectF:
    """The note's lines from `at` down; returns the screen box they take."""
    lines = text.splitlines() or [text]
    height = metrics.height()
    box = QRectF(at.x(), at.y(), max(metrics.horizontalAdvance(line) for line in lines) + 2, height * len(lines))
    if selected:
        pen = QPen(color, 1.0, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box.adjusted(-2, -1, 2, 1))
    for i, line in enumerate(lines):
        baseline = QPointF(at.x(), at.y() + i * height + metrics.ascent())
        painter.setPen(SHADOW)
        painter.drawText(baseline + QPointF(1, 1), line)
        painter.setPen(color)
        painter.drawText(baseline, line)
    return box
