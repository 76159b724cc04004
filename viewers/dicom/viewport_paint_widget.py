"""Painting of a viewport: the frame, the placeholder, overlays, markers and scale bar."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QTransform

from app.core.i18n import _, ngettext

from viewers.dicom import display, geometry
from viewers.dicom import overlay_widget as overlay
from viewers.dicom import reference_lines_widget
from viewers.dicom.numbers import trimmed
from viewers.dicom.pixels import default_window, placeholder

ACTIVE_BORDER = QColor(255, 170, 0)
PLACEHOLDER_TEXT = QColor(255, 200, 120)


def to_qimage(pixels: np.ndarray) -> QImage:
    """A QImage over `pixels` (uint8 HxW or HxWx3, C-contiguous); keep `pixels` alive."""
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_Grayscale8)
    return QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_RGB888)




class ViewportPaintMixin:
    """The drawing half of `ViewportWidget` (see there for the state it uses)."""

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
            overlay.centre_text(painter, size, _("Drop a series here"))
            return
        if self.image_size() is None:
            overlay.centre_text(painter, size, _("Loading…"))
            return
        t = self.transform(size)
        if self.frame is not None:
            self._draw_frame(painter, size, t, ratio)
        elif self.error is not None:
            self._draw_placeholder(painter, size, t)
        info = self.slice_info()
        spacing = (info.pixel_spacing, info.spacing_source) if info is not None and info.pixel_spacing else (None, None)
        if overlays:
            reference_lines_widget.draw(painter, t, self.reference_lines)
        if self.frame is not None:
            self.layers.paint(painter, self, t)
            self.measure.paint(painter, self.slice_key(), t, spacing[0], spacing[1], self.frame)
        for decoration in self.decorations:
            decoration.paint(self, painter, size, t)
        reserved = []  # what the corner texts must leave free
        if overlays:
            reserved += overlay.draw_markers(painter, size, self._labels(info))
            bar = self._draw_scale_bar(painter, size, spacing)
            reserved += [bar] if bar is not None else []
        warning = self.warning_text()
        if warning:  # shown even with the overlays off: a wrong-patient image is never unmarked
            reserved.append(overlay.draw_warning(painter, size, warning))
        if corners:
            self.overlay_boxes = (overlay.draw_corners(painter, size, self.corner_texts(info), reserved), reserved)
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
        title = _("Image {n} cannot be shown").format(n=(self.displayed_index or 0) + 1)
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

    def _draw_scale_bar(self, painter: QPainter, size: QSize, spacing):
        mm, source = spacing
        bar = geometry.scale_bar(mm if mm else 1.0, self.scale(size), size.width() / 4)
        if bar is None:
            return None
        length, pixels = bar
        if mm:
            text = (_("{value} {unit} (at detector)").format(value=trimmed(length, 3), unit="mm")
                    if source == "ImagerPixelSpacing" else _("{n} mm").format(n=trimmed(length, 3)))
        else:
            text = _("{n} px").format(n=trimmed(length, 3))
        return overlay.draw_scale_bar(painter, size, pixels, text)

    def warning_text(self) -> str:
        """"OTHER PATIENT" when the case view flagged the series (`SeriesModel.other_patient`)."""
        return _("OTHER PATIENT") if getattr(self.series, "other_patient", False) else ""

    def corner_texts(self, info=None) -> display.Corners:
        """The text of the four corners, describing the slice that is drawn."""
        info = info if info is not None else self.slice_info()
        ds = self.dataset()
        n = self.displayed_index if self.displayed_index is not None else self.index
        note = ""
        if self.displayed_index is not None and self.displayed_index != self.index:
            note = _("loading image {n}…").format(n=self.index + 1)
        bottom_left = display.slice_lines(n, self.count, info, note)
        if self.frame is not None and len(self.frame.notes):
            bottom_left.append(ngettext("{n} note on this image", "{n} notes on this image", len(self.frame.notes)).format(
                n=len(self.frame.notes)))
        if self.probe:
            bottom_left.append(self.probe)
        bottom_right = [line for decoration in self.decorations for line in decoration.lines(self)]
        bottom_right += display.view_lines(self.window() if self.frame is not None else None, self.scale() * 100,
                                           self.state)
        return display.Corners(display.patient_lines(ds), display.study_lines(ds), bottom_left, bottom_right)
