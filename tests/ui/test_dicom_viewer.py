"""The DICOM viewer widget driven like a radiologist would: wheel, drags, keys, measurements,
layouts with synchronised scrolling, key images, the tag browser and `secondo view`."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from app.commands.view import PRESETS
from app.demo.imaging import ct_series, write_ct_series
from app.store.annotations import AnnotationStore
from app.store.store import CaseStore
from app.ui.viewer_window import ViewerWindow, load_series
from viewers import base
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.keyimage_widget import KeyImageDialog
from viewers.dicom.measure import Angle, Distance, EllipseROI, MeasurementSet, RectROI
from viewers.dicom.pixels import CT_PRESETS, Window
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import series_from_paths
from viewers.dicom.tags_widget import DicomTagsWidget
from viewers.dicom.widget import DicomViewerWidget

SLICES, SIZE = 20, 64
SPACING = 360.0 / SIZE  # the phantom's field of view is 360 mm


# --- data ------------------------------------------------------------------------------------


@pytest.fixture
def ct_dir(tmp_path) -> Path:
    write_ct_series(tmp_path / "ct", SLICES, SIZE)
    return tmp_path / "ct"


def write_prior(directory: Path, frame_of_reference: str, slices: int = 10, step_mm: float = 2.5) -> Path:
    """A second CT series in the same frame of reference, with thicker slices."""
    directory.mkdir(parents=True)
    series_uid = generate_uid()
    for index, ds in enumerate(ct_series(slices, SIZE, seed=7)):
        ds.FrameOfReferenceUID = frame_of_reference
        ds.SeriesInstanceUID, ds.SeriesNumber = series_uid, 3
        ds.SeriesDescription = "Prior 2.5 mm"
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        z = -index * step_mm
        ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], z]
        ds.SliceLocation, ds.SliceThickness = z, step_mm
        ds.save_as(directory / f"PR{index:04d}", enforce_file_format=True)
    return directory


def models(path: Path) -> list[SeriesModel]:
    return load_series(path, FrameCache(128 * MiB), [])


@pytest.fixture
def make_viewer(qtbot):
    opened: list[SeriesModel] = []

    def make(path_or_series, layout: str = "1x1") -> DicomViewerWidget:
        series = models(path_or_series) if isinstance(path_or_series, Path) else path_or_series
        opened.extend(series)
        viewer = DicomViewerWidget()
        qtbot.addWidget(viewer)
        viewer.resize(1100, 560)  # the toolbar's two rows side by side, as in one row before
        viewer.show()
        qtbot.waitExposed(viewer)
        viewer.set_series_list(series)
        viewer.set_layout(layout)
        for vp in viewer.visible_viewports():
            if vp.series is not None:
                wait_shown(qtbot, vp)
        viewer.active.setFocus()
        return viewer

    yield make
    for model in opened:
        model.close()


def wait_shown(qtbot, vp, index: int | None = None) -> None:
    qtbot.waitUntil(lambda: vp.displayed_index == (vp.index if index is None else index)
                    and vp.displayed_index == vp.index, timeout=5000)


# --- input helpers ---------------------------------------------------------------------------


def wheel(widget, clicks: int, modifiers=Qt.KeyboardModifier.NoModifier, pos: QPointF | None = None) -> None:
    """`clicks` notches: positive rolls away from the user (up), negative towards."""
    pos = pos or QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * clicks),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def mouse(widget, kind, pos: QPointF, button=Qt.MouseButton.NoButton, buttons=Qt.MouseButton.NoButton) -> None:
    event = QMouseEvent(kind, QPointF(pos), widget.mapToGlobal(QPointF(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(widget, start: QPointF, end: QPointF, button=Qt.MouseButton.LeftButton, steps: int = 5) -> None:
    mouse(widget, QEvent.Type.MouseButtonPress, start, button, button)
    for i in range(1, steps + 1):
        t = i / steps
        mouse(widget, QEvent.Type.MouseMove, start + (end - start) * t, Qt.MouseButton.NoButton, button)
    mouse(widget, QEvent.Type.MouseButtonRelease, end, button, Qt.MouseButton.NoButton)


def click(widget, pos: QPointF) -> None:
    mouse(widget, QEvent.Type.MouseButtonPress, pos, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
    mouse(widget, QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton)


def centre(widget) -> QPointF:
    return QPointF(widget.width() / 2, widget.height() / 2)


def drag_onto(widget, data) -> bool:
    """Drag `data` (QMimeData) onto the middle of `widget` and drop it there if the widget
    accepts the drag; whether it did."""
    pos = widget.rect().center()
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    if enter.isAccepted():
        QApplication.sendEvent(widget, QDropEvent(pos, Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                                                  Qt.KeyboardModifier.NoModifier))
    return enter.isAccepted()


# --- scrolling and view ----------------------------------------------------------------------


class TestNavigation:
    def test_wheel_scrolls_through_slices(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        assert (vp.index, vp.count) == (0, SLICES)
        wheel(vp, -3)  # towards the user: further into the stack
        assert vp.index == 3
        wheel(vp, 1)
        assert vp.index == 2
        wheel(vp, 10)
        assert vp.index == 0  # clamped
        wait_shown(qtbot, vp)
        assert vp.frame is not None

    def test_keys_move_through_slices(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        qtbot.keyClick(vp, Qt.Key.Key_Down)
        assert vp.index == 1
        qtbot.keyClick(vp, Qt.Key.Key_PageDown)
        assert vp.index == 11
        qtbot.keyClick(vp, Qt.Key.Key_Up)
        assert vp.index == 10
        qtbot.keyClick(vp, Qt.Key.Key_End)
        assert vp.index == SLICES - 1
        qtbot.keyClick(vp, Qt.Key.Key_PageUp)
        assert vp.index == SLICES - 11
        qtbot.keyClick(vp, Qt.Key.Key_Home)
        assert vp.index == 0
        wait_shown(qtbot, vp)

    def test_a_cached_slice_is_drawn_at_once(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        qtbot.waitUntil(lambda: vp.series.peek(1) is not None, timeout=5000)  # prefetched
        vp.set_index(1)
        assert vp.displayed_index == 1 and vp.frame is vp.series.peek(1)

    def test_left_drag_changes_window_and_level(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        before = vp.window()
        drag(vp, centre(vp), centre(vp) + QPointF(100, 0))
        wider = vp.window()
        assert wider.width > before.width and wider.center == pytest.approx(before.center)
        drag(vp, centre(vp), centre(vp) + QPointF(0, 80))
        lower = vp.window()
        assert lower.center > wider.center and lower.width == pytest.approx(wider.width)
        drag(vp, centre(vp), centre(vp) + QPointF(-50, -50))
        assert vp.window().width < lower.width and vp.window().center < lower.center

    def test_middle_drag_pans_and_right_drag_zooms(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        fit = vp.scale()
        drag(vp, centre(vp), centre(vp) + QPointF(40, -25), Qt.MouseButton.MiddleButton)
        assert vp.state.pan == pytest.approx((40, -25))
        drag(vp, centre(vp), centre(vp) + QPointF(0, -60), Qt.MouseButton.RightButton)
        assert vp.scale() > fit * 1.3  # dragging up zooms in
        zoomed = vp.scale()
        drag(vp, centre(vp), centre(vp) + QPointF(0, 60), Qt.MouseButton.RightButton)
        assert vp.scale() < zoomed

    def test_ctrl_wheel_zooms_around_the_cursor(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        fit = vp.scale()
        anchor = QPointF(vp.width() * 0.3, vp.height() * 0.4)
        under = vp.to_image(anchor)
        wheel(vp, 2, Qt.KeyboardModifier.ControlModifier, anchor)
        assert vp.scale() == pytest.approx(fit * 1.15**2)
        assert vp.index == 0  # no scrolling
        assert vp.to_image(anchor) == pytest.approx(under)

    def test_fit_one_to_one_rotate_flip_invert_and_reset(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        qtbot.keyClick(vp, Qt.Key.Key_0)
        assert vp.scale() == 1.0
        qtbot.keyClick(vp, Qt.Key.Key_F)
        assert vp.state.zoom is None and vp.scale() == pytest.approx(min(vp.width(), vp.height()) / SIZE)
        qtbot.keyClick(vp, Qt.Key.Key_R)
        assert vp.state.rotation == 1
        assert vp._labels(vp.slice_info())["top"] == "R"  # R on the left turns to the top
        qtbot.keyClick(vp, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(vp, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
        assert vp.state.rotation == 3
        qtbot.keyClick(vp, Qt.Key.Key_H)
        qtbot.keyClick(vp, Qt.Key.Key_V)
        assert vp.state.flip_h and vp.state.flip_v
        qtbot.keyClick(vp, Qt.Key.Key_I)
        assert vp.state.invert
        corner = vp.grab().toImage().pixelColor(vp.width() // 2, vp.height() // 2)
        qtbot.keyClick(vp, Qt.Key.Key_Escape)
        assert vp.state.rotation == 0 and not vp.state.invert and not vp.state.flip_h and vp.state.zoom is None
        assert vp.grab().toImage().pixelColor(vp.width() // 2, vp.height() // 2) != corner

    def test_number_keys_apply_ct_presets_and_9_the_files_window(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        assert list(CT_PRESETS) == list(PRESETS)
        qtbot.keyClick(vp, Qt.Key.Key_1)
        assert (vp.window().center, vp.window().width) == (40, 80)  # brain
        qtbot.keyClick(vp, Qt.Key.Key_4)
        assert vp.window() == CT_PRESETS["lung"] and (vp.window().center, vp.window().width) == (-600, 1500)
        qtbot.keyClick(vp, Qt.Key.Key_8)
        assert (vp.window().center, vp.window().width) == (350, 2000)  # bone
        qtbot.keyClick(vp, Qt.Key.Key_9)
        assert vp.window() == vp.frame.windows[0]  # the file's first window: LUNG -600/1500
        qtbot.keyClick(vp, Qt.Key.Key_9)
        assert (vp.window().center, vp.window().width) == (40, 400)  # then its second
        assert "W 400 L 40" in vp.corner_texts().bottom_right[0]

    def test_invert_changes_the_pixels(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        x, y = vp.width() // 2, vp.height() // 2
        before = vp.grab().toImage().pixelColor(x, y).value()
        qtbot.keyClick(vp, Qt.Key.Key_I)
        after = vp.grab().toImage().pixelColor(x, y).value()
        assert abs((before + after) - 255) <= 2

    def test_cine_plays_a_series_at_the_chosen_speed(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        viewer.fps.setValue(50)
        assert viewer.cine.interval() == 20
        qtbot.keyClick(viewer.active, Qt.Key.Key_Space)
        assert viewer.cine.isActive()
        qtbot.waitUntil(lambda: viewer.active.index >= 5, timeout=5000)
        qtbot.keyClick(viewer.active, Qt.Key.Key_P)
        assert not viewer.cine.isActive()


class TestOverlays:
    def test_corner_texts_markers_and_probe(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        corners = vp.corner_texts()
        assert corners.top_left[0] == "TEST, Patient"
        assert any("born 01/01/1970" in line for line in corners.top_left)
        assert any("14/09/2026" in line for line in corners.top_right)
        assert any("Thorax" in line for line in corners.top_right)
        assert corners.bottom_left[:3] == ["Im 1/20", "Loc 0 mm", "Thk 1.25 mm"]
        assert corners.bottom_right[0] == "W 1500 L -600 (LUNG)"  # the file explains its window
        assert corners.bottom_right[1] == f"Zoom {round(vp.scale() * 100)} %"
        assert vp._labels(vp.slice_info()) == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
        # The probe: stored value and HU of the pixel under the mouse.
        target = vp.to_widget(32.5, 32.5)
        mouse(vp, QEvent.Type.MouseMove, target)
        stored = int(vp.frame.stored[32, 32])
        assert vp.probe == f"x 32 y 32: stored {stored} = {stored - 1024} HU"
        assert vp.corner_texts().bottom_left[-1] == vp.probe
        image = vp.grab().toImage()
        assert not image.isNull()

    def test_the_overlay_describes_the_slice_on_screen(self, qtbot, make_viewer, ct_dir):
        vp = make_viewer(ct_dir).active
        vp.series.cache.clear()
        vp.series.retry()
        vp.set_index(7)
        if vp.displayed_index != 7:  # still decoding: the old image with a note
            assert vp.corner_texts().bottom_left[0] == "Im 1/20"
        wait_shown(qtbot, vp)
        assert vp.corner_texts().bottom_left[0] == "Im 8/20"


# --- measurements ---------------------------------------------------------------------------


class TestMeasurements:
    def draw(self, vp, a, b):
        drag(vp, vp.to_widget(*a), vp.to_widget(*b))

    def test_distance_in_mm_then_deleted(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        qtbot.keyClick(vp, Qt.Key.Key_D)
        assert viewer.tool == "distance"
        with qtbot.waitSignal(vp.measurementsChanged):
            self.draw(vp, (10.5, 20.5), (30.5, 20.5))
        (m,) = viewer.measurements.for_slice(vp.slice_key())
        assert isinstance(m, Distance)
        spacing, _source = vp.spacing()
        assert m.length(spacing)[0] == pytest.approx(20 * SPACING, abs=0.05)
        assert vp.measure.label(m, spacing, None, vp.frame) == [f"{20 * SPACING:.1f} mm"]
        # It stays with its slice.
        qtbot.keyClick(vp, Qt.Key.Key_Down)
        wait_shown(qtbot, vp)
        assert viewer.measurements.for_slice(vp.slice_key()) == []
        qtbot.keyClick(vp, Qt.Key.Key_Up)
        wait_shown(qtbot, vp)
        assert viewer.measurements.for_slice(vp.slice_key()) == [m]
        # Select it by clicking on its line, then Delete.
        vp.measure.selected_id = None
        click(vp, vp.to_widget(20.5, 20.5))
        assert vp.measure.selected_id == m.id
        qtbot.keyClick(vp, Qt.Key.Key_Delete)
        assert len(viewer.measurements) == 0

    def test_a_handle_can_be_dragged(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        viewer.set_tool("distance")
        self.draw(vp, (10.5, 20.5), (30.5, 20.5))
        (m,) = viewer.measurements
        viewer.set_tool("window")  # editing works whatever the tool
        self.draw(vp, (30.5, 20.5), (40.5, 20.5))
        assert m.b == pytest.approx((40.5, 20.5), abs=0.2)
        assert len(viewer.measurements) == 1

    def test_angle_by_drag_and_click(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        qtbot.keyClick(vp, Qt.Key.Key_A)
        self.draw(vp, (10.5, 30.5), (30.5, 30.5))  # first arm, to the vertex
        mouse(vp, QEvent.Type.MouseMove, vp.to_widget(30.5, 10.5))
        click(vp, vp.to_widget(30.5, 10.5))
        (m,) = viewer.measurements
        assert isinstance(m, Angle) and m.degrees(vp.spacing()[0]) == pytest.approx(90, abs=0.5)

    def test_ellipse_and_rectangle_rois_report_hu_statistics(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        qtbot.keyClick(vp, Qt.Key.Key_O)
        self.draw(vp, (20, 20), (30, 28))
        qtbot.keyClick(vp, Qt.Key.Key_E)
        self.draw(vp, (30, 30), (40, 40))
        rect, ellipse = viewer.measurements
        assert isinstance(rect, RectROI) and isinstance(ellipse, EllipseROI)
        spacing = vp.spacing()[0]
        lines = vp.measure.label(rect, spacing, None, vp.frame)
        # The drag lands within a screen pixel of the corners: the area to 0.1 mm² (rounded either way).
        assert lines[0].startswith("Area ") and lines[0].endswith(" mm²")
        assert float(lines[0][5:-4]) == pytest.approx(10 * 8 * SPACING**2, abs=0.1)
        values = vp.frame.modality[20:28, 20:30]
        assert lines[1].startswith(f"Mean {values.mean():.1f} HU")
        assert lines[2] == f"Min {values.min():.0f}  Max {values.max():.0f}"
        assert "HU" in vp.measure.label(ellipse, spacing, None, vp.frame)[1]

    def test_without_pixel_spacing_lengths_are_in_pixels(self, qtbot, make_viewer, tmp_path):
        folder = tmp_path / "nospacing"
        folder.mkdir()
        for ds in ct_series(3, SIZE):
            del ds.PixelSpacing
            ds.save_as(folder / ds.SOPInstanceUID, enforce_file_format=True)
        viewer = make_viewer(folder)
        vp = viewer.active
        viewer.set_tool("distance")
        self.draw(vp, (10.5, 10.5), (20.5, 10.5))
        (m,) = viewer.measurements
        assert vp.measure.label(m, *vp.spacing(), vp.frame) == ["10.0 px"]
        assert vp.spacing() == (None, None)

    def test_measurements_and_key_images_are_kept_with_the_case(self, qtbot, make_viewer, ct_dir, isolated_home):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        with CaseStore.open(isolated_home) as store:
            annotations = AnnotationStore(store)
            viewer.attach_annotations(annotations, "case1")
            viewer.set_tool("distance")
            self.draw(vp, (10.5, 20.5), (30.5, 20.5))
            assert len(MeasurementSet.from_json(annotations.measurements("case1"))) == 1
            key_image = viewer.add_key_image(caption="Nodule right lower lobe")
            assert key_image.png.startswith(b"\x89PNG\r\n\x1a\n") and len(key_image.png) > 1000
            (kept,) = annotations.key_images("case1")
            assert kept.caption == "Nodule right lower lobe" and kept.png == key_image.png
            assert kept.window == (-600.0, 1500.0)
            assert kept.measurements == f"{20 * SPACING:.1f} mm"
            assert kept.slice_key == vp.slice_key()


class TestKeyImages:
    def test_key_image_in_memory_with_the_caption_dialog(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        qtbot.keyClick(viewer.active, Qt.Key.Key_4)
        shown = []

        def answer(image):
            dialog = KeyImageDialog(image, parent=viewer)
            qtbot.addWidget(dialog)
            dialog.caption_edit.setText("  Lung window, apex  ")
            shown.append(image)
            return dialog.caption

        viewer.caption_prompt = answer
        with qtbot.waitSignal(viewer.keyImageAdded):
            qtbot.keyClick(viewer.active, Qt.Key.Key_K)
        (key_image,) = viewer.key_images
        assert key_image.caption == "Lung window, apex"
        assert key_image.window == (-600.0, 1500.0)
        assert key_image.png[:8] == b"\x89PNG\r\n\x1a\n"
        assert shown[0].width() == viewer.active.width()
        viewer.caption_prompt = lambda image: None  # cancelled
        assert viewer.add_key_image() is None and len(viewer.key_images) == 1

    def test_the_standalone_viewer_saves_key_images_as_png(self, qtbot, ct_dir, tmp_path):
        window = ViewerWindow(ct_dir)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.loaded, timeout=10000):
            window.show()
        wait_shown(qtbot, window.viewer.active)
        key_image = window.viewer.add_key_image(caption="Apex")
        assert window.key_image_menu.isEnabled() and window.key_image_menu.actions()[0].text() == "1. Apex"
        saved = window.save_key_image(key_image, str(tmp_path / "apex.png"))
        assert saved.read_bytes() == key_image.png
        window.close()


# --- layouts and synchronised scrolling ------------------------------------------------------


class TestLayouts:
    def test_two_by_two_scrolls_series_of_one_frame_of_reference_together(self, qtbot, make_viewer, ct_dir,
                                                                          tmp_path):
        frame_of_reference = dcmread(next(ct_dir.iterdir())).FrameOfReferenceUID
        write_prior(tmp_path / "prior", frame_of_reference)
        current, prior = models(ct_dir)[0], models(tmp_path / "prior")[0]
        other = SeriesModel(*[(refs, loader) for _s, refs, loader in series_from_paths(
            Path(get_testdata_file("MR_small.dcm")))][0])
        viewer = make_viewer([current, prior, other], layout="2x2")
        a, b, c, d = viewer.viewports
        assert viewer.visible_viewports() == [a, b, c, d]
        assert (a.series, b.series, c.series, d.series) == (current, prior, other, None)
        assert a.active and not b.active
        qtbot.keyClick(a, Qt.Key.Key_Down)
        assert a.index == 1
        for _ in range(7):
            wheel(a, -1)
        assert a.index == 8  # z = -10 mm
        assert b.index == 4  # the prior's slice at -10 mm
        assert c.index == 0  # another frame of reference does not follow
        wait_shown(qtbot, b)
        # Scrolling the prior moves the current one to the nearest slice.
        wheel(b, -1)
        assert b.index == 5 and a.index == 10
        viewer.set_sync(False)
        wheel(b, -1)
        assert b.index == 6 and a.index == 10
        other.close()

    def test_layout_switch_and_assignment(self, qtbot, make_viewer, ct_dir, tmp_path):
        viewer = make_viewer(ct_dir)
        mr = SeriesModel(*[(refs, loader) for _s, refs, loader in series_from_paths(
            Path(get_testdata_file("MR_small.dcm")))][0])
        viewer.show_series(mr)
        assert viewer.active.series is mr and len(viewer.series_list) == 2
        viewer.set_layout("1x2")
        left, right = viewer.visible_viewports()
        assert right.series is viewer.series_list[0]  # the empty viewport takes the spare series
        viewer.assign(1, 1)
        assert right.series is mr and viewer.active is right and right.active
        click(left, centre(left))
        assert viewer.active is left
        viewer.set_layout("1x1")
        assert viewer.visible_viewports() == [left] and not left.active  # one viewport: no frame
        mr.close()

    def test_drop_from_the_series_list_and_the_context_menu(self, qtbot, tmp_path):
        write_ct_series(tmp_path / "two" / "a", 4, SIZE)
        write_prior(tmp_path / "two" / "b", "1.2.3.4", slices=3)
        window = ViewerWindow(tmp_path / "two")
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.loaded, timeout=10000):
            window.show()
        viewer = window.viewer
        viewer.set_layout("1x2")
        left, right = viewer.visible_viewports()
        assert (left.series, right.series) == (window.series[0], window.series[1])
        # Drag the first series from the list onto the right viewport.
        data = window.series_view.mimeData([window.series_view.item(0)])
        assert drag_onto(right, data)
        pos = centre(right)
        assert right.series is window.series[0] and viewer.active is right
        # A right click without a drag opens the menu; its "Show series" entries assign.
        mouse(right, QEvent.Type.MouseButtonPress, pos, Qt.MouseButton.RightButton, Qt.MouseButton.RightButton)
        mouse(right, QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.RightButton, Qt.MouseButton.NoButton)
        menu = viewer._menu
        series_menu = menu.actions()[0].menu()
        assert [a.text() for a in series_menu.actions()] == [window.series_view.item(i).text() for i in range(2)]
        series_menu.actions()[1].trigger()
        menu.close()
        assert right.series is window.series[1]
        # Tab moves to the next viewport.
        qtbot.keyClick(right, Qt.Key.Key_Tab)
        assert viewer.active is left
        window.close()

    def test_the_viewer_is_registered_for_dicom_series(self, qtbot):
        entry = base.viewer_for(base.DICOM_SERIES)
        assert entry is not None and entry.factory is DicomViewerWidget
        widget = entry.factory(None)
        qtbot.addWidget(widget)
        assert hasattr(widget, "show_series")


# --- damaged frames and real images ------------------------------------------------------------


class TestImages:
    def test_an_undecodable_slice_shows_a_placeholder_and_the_next_still_renders(self, qtbot, make_viewer,
                                                                                   tmp_path):
        folder = tmp_path / "damaged"
        write_ct_series(folder, 5, SIZE)
        broken = folder / "CT000003"
        ds = dcmread(broken)
        ds.PixelData = ds.PixelData[:1000]
        ds.save_as(broken, enforce_file_format=True)
        vp = make_viewer(folder).active
        vp.set_index(2)
        wait_shown(qtbot, vp)
        assert vp.frame is None and "truncated" in vp.error
        assert not vp.grab().toImage().isNull()
        vp.set_index(3)
        wait_shown(qtbot, vp)
        assert vp.frame is not None and vp.error is None

    @pytest.mark.parametrize("name", [
        "CT_small.dcm", "MR_small.dcm", "examples_ybr_color.dcm", "JPEG2000.dcm", "SC_rgb.dcm", "693_J2KI.dcm",
        "examples_palette.dcm", "examples_rgb_color.dcm", "SC_rgb_rle_2frame.dcm", "SC_ybr_full_422_uncompressed.dcm",
        "JPGExtended.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_RLE.dcm", "image_dfl.dcm", "rtdose.dcm"])
    def test_pydicoms_images_render(self, qtbot, make_viewer, name):
        path = get_testdata_file(name, download=False)
        if path is None:
            pytest.skip(f"{name} is not available offline")
        viewer = make_viewer(Path(path))
        vp = viewer.active
        assert vp.series is not None
        assert vp.frame is not None, vp.error
        image = vp.grab().toImage()
        centre_pixel = image.pixelColor(image.width() // 2, image.height() // 2)
        assert not image.isNull() and centre_pixel.isValid()
        if vp.count > 1:  # multi-frame: scroll and play
            vp.set_index(vp.count - 1)
            wait_shown(qtbot, vp)
            assert vp.frame is not None
        key_image = viewer.add_key_image(caption=name)
        assert key_image.png.startswith(b"\x89PNG")


# --- the tag browser -------------------------------------------------------------------------


class TestTagBrowser:
    def dataset(self) -> Dataset:
        ds = next(ct_series(1, 16))
        item = Dataset()
        item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        item.ReferencedSOPInstanceUID = "1.2.3.4"
        ds.ReferencedImageSequence = Sequence([item, Dataset()])
        return ds

    def test_search_finds_patient_name_and_sequences_expand(self, qtbot):
        tags = DicomTagsWidget()
        qtbot.addWidget(tags)
        tags.set_dataset(self.dataset())
        assert tags.proxy.rowCount() > 30
        qtbot.keyClicks(tags.search, "PatientName")
        assert tags.visible_keywords() == ["PatientName"]
        tags.search.clear()
        qtbot.keyClicks(tags.search, "(0010,0030)")
        assert tags.visible_keywords() == ["PatientBirthDate"]
        tags.search.setText("test^patient")  # by value
        assert "PatientName" in tags.visible_keywords()
        tags.search.setText("1.2.3.4")  # a value inside a sequence item: its parents stay
        assert tags.visible_keywords() == ["ReferencedImageSequence", "Item 1", "ReferencedSOPInstanceUID"]
        tags.search.clear()
        row = next(r for r in range(tags.proxy.rowCount())
                   if tags.proxy.index(r, 1).data() == "ReferencedImageSequence")
        sequence = tags.proxy.index(row, 0)
        assert tags.proxy.index(row, 3).data() == "2 items"
        tags.tree.expand(sequence)
        assert tags.tree.isExpanded(sequence) and tags.proxy.rowCount(sequence) == 2
        first_item = tags.proxy.index(0, 0, sequence)
        assert tags.proxy.rowCount(first_item) == 2
        pixel_row = next(r for r in range(tags.proxy.rowCount()) if tags.proxy.index(r, 1).data() == "PixelData")
        assert tags.proxy.index(pixel_row, 3).data() == "<512 bytes>"

    def test_the_viewer_window_follows_the_shown_slice(self, qtbot, ct_dir):
        window = ViewerWindow(ct_dir)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.series_view.count() == 1, timeout=10000)
        window.tags_dock.show()
        vp = window.viewer.active
        wait_shown(qtbot, vp)
        qtbot.keyClick(vp, Qt.Key.Key_End)
        wait_shown(qtbot, vp)
        qtbot.waitUntil(lambda: window.tags.dataset is not None and window.tags.dataset.InstanceNumber == SLICES,
                        timeout=5000)
        window.close()


# --- `secondo view` ---------------------------------------------------------------------------


class TestViewCommand:
    def test_view_opens_a_folder_with_its_series(self, qtbot, ct_dir, tmp_path):
        write_prior(tmp_path / "ct" / "prior", "1.2.3")
        window = ViewerWindow(tmp_path / "ct", layout="1x2", preset="lung", slice_number=5)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.loaded, timeout=10000) as loaded:
            window.show()
        assert loaded.args == [2]
        labels = [window.series_view.item(i).text() for i in range(window.series_view.count())]
        assert labels == ["Se 2 CT Thorax 1.25 mm lung kernel (synthetic DEMO) (20)", "Se 3 CT Prior 2.5 mm (10)"]
        assert window.viewer.layout_name == "1x2"
        first, second = window.viewer.visible_viewports()
        assert first.index == 4 and first.state.window == CT_PRESETS["lung"]
        assert second.series is window.series[1]
        qtbot.waitUntil(lambda: not window.series_view.item(0).icon().isNull(), timeout=5000)  # thumbnail
        window.close()

    def test_view_of_a_missing_path_is_exit_code_3(self, capsys, tmp_path):
        from app.cli import main

        assert main(["view", str(tmp_path / "nothing-here")]) == 3
        assert "does not exist" in capsys.readouterr().err

    def test_view_of_a_folder_without_images_says_so(self, qtbot, tmp_path):
        (tmp_path / "empty").mkdir()
        (tmp_path / "empty" / "readme.txt").write_text("not DICOM")
        window = ViewerWindow(tmp_path / "empty")
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.loaded, timeout=10000):
            pass
        assert window.series_view.count() == 0
        assert "No DICOM images" in window.statusBar().currentMessage()
        window.close()


def test_window_drag_direction_is_scaled_to_the_value_range(qtbot, make_viewer, ct_dir):
    """A 100-pixel drag on CT (range about 4000 HU) moves the width by about 400 HU."""
    vp = make_viewer(ct_dir).active
    low, high = vp.frame.value_range
    before = vp.window()
    drag(vp, centre(vp), centre(vp) + QPointF(100, 0))
    assert vp.window().width - before.width == pytest.approx(100 * (high - low) / 1000, rel=0.01)
    assert isinstance(vp.window(), Window)
    assert math.isfinite(vp.window().center) and np.isfinite(vp.window().width)
