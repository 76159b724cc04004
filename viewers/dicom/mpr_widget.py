"""The MPR view of the DICOM viewer: the active viewport's series, as a volume, shown as axial,
coronal and sagittal reformats in a 2x2 layout (the original series in the fourth cell), with
a linked crosshair, oblique planes and thick slabs.

The state (crosshair, orientations, slabs) lives in the Qt-free `MprState`; the reformats are
`ReformatSeries` shown by the ordinary viewports (so W/L, zoom, measurements and key images
work on them); this module loads the volume in a thread (`VolumeLoad`), draws the crosshair
over each reformat (`CrosshairDecoration`) and turns mouse drags and keys into state changes.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from app.core.i18n import _
from viewers.dicom import reference_lines_widget
from viewers.dicom.mpr_loader import VolumeLoad
from viewers.dicom.mpr_state import MAX_SLAB_MM, MODE_NAMES, MODES, PLANES, MprState

# A plane's colour is that of its viewport's reference lines (the axial in the first viewport,
# the coronal in the second, the sagittal in the third), so a plane reads alike everywhere.
COLOURS = {name: reference_lines_widget.colour(number) for number, name in enumerate(PLANES)}
CENTRE_GRAB = 12.0  # screen pixels around the crosshair centre that grab it
LINE_GRAB = 7.0  # screen pixels either side of a line that grab it
CENTRE_GAP = 10.0  # the lines stop this far from the centre, so the point itself shows
ROTATE_STEP = 5.0  # degrees per [ / ] key
MAX_SIDE = 2048  # pixels: as volume_planes.py, a longer reformat gets coarser pixels
REFRESH_MS = 250  # while the volume loads, the reformats are redrawn at most this often


def make_reformat_series(volume, state: MprState, name: str, source=None):
    """The stack of `name` reformats of `volume` (parallel to its plane through the
    crosshair) as a series a viewport shows."""
    from viewers.dicom.reformat_series import ReformatSeries

    slab = state.slabs[name]
    return ReformatSeries(volume, state.base_plane(name), "oblique" if state.oblique(name) else name,
                          source=source, slab_mm=slab.thickness_mm, mode=slab.mode)


def reformat_pixel_mm(geometry) -> float:
    """The square pixel of the reformats: the volume's finest in-plane spacing, coarser when a
    reformat would be longer than MAX_SIDE pixels."""
    low, high = geometry.bounds()
    return max(float(min(geometry.spacing)), float(np.linalg.norm(high - low)) / (MAX_SIDE - 1))


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

    def __init__(self, controller: MprController, name: str) -> None:
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


class MprController(QObject):
    """The MPR view of a DicomViewerWidget: `toggle()` (key M) enters it on the active
    viewport's series or leaves it; `state` is the MprState, `volume` the Volume loading or
    loaded, `series[name]` the reformats, `viewports[name]` where they are shown."""

    _ready = Signal(object, object)  # load, volume
    _progressed = Signal(object, int, int)  # load, done, total
    _done = Signal(object, object)  # load, volume
    _failed = Signal(object, str)  # load, reason
    entered = Signal()
    left = Signal()
    stateChanged = Signal()

    def __init__(self, viewer) -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self.load: VolumeLoad | None = None
        self.volume = None
        self.state: MprState | None = None
        self.source = None
        self.series: dict[str, object] = {}
        self.viewports: dict[str, object] = {}
        self.decorations: dict[str, CrosshairDecoration] = {}
        self.problem: str | None = None
        self.loading = False
        self.show_crosshair = True
        self._saved = None
        self._asked: dict[str, int] = {}  # slices loaded when each reformat was last asked for
        self._updating = False
        self._drag = None
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS, timeout=self._refresh_reformats)
        self._ready.connect(self._on_ready, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)

    # -- tools -------------------------------------------------------------------------------

    def add_tools(self, toolbar) -> None:
        """The slab thickness and mode on the viewer's toolbar (a ViewerToolbarWidget, in its
        "layout" section after MPR), shown while the MPR view is."""
        self.slab_box = QDoubleSpinBox(toolbar)
        self.slab_box.setRange(0.0, MAX_SLAB_MM)
        self.slab_box.setDecimals(0)
        self.slab_box.setSingleStep(1.0)
        self.slab_box.setSuffix(_(" mm slab"))
        self.slab_box.setToolTip(_("Slab thickness of the active reformat, in mm; 0 = thin (B / Shift+B)"))
        self.slab_box.valueChanged.connect(lambda value: self.set_slab(thickness_mm=value))
        self.mode_box = QComboBox(toolbar)
        for mode in MODES:
            self.mode_box.addItem(_(MODE_NAMES[mode]), mode)
        self.mode_box.setToolTip(_("How the slab is combined: average, maximum (MIP) or minimum (MinIP) (X)"))
        self.mode_box.currentIndexChanged.connect(lambda i: self.set_slab(mode=self.mode_box.itemData(i)))
        self._tool_actions = [toolbar.add_widget("layout", self.slab_box), toolbar.add_widget("layout", self.mode_box)]
        self._show_tools(False)

    def _show_tools(self, shown: bool) -> None:
        for action in getattr(self, "_tool_actions", []):
            action.setVisible(shown)
        action = getattr(self.viewer, "mpr_action", None)
        if action is not None:
            action.setChecked(shown)

    def _sync_tools(self) -> None:
        name = self.active_plane()
        if self.state is None or not hasattr(self, "slab_box"):
            return
        slab = self.state.slabs[name] if name is not None else None
        for box in (self.slab_box, self.mode_box):
            box.blockSignals(True)
            box.setEnabled(slab is not None)
        if slab is not None:
            self.slab_box.setValue(slab.thickness_mm)
            self.mode_box.setCurrentIndex(MODES.index(slab.mode))
        for box in (self.slab_box, self.mode_box):
            box.blockSignals(False)

    # -- entering and leaving ----------------------------------------------------------------

    @property
    def active(self) -> bool:
        """In the MPR view, or loading it."""
        return self.load is not None

    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self, series=None) -> bool:
        """Load `series` (default: the active viewport's) as a volume; the reformats show as
        soon as the volume exists. False (and the reason shown) when there is nothing to load."""
        viewer = self.viewer
        series = series if series is not None else viewer.active.series
        if self.active:
            self.leave()
        if series is None or not len(series):
            self._refuse(_("There is no series to show in MPR."))
            return False
        if hasattr(series, "plane"):  # a reformat already
            self._refuse(_("This is a reformat already; choose the original series for MPR."))
            return False
        self.problem = None
        self.source = series
        self.loading = True
        self.load = VolumeLoad(series, on_ready=lambda v: self._ready.emit(load, v),
                               on_progress=lambda d, t: self._progressed.emit(load, d, t),
                               on_done=lambda v: self._done.emit(load, v),
                               on_failed=lambda reason: self._failed.emit(load, reason))
        load = self.load
        viewer.stop_cine()
        viewer.active.flash(_("Loading the volume…"), 3000)
        self._show_tools(True)
        load.start()
        return True

    def leave(self, restore: bool = True) -> None:
        """Leave the MPR view (cancelling a load); with `restore` the layout and series shown
        before come back."""
        if self.load is None:
            return
        self.load.cancel()
        self.load = None
        self.loading = False
        self._refresh.stop()
        self._drag = None
        for name, vp in self.viewports.items():
            vp.removeEventFilter(self)
            if self.decorations.get(name) in vp.decorations:
                vp.decorations.remove(self.decorations[name])
            try:
                vp.indexChanged.disconnect(self._index_slots[name])
                vp.viewChanged.disconnect(self._view_slots[name])
            except (RuntimeError, TypeError, KeyError):
                pass
        saved, self._saved = self._saved, None
        shown = dict(self.series)
        self.series, self.viewports, self.decorations, self._asked = {}, {}, {}, {}
        self.volume = self.state = None
        if restore and saved is not None:
            layout, contents, active = saved
            for vp, (series, index, view) in zip(self.viewer.viewports, contents):
                if any(vp.series is s for s in shown.values()) or vp.series is not series:
                    vp.set_series(series, max(index, 0))
                    vp.state = view
                    vp.update()
            self.viewer.set_layout(layout, keep_mpr=True)
            self.viewer.set_active_viewport(self.viewer.viewports[active])
        else:
            for vp in self.viewer.viewports:
                if any(vp.series is s for s in shown.values()):
                    vp.set_series(None)
        for series in shown.values():
            close = getattr(series, "close", None)
            if close is not None:
                close()
        self._show_tools(False)
        self.left.emit()

    def _refuse(self, reason: str) -> None:
        self.problem = reason
        self.viewer.active.flash(reason, 6000)
        self._show_tools(False)

    # -- the load ----------------------------------------------------------------------------

    @Slot(object, object)
    def _on_ready(self, load, volume) -> None:
        if load is not self.load:
            return
        viewer = self.viewer
        self.volume = volume
        geometry = volume.geometry
        self.state = MprState(geometry.corners(), reformat_pixel_mm(geometry), geometry.frame_of_reference_uid)
        self._saved = (viewer.layout_name, [(vp.series, vp.index, vp.state) for vp in viewer.viewports],
                       viewer.viewports.index(viewer.active))
        self._updating = True  # the viewer's synchronised scrolling must not move the crosshair meanwhile
        try:
            viewer.set_layout("2x2", keep_mpr=True)
            self._index_slots, self._view_slots = {}, {}
            for name, vp in zip(PLANES, viewer.viewports):
                series = make_reformat_series(volume, self.state, name, self.source)
                self.series[name], self.viewports[name] = series, vp
                decoration = CrosshairDecoration(self, name)
                self.decorations[name] = decoration
                vp.set_series(series, self._index_for(name))
                self._asked[name] = volume.count
                vp.decorations.append(decoration)
                vp.installEventFilter(self)
                slot = self._index_slots[name] = lambda n, name=name: self._on_scrolled(name, n)
                vp.indexChanged.connect(slot)
                view_slot = self._view_slots[name] = lambda vp=vp: self._link_window(vp)
                vp.viewChanged.connect(view_slot)
            fourth, source = viewer.viewports[3], self.source
            normal = source.normal
            near = None if normal is None else source.nearest_slice(
                float(np.dot(self.state.point, normal)), source.frame_of_reference_uid, normal)
            fourth.set_series(source, near if near is not None else 0)
        finally:
            self._updating = False
        viewer.set_active_viewport(self.viewports["axial"])
        self._sync_tools()
        self.entered.emit()
        self.stateChanged.emit()

    @Slot(object, int, int)
    def _on_progress(self, load, done: int, total: int) -> None:
        if load is self.load and not self._refresh.isActive():
            self._refresh.start()

    @Slot(object, object)
    def _on_done(self, load, volume) -> None:
        if load is not self.load:
            return
        self.loading = False
        self._refresh_reformats()

    @Slot(object, str)
    def _on_failed(self, load, reason: str) -> None:
        if load is not self.load:
            return
        self.leave(restore=self.state is not None)
        self._refuse(reason)

    def _refresh_reformats(self) -> None:
        """Redraw the reformats from the slices loaded so far; the image shown stays until the
        new one is made. A reformat still being made is asked again once it is shown (asking
        sooner would drop it unfinished, and on a busy machine none would ever show); the
        timer runs until each has been asked with the whole volume in."""
        volume = self.volume
        if volume is None:
            return
        count = volume.count
        for name, series in self.series.items():
            vp = self.viewports[name]
            if self._asked.get(name, -1) >= count or vp.displayed_index != vp.index:
                continue
            series.invalidate()
            self._reload(name)
            self._asked[name] = count
        if self.loading or any(self._asked.get(name, -1) < count for name in self.series):
            self._refresh.start()

    def _reload(self, name: str) -> None:
        """Ask `name`'s viewport for its slice again (its series made it anew)."""
        vp = self.viewports[name]
        n = vp.index
        self._updating = True
        try:
            vp.index = -1
            vp.set_index(n)
        finally:
            self._updating = False

    def _reshow(self, name: str, series=None) -> None:
        """Show `name`'s reformat anew (a new orientation), keeping the viewport's window,
        zoom and pan."""
        vp = self.viewports[name]
        series = series if series is not None else self.series[name]
        self._asked[name] = self.volume.count if self.volume is not None else -1
        view = vp.state
        self._updating = True
        try:
            vp.set_series(series, self._index_for(name))
        finally:
            self._updating = False
        vp.state = view
        vp.update()

    # -- following the crosshair -------------------------------------------------------------

    def _index_for(self, name: str) -> int:
        state = self.state
        series = self.series.get(name)
        if series is not None:
            n = series.nearest_slice(state.location(name), state.frame_of_reference_uid, tuple(state.normal(name)))
            if n is not None:
                return n
        return state.index(name)

    def _link_window(self, source) -> None:
        """One window and inversion for the three reformats (one volume, one tissue), as
        RadiAnt links them; zoom and pan stay each viewport's own."""
        if self._updating:
            return
        self._updating = True
        try:
            for vp in self.viewports.values():
                if vp is not source and (vp.state.window != source.state.window
                                         or vp.state.invert != source.state.invert):
                    vp.state.window, vp.state.invert = source.state.window, source.state.invert
                    vp.update()
        finally:
            self._updating = False

    def _on_scrolled(self, name: str, n: int) -> None:
        if self._updating or self.state is None:
            return
        location = self.series[name].locations()[n]
        if location is not None:
            self._follow(self.state.set_location(name, location), source=name)

    def _follow(self, moved: set[str], source: str | None = None) -> None:
        """The planes in `moved` go to the crosshair; every reformat is redrawn."""
        self._updating = True
        try:
            for name in moved:
                if name != source and name in self.viewports:
                    self.viewports[name].set_index(self._index_for(name))
            self._follow_source()
        finally:
            self._updating = False
        for vp in self.viewports.values():
            vp.update()
        self.stateChanged.emit()

    def _follow_source(self) -> None:
        """The original series in the fourth cell to its slice nearest the crosshair (the
        viewer's synchronised scrolling does not link it to a reformat it is not parallel to,
        such as a gantry-tilted series)."""
        fourth, source = self.viewer.viewports[3], self.source
        normal = getattr(source, "normal", None)
        if fourth.series is not source or normal is None or self.state is None:
            return
        near = source.nearest_slice(float(np.dot(self.state.point, normal)), source.frame_of_reference_uid, normal,
                                    prefer=fourth.index)
        if near is not None and near != fourth.index:
            syncing, self.viewer._syncing = self.viewer._syncing, True  # the crosshair leads here
            try:
                fourth.set_index(near)
            finally:
                self.viewer._syncing = syncing

    def set_point(self, point) -> None:
        """The crosshair to a patient point (mm)."""
        if self.state is not None:
            self._follow(self.state.set_point(self.state._clamp(np.asarray(point, dtype=float))))

    def rotate(self, name: str, degrees: float) -> None:
        """Turn the planes other than `name` around its normal through the crosshair."""
        if self.state is None:
            return
        for other in self.state.rotate(name, degrees):
            self._rebuild(other)
        self.viewports[name].update()
        self.stateChanged.emit()

    def reset_rotation(self) -> None:
        if self.state is None:
            return
        for name in self.state.reset_rotation():
            self._rebuild(name)
        self.stateChanged.emit()

    def _rebuild(self, name: str) -> None:
        old = self.series[name]
        self.series[name] = make_reformat_series(self.volume, self.state, name, self.source)
        self._reshow(name)
        close = getattr(old, "close", None)
        if close is not None:
            close()

    # -- slabs -------------------------------------------------------------------------------

    def active_plane(self) -> str | None:
        return next((name for name, vp in self.viewports.items() if vp is self.viewer.active), None)

    def set_slab(self, thickness_mm: float | None = None, mode: str | None = None, name: str | None = None) -> None:
        """The slab of the active reformat (or of `name`)."""
        name = name or self.active_plane()
        if self.state is None or name is None:
            return
        slab = self.state.set_slab(name, thickness_mm, mode)
        self.series[name].set_slab(slab.thickness_mm, slab.mode)
        self._reload(name)
        self._sync_tools()
        self.viewports[name].flash(slab.text() or _("Thin reformat"))
        self.stateChanged.emit()

    def step_slab(self, steps: int) -> None:
        name = self.active_plane()
        if self.state is not None and name is not None:
            now = self.state.slabs[name]
            self.set_slab(self.state.thicker(name, steps).thickness_mm, now.mode, name)

    def next_mode(self) -> None:
        name = self.active_plane()
        if self.state is not None and name is not None:
            self.set_slab(mode=self.state.next_mode(name).mode, name=name)

    def on_active_changed(self) -> None:
        self._sync_tools()

    # -- keys --------------------------------------------------------------------------------

    def handle_key(self, key: int, shift: bool) -> bool:
        """The MPR keys the viewer passes on: M, B / Shift+B, X, [ / ], N. True when used."""
        K = Qt.Key
        if key == K.Key_M:
            self.toggle()
            return True
        if self.state is None:
            return False
        name = self.active_plane()
        if key == K.Key_B:
            self.step_slab(-1 if shift else 1)
        elif key == K.Key_X:
            self.next_mode()
        elif key in (K.Key_BracketLeft, K.Key_BracketRight) and name is not None:
            self.rotate(name, ROTATE_STEP if key == K.Key_BracketRight else -ROTATE_STEP)
        elif key == K.Key_N:
            self.reset_rotation()
        else:
            return False
        return True

    # -- the mouse on a reformat ---------------------------------------------------------------

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
