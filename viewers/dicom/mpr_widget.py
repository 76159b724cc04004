"""The MPR view of the DICOM viewer: the active viewport's series, as a volume, shown as axial,
coronal and sagittal reformats in a 2x2 layout (the original series in the fourth cell), with
a linked crosshair, oblique planes and thick slabs.

The state (crosshair, orientations, slabs) lives in the Qt-free `MprState`; the reformats are
`ReformatSeries` shown by the ordinary viewports (so W/L, zoom, measurements and key images
work on them); this module loads the volume in a thread (`VolumeLoad`), shows the reformats and keeps them at
the crosshair; mpr_crosshair_widget.py draws the crosshair and turns drags into state changes,
mpr_tools_widget.py holds the slab controls.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from app.core.i18n import _
from viewers.dicom.mpr_crosshair_widget import CrosshairDecoration, CrosshairInputMixin
from viewers.dicom.mpr_loader import VolumeLoad
from viewers.dicom.mpr_state import PLANES, MprState, make_reformat_series, reformat_pixel_mm
from viewers.dicom.mpr_tools_widget import SlabToolsMixin

ROTATE_STEP = 5.0  # degrees per [ / ] key
REFRESH_MS = 250  # while the volume loads, the reformats are redrawn at most this often
ROTATE_REBUILD_MS = 120  # while a rotation is dragged, the turned reformats are made anew at most so often


class MprController(CrosshairInputMixin, SlabToolsMixin, QObject):
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
        self._turned: set[str] = set()  # planes turned by a drag whose reformats are still to be made
        self._rebuild_timer = QTimer(self, singleShot=True, interval=ROTATE_REBUILD_MS, timeout=self._rebuild_turned)
        self._ready.connect(self._on_ready, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)

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
        self._rebuild_timer.stop()
        self._turned = set()
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
                close(timeout=0)  # never wait on the GUI thread for a reformat being made
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
        turned = self.state.rotate(name, degrees)
        if self._drag is not None:  # a drag turns the lines at once and the reformats at most so often
            self._turned |= turned
            if not self._rebuild_timer.isActive():
                self._rebuild_timer.start()
        else:
            for other in turned:
                self._rebuild(other)
        for vp in self.viewports.values():
            vp.update()
        self.stateChanged.emit()

    def _rebuild_turned(self) -> None:
        turned, self._turned = self._turned, set()
        if self.state is not None:
            for name in turned:
                self._rebuild(name)

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
            close(timeout=0)

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
