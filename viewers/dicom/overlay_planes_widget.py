"""Drawing of DICOM overlay planes (viewers/dicom/overlays.py) over the image: each plane a
tinted layer, pixel for pixel (no smoothing), through the viewport's image transform."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform

# Graphics planes in the yellow-green radiologists know from RadiAnt; ROI planes in cyan.
COLORS = {"G": QColor(120, 255, 60, 230), "R": QColor(40, 220, 255, 200)}
_CACHE_SIZE = 32


class OverlayPlanesLayer:
    """Paints overlay planes; keeps the tinted image of the most recent planes drawn."""

    def __init__(self) -> None:
        self._images: dict[int, tuple[object, np.ndarray, QImage]] = {}

    def image(self, plane) -> QImage:
        """The plane as an ARGB image: its colour where set, transparent elsewhere."""
        cached = self._images.get(id(plane))
        if cached is not None and cached[0] is plane:
            return cached[2]
        color = COLORS.get(plane.kind, COLORS["G"])
        argb = np.uint32((color.alpha() << 24) | (color.red() << 16) | (color.green() << 8) | color.blue())
        pixels = np.where(plane.bitmap, argb, np.uint32(0)).astype(np.uint32)
        pixels = np.ascontiguousarray(pixels)
        h, w = pixels.shape
        image = QImage(pixels.data, w, h, pixels.strides[0], QImage.Format.Format_ARGB32)
        if len(self._images) >= _CACHE_SIZE:
            self._images.pop(next(iter(self._images)))
        self._images[id(plane)] = (plane, pixels, image)  # the array keeps the image's buffer alive
        return image

    def paint(self, painter: QPainter, planes, to_screen: QTransform) -> None:
        if not planes:
            return
        painter.save()
        painter.setTransform(to_screen)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for plane in planes:
            h, w = plane.bitmap.shape
            painter.drawImage(QRectF(plane.origin[1], plane.origin[0], w, h), self.image(plane))
        painter.restore()
