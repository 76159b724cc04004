"""One viewport: a series shown slice by slice with its overlays, driven by mouse and keys
the way radiologists know from RadiAnt and Weasis.

Frames come from the SeriesModel: a cached frame is drawn at once; otherwise the model's
worker decodes it and the result comes back through a queued signal, so the GUI thread never
decodes. Until it arrives the previous image stays, and the overlay always describes what is
drawn (with a "loading" note), never a slice that is not on screen.
"""

from __future__ import annotations

import math

import numpy as np
from viewers import qt_runtime  # noqa: F401 - before any Qt call: a PySide6 6.12 reference leak (see there)
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from viewers.dicom import display, geometry
from viewers.dicom import overlay_widget as overlay
from viewers.dicom.display import DisplayRenderer, ViewState
from viewers.dicom.measure_widget import TOOLS, MeasurementTool
from viewers.dicom.pixels import CT_PRESETS, Frame, Window, default_window, placeholder, voi_lut_window

SERIES_MIME = "application/x-secondo-dicom-series"
PREFETCH_RADIUS = 8
PAGE = 10  # slices per PageUp/PageDown
ZOOM_STEP = 1.15
MIN_SCALE, MAX_SCALE = 0.02, 64.0
ACTIVE_BORDER = QColor(255, 170, 0)
PLACEHOLDER_TEXT = QColor(255, 200, 120)


def to_qimage(pixels: np.ndarray) -> QImage:
    """A QImage over `pixels` (uint8 HxW or HxWx3, C-contiguous); keep `pixels` alive."""
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_Grayscale8)
    return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_RGB888)


