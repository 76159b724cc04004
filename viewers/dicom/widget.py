"""The DICOM viewer: one to four viewports (1x1, 1x2, 2x2), a toolbar, cine, synchronised
scrolling by slice location, measurements and key images kept with the case.

Registers itself for DICOM_SERIES in the viewer registry when imported.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QGridLayout, QMenu, QSpinBox, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from app.core.key_images import KeyImage
from viewers import base
from viewers.dicom import annotation_icons_widget  # noqa: F401 - adds the annotation glyphs
from viewers.dicom.cine import file_frame_interval, fps_for
from viewers.dicom.keyimage_widget import KeyImageDialog, png_bytes
from viewers.dicom.layout_fill import next_series
from viewers.dicom.marks import MarkSet
from viewers.dicom.measure import MeasurementSet
from viewers.dicom.mpr_crosshair_widget import COLOURS as MPR_COLOURS
from viewers.dicom.mpr_widget import MprController
from viewers.dicom.numbers import trimmed
from viewers.dicom.pixels import CT_PRESETS
from viewers.dicom.toolbar_icons_widget import viewer_icon
from viewers.dicom.toolbar_widget import ViewerToolbarWidget
from viewers.dicom import reference_lines_widget
from viewers.dicom.compare_widget import CompareMixin
from viewers.dicom.viewport_widget import ViewportWidget
from viewers.message_widget import message_label
from app.core.i18n import _

LAYOUTS = {"1x1": (1, 1), "1x2": (1, 2), "2x2": (2, 2)}
PRESET_NAMES = list(CT_PRESETS)  # number key n applies PRESET_NAMES[n - 1]
DEFAULT_FPS = 10


def series_label(series) -> str:
    """'Se 2 CT Thorax 1.25 mm (60)': number, modality, description, slice count."""
    info = series.instances[0].info if getattr(series, "instances", None) else None
    if info is None:
        return f"({len(series)})"
    details = info.series or {}
    number = details.get("number")
    parts = [_("Se {n}").format(n=number) if number not in (None, "") else "",
             info.modality or "", str(details.get("description") or "").strip()]
    return " ".join(p for p in parts if p) + f" ({len(series)})"


class DicomViewerWidget(CompareMixin, QWidget):
    """`set_series_list([...])` offers series; `show_series(series)` shows one in the active
    viewport; `show_error(reason)` a centred message instead. `attach_annotations(store,
    case_id)` keeps measurements and key images with a case; without it they live as long as
    the widget."""

    activeViewportChanged = Signal(object)  # the ViewportWidget
    currentDatasetChanged = Signal(object)  # the header of the active viewport's shown slice
    keyImageAdded = Signal(object)  # the KeyImage
    seriesListChanged = Signal()
    layoutChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series_list: list = []
        self.key_images: list[KeyImage] = []
        self.measurements = MeasurementSet()
        self.marks = MarkSet()  # our own arrows and text notes, kept with the measurements
        self.layout_name = "1x1"
        self.sync_enabled = True
        self.dicom_overlays = True
        self.presentation_states = None  # a PresentationIndex once set_presentation_states is called
        self.reference_lines_enabled = True
        self._syncing = False
        self._annotations = None  # (AnnotationStore, case_id)
        self._background: Callable[[Callable[[], object]], None] = lambda work: work()
        self.caption_prompt: Callable | None = None  # image -> caption or None; default: a dialog
        self.problem: str | None = None
        self.viewports = [self._new_viewport() for _ in range(4)]
        self.active = self.viewports[0]
        self.active.set_active(True)
        self.grid = QWidget(self)
        self._grid_layout = QGridLayout(self.grid)
        self._grid_layout.setContentsMargins(0, 0, 0, 0)
        self._grid_layout.setSpacing(2)
        self.grid.setStyleSheet("background: #202020;")
        self.message = message_label(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.message)
        self.toolbar = ViewerToolbarWidget(self)  # two rows of icons in sections (toolbar_widget.py)
        self.tool_rows = self.toolbar.rows
        self.cine = QTimer(self)
        self.cine_interval = 1000 / DEFAULT_FPS  # ms between frames: the fps box, or the file's frame time
        self._rate_series = None  # the series whose file rate the cine follows
        self.cine.timeout.connect(self._cine_tick)
        self.mpr = MprController(self)  # the MPR view (mpr_widget.py): key M
        self._init_compare()
        self._build_toolbar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.stack, 1)
        self.set_layout("1x1")

    # -- construction ------------------------------------------------------------------------

    def _new_viewport(self) -> ViewportWidget:
        vp = ViewportWidget(self)
        vp.set_measurements(self.measurements)
        vp.layers.marks.marks = self.marks
        vp.marksChanged.connect(self._on_marks_changed)
        vp.activated.connect(self.set_active_viewport)
        vp.indexChanged.connect(lambda n, vp=vp: self._on_index_changed(vp))
        vp.frameShown.connect(lambda n, vp=vp: self._on_frame_shown(vp))
        vp.frameShown.connect(lambda n: self.update_reference_lines())
        vp.measurementsChanged.connect(self._on_measurements_changed)
        vp.seriesDropped.connect(lambda target, i: self.assign(self.viewports.index(target), i))
        vp.seriesUidDropped.connect(lambda target, uid: self.assign_uid(self.viewports.index(target), uid))
        vp.menuRequested.connect(self._show_menu)
        vp.viewChanged.connect(self._sync_toolbar)
        vp.viewChanged.connect(lambda vp=vp: self._copy_view(vp))
        return vp

    def _action(self, text: str, tip: str, slot, *, checkable: bool = False, group: QActionGroup | None = None,
                key: str | None = None, section: str = "view", icon: str | None = None) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(viewer_icon(icon))
        if key:  # the key's name as Qt writes it in the interface language ("Spatie", "Maj+R")
            key = " / ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) or k
                             for k in key.split(" / "))
        action.setToolTip(f"{tip} ({key})" if key else tip)
        action.setCheckable(checkable)
        if group is not None:
            group.addAction(action)
        action.triggered.connect(slot)
        self.toolbar.add(section, action)
        return action

    def add_toolbar_action(self, section: str, action: QAction) -> QAction:
        """For a viewer feature: `action` on the toolbar, in `section` (toolbar_widget.SECTIONS)."""
        return self.toolbar.add(section, action)

    def _build_toolbar(self) -> None:
        layouts = QActionGroup(self)
        self.layout_actions = {}
        for name in LAYOUTS:
            label = name.replace("x", "×")
            self.layout_actions[name] = self._action(label, _("Layout {name}").format(name=label),
                                                     lambda _=False, n=name: self.set_layout(n),
                                                     checkable=True, group=layouts, section="layout",
                                                     icon=f"layout-{name}")
        tools = QActionGroup(self)
        specs = (("window", _("W/L"), _("Window/level: left-drag (right = wider, down = higher level)"), "W"),
                 ("distance", _("Distance"), _("Measure a distance: drag"), "D"),
                 ("angle", _("Angle"), _("Measure an angle: drag one arm, then click the end of the other"),
                  "A"),
                 ("ellipse", _("Ellipse"), _("Elliptical ROI: drag (area, mean, SD, min, max)"), "E"),
                 ("rect", _("Rectangle"), _("Rectangular ROI: drag (area, mean, SD, min, max)"), "O"))
        self.tool_actions = {}
        for tool, text, tip, key in specs:
            self.tool_actions[tool] = self._action(text, tip, lambda _=False, t=tool: self.set_tool(t),
                                                   checkable=True, group=tools, key=key, section="tools", icon=tool)
        for tool, text, tip, key in (
                ("arrow", _("Arrow"), _("Arrow: press where it points, drag to its tail"), "Shift+A"),
                ("text", _("Text"), _("Text note: click where it starts, then write it (double-click edits)"), "T")):
            self.tool_actions[tool] = self._action(text, tip, lambda _=False, t=tool: self.set_tool(t),
                                                   checkable=True, group=tools, key=key, section="tools", icon=tool)
        self.tool_actions["window"].setChecked(True)
        self.mpr_action = self._action(_("MPR"), _(
            "MPR: the series as axial, coronal and sagittal reformats with a linked crosshair; again to leave"),
            lambda: self.mpr.toggle(), checkable=True, key="M", section="layout")
        self.mpr.add_tools(self.toolbar)
        self.key_image_action = self._action(_("Key image"), _("Keep the current view, as shown, as a key image"),
                                             lambda: self.add_key_image(), key="K", section="image",
                                             icon="key-image")
        self.window_menu = QMenu(_("Window"), self)
        for number, name in enumerate(PRESET_NAMES, start=1):
            preset = CT_PRESETS[name]
            action = self.window_menu.addAction(_("{name}  W {w} L {c}").format(
                name=_(preset.name), w=trimmed(preset.width), c=trimmed(preset.center)))
            action.setShortcut(QKeySequence(str(number)))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the viewport handles the key
            action.triggered.connect(lambda _=False, n=number: self.active.apply_preset(n))
        self.window_menu.addSeparator()
        file_window = self.window_menu.addAction(_("The file's window"))
        file_window.setShortcut(QKeySequence("9"))
        file_window.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        file_window.triggered.connect(lambda: self.active.file_window())
        button = QToolButton(self)
        button.setText(_("Window"))
        button.setIcon(viewer_icon("presets"))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setToolTip(_("CT presets (keys 1-8) and the file's own window (9)"))
        button.setMenu(self.window_menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.toolbar.add_widget("view", button)
        self._action(_("Fit"), _("Fit to the viewport"), lambda: self.active.fit(), key="F", icon="fit")
        self._action(_("Reset"), _("Reset window, zoom, pan, rotation and flips"),
                     lambda: self.active.reset(), key="Esc", icon="reset")
        self._action(_("1:1"), _("One image pixel per screen pixel"), lambda: self.active.actual_size(),
                     key="0", icon="actual-size")
        self._action(_("⟲"), _("Rotate 90° left"), lambda: self.active.rotate(-1), key="Shift+R", icon="rotate-left")
        self._action(_("⟳"), _("Rotate 90° right"), lambda: self.active.rotate(1), key="R", icon="rotate-right")
        self._action(_("Flip H"), _("Mirror left-right"), lambda: self.active.flip_horizontal(), key="H",
                     icon="flip-h")
        self._action(_("Flip V"), _("Mirror top-bottom"), lambda: self.active.flip_vertical(), key="V", icon="flip-v")
        self.invert_action = self._action(_("Invert"), _("Invert grey levels"), lambda: self.active.toggle_invert(),
                                          checkable=True, key="I", icon="invert")
        self.play_action = self._action(_("Play"), _("Cine: play or pause"), self.toggle_cine,
                                        checkable=True, key="P / Space", section="scroll", icon="play")
        self.fps = QSpinBox(self)
        self.fps.setRange(1, 60)
        self.fps.setValue(DEFAULT_FPS)
        self.fps.setSuffix(_(" fps"))
        self.fps.setToolTip(_("Cine speed, frames per second"))
        self.fps.valueChanged.connect(self._set_fps)
        self.toolbar.add_widget("scroll", self.fps)
        self.sync_action = self._action(_("Sync"), _(
            "Scroll series of the same frame of reference together, by slice position"),
            self.set_sync, checkable=True, key="S", section="scroll", icon="sync")
        self.sync_action.setChecked(True)
        self.overlays_action = self._action(
            _("Overlays"), _("Show the file's overlays and the presentation state's annotations"),
            self.set_dicom_overlays, checkable=True, key="Shift+O", section="display", icon="overlays")
        self.overlays_action.setChecked(True)
        self.lines_action = self._action(
            _("Lines"), _("Reference lines: where the other viewports' slices cross this image"),
            self.set_reference_lines, checkable=True, key="L", section="display", icon="reference-lines")
        self.lines_action.setChecked(True)
        self.toolbar.add("display", self.link_view_action)

    # -- series and layout -------------------------------------------------------------------

    def set_series_list(self, series_list: list) -> None:
        """The series this viewer offers (drag targets, the menu); fills the viewports."""
        self.mpr.leave(restore=False)
        self.stop_cine()
        self._show_grid()
        self.series_list = list(series_list)
        for i, vp in enumerate(self.viewports):
            vp.set_series(self.series_list[i] if i < len(self.series_list) else None)
        self.set_active_viewport(self.viewports[0])
        self.seriesListChanged.emit()

    def show_series(self, series, viewport: int | None = None) -> None:
        """The registry's entry point: show `series` (a SeriesModel or a list of them)."""
        if isinstance(series, (list, tuple)):
            self.set_series_list(series)
            return
        self.mpr.leave(restore=False)
        self._show_grid()
        if series not in self.series_list:
            self.series_list.append(series)
            self.seriesListChanged.emit()
        target = self.viewports.index(self.active) if viewport is None else viewport
        if 0 <= target < len(self.viewports):
            for other in self.visible_viewports():  # swapped, so that no series shows twice
                if other is not self.viewports[target] and other.series is series:
                    other.set_series(self.viewports[target].series)
        self.assign(target, self.series_list.index(series))

    def assign(self, viewport: int, series_index: int) -> None:
        if not (0 <= viewport < len(self.viewports) and 0 <= series_index < len(self.series_list)):
            return
        if self.viewports[viewport] in self.mpr.viewports.values():
            self.mpr.leave(restore=False)
        vp = self.viewports[viewport]
        vp.set_series(self.series_list[series_index])
        self.set_active_viewport(vp)

    def assign_uid(self, viewport: int, series_uid: str) -> None:
        """Show the offered series of `series_uid` in `viewport` (a thumbnail dropped there)."""
        index = next((i for i, s in enumerate(self.series_list) if getattr(s, "series_uid", None) == series_uid), None)
        if index is not None:
            self.assign(viewport, index)

    def show_error(self, reason: str) -> None:
        """Show `reason` instead of the viewports (the series stay offered)."""
        self.stop_cine()
        self.problem = reason
        self.message.setText(reason)
        self.stack.setCurrentWidget(self.message)
        self.toolbar.setEnabled(False)

    def _show_grid(self) -> None:
        self.problem = None
        self.stack.setCurrentWidget(self.grid)
        self.toolbar.setEnabled(True)

    def set_layout(self, name: str, *, keep_mpr: bool = False) -> None:
        if name not in LAYOUTS:
            raise ValueError(f"unknown layout {name!r}")
        if not keep_mpr and self.mpr.active:
            self.mpr.leave()
        rows, columns = LAYOUTS[name]
        kept = self.visible_viewports()
        self.layout_name = name
        for vp in self.viewports:
            self._grid_layout.removeWidget(vp)
            vp.hide()
        for i in range(rows * columns):
            vp = self.viewports[i]
            self._grid_layout.addWidget(vp, i // columns, i % columns)
            vp.show()
        self._fill_new_viewports(kept)
        for r in range(2):
            self._grid_layout.setRowStretch(r, 1 if r < rows else 0)
            self._grid_layout.setColumnStretch(r, 1 if r < columns else 0)
        if self.active not in self.visible_viewports():
            self.set_active_viewport(self.viewports[0])
        self.layout_actions[name].setChecked(True)
        self._refresh_active()
        self.update_reference_lines()
        self.layoutChanged.emit(name)

    def _fill_new_viewports(self, kept: list[ViewportWidget]) -> None:
        """Each viewport new in the layout gets its own series: the case's next ones in
        reading order after those on screen, while there are more."""
        new = [vp for vp in self.visible_viewports() if vp not in kept]
        shown = [self.series_list.index(vp.series) if vp.series in self.series_list else None
                 for vp in self.visible_viewports() if vp in kept]
        for vp, n in zip(new, next_series(shown, len(self.series_list), len(new))):
            vp.set_series(self.series_list[n])

    def visible_viewports(self) -> list[ViewportWidget]:
        rows, columns = LAYOUTS[self.layout_name]
        return self.viewports[:rows * columns]

    def set_active_viewport(self, vp: ViewportWidget) -> None:
        if vp not in self.viewports:
            return
        changed = vp is not self.active
        self.active = vp
        self._refresh_active()
        if changed:
            self.mpr.on_active_changed()
            self.activeViewportChanged.emit(vp)
        self.currentDatasetChanged.emit(vp.dataset())
        self._sync_toolbar()
        self.update_reference_lines()
        self._follow_file_rate(vp)

    def _refresh_active(self) -> None:
        several = len(self.visible_viewports()) > 1
        for vp in self.viewports:
            vp.set_active(several and vp is self.active)

    def _show_menu(self, vp: ViewportWidget, global_pos) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        target = self.viewports.index(vp)
        series_menu = menu.addMenu(_("Show series"))
        for i, series in enumerate(self.series_list):
            action = series_menu.addAction(series_label(series))
            action.setCheckable(True)
            action.setChecked(series is vp.series)
            action.triggered.connect(lambda _=False, i=i: self.assign(target, i))
        layout_menu = menu.addMenu(_("Layout"))
        for name in LAYOUTS:
            layout_menu.addAction(name.replace("x", "×"), lambda n=name: self.set_layout(n))
        menu.addMenu(self.window_menu)
        menu.addAction(_("Leave MPR") if self.mpr.active else _("MPR"), self.mpr.toggle)
        menu.addSeparator()
        menu.addAction(_("Reset view"), vp.reset)
        self._add_compare_menu(menu)
        menu.popup(global_pos)
        self._menu = menu  # the menu on screen (tests reach it here)

    # -- tools -------------------------------------------------------------------------------

    def set_tool(self, tool: str) -> None:
        for vp in self.viewports:
            vp.set_tool(tool)
        self.tool_actions[tool].setChecked(True)

    @property
    def tool(self) -> str:
        return self.active.layers.marks.tool or self.active.measure.tool

    def set_presentation_states(self, index) -> None:
        """The presentation states on offer (a viewers.dicom.presentation.PresentationIndex):
        their annotations are drawn on the images they reference, with the overlays."""
        self.presentation_states = index
        for vp in self.viewports:
            vp.layers.presentation = index
            vp.update()

    def set_dicom_overlays(self, enabled: bool) -> None:
        """Shift+O: the DICOM overlay planes and presentation state annotations on or off, in
        every viewport."""
        self.dicom_overlays = bool(enabled)
        self.overlays_action.setChecked(self.dicom_overlays)
        for vp in self.viewports:
            vp.layers.show_dicom = self.dicom_overlays
            vp.update()

    def set_sync(self, enabled: bool) -> None:
        self.sync_enabled = bool(enabled)
        self.sync_action.setChecked(self.sync_enabled)
        if self.sync_enabled:
            self._on_index_changed(self.active)

    def set_reference_lines(self, enabled: bool) -> None:
        """Reference lines on (the default) or off in every viewport (key L)."""
        self.reference_lines_enabled = bool(enabled)
        self.lines_action.setChecked(self.reference_lines_enabled)
        self.update_reference_lines()

    def update_reference_lines(self) -> None:
        """Redraw each visible viewport's reference lines (a slice changed somewhere)."""
        visible = self.visible_viewports()
        for vp in self.viewports:
            if vp not in visible:
                vp.set_reference_lines([])
        reference_lines_widget.refresh(visible, self.viewports, self.active, self.reference_lines_enabled,
                                       {vp: MPR_COLOURS[name] for name, vp in self.mpr.viewports.items()})
        for vp in self.mpr.viewports.values():  # on a reformat the MPR crosshair draws those lines
            vp.set_reference_lines([])

    def _sync_toolbar(self) -> None:
        self.invert_action.setChecked(self.active.state.invert)

    # -- scrolling together --------------------------------------------------------------------

    def _on_index_changed(self, source: ViewportWidget) -> None:
        if self._syncing or not self.sync_enabled or source.series is None:
            return
        series = source.series
        try:
            location = series.locations()[source.index]
        except (IndexError, TypeError):
            return
        if location is None:
            return
        self._syncing = True
        try:
            for vp in self.visible_viewports():
                if vp is source or vp.series is None:
                    continue
                n = self.linked_slice(source, location, vp)  # one frame of reference, or a slice link
                if n is not None:
                    vp.set_index(n)
        finally:
            self._syncing = False

    def _on_frame_shown(self, vp: ViewportWidget) -> None:
        if vp is self.active:
            self.currentDatasetChanged.emit(vp.dataset())
            self._follow_file_rate(vp)

    # -- cine ----------------------------------------------------------------------------------

    def toggle_cine(self) -> None:
        if self.cine.isActive():
            self.stop_cine()
        else:
            self.start_cine()

    def start_cine(self) -> None:
        if self.active.count < 2:
            self.play_action.setChecked(False)
            return
        self.cine.setInterval(round(self.cine_interval))
        self.cine.start()
        self.play_action.setChecked(True)
        self.play_action.setText(_("Pause"))
        self.play_action.setIcon(viewer_icon("pause"))

    def stop_cine(self) -> None:
        self.cine.stop()
        self.play_action.setChecked(False)
        self.play_action.setText(_("Play"))
        self.play_action.setIcon(viewer_icon("play"))

    def _set_fps(self, fps: int) -> None:
        self.cine_interval = 1000 / max(1, fps)
        self.cine.setInterval(max(1, round(self.cine_interval)))

    def _follow_file_rate(self, vp: ViewportWidget) -> None:
        """A series newly in the active viewport plays at its file's frame rate, when the
        file says one (the fps box shows it); otherwise at the speed set."""
        if vp.series is None or vp.series is self._rate_series:
            return
        ds = vp.dataset()
        if ds is None:
            return  # not drawn yet: asked again when its frame is shown
        self._rate_series = vp.series
        interval = file_frame_interval(ds)
        if interval is None:
            return
        self.fps.blockSignals(True)
        self.fps.setValue(fps_for(interval))
        self.fps.blockSignals(False)
        self.cine_interval = interval
        self.cine.setInterval(max(1, round(interval)))

    def _cine_tick(self) -> None:
        vp = self.active
        if vp.count < 2:
            self.stop_cine()
            return
        if vp.displayed_index != vp.index:
            return  # the previous frame is still being decoded: never outrun what is shown
        vp.set_index((vp.index + 1) % vp.count)

    # -- keys ----------------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            return super().keyPressEvent(event)
        K = Qt.Key
        tools = {K.Key_W: "window", K.Key_D: "distance", K.Key_A: "angle", K.Key_E: "ellipse", K.Key_O: "rect"}
        key = event.key()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key == K.Key_O and shift:
            self.set_dicom_overlays(not self.dicom_overlays)
        elif key == K.Key_A and shift:
            self.set_tool("arrow")
        elif key == K.Key_T:
            self.set_tool("text")
        elif key in tools:
            self.set_tool(tools[key])
        elif key in (K.Key_P, K.Key_Space):
            self.toggle_cine()
        elif key == K.Key_K:
            self.add_key_image()
        elif key == K.Key_S:
            self.set_sync(not self.sync_enabled)
        elif key == K.Key_L:
            self.set_reference_lines(not self.reference_lines_enabled)
        elif self.mpr.handle_key(key, bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)):
            pass
        elif key == K.Key_Tab:
            visible = self.visible_viewports()
            i = visible.index(self.active) if self.active in visible else -1
            nxt = visible[(i + 1) % len(visible)]
            self.set_active_viewport(nxt)
            nxt.setFocus()
        else:
            return super().keyPressEvent(event)
        event.accept()

    def focusNextPrevChild(self, next_child: bool) -> bool:
        return False  # Tab moves between viewports (keyPressEvent), not through the toolbar

    # -- measurements and key images -----------------------------------------------------------

    def attach_annotations(self, store, case_id: str,
                           background: Callable[[Callable[[], object]], None] | None = None) -> None:
        """Keep measurements and key images with `case_id` in `store` (an AnnotationStore).
        `background(work)` runs a store write off the GUI thread (app.ui passes its task
        runner); by default writes run at once."""
        self._annotations = (store, case_id)
        if background is not None:
            self._background = background
        loaded = store.load(case_id)
        self.measurements = MeasurementSet.from_json(loaded["measurements"])
        self.key_images = list(loaded["key_images"])
        self.marks = MarkSet.from_json(loaded.get("marks"))
        self._load_slice_links(store, case_id)
        for vp in self.viewports:
            vp.set_measurements(self.measurements)
            vp.layers.marks.marks = self.marks
            vp.update()

    def _on_measurements_changed(self, source) -> None:
        for vp in self.visible_viewports():
            if vp is not source:
                vp.update()
        if self._annotations is not None:
            store, case_id = self._annotations
            snapshot = MeasurementSet.from_json(self.measurements.to_json())  # the worker gets its own copy
            self._background(lambda: store.save_measurements(case_id, snapshot))

    def _on_marks_changed(self, source) -> None:
        for vp in self.visible_viewports():
            if vp is not source:
                vp.layers.marks.selected_id = None
                vp.update()
        if self._annotations is not None:
            store, case_id = self._annotations
            snapshot = MarkSet.from_json(self.marks.to_json())  # the worker gets its own copy
            self._background(lambda: store.save_marks(case_id, snapshot))

    def set_text_prompt(self, prompt: Callable[[str], str | None]) -> None:
        """How every viewport asks a note's text: `prompt(initial)` -> text or None (tests
        and scripts answer it; by default a dialog)."""
        for vp in self.viewports:
            vp.layers.marks.prompt = prompt

    def add_key_image(self, caption: str | None = None) -> KeyImage | None:
        """Keep the active viewport's view as a key image; asks the caption when not given.
        None when there is no image or the user cancels."""
        vp = self.active
        if vp.frame is None:
            vp.flash(_("No image to keep"))
            return None
        image = vp.render_view()
        if caption is None:
            caption = self._ask_caption(image)
            if caption is None:
                return None
        # A reformat's key image names its plane ("Coronal reformat, MIP 20 mm").
        plane = ", ".join(note for d in vp.decorations if (note := getattr(d, "key_image_note", lambda v: "")(vp)))
        if plane:
            caption = _("{caption} ({plane})").format(caption=caption, plane=plane) if caption else plane
        window = vp.window()
        spacing, source = vp.spacing()
        measured = vp.measure.texts(vp.slice_key(), spacing, source, vp.frame) + vp.layers.marks.texts(vp.slice_key())
        key_image = KeyImage.new(caption, png_bytes(image), vp.series.series_uid, vp.slice_key(),
                                 None if window is None else (window.center, window.width), "\n".join(measured))
        self.key_images.append(key_image)
        if self._annotations is not None:
            store, case_id = self._annotations
            self._background(lambda: store.add_key_image(case_id, key_image))
        vp.flash(_("Key image kept: {caption}").format(caption=caption or _("(no caption)")))
        self.keyImageAdded.emit(key_image)
        return key_image

    def _ask_caption(self, image) -> str | None:
        if self.caption_prompt is not None:
            return self.caption_prompt(image)
        dialog = KeyImageDialog(image, parent=self)
        return dialog.caption if dialog.exec() == KeyImageDialog.DialogCode.Accepted else None

    def closeEvent(self, event) -> None:
        self.mpr.leave(restore=False)
        self.stop_cine()
        super().closeEvent(event)


base.register("dicom", (base.DICOM_SERIES,), DicomViewerWidget)
