"""The viewer's annotation layers driven like a reader would: the file's overlay planes drawn in
their colour and toggled with Shift+O or the toolbar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.data import get_testdata_file
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from tests.ui.test_dicom_viewer import make_viewer, models, wait_shown  # noqa: F401 - fixtures
from viewers.dicom.overlay_planes_widget import COLORS


def overlay_file() -> Path:
    return Path(get_testdata_file("examples_overlay.dcm"))


def pixel_at(viewer, row: int, column: int) -> QColor:
    """The colour drawn over image pixel (row, column) of the active viewport."""
    vp = viewer.active
    image = vp.render_view()
    point = vp.to_widget(column + 0.5, row + 0.5)
    return QColor(image.pixel(int(point.x()), int(point.y())))


def greenish(color: QColor) -> bool:
    target = COLORS["G"]
    return color.green() > 200 and color.green() - color.blue() > 100 and abs(color.red() - target.red()) < 80


class TestOverlayPlanes:
    def test_the_overlay_of_the_test_file_is_drawn_in_its_colour_and_toggled(self, qtbot, make_viewer):
        viewer = make_viewer(models(overlay_file()))
        vp = viewer.active
        wait_shown(qtbot, vp)
        bitmap = dcmread(overlay_file()).overlay_array(0x6000)
        rows, columns = np.nonzero(bitmap)
        set_at = (int(rows[0]), int(columns[0]))
        clear = np.argwhere(bitmap == 0)[0]
        assert viewer.dicom_overlays and viewer.overlays_action.isChecked()
        assert greenish(pixel_at(viewer, *set_at))
        assert not greenish(pixel_at(viewer, int(clear[0]), int(clear[1])))

        qtbot.keyClick(vp, Qt.Key.Key_O, Qt.KeyboardModifier.ShiftModifier)
        assert not viewer.dicom_overlays and not viewer.overlays_action.isChecked()
        assert viewer.tool == "window"  # Shift+O is not the rectangle tool (O)
        assert not greenish(pixel_at(viewer, *set_at))

        viewer.overlays_action.trigger()
        assert viewer.dicom_overlays and all(v.layers.show_dicom for v in viewer.viewports)
        assert greenish(pixel_at(viewer, *set_at))
