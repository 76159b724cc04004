"""The MPR crosshair over a reformat viewport: drawn (`CrosshairDecoration`, hung on the
viewport's decorations) and dragged (`CrosshairInputMixin`, the mouse half of the MPR
controller: its event filter on each reformat viewport turns left drags on the crosshair into
MprState changes; elsewhere the viewport's own tools act)."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QPainter, QPen

from app.core.i18n import _
from viewers.dicom import reference_lines_widget
from viewers.dicom.mpr_state import PLANES

# A plane's colour is that of its viewport's reference lines (the axial in the first viewport,
# the coronal in the second, the sagittal in the third), so a plane reads alike everywhere.
COLOURS = {name: reference_lines_widget.colour(number) for number, name in enumerate(PLANES)}
CENTRE_GRAB = 12.0  # screen pixels around the crosshair centre that grab it
LINE_GRAB = 7.0  # screen pixels either side of a line that grab it
CENTRE_GAP = 10.0  # the lines stop this far from the centre, so the point itself shows


def _to_widget(vp, transform, x: float, y: float) -> QPointF:
    # Pixel coordinates have their centres at integers; the viewport's image coordinates at +0.5.
    return transform.map(QPointF(x + 0.5, y + 0.5))


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by = a.x(), a.y(), b.x(), b.y()
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((p.x() - ax) * dx + (p.y() - ay) * dy) / length))
    return math.hypot(p.x() - (ax + t * dx), p.y() - (ay + t * dy))


class CrosshairDecoration:
    """Drawn over one reformat viewport: the other planes' lines through the crosshair, in
    their colours; its overlay lines name the plane, the slab, the crosshair in mm and the
    model's notes."""

    def __init__(self, controller, name: str) -> None:
        self.controller, self.name = controller, name

    def shown_plane(self, vp):
        series = vp.series
        n = vp.displayed_index if vp.displayed_index is not None else vp.index
        if series is None or not hasattr(series, "plane") or n is None or n < 0:
            return None
        return series.plane(n)

    def segments(self, vp) -> tuple[tuple[float, float] | None, dict]:
        """(centre, {other plane: ((x0, y0), (x1, y1))}) in the shown reformat's pixels."""
        state = self.controller.state
        plane = self.shown_plane(vp)
        if state is None or plane is None:
            return None, {}
        lines = {}
        for other in PLANES:
            if other != self.name:
                segment = plane.intersection(state.plane(other))
                if segment is not None:
                    lines[other] = segment
        return plane.to_pixel(state.point), lines

    def paint(self, vp, painter: QPainter, size, transform) -> None:
        if not self.controller.show_crosshair:
            return
        centre, lines = self.segments(vp)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        c = _to_widget(vp, transform, *centre) if centre is not None else None
        for other, (start, end) in lines.items():
            a, b = _to_widget(vp, transform, *start), _to_widget(vp, transform, *end)
            painter.setPen(QPen(COLOURS[other], 1.2))
            if c is None:
                painter.drawLine(a, b)
                continue
            for far in (a, b):  # from the end to a little short of the centre
                dx, dy = far.x() - c.x(), far.y() - c.y()
                length = math.hypot(dx, dy)
                if length > CENTRE_GAP:
                    painter.drawLine(QPointF(c.x() + dx * CENTRE_GAP / length, c.y() + dy * CENTRE_GAP / length), far)
        painter.setPen(QPen(COLOURS[self.name], 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(1, 1, size.width() - 3, size.height() - 3)
        painter.restore()

    def lines(self, vp) -> list[str]:
        controller = self.controller
        state = controller.state
        if state is None:
            return []
        found = [state.label(self.name)]
        slab = state.slabs[self.name].text()
        if slab:
            found.append(slab)
        found.append(state.position_text())
        volume = controller.volume
        if volume is not None:
            found.extend(volume.geometry.notes)
            if not volume.complete and controller.loading:
                found.append(_("Loading the volume: {percent} %").format(
                    percent=round(100 * volume.count / max(1, volume.geometry.shape[0]))))
        return found

    def key_image_note(self, vp) -> str:
        """What a key image of this viewport says of its plane: 'Coronal reformat, MIP 20 mm'."""
        state = self.controller.state
        if state is None:
            return ""
        slab = state.slabs[self.name].text()
        note = state.reformat_label(self.name)
        return _("{plane}, {slab}").format(plane=note, slab=slab) if slab else note


class CrosshairInputMixin:
    """The mouse half of MprController (see there for `state`, `viewports`, `decorations`)."""

    def _name_of(self, vp) -> str | None:
        return next((name for name, v in self.viewports.items() if v is vp), None)

    def hit(self, vp, pos: QPointF):
        """What a press at `pos` grabs: ("point", None), ("line", other), or None."""
        name = self._name_of(vp)
        if name is None or self.state is None or not self.show_crosshair:
            return None
        centre, lines = self.decorations[name].segments(vp)
        if centre is None:
            return None
        t = vp.transform()
        c = _to_widget(vp, t, *centre)
        if math.hypot(pos.x() - c.x(), pos.y() - c.y()) <= CENTRE_GRAB:
            return ("point", None)
        best = None
        for other, (start, end) in lines.items():
            d = _distance_to_segment(pos, _to_widget(vp, t, *start), _to_widget(vp, t, *end))
            if d <= LINE_GRAB and (best is None or d < best[0]):
                best = (d, other)
        return ("line", best[1]) if best is not None else None

    def _patient(self, vp, pos: QPointF):
        plane = self.decorations[self._name_of(vp)].shown_plane(vp)
        x, y = vp.to_image(pos)
        return plane.to_patient(x - 0.5, y - 0.5), (x - 0.5, y - 0.5)

    def drag(self, vp, start: QPointF, end: QPointF, shift: bool = False) -> None:
        """A whole left drag from `start` to `end` on viewport `vp` (what the mouse does)."""
        if self.press(vp, start, shift):
            self.move(vp, end)
            self.release()

    def press(self, vp, pos: QPointF, shift: bool = False) -> bool:
        hit = self.hit(vp, pos)
        if hit is None:
            return False
        name = self._name_of(vp)
        kind, other = hit
        if kind == "line" and shift:
            _point, (x, y) = self._patient(vp, pos)
            cx, cy = self.decorations[name].segments(vp)[0]
            self._drag = ("rotate", vp, other, math.degrees(math.atan2(y - cy, x - cx)))
        else:
            self._drag = (kind, vp, other, None)
        vp.activated.emit(vp)
        return True

    def move(self, vp, pos: QPointF) -> None:
        drag = self._drag
        if drag is None or self.state is None:
            return
        kind, dragged, other, angle = drag
        name = self._name_of(dragged)
        point, (x, y) = self._patient(dragged, pos)
        if kind == "point":
            self._follow(self.state.drag_to(name, point))
        elif kind == "line":
            self._follow(self.state.move_plane(other, point))
        elif kind == "rotate":
            cx, cy = self.decorations[name].segments(dragged)[0]
            now = math.degrees(math.atan2(y - cy, x - cx))
            delta = (now - angle + 180.0) % 360.0 - 180.0
            if abs(delta) >= 0.5:
                self._drag = (kind, dragged, other, now)
                self.rotate(name, delta)

    def release(self) -> None:
        self._drag = None
        self._rebuild_timer.stop()
        self._rebuild_turned()

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            if (event.button() == Qt.MouseButton.LeftButton and watched.measure.tool == "window"
                    and not event.modifiers() & Qt.KeyboardModifier.ControlModifier):
                shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                if self.press(watched, event.position(), shift):
                    watched.setFocus(Qt.FocusReason.MouseFocusReason)
                    return True
        elif kind == QEvent.Type.MouseMove:
            if self._drag is not None:
                self.move(watched, event.position())
                return True
            hit = self.hit(watched, event.position()) if watched.measure.tool == "window" else None
            watched.setCursor(Qt.CursorShape.ArrowCursor if hit is None else
                              Qt.CursorShape.SizeAllCursor if hit[0] == "point" else
                              Qt.CursorShape.PointingHandCursor)
        elif kind == QEvent.Type.MouseButtonRelease and self._drag is not None:
            self.release()
            return True
        return False