class ViewportWidget(QWidget):
    """Shows one series. `index` is the slice asked for, `displayed_index` the one drawn."""

    indexChanged = Signal(int)  # the slice asked for changed (scroll, key, cine, sync)
    frameShown = Signal(int)  # a frame (or its placeholder) is now drawn
    activated = Signal(object)  # self: pressed or focused
    viewChanged = Signal()  # window, zoom, pan, rotation, flip or invert changed
    measurementsChanged = Signal(object)  # self
    seriesDropped = Signal(object, int)  # self, index of the dropped series in the viewer's list
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
        self.active = False
        self.show_overlays = True
        self.probe = ""
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
        try:
            return self.series.slice_info(self.displayed_index)
        except Exception:  # noqa: BLE001 - geometry is optional; the image still shows
            return None

    def dataset(self):
        if self.series is None or self.displayed_index is None:
            return None
        try:
            return self.series.dataset(self.displayed_index)
        except Exception:  # noqa: BLE001
            return None

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
            self.flash(self.tr("CT presets apply to images in HU"))
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
            self.flash(self.tr("Default window"))
            return
        current = self.state.window
        turn = (self._file_window_turn + 1) % len(windows) if current in windows else 0
        self._file_window_turn = turn
        self.set_window(windows[turn])
        self.flash(display.window_text(windows[turn]) or self.tr("File window"))

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
        if tool not in TOOLS:
            raise ValueError(tool)
        self.measure.cancel()
        self.measure.tool = tool
        self.setCursor(Qt.CursorShape.ArrowCursor if tool == "window" else Qt.CursorShape.CrossCursor)
        self.update()

    def set_measurements(self, measurements) -> None:
        self.measure.measurements = measurements
        self.update()

    def delete_selected_measurement(self) -> bool:
        if self.measure.delete_selected():
            self.update()
            self.measurementsChanged.emit(self)
            return True
        return False

    def flash(self, text: str) -> None:
        """A short note in the middle of the viewport (which preset was applied...)."""
        self._flash_text = text
        self._flash.start()
        self.update()

    def _end_flash(self) -> None:
        self._flash_text = ""
        self.update()

    def set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self.update()

    # -- mouse -----------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.activated.emit(self)
        pos = event.position()
        button = event.button()
        self._drag = None
        if button == Qt.MouseButton.LeftButton and self.image_size() is not None:
            key = self.slice_key() if self.frame is not None else None
            if self.measure.press(key, self.to_image(pos), pos, self.transform()):
                self._drag = ("measure", pos)
                self.update()
                return
            window = self.window()
            if window is not None and self.frame is not None:
                self._drag = ("window", pos, window)
        elif button == Qt.MouseButton.MiddleButton:
            self._drag = ("pan", pos, self.state.pan)
        elif button == Qt.MouseButton.RightButton:
            self._drag = ("zoom", pos, self.scale(), self.state.pan)
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        drag = self._drag
        if self.measure.busy and (drag is None or drag[0] == "measure"):
            if self.measure.move(self.to_image(pos)):
                self.update()
        if drag is None or drag[0] == "measure":
            self._update_probe(pos)
            return
        dx, dy = pos.x() - drag[1].x(), pos.y() - drag[1].y()
        if drag[0] == "window":
            start: Window = drag[2]
            low, high = self.frame.value_range if self.frame is not None else (0.0, 255.0)
            step = max((high - low) / 1000.0, 0.01)
            # As RadiAnt: right widens the window, down raises the level (image darker).
            self.state.window = Window(start.center + dy * step, start.width + dx * step, "", start.function)
            self._changed()
        elif drag[0] == "pan":
            self.state.pan = (drag[2][0] + dx, drag[2][1] + dy)
            self._changed()
        elif drag[0] == "zoom":
            self.state.zoom, self.state.pan = drag[2], drag[3]
            self.zoom_by(math.exp(-dy / 150.0), drag[1])

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        pos = event.position()
        moved = 0.0 if drag is None else math.hypot(pos.x() - drag[1].x(), pos.y() - drag[1].y())
        if drag is not None and drag[0] == "measure":
            key = self.slice_key()
            result = self.measure.release(key, moved)
            if result:
                self.measurementsChanged.emit(self)
            self.update()
        elif drag is not None and drag[0] == "zoom" and moved < 3 and event.button() == Qt.MouseButton.RightButton:
            self.menuRequested.emit(self, event.globalPosition().toPoint())

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self.measure.busy:
            self.fit()
        else:
            self.mousePressEvent(event)

    def wheelEvent(self, event) -> None:
        self._wheel_rest += event.angleDelta().y()
        steps = int(self._wheel_rest / 120)
        if not steps:
            return
        self._wheel_rest -= steps * 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(ZOOM_STEP ** steps, event.position())
        else:
            self.step(-steps)  # wheel towards the user: the next slice
        event.accept()

    def leaveEvent(self, event) -> None:
        if self.probe:
            self.probe = ""
            self.update()

    def _update_probe(self, pos: QPointF) -> None:
        text = display.probe_text(self.frame, *self.to_image(pos)) if self.frame is not None else ""
        if text != self.probe:
            self.probe = text
            self.update()

    # -- keys ------------------------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers()
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            event.ignore()
            return
        K = Qt.Key
        slices = {K.Key_Down: 1, K.Key_Up: -1, K.Key_PageDown: PAGE, K.Key_PageUp: -PAGE}
        if key in slices:
            self.step(slices[key])
        elif key == K.Key_Home:
            self.set_index(0)
        elif key == K.Key_End:
            self.set_index(self.count - 1)
        elif K.Key_1 <= key <= K.Key_8:
            self.apply_preset(key - K.Key_0)
        elif key == K.Key_9:
            self.file_window()
        elif key == K.Key_0:
            self.actual_size()
        elif key == K.Key_F:
            self.fit()
        elif key == K.Key_R:
            self.rotate(-1 if shift else 1)
        elif key == K.Key_H:
            self.flip_horizontal()
        elif key == K.Key_V:
            self.flip_vertical()
        elif key == K.Key_I:
            self.toggle_invert()
        elif key in (K.Key_Plus, K.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key == K.Key_Minus:
            self.zoom_by(1 / ZOOM_STEP)
        elif key in (K.Key_Delete, K.Key_Backspace):
            if not self.delete_selected_measurement():
                event.ignore()
                return
        elif key == K.Key_Escape:
            if self.measure.cancel():
                self.update()
            else:
                self.reset()
        else:
            event.ignore()
            return
        event.accept()

    # -- drag and drop of a series -------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(SERIES_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        data = event.mimeData().data(SERIES_MIME)
        try:
            index = int(bytes(data).decode("ascii"))
        except ValueError:
            return
        event.acceptProposedAction()
        self.activated.emit(self)
        self.seriesDropped.emit(self, index)

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        try:
            self.paint_view(painter, self.size(), overlays=self.show_overlays, corners=self.show_overlays,
                            ratio=self.devicePixelRatioF())
            if self.active:
                pen = QPen(ACTIVE_BORDER, 2)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QRectF(1, 1, self.width() - 2, self.height() - 2))
        finally:
            painter.end()

    def render_view(self, size: QSize | None = None, *, corners: bool = False) -> QImage:
        """The view as drawn (window, zoom, measurements, orientation markers and scale bar)
        in an image: what a key image keeps. The corner text (patient data) only with
        `corners`: the opinion carries the patient's identity itself."""
        size = size or self.size()
        image = QImage(size, QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.black)
        painter = QPainter(image)
        try:
            self.paint_view(painter, size, overlays=True, corners=corners, flash=False)
        finally:
            painter.end()
        return image

    def paint_view(self, painter: QPainter, size: QSize, *, overlays: bool = True, corners: bool = True,
                   ratio: float = 1.0, flash: bool = True) -> None:
        painter.fillRect(QRectF(0, 0, size.width(), size.height()), Qt.GlobalColor.black)
        painter.setFont(overlay.overlay_font(self.font(), size))
        if self.series is None:
            overlay.centre_text(painter, size, self.tr("Drop a series here"))
            return
        if self.image_size() is None:
            overlay.centre_text(painter, size, self.tr("Loading…"))
            return
        t = self.transform(size)
        if self.frame is not None:
            self._draw_frame(painter, size, t, ratio)
        elif self.error is not None:
            self._draw_placeholder(painter, size, t)
        info = self.slice_info()
        spacing = (info.pixel_spacing, info.spacing_source) if info is not None and info.pixel_spacing else (None, None)
        if self.frame is not None:
            self.measure.paint(painter, self.slice_key(), t, spacing[0], spacing[1], self.frame)
        if overlays:
            overlay.draw_markers(painter, size, self._labels(info))
            self._draw_scale_bar(painter, size, spacing)
        if corners:
            overlay.draw_corners(painter, size, self.corner_texts(info))
        if self._flash_text and flash:
            overlay.centre_text(painter, size, self._flash_text, QPointF(0, size.height() * 0.3))

    def _draw_frame(self, painter: QPainter, size: QSize, t: QTransform, ratio: float) -> None:
        window = self.window() or default_window(self.frame)
        inverse, _ok = t.inverted()
        visible = inverse.mapRect(QRectF(0, 0, size.width(), size.height()))
        box = (visible.left(), visible.top(), visible.right(), visible.bottom())
        shown = self._renderer.render(self.frame, window, self.state.invert, self.scale(size) * ratio, box)
        if self._qimage_key is not shown:
            self._pixels = shown.pixels
            self._qimage = to_qimage(shown.pixels)
            self._qimage_key = shown
        painter.save()
        painter.setTransform(t)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        h, w = shown.pixels.shape[:2]
        painter.drawImage(QRectF(shown.x0, shown.y0, w * shown.step, h * shown.step), self._qimage)
        painter.restore()

    def _draw_placeholder(self, painter: QPainter, size: QSize, t: QTransform) -> None:
        w, h = self.image_size()
        if self._placeholder is None or self._placeholder[0] != (w, h):
            pixels = np.ascontiguousarray(placeholder(self.error or "", w, h))
            self._placeholder = ((w, h), pixels, to_qimage(pixels))
        painter.save()
        painter.setTransform(t)
        painter.drawImage(QRectF(0, 0, w, h), self._placeholder[2])
        painter.restore()
        title = self.tr("Image {n} cannot be shown").format(n=(self.displayed_index or 0) + 1)
        painter.save()
        painter.setPen(PLACEHOLDER_TEXT)
        rect = QRectF(size.width() * 0.1, size.height() * 0.3, size.width() * 0.8, size.height() * 0.4)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, f"{title}\n\n{self.error}")
        painter.restore()

    def _labels(self, info) -> dict[str, str]:
        labels = geometry.orientation_labels(info.orientation if info is not None else None)
        if not any(labels.values()):
            # Projection images say it in Patient Orientation (row direction, column direction).
            ds = self.dataset()
            value = ds.get("PatientOrientation") if ds is not None else None
            if value is not None and not isinstance(value, str) and len(value) == 2:
                right, bottom = (str(v).strip().upper() for v in value)
                labels = {"left": geometry.opposite(right), "right": right,
                          "top": geometry.opposite(bottom), "bottom": bottom}
        return geometry.apply_view_transform(labels, 90 * self.state.rotation, self.state.flip_h, self.state.flip_v)

    def _draw_scale_bar(self, painter: QPainter, size: QSize, spacing) -> None:
        mm, source = spacing
        bar = geometry.scale_bar(mm if mm else 1.0, self.scale(size), size.width() / 4)
        if bar is None:
            return
        length, pixels = bar
        if mm:
            text = self.tr("{n} mm").format(n=f"{length:g}")
            if source == "ImagerPixelSpacing":
                text += " " + self.tr("(at detector)")
        else:
            text = self.tr("{n} px").format(n=f"{length:g}")
        overlay.draw_scale_bar(painter, size, pixels, text)

    def corner_texts(self, info=None) -> display.Corners:
        """The text of the four corners, describing the slice that is drawn."""
        info = info if info is not None else self.slice_info()
        ds = self.dataset()
        n = self.displayed_index if self.displayed_index is not None else self.index
        note = ""
        if self.displayed_index is not None and self.displayed_index != self.index:
            note = self.tr("loading image {n}…").format(n=self.index + 1)
        bottom_left = display.slice_lines(n, self.count, info, note)
        if self.frame is not None and len(self.frame.notes):
            bottom_left.append(self.tr("{n} note(s) on this image").format(n=len(self.frame.notes)))
        if self.probe:
            bottom_left.append(self.probe)
        return display.Corners(display.patient_lines(ds), display.study_lines(ds), bottom_left,
                               display.view_lines(self.window() if self.frame is not None else None,
                                                  self.scale() * 100, self.state))
