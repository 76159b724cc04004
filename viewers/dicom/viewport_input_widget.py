"""Mouse, wheel, keys and drops of a viewport: turned into view operations and tools."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt

from viewers.dicom import display
from viewers.dicom.mime import SERIES_MIME, SERIES_UID_MIME
from viewers.dicom.pixels import Window

PAGE = 10  # slices per PageUp/PageDown
ZOOM_STEP = 1.15




class ViewportInputMixin:
    """The input half of `ViewportWidget` (see there for the state it uses)."""

    # -- mouse -----------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.activated.emit(self)
        pos = event.position()
        button = event.button()
        self._drag = None
        if button == Qt.MouseButton.LeftButton and self.image_size() is not None:
            key = self.slice_key() if self.frame is not None else None
            if self._press_annotations(key, pos):
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
        if drag is not None and drag[0] == "marks" and self.layers.marks.move(self.to_image(pos)):
            self.update()
        if drag is None or drag[0] in ("measure", "marks"):
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
        elif drag is not None and drag[0] == "marks":
            if self.layers.marks.release(self.slice_key(), moved):
                self.marksChanged.emit(self)
            self.update()
        elif drag is not None and drag[0] == "zoom" and moved < 3 and event.button() == Qt.MouseButton.RightButton:
            self.menuRequested.emit(self, event.globalPosition().toPoint())

    def mouseDoubleClickEvent(self, event) -> None:
        marks = self.layers.marks
        if event.button() == Qt.MouseButton.LeftButton and not marks.busy and \
                marks.edit_text(self.slice_key(), event.position(), self.transform()):
            self.update()
            self.marksChanged.emit(self)
        elif event.button() == Qt.MouseButton.LeftButton and not self.measure.busy and not marks.busy:
            self.fit()
        else:
            self.mousePressEvent(event)

    def _press_annotations(self, key, pos: QPointF) -> bool:
        """A left press on an arrow or note, else on a measurement, selects it; else the
        current tool draws (a measurement, an arrow or a note). True when one took it."""
        point, t, marks = self.to_image(pos), self.transform(), self.layers.marks
        if marks.press(key, point, pos, t, create=False):
            self.measure.selected_id = None
            self._drag = ("marks", pos)
        elif self.measure.press(key, point, pos, t):
            marks.selected_id = None
            self._drag = ("measure", pos)
        elif marks.press(key, point, pos, t):
            self._drag = ("marks", pos)
        else:
            marks.selected_id = None
            return False
        self.update()
        return True

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
            if self.measure.cancel() | self.layers.marks.cancel():
                self.update()
            else:
                self.reset()
        else:
            event.ignore()
            return
        event.accept()

    # -- drag and drop of a series -------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(SERIES_MIME) or event.mimeData().hasFormat(SERIES_UID_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        if event.mimeData().hasFormat(SERIES_UID_MIME):
            uid = bytes(event.mimeData().data(SERIES_UID_MIME)).decode("ascii", "replace").strip()
            event.acceptProposedAction()
            self.activated.emit(self)
            self.seriesUidDropped.emit(self, uid)
            return
        data = event.mimeData().data(SERIES_MIME)
        try:
            index = int(bytes(data).decode("ascii"))
        except ValueError:
            return
        event.acceptProposedAction()
        self.activated.emit(self)
        self.seriesDropped.emit(self, index)
