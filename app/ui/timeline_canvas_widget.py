"""The time axis of the case view's Timeline tab (app/ui/timeline_widget.py): lanes of items,
clusters, ticks and the undated strip, drawn from the Qt-free layout
(app/dossier/timeline_layout.py); the wheel zooms around the cursor, a drag pans, a click or
Enter opens an item (or zooms in on a cluster), the arrows move between items."""

from __future__ import annotations


from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (QMenu, QSizePolicy, QToolTip, QWidget)

from app.core.i18n import _
from app.dossier.timeline import Timeline, lane_label
from app.dossier.timeline_layout import Chip, Mark, TimeWindow, fit, lay_out, ticks, undated_chips

#: One colour per lane (the legend says which), readable on white and in print.
LANE_COLOURS = {"letters": QColor("#1f5fa8"), "imaging_reports": QColor("#2e7d32"), "operations": QColor("#ad1457"),
                "imaging": QColor("#6a3fa0"), "other": QColor("#6d6d6d")}
MISMATCH = QColor("#c62828")
UNREAD = QColor("#e65100")
GUTTER = 132.0  # the least room for the lanes' names, left of the axis (at most MAX_GUTTER)
MAX_GUTTER = 260.0
AXIS_H = 26.0
LANE_H = 36.0  # the least; lanes share the height there is, up to MAX_LANE_H
MAX_LANE_H = 64.0
CHIP_H = 22.0
RIGHT = 12.0


class _Metrics:
    """timeline_layout.Metrics from a font."""

    def __init__(self, font) -> None:
        self.fm = QFontMetricsF(font)
        self._widths: dict[str, float] = {}  # the same labels and counts at every zoom step

    def width(self, text: str) -> float:
        width = self._widths.get(text)
        if width is None:
            if len(self._widths) > 20000:
                self._widths.clear()
            width = self._widths[text] = self.fm.horizontalAdvance(text)
        return width

    def elide(self, text: str, width: float) -> str:
        return self.fm.elidedText(text, Qt.TextElideMode.ElideRight, width)


