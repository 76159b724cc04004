"""What a viewport draws over the image besides measurements: the file's overlay planes
and the graphic annotations of a presentation state (both toggled by Shift+O), and our own
arrows and text notes. The viewport holds one `AnnotationLayers` and calls `paint`."""

from __future__ import annotations

from PySide6.QtGui import QPainter, QTransform

from viewers.dicom.overlay_planes_widget import OverlayPlanesLayer


class AnnotationLayers:
    """The layers of one viewport. `show_dicom` shows the file's overlays and the
    presentation state's annotations (the viewer sets it on every viewport at once)."""

    def __init__(self) -> None:
        self.show_dicom = True
        self.planes = OverlayPlanesLayer()

    def paint(self, painter: QPainter, viewport, to_screen: QTransform) -> None:
        frame = viewport.frame
        if frame is None:
            return
        if self.show_dicom:
            self.planes.paint(painter, getattr(frame, "overlays", ()), to_screen)
