"""One viewport: a series shown slice by slice with its overlays, driven by mouse and keys
the way radiologists know from RadiAnt and Weasis.

Frames come from the SeriesModel: a cached frame is drawn at once; otherwise the model's
worker decodes it and the result comes back through a queued signal, so the GUI thread never
decodes. Until it arrives the previous image stays, and the overlay always describes what is
drawn (with a "loading" note), never a slice that is not on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from viewers.dicom import display
from viewers.dicom.annotation_layers_widget import AnnotationLayers
from viewers.dicom.display import DisplayRenderer, ViewState
from viewers.dicom.marks_widget import TOOLS as MARK_TOOLS
from viewers.dicom.marks_widget import ask_text
from viewers.dicom.measure_widget import TOOLS, MeasurementTool
from viewers.dicom.pixels import CT_PRESETS, Frame, Window, voi_lut_window
from viewers.dicom.planes import Plane
from viewers.dicom.reference_lines import plane_at
from viewers.dicom.viewport_input_widget import SERIES_MIME, SERIES_UID_MIME, ViewportInputMixin  # noqa: F401 - public here
from viewers.dicom.viewport_paint_widget import ViewportPaintMixin, to_qimage  # noqa: F401 - to_qimage is public here
from app.core.i18n import _

PREFETCH_RADIUS = 8
MIN_SCALE, MAX_SCALE = 0.02, 64.0


class ViewportWidget(ViewportInputMixin, ViewportPaintMixin, QWidget):
    """Shows one series. `index` is the slice asked for, `displayed_index` the one drawn."""

    indexChanged = Signal(int)  # the slice asked for changed (scroll, key, cine, sync)
    frameShown = Signal(int)  # a frame (or its placeholder) is now drawn
    activated = Signal(object)  # self: pressed or focused
    viewChanged = Signal()  # window, zoom, pan, rotation, flip or invert changed
    measurementsChanged = Signal(object)  # self
    marksChanged = Signal(object)  # self: an arrow or text note added, edited or removed
    seriesDropped = Signal(object, int)  # self, index of the dropped series in the viewer's list
    seriesUidDropped = Signal(object, str)  # self, Series Instance UID (a thumbnail of the case navigator)
    menuRequested = Signal(object, object)  # self, global QPoint (a right click without drag)
    _frameArrived = Signal(object, int, object)  # series, index, Frame or FrameDecodeError

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.series = None
        self.index = 0
        self.displayed_index: int | None = None
        self.frame: Frame | None = None
        self.error: str | None = None
        self.state = ViewState()
        self.measure = MeasurementTool()
        self.layers = AnnotationLayers()  # DICOM overlays, presentation state, arrows and text
        self.layers.marks.prompt = lambda initial: ask_text(self, initial)
        self.active = False
        self.show_overlays = True
        self.probe = ""
        self.reference_lines: list = []  # reference_lines.ReferenceLine, in image pixels
        # Drawn over the image and asked for overlay lines by other views (the MPR crosshair):
        # objects with paint(viewport, painter, size, transform) and lines(viewport) -> list[str].
        self.decorations: list = []
        self.overlay_boxes: tuple = ([], [])  # the corner texts placed at the last paint, and the boxes they avoid
        self._renderer = DisplayRenderer()
        self._pixels = None  # keeps the buffer of the QImage alive
        self._qimage: QImage | None = None
        self._qimage_key = None
        self._placeholder = None
        self._drag = None
        self._wheel_rest = 0
        self._file_window_turn = 0
        self._flash_text = ""
        self._flash = QTimer(self, singleShot=True, interval=1500, timeout=self._end_flash)
        self._frameArrived.connect(self._on_frame, Qt.ConnectionType.QueuedConnection)

    # -- content -----------------------------------------------------------------------------

    def set_series(self, series, index: int = 0) -> None:
        """Show `series` (a SeriesModel, or None to clear) at slice `index`; the view resets."""
        if self.series is not None and self.series is not series:
            self.series.cancel(self)
        self.series = series
        self.state = ViewState()
        self.frame, self.error, self.displayed_index = None, None, None
        self._qimage = self._qimage_key = None
        self.measure.pending = None
        self.measure.selected_id = None
        self.layers.marks.cancel()
        self.layers.marks.selected_id = None
        self.index = -1
        if series is not None and len(series):
            self.set_index(index)
        else:
            self.update()
        self.viewChanged.emit()

    @property
    def count(self) -> int:
        return len(self.series) if self.series is not None else 0

    def set_index(self, n: int) -> None:
        """Go to slice `n` (clamped): drawn now when cached, else when the worker has it."""
        if self.series is None or not self.count:
            return
        n = min(max(int(n), 0), self.count - 1)
        direction = 1 if n >= self.index else -1
        if n == self.index:
            return
        self.index = n
        frame = self.series.peek(n)
        if frame is not None:
            self.series.cancel(self)
            self._show(n, frame, None)
        else:
            known = self.series.error(n)
            if known is not None:
                self.series.cancel(self)
                self._show(n, None, known)
            else:
                series = self.series
                series.request(n, lambda m, result, s=series: self._post(s, m, result), viewport=self)
                self.update()
        self.series.prefetch(n, PREFETCH_RADIUS, direction)
        self.indexChanged.emit(n)

    def step(self, delta: int) -> None:
        if self.count:
            self.set_index(self.index + delta)

    def _post(self, series, n: int, result) -> None:
        # Called on the model's worker thread: hand over to the GUI thread.
        try:
            self._frameArrived.emit(series, n, result)
        except RuntimeError:
            pass  # the widget was deleted meanwhile

    @Slot(object, int, object)
    def _on_frame(self, series, n: int, result) -> None:
        if series is not self.series or n != self.index:
            return  # stale: the user has moved on
        if isinstance(result, Frame):
            self._show(n, result, None)
        else:
            self._show(n, None, result)

    def _show(self, n: int, frame: Frame | None, error) -> None:
        self.displayed_index = n
        self.frame = frame
        self.error = None if error is None else (str(error) or type(error).__name__)
        self.update()
        self.frameShown.emit(n)

    # -- what is shown -------------------------------------------------------------------------

    def slice_info(self):
        if self.series is None or self.displayed_index is None:
            return None
        try:  # never a file read here: the worker kept it with the frame
            return self.series.peek_slice_info(self.displayed_index)
        except Exception:  # noqa: BLE001 - geometry is optional; the image still shows
            return None

    def dataset(self):
        if self.series is None or self.displayed_index is None:
            return None
        try:  # never a file read here: the worker kept it with the frame
            return self.series.peek_dataset(self.displayed_index)
        except Exception:  # noqa: BLE001
            return None

    def current_plane(self) -> Plane | None:
        """The plane of the slice drawn (`series.plane(n)` for a reformat, else from its
        header as the series holds it), or None: nothing drawn, or not placed in the patient."""
        if self.series is None or self.displayed_index is None:
            return None
        return plane_at(self.series, self.displayed_index)

    def set_reference_lines(self, lines: list) -> None:
        """The other viewports' slices to draw over the image (reference_lines_widget.refresh)."""
        lines = list(lines)
        if lines != self.reference_lines:
            self.reference_lines = lines
            self.update()

    def slice_key(self):
        if self.series is None or self.displayed_index is None:
            return None
        return self.series.slice_key(self.displayed_index)

    def spacing(self):
        info = self.slice_info()
        return (info.pixel_spacing, info.spacing_source) if info is not None and info.pixel_spacing else (None, None)

    def window(self) -> Window | None:
        return display.effective_window(self.state, self.frame)

    def image_size(self) -> tuple[int, int] | None:
        """(columns, rows) of what is drawn."""
        if self.frame is not None:
            h, w = self.frame.modality.shape[:2]
            return w, h
        info = self.slice_info()
        if info is not None and info.rows and info.columns:
            return info.columns, info.rows
        return (512, 512) if self.error else None

    def aspect(self) -> float:
        """Display height of a pixel relative to its width (non-square pixels)."""
        spacing, _source = self.spacing()
        if spacing and spacing[1] > 0:
            ratio = spacing[0] / spacing[1]
            if 0.1 < ratio < 10:
                return ratio
        return 1.0

    def fit_scale(self, size: QSize | None = None) -> float:
        dims = self.image_size()
        size = size or self.size()
        if dims is None:
            return 1.0
        w, h = dims[0], dims[1] * self.aspect()
        if self.state.rotation % 2:
            w, h = h, w
        return max(MIN_SCALE, min(size.width() / w, size.height() / h))

    def scale(self, size: QSize | None = None) -> float:
        """Screen pixels per image column."""
        return self.state.zoom if self.state.zoom is not None else self.fit_scale(size)

    def transform(self, size: QSize | None = None) -> QTransform:
        """Image coordinates → widget coordinates."""
        size = size or self.size()
        dims = self.image_size() or (1, 1)
        s = self.scale(size)
        t = QTransform()
        t.translate(size.width() / 2 + self.state.pan[0], size.height() / 2 + self.state.pan[1])
        t.scale(-1 if self.state.flip_h else 1, -1 if self.state.flip_v else 1)
        t.rotate(90 * self.state.rotation)
        t.scale(s, s * self.aspect())
        t.translate(-dims[0] / 2, -dims[1] / 2)
        return t

    def to_image(self, point: QPointF) -> tuple[float, float]:
        inverse, _ok = self.transform().inverted()
        p = inverse.map(QPointF(point))
        return p.x(), p.y()

    def to_widget(self, x: float, y: float) -> QPointF:
        return self.transform().map(QPointF(x, y))

    # -- view operations -----------------------------------------------------------------------

    def _changed(self) -> None:
        self.update()
        self.viewChanged.emit()

    def set_window(self, window: Window | None) -> None:
        self.state.window = window
        self._changed()

    def apply_preset(self, number: int) -> bool:
        """Number keys 1..8: the CT presets in order; False (and a note) for non-HU images."""
        presets = list(CT_PRESETS.values())
        if not 1 <= number <= len(presets):
            return False
        if self.frame is not None and self.frame.units != "HU":
            self.flash(_("CT presets apply to images in HU"))
            return False
        self.set_window(presets[number - 1])
        self.flash(display.window_text(presets[number - 1]))
        return True

    def file_window(self) -> None:
        """Key 9: the file's own window; pressed again, the file's next window."""
        frame = self.frame
        windows = list(frame.windows) if frame is not None else []
        lut = voi_lut_window(frame) if frame is not None else None
        if lut is not None:
            windows.append(lut)
        if not windows:
            self.set_window(None)
            self.flash(_("Default window"))
            return
        current = self.state.window
        turn = (self._file_window_turn + 1) % len(windows) if current in windows else 0
        self._file_window_turn = turn
        self.set_window(windows[turn])
        self.flash(display.window_text(windows[turn]) or _("File window"))

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        old = self.scale()
        new = min(MAX_SCALE, max(MIN_SCALE, old * factor))
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        cx, cy = self.width() / 2 + self.state.pan[0], self.height() / 2 + self.state.pan[1]
        ratio = new / old
        # Keep the image point under the anchor where it is.
        self.state.pan = (anchor.x() - (anchor.x() - cx) * ratio - self.width() / 2,
                          anchor.y() - (anchor.y() - cy) * ratio - self.height() / 2)
        self.state.zoom = new
        self._changed()

    def fit(self) -> None:
        self.state.zoom, self.state.pan = None, (0.0, 0.0)
        self._changed()

    def actual_size(self) -> None:
        self.state.zoom, self.state.pan = 1.0, (0.0, 0.0)
        self._changed()

    def rotate(self, quarter_turns: int) -> None:
        self.state.rotation = (self.state.rotation + quarter_turns) % 4
        self._changed()

    def flip_horizontal(self) -> None:
        self.state.flip_h = not self.state.flip_h
        self._changed()

    def flip_vertical(self) -> None:
        self.state.flip_v = not self.state.flip_v
        self._changed()

    def toggle_invert(self) -> None:
        self.state.invert = not self.state.invert
        self._changed()

    def reset(self) -> None:
        self.state = ViewState()
        self._changed()

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS and tool not in MARK_TOOLS:
            raise ValueError(tool)
        self.measure.cancel()
        self.layers.marks.cancel()
        self.measure.tool = tool if tool in TOOLS else "window"  # an arrow or note tool: measurements only edited
        self.layers.marks.tool = tool if tool in MARK_TOOLS else None
        self.setCursor(Qt.CursorShape.ArrowCursor if tool == "window" else Qt.CursorShape.CrossCursor)
        self.update()

    def set_measurements(self, measurements) -> None:
        self.measure.measurements = measurements
        self.update()

    def delete_selected_measurement(self) -> bool:
        """Del: the selected measurement, arrow or text note removed."""
        if self.layers.marks.delete_selected():
            self.update()
            self.marksChanged.emit(self)
            return True
        if self.measure.delete_selected():
            self.update()
            self.measurementsChanged.emit(self)
            return True
        return False

    def flash(self, text: str, duration_ms: int = 1500) -> None:
        """A short note in the middle of the viewport (which preset was applied...)."""
        self._flash_text = text
        self._flash.start(duration_ms)
        self.update()

    def _end_flash(self) -> None:
        self._flash_text = ""
        self.update()

    def set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self.update()
