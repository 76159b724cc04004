"""What a viewport draws over the image besides measurements: the file's overlay planes
and the graphic annotations of a presentation state (both toggled by Shift+O), and our own
arrows and text notes. The viewport holds one `AnnotationLayers` and calls `paint`."""

from __future__ import annotations

from PySide6.QtGui import QPainter, QTransform

from viewers.dicom.marks_widget import MarkTool
from viewers.dicom.overlay_planes_widget import OverlayPlanesLayer
from viewers.dicom.presentation import PresentationIndex
from viewers.dicom.presentation_widget import PresentationLayer


class AnnotationLayers:
    """The layers of one viewport. `show_dicom` shows the file's overlays and the
    presentation states' annotations (the viewer sets it, and `presentation`, on every
    viewport at once)."""

    def __init__(self) -> None:
        self.show_dicom = True
        self.presentation = PresentationIndex()
        self.planes = OverlayPlanesLayer()
        self.graphics = PresentationLayer()
        self.marks = MarkTool()  # our own arrows and text notes (never hidden by Shift+O)

    def presentation_shapes(self, viewport) -> list:
        """The presentation states' shapes on the frame the viewport shows."""
        key, size = viewport.slice_key(), viewport.image_size()
        if key is None or size is None or not len(self.presentation):
            return []
        try:
            instance, frame = str(key[0]), int(key[1])
        except (TypeError, ValueError, IndexError):
            return []  # not a slice of a file (a reformat): no state references it
        return self.presentation.shapes(instance, frame, size[0], size[1])

    def paint(self, painter: QPainter, viewport, to_screen: QTransform) -> None:
        frame = viewport.frame
        if frame is None:
            return
        if self.show_dicom:
            self.planes.paint(painter, getattr(frame, "overlays", ()), to_screen)
            self.graphics.paint(painter, self.presentation_shapes(viewport), to_screen)
        self.marks.paint(painter, viewport.slice_key(), to_screen)