class TimelineCanvasWidget(QWidget):
    """The axis, the lanes and the undated strip. `openRequested(target)`: ("document", n)
    or ("series", uid)."""

    openRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(_("Timeline of the case"))
        self.timeline = Timeline((), (), None, ())
        self.window = TimeWindow(0.0, 1.0)
        self.metrics = _Metrics(self.font())
        self.focus_key: str | None = None  # the first item's key of the focused mark or chip
        self._cache: tuple | None = None
        self._press: QPointF | None = None
        self._dragged = False
        self._fitted = True  # the window is Fit's: it follows the width until the user moves it
        self.gutter = GUTTER

    # -- state ---------------------------------------------------------------------------------

    def set_timeline(self, timeline: Timeline, keep_view: bool = False) -> None:
        """Show `timeline`, fitted; `keep_view`: the same items again (their marks changed), the
        window and the focus kept."""
        self.timeline = timeline
        self._cache = None
        names = [lane_label(lane) for lane in timeline.lanes] + ([_("Undated")] if timeline.undated else [])
        self.gutter = min(max([GUTTER, *(self.metrics.width(n) + 34 for n in names)]), MAX_GUTTER)
        if keep_view and not self._fitted:
            self.update()
            return
        if not keep_view:
            self.focus_key = None
        self.fit()

    @property
    def axis_width(self) -> float:
        return max(self.width() - self.gutter - RIGHT, 40.0)

    def set_window(self, window: TimeWindow) -> None:
        self.window = window
        self._fitted = False
        self.update()

    def fit(self) -> None:
        """Every dated item in view."""
        self.set_window(fit([i.day for i in self.timeline.items if i.day is not None], self.axis_width))
        self._fitted = True

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    def zoom(self, factor: float, x: float | None = None) -> None:
        """In (> 1) or out around the canvas' pixel `x` (default: the focused mark, else the middle)."""
        if x is None:
            mark = self.focused_mark()
            x = self.gutter + (mark.x if isinstance(mark, Mark) else self.axis_width / 2)
        self.set_window(self.window.zoomed(factor, x - self.gutter, self.axis_width))

    def layout_now(self) -> tuple[dict[str, list[Mark]], list, list[Chip]]:
        """(marks per lane, ticks, undated chips) for the window and width now; kept until either changes."""
        key = (self.window, self.axis_width, self.width(), id(self.timeline), self.label_rows)
        if self._cache is None or self._cache[0] != key:
            marks = lay_out(self.timeline, self.window, self.axis_width, self.metrics, self.label_rows)
            chips = undated_chips(self.timeline.undated, self.width() - self.gutter - RIGHT, self.metrics)
            self._cache = (key, (marks, ticks(self.window, self.axis_width, self.metrics), chips))
        return self._cache[1]

    @property
    def lane_h(self) -> float:
        rows = 2 if self.timeline.undated else 0
        free = self.height() - AXIS_H - 18 - rows * (CHIP_H + 4)
        return min(max(free / max(len(self.timeline.lanes), 1), LANE_H), MAX_LANE_H)

    @property
    def label_rows(self) -> int:
        """2 when the lanes are tall enough for a line of labels below the markers."""
        return 2 if self.lane_h >= 2 * self.metrics.fm.height() + 20 else 1

    def lane_top(self, lane: str) -> float:
        return AXIS_H + self.timeline.lanes.index(lane) * self.lane_h

    def marker_y(self, lane: str) -> float:
        """The middle of a lane's markers: a little above its middle when labels go below."""
        middle = self.lane_top(lane) + self.lane_h / 2
        return middle - (self.metrics.fm.height() + 2) / 2 if self.label_rows == 2 else middle

    @property
    def undated_top(self) -> float:
        return AXIS_H + len(self.timeline.lanes) * self.lane_h + 10

    def minimumSizeHint(self):  # noqa: N802 - Qt's name
        size = super().minimumSizeHint()
        rows = 2 if self.timeline.undated else 0
        size.setHeight(int(AXIS_H + len(self.timeline.lanes) * LANE_H + 18 + rows * (CHIP_H + 4)))
        return size

    # -- hit testing and focus -----------------------------------------------------------------

    def targets(self) -> list[tuple[str, Mark | Chip]]:
        """Every mark in time order (lane order within a day), then the undated chips: what
        the arrows walk."""
        marks, _ticks, chips = self.layout_now()
        order = sorted(((m.x, self.timeline.lanes.index(lane), lane, m) for lane, ms in marks.items() for m in ms),
                       key=lambda t: (t[0], t[1]))
        return [(lane, m) for _x, _l, lane, m in order] + [("undated", c) for c in chips]

    def rects_of(self, lane: str, thing: Mark | Chip) -> list[QRectF]:
        """Where `thing` answers a click: its marker with the label beside it, or its marker and,
        apart, its label on the line below (which may pass under the next marker)."""
        if isinstance(thing, Chip):
            return [QRectF(self.gutter + thing.x0, self.undated_top + thing.row * (CHIP_H + 4), thing.x1 - thing.x0,
                           CHIP_H)]
        mid = self.marker_y(lane)
        if thing.label and thing.label_row == 1:
            height = self.metrics.fm.height() + 2
            return [QRectF(self.gutter + thing.x0 - 2, mid - 9, thing.x1 - thing.x0 + 4, 18),
                    QRectF(self.gutter + thing.label_x0 - 2, mid + 9, thing.label_x1 - thing.label_x0 + 4, height)]
        right = thing.label_x1 if thing.label else thing.x1
        return [QRectF(self.gutter + thing.x0 - 2, mid - 9, right - thing.x0 + 4, 18)]

    def rect_of(self, lane: str, thing: Mark | Chip) -> QRectF:
        """All of `thing`: its marker and its label."""
        rects = self.rects_of(lane, thing)
        return rects[0].united(rects[1]) if len(rects) > 1 else rects[0]

    def target_at(self, pos: QPointF) -> tuple[str, Mark | Chip] | None:
        for lane, thing in self.targets():
            if any(rect.contains(pos) for rect in self.rects_of(lane, thing)):
                return lane, thing
        return None

    def focused_mark(self) -> Mark | Chip | None:
        if self.focus_key is None:
            return None
        return next((t for _lane, t in self.targets() if any(i.key == self.focus_key for i in t.items)), None)

    def move_focus(self, step: int) -> None:
        targets = self.targets()
        if not targets:
            return
        keys = [t.items[0].key for _lane, t in targets]
        current = self.focused_mark()
        n = keys.index(current.items[0].key) + step if current is not None else (0 if step > 0 else len(keys) - 1)
        self._focus(targets[min(max(n, 0), len(targets) - 1)])

    def move_lane(self, step: int) -> None:
        """Up/Down: the nearest mark in the lane above or below (the undated strip last)."""
        targets = self.targets()
        current = self.focused_mark()
        if not targets or current is None:
            return self.move_focus(1)
        rows = [*self.timeline.lanes, "undated"]
        lane = next(lane for lane, t in targets if t is current)
        x = (current.x0 + current.x1) / 2
        for row in rows[rows.index(lane) + step::step] if step > 0 else rows[:rows.index(lane)][::-1]:
            candidates = [(lane_, t) for lane_, t in targets if lane_ == row]
            if candidates:
                self._focus(min(candidates, key=lambda c: abs((c[1].x0 + c[1].x1) / 2 - x)))
                return None
        return None

    def _focus(self, target: tuple[str, Mark | Chip]) -> None:
        lane, thing = target
        self.focus_key = thing.items[0].key
        if isinstance(thing, Mark):
            shown = self.window.showing(self.window.day_at(thing.x, self.axis_width), self.axis_width)
            if shown != self.window:
                self.set_window(shown)
        self.update()
        rect = self.rect_of(lane, thing)
        QToolTip.showText(self.mapToGlobal(rect.bottomLeft().toPoint()), self.tooltip_of(thing), self)

    def tooltip_of(self, thing: Mark | Chip) -> str:
        if len(thing.items) == 1:
            return thing.items[0].tooltip()
        titles = [i.title for i in thing.items[:8]] + (["…"] if len(thing.items) > 8 else [])
        hint = _("Click or Enter: zoom in on them.") if isinstance(thing, Mark) else _("Click or Enter: list them.")
        return "\n".join([thing.label if isinstance(thing, Mark) else thing.text, *titles, hint])

    def activate(self, thing: Mark | Chip) -> None:
        """One item: open it; a cluster: zoom in on its items; the undated '+ n more': a menu of them."""
        self.focus_key = thing.items[0].key
        if len(thing.items) == 1:
            if thing.items[0].target is not None:
                self.openRequested.emit(thing.items[0].target)
            return
        if isinstance(thing, Mark):
            self.set_window(fit([i.day for i in thing.items if i.day is not None], self.axis_width, 60, 220))
            return
        menu = QMenu(self)
        for item in thing.items:
            action = menu.addAction(item.label)
            action.setEnabled(item.target is not None)
            action.triggered.connect(lambda _c=False, t=item.target: self.openRequested.emit(t))
        menu.popup(self.mapToGlobal(self.rect_of("undated", thing).bottomLeft().toPoint()))

    # -- input ---------------------------------------------------------------------------------

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.25 ** steps, event.position().x())
        event.accept()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._dragged = event.position(), False
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._press is None:
            return
        dx = event.position().x() - self._press.x()
        if self._dragged or abs(dx) > 3:
            self._dragged = True
            self.set_window(self.window.panned(dx, self.axis_width))
            self._press = event.position()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self.unsetCursor()
        if self._press is not None and not self._dragged:
            hit = self.target_at(event.position())
            if hit is not None:
                self.activate(hit[1])
        self._press = None

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key, K = event.key(), Qt.Key
        if key in (K.Key_Right, K.Key_Left):
            self.move_focus(1 if key == K.Key_Right else -1)
        elif key in (K.Key_Down, K.Key_Up):
            self.move_lane(1 if key == K.Key_Down else -1)
        elif key in (K.Key_Return, K.Key_Enter, K.Key_Space):
            mark = self.focused_mark()
            if mark is not None:
                self.activate(mark)
        elif key in (K.Key_Plus, K.Key_Equal):
            self.zoom(1.6)
        elif key == K.Key_Minus:
            self.zoom(1 / 1.6)
        elif key in (K.Key_F, K.Key_0, K.Key_Home):
            self.fit()
        else:
            super().keyPressEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            hit = self.target_at(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_of(hit[1]), self)
            return True
        return super().event(event)

    def focusInEvent(self, event) -> None:  # noqa: N802
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.update()

    # -- drawing -------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802
        marks, axis, chips = self.layout_now()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        text, mid, light = pal.text().color(), pal.mid().color(), pal.alternateBase().color()
        fm = self.metrics.fm
        lane_h = self.lane_h
        bottom = AXIS_H + len(self.timeline.lanes) * lane_h
        for n, lane in enumerate(self.timeline.lanes):  # lane bands, names and colours
            top = self.lane_top(lane)
            if n % 2:
                p.fillRect(QRectF(0, top, self.width(), lane_h), light)
            p.fillRect(QRectF(6, top + lane_h / 2 - 5, 10, 10), LANE_COLOURS.get(lane, mid))
            p.setPen(text)
            p.drawText(QRectF(22, top, self.gutter - 26, lane_h), Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(lane_label(lane), Qt.TextElideMode.ElideRight, self.gutter - 26))
        p.save()
        p.setClipRect(QRectF(self.gutter, 0, self.axis_width, bottom))
        for tick in axis:  # the axis: a line per tick through the lanes, its label on top (whole or none)
            x = self.gutter + tick.x
            p.setPen(QPen(mid, 0))
            p.drawLine(QPointF(x, AXIS_H - 6), QPointF(x, bottom))
            if tick.x + 3 + self.metrics.width(tick.label) <= self.axis_width:
                p.setPen(text)
                p.drawText(QPointF(x + 3, AXIS_H - 9), tick.label)
        focused = self.focused_mark()
        for lane, lane_marks in marks.items():
            colour = LANE_COLOURS.get(lane, mid)
            y = self.marker_y(lane)
            for mark in lane_marks:
                if mark.x1 < 0 or mark.x0 > self.axis_width and mark.label_x0 > self.axis_width:
                    continue
                self._draw_mark(p, mark, y, colour, text, mark is focused and self.hasFocus())
        p.restore()
        p.setPen(QPen(mid, 0))
        p.drawLine(QPointF(self.gutter, AXIS_H - 6), QPointF(self.width() - RIGHT, AXIS_H - 6))
        if self.timeline.undated:
            top = self.undated_top
            p.setPen(text)
            p.drawText(QRectF(6, top, self.gutter - 10, CHIP_H), Qt.AlignmentFlag.AlignVCenter, _("Undated"))
            for chip in chips:
                self._draw_chip(p, chip, text, chip is focused and self.hasFocus())
        if not self.timeline.items and not self.timeline.undated:
            p.setPen(text)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, _("This case has no documents or studies."))
        p.end()

    def _draw_mark(self, p: QPainter, mark: Mark, y: float, colour: QColor, text: QColor, focused: bool) -> None:
        x0, x1 = self.gutter + mark.x0, self.gutter + mark.x1
        mismatch = any(i.mismatch for i in mark.items)
        p.setPen(QPen(MISMATCH, 2.5) if mismatch else Qt.PenStyle.NoPen)
        p.setBrush(colour)
        if mark.cluster:
            path = QPainterPath()
            path.addRoundedRect(QRectF(x0, y - 8, x1 - x0, 16), 8, 8)
            p.drawPath(path)
            p.setPen(QColor("white"))
            p.drawText(QRectF(x0, y - 8, x1 - x0, 16), Qt.AlignmentFlag.AlignCenter, mark.count_text)
        else:
            p.drawEllipse(QPointF((x0 + x1) / 2, y), 5.5, 5.5)
        if any(i.unread for i in mark.items):  # as the navigator: a dot for what is not read yet
            p.setPen(QPen(self.palette().base().color(), 1.5))
            p.setBrush(UNREAD)
            p.drawEllipse(QPointF(x1 - 1, y - 7), 3.2, 3.2)
        if mark.label:
            p.setPen(MISMATCH if mismatch else text)
            fm = self.metrics.fm
            baseline = y + fm.ascent() / 2 - 1 if mark.label_row == 0 else y + 9 + fm.ascent()
            p.drawText(QPointF(self.gutter + mark.label_x0, baseline), mark.label)
        if focused:
            self._focus_frame(p, self.rect_of(mark.lane, mark))

    def _draw_chip(self, p: QPainter, chip: Chip, text: QColor, focused: bool) -> None:
        rect = self.rect_of("undated", chip)
        lane = chip.items[0].lane if len(chip.items) == 1 else None
        p.setPen(QPen(MISMATCH, 2) if any(i.mismatch for i in chip.items) else QPen(self.palette().mid().color(), 1))
        p.setBrush(self.palette().window())
        p.drawRoundedRect(rect, 4, 4)
        if lane is not None:
            p.fillRect(QRectF(rect.left() + 1, rect.top() + 1, 4, rect.height() - 2), LANE_COLOURS.get(lane, text))
        p.setPen(text)
        p.drawText(rect.adjusted(8, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter, chip.text)
        if focused:
            self._focus_frame(p, rect)

    def _focus_frame(self, p: QPainter, rect: QRectF) -> None:
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(self.palette().highlight().color(), 1.5, Qt.PenStyle.DashLine))
        p.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 4, 4)
