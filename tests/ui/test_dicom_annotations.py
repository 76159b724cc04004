"""The viewer's annotation layers driven like a reader would: the file's overlay planes and a
presentation state's graphic annotations drawn in their colour and toggled with Shift+O or the
toolbar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.data import get_testdata_file
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.demo.imaging import ct_series
from app.ui.viewer_window import ViewerWindow
from tests.ui.test_dicom_viewer import make_viewer, models, wait_shown  # noqa: F401 - fixtures
from tests.unit.gsps_files import annotation, graphic_object, text_object, write_presentation_state
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.overlay_planes_widget import COLORS
from viewers.dicom.presentation_sources import presentation_states_from_files
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import series_from_paths


def overlay_file() -> Path:
    return Path(get_testdata_file("examples_overlay.dcm"))


def pixel_at(viewer, row: int, column: int) -> QColor:
    """The colour drawn over the centre of image pixel (row, column) of the active viewport."""
    return colour_at(viewer, column + 0.5, row + 0.5)


def colour_at(viewer, x: float, y: float) -> QColor:
    """The colour drawn at image point (x, y) of the active viewport."""
    vp = viewer.active
    image = vp.render_view()
    point = vp.to_widget(x, y)
    return QColor(image.pixel(round(point.x()), round(point.y())))


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


# --- a presentation state's graphic annotations -----------------------------------------------


def orange(color: QColor) -> bool:
    return color.red() > 200 and 100 < color.green() < 200 and color.blue() < 100


def orange_near(viewer, x: float, y: float) -> bool:
    """Whether the presentation state's colour is drawn within 2 screen pixels of image point (x, y)."""
    vp = viewer.active
    image = vp.render_view()
    point = vp.to_widget(x, y)
    return any(orange(QColor(image.pixel(round(point.x()) + dx, round(point.y()) + dy)))
               for dx in range(-2, 3) for dy in range(-2, 3))


def gsps_folder(folder: Path) -> tuple[Path, list]:
    """Three CT slices and a presentation state: a filled circle on every slice, a text on the
    second slice only."""
    images = list(ct_series(3, 64))
    folder.mkdir(parents=True)
    for ds in images:
        ds.save_as(folder / f"CT{ds.InstanceNumber:04d}", enforce_file_format=True)
    write_presentation_state(folder / "PR0001", images, [
        annotation(graphics=[graphic_object("CIRCLE", [(20, 20), (26, 20)], filled=True)]),
        annotation(texts=[text_object("Lesion", box=((36, 6), (60, 14)), anchor=(44, 40))],
                   images=[(images[1], None)])])
    return folder, images


class TestPresentationState:
    def test_the_annotations_are_drawn_on_the_image_they_reference_and_toggled(self, qtbot, make_viewer, tmp_path):
        folder, images = gsps_folder(tmp_path / "disc")
        found: list[Path] = []
        series = [SeriesModel(refs, load, cache=FrameCache(64 * MiB))
                  for _s, refs, load in series_from_paths(folder, presentation=found)]
        viewer = make_viewer(series)
        viewer.set_presentation_states(presentation_states_from_files(found))
        vp = viewer.active
        wait_shown(qtbot, vp)
        assert vp.slice_key().instance == images[0].SOPInstanceUID
        assert [s.kind for s in vp.layers.presentation_shapes(vp)] == ["circle"]
        assert orange_near(viewer, 26, 20)  # on the circle's edge
        assert not orange_near(viewer, 32, 20)  # beyond it
        vp.set_index(1)
        wait_shown(qtbot, vp, 1)
        assert [s.kind for s in vp.layers.presentation_shapes(vp)] == ["circle", "text"]

        qtbot.keyClick(vp, Qt.Key.Key_O, Qt.KeyboardModifier.ShiftModifier)
        assert not orange_near(viewer, 26, 20)
        qtbot.keyClick(vp, Qt.Key.Key_O, Qt.KeyboardModifier.ShiftModifier)
        assert orange_near(viewer, 26, 20)

    def test_the_standalone_viewer_finds_the_state_beside_the_images(self, qtbot, tmp_path):
        folder, images = gsps_folder(tmp_path / "disc")
        window = ViewerWindow(folder)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.loaded, timeout=10000):
            window.show()
        assert len(window.series) == 1 and len(window.series[0]) == 3  # the state is no series
        index = window.viewer.presentation_states
        assert [s.label for s in index.states] == ["DEMO_GSPS"]
        assert all(vp.layers.presentation is index for vp in window.viewer.viewports)
        window.close()
