"""The MPR view driven like a radiologist would: M on a CT opens axial, coronal and sagittal
reformats; dragging the crosshair in one plane moves the others (checked in mm); scrolling,
rotating and thick slabs; W/L and key images on a reformat; a series that is no volume is
refused in the viewer; leaving MPR (or leaving it while it loads) brings back what was shown."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.core.i18n import in_language
from tests.ui.test_dicom_viewer import drag, mouse, wheel
from tests.unit import phantoms
from viewers.dicom import volume as volume_module
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.mpr_state import PLANES
from viewers.dicom.planes import Plane
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import series_from_paths
from viewers.dicom.widget import DicomViewerWidget


def open_models(folder: Path) -> list[SeriesModel]:
    cache = FrameCache(64 * MiB)
    return [SeriesModel(refs, loader, cache) for _summary, refs, loader in series_from_paths(folder)]


@pytest.fixture
def make_viewer(qtbot):
    opened: list = []

    def make(folder: Path) -> DicomViewerWidget:
        series = open_models(folder)
        opened.extend(series)
        viewer = DicomViewerWidget()
        qtbot.addWidget(viewer)
        viewer.resize(1200, 900)
        viewer.show()
        qtbot.waitExposed(viewer)
        viewer.set_series_list(series)
        qtbot.waitUntil(lambda: viewer.active.displayed_index == viewer.active.index, timeout=5000)
        viewer.active.setFocus()
        return viewer

    yield make
    for model in opened:
        model.close()


@pytest.fixture
def phantom(tmp_path) -> Path:
    return phantoms.straight(tmp_path / "straight")


def enter_mpr(qtbot, viewer: DicomViewerWidget) -> None:
    """Press M on the active viewport and wait until the whole volume is in and every
    reformat shows the slice it was asked."""
    vp = viewer.active
    vp.setFocus()
    qtbot.keyClick(vp, Qt.Key.Key_M)
    mpr = viewer.mpr
    qtbot.waitUntil(lambda: mpr.state is not None and not mpr.loading, timeout=20000)
    wait_reformats(qtbot, viewer)


def wait_reformats(qtbot, viewer) -> None:
    def shown() -> bool:
        return all(vp.displayed_index == vp.index and vp.frame is not None for vp in viewer.mpr.viewports.values())
    qtbot.waitUntil(shown, timeout=10000)


def widget_point(viewer, name: str, point) -> QPointF:
    """Where the patient point `point` is drawn in the viewport of plane `name`."""
    vp = viewer.mpr.viewports[name]
    x, y = vp.series.plane(vp.displayed_index).to_pixel(point)
    return vp.to_widget(x + 0.5, y + 0.5)


def crosshair_at(viewer, name: str) -> QPointF:
    return widget_point(viewer, name, viewer.mpr.state.point)


def shown_distance(viewer, name: str, point) -> float:
    """How far (mm) the reformat shown for `name` lies from a patient point."""
    vp = viewer.mpr.viewports[name]
    return abs(vp.series.plane(vp.displayed_index).distance(point))


class TestEntering:
    def test_m_opens_axial_coronal_and_sagittal_reformats_around_the_volume_centre(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        source = viewer.active.series
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        assert viewer.layout_name == "2x2"
        assert [vp.series.name for vp in viewer.viewports[:3]] == list(PLANES)
        assert viewer.viewports[3].series is source  # the original series in the fourth cell
        assert viewer.mpr_action.isChecked()
        low, high = mpr.volume.bounds()
        assert mpr.state.point == pytest.approx((low + high) / 2)
        for name in PLANES:
            assert shown_distance(viewer, name, mpr.state.point) <= mpr.series[name].step / 2 + 1e-6
        with in_language("en"):
            lines = viewer.viewports[1].corner_texts().bottom_right
            assert lines[0] == "Coronal"
            assert any(line.startswith("x ") and line.endswith(" mm") for line in lines)

    def test_m_again_leaves_and_brings_back_the_layout_and_series(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        source = viewer.active.series
        enter_mpr(qtbot, viewer)
        reformats = list(viewer.mpr.series.values())
        qtbot.keyClick(viewer.viewports[0], Qt.Key.Key_M)
        assert not viewer.mpr.active
        assert viewer.layout_name == "1x1"
        assert viewer.viewports[0].series is source
        assert all(vp.decorations == [] for vp in viewer.viewports)
        assert not viewer.mpr_action.isChecked()
        assert all(r._closed for r in reformats)  # their workers are stopped

    def test_leaving_while_the_volume_loads_cancels_the_load(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        source = viewer.active.series
        viewer.mpr.enter()
        load = viewer.mpr.load
        viewer.mpr.toggle()  # at once: the load has not finished
        assert load.cancelled and not viewer.mpr.active
        assert load.join(10)
        QApplication.processEvents()
        assert viewer.layout_name == "1x1" and viewer.viewports[0].series is source
        assert viewer.mpr.state is None  # a late "ready" from the cancelled load is ignored

    def test_the_reformats_show_while_the_volume_loads_and_fill_in_once_it_is_in(self, qtbot, make_viewer, phantom,
                                                                                 monkeypatch):
        gate = threading.Event()
        real = volume_module.prepare_volume

        def gated(series):  # the load holds after the first slice until the test lets it go on
            volume, fill = real(series)

            def held(progress=None, cancelled=None):
                gate.wait(20)
                fill(progress, cancelled)
            return volume, held
        monkeypatch.setattr(volume_module, "prepare_volume", gated)
        viewer = make_viewer(phantom)
        mpr = viewer.mpr
        mpr.enter()
        qtbot.waitUntil(lambda: mpr.state is not None, timeout=10000)
        wait_reformats(qtbot, viewer)
        assert mpr.loading and mpr.volume.count == 1  # shown from the first slice alone
        coronal = mpr.viewports["coronal"]
        with in_language("en"):
            assert "Loading the volume: 2 %" in coronal.corner_texts().bottom_right
        early = {name: vp.frame for name, vp in mpr.viewports.items()}
        assert (early["coronal"].modality > 0).sum() == 0  # slice 0 (z = 0) holds no sphere
        gate.set()
        qtbot.waitUntil(lambda: not mpr.loading, timeout=20000)
        qtbot.waitUntil(lambda: all(vp.frame is not early[name] and vp.displayed_index == vp.index
                                    for name, vp in mpr.viewports.items()), timeout=10000)
        assert (coronal.frame.modality > 0).sum() > 0  # the spheres, now that every slice is in
        with in_language("en"):
            assert not any(line.startswith("Loading") for line in coronal.corner_texts().bottom_right)

    def test_a_series_that_is_not_a_volume_is_refused_in_the_viewer_with_the_reason(self, qtbot, make_viewer,
                                                                                    tmp_path):
        folder = phantoms.write_series(tmp_path / "two", [(0, 0, 0), (0, 0, 5)])
        viewer = make_viewer(folder)
        with in_language("en"):
            qtbot.keyClick(viewer.active, Qt.Key.Key_M)
            qtbot.waitUntil(lambda: viewer.mpr.problem is not None, timeout=10000)
        assert "at least 3 slices" in viewer.mpr.problem
        assert viewer.active._flash_text == viewer.mpr.problem  # shown in the viewport, no dialog
        assert QApplication.activeModalWidget() is None
        assert not viewer.mpr.active and viewer.layout_name == "1x1"
        assert not viewer.mpr_action.isChecked()


class TestCrosshair:
    def test_dragging_the_crosshair_in_the_axial_moves_the_coronal_and_sagittal_planes(self, qtbot, make_viewer,
                                                                                       phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        axial = mpr.viewports["axial"]
        axial_index = axial.index
        z = float(mpr.state.point[2])
        target = np.array([10.0, -8.0, z])  # in the axial plane: x 10 mm (left), y -8 mm (anterior)
        drag(axial, crosshair_at(viewer, "axial"), widget_point(viewer, "axial", target))
        wait_reformats(qtbot, viewer)
        pixel = axial.series.plane(0).spacing[0]  # mm per reformat pixel
        assert mpr.state.point[:2] == pytest.approx(target[:2], abs=pixel)  # within one screen pixel's worth
        assert mpr.state.point[2] == pytest.approx(z)
        assert axial.index == axial_index  # the dragged plane stays
        for name in ("coronal", "sagittal"):
            assert shown_distance(viewer, name, mpr.state.point) <= mpr.series[name].step / 2 + 1e-6
        coronal, sagittal = mpr.viewports["coronal"], mpr.viewports["sagittal"]
        assert coronal.series.plane(coronal.index).origin[1] == pytest.approx(-8.0, abs=mpr.series["coronal"].step)
        assert sagittal.series.plane(sagittal.index).origin[0] == pytest.approx(10.0, abs=mpr.series["sagittal"].step)

    def test_dragging_in_the_coronal_moves_the_axial_to_the_new_height(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        coronal = mpr.viewports["coronal"]
        start = mpr.state.point.copy()
        target = start + np.array([0.0, 0.0, 25.0])  # 25 mm towards the head
        drag(coronal, crosshair_at(viewer, "coronal"), widget_point(viewer, "coronal", target))
        wait_reformats(qtbot, viewer)
        assert mpr.state.point[2] == pytest.approx(target[2], abs=1.0)
        axial = mpr.viewports["axial"]
        assert axial.series.plane(axial.index).origin[2] == pytest.approx(mpr.state.point[2],
                                                                         abs=mpr.series["axial"].step / 2 + 1e-6)
        with in_language("en"):
            assert mpr.state.position_text().startswith("x ")
            assert mpr.state.position_text() in coronal.corner_texts().bottom_right

    def test_scrolling_a_reformat_moves_the_crosshair_along_its_normal(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        sagittal = mpr.viewports["sagittal"]
        before = mpr.state.point.copy()
        wheel(sagittal, -4)  # four reformats on
        wait_reformats(qtbot, viewer)
        moved = mpr.state.point - before
        assert abs(moved[0]) == pytest.approx(4 * mpr.series["sagittal"].step, abs=mpr.series["sagittal"].step)
        assert moved[1:] == pytest.approx([0.0, 0.0])

    def test_shift_dragging_a_line_rotates_the_other_planes_around_the_crosshair(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        axial = mpr.viewports["axial"]
        old = mpr.series["coronal"]
        centre = crosshair_at(viewer, "axial")
        (x0, y0), (x1, y1) = mpr.decorations["axial"].segments(axial)[1]["coronal"]
        end = axial.to_widget(x1 + 0.5, y1 + 0.5)
        on_line = centre + (end - centre) * 0.6  # on the coronal's line, away from the centre
        arm = on_line - centre
        cos, sin = np.cos(np.radians(30)), np.sin(np.radians(30))
        turned = centre + QPointF(arm.x() * cos - arm.y() * sin, arm.x() * sin + arm.y() * cos)  # 30° clockwise on screen
        shift = Qt.KeyboardModifier.ShiftModifier
        press = QEvent.Type.MouseButtonPress
        QApplication.sendEvent(axial, QMouseEvent(press, on_line, axial.mapToGlobal(on_line),
                                                  Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, shift))
        mouse(axial, QEvent.Type.MouseMove, turned, Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton)
        mouse(axial, QEvent.Type.MouseButtonRelease, turned, Qt.MouseButton.LeftButton)
        wait_reformats(qtbot, viewer)
        assert mpr.state.oblique("coronal") and mpr.state.oblique("sagittal") and not mpr.state.oblique("axial")
        assert mpr.state.angle("axial", "coronal") % 180 == pytest.approx(30.0, abs=1.0)
        assert mpr.series["coronal"] is not old and old._closed
        assert mpr.series["coronal"].name == "oblique"
        for name in ("coronal", "sagittal"):  # the new planes still pass through the crosshair
            assert shown_distance(viewer, name, mpr.state.point) <= mpr.series[name].step / 2 + 1e-6
        with in_language("en"):
            assert mpr.viewports["coronal"].corner_texts().bottom_right[0] == "Oblique coronal"
        qtbot.keyClick(axial, Qt.Key.Key_N)  # straight again
        wait_reformats(qtbot, viewer)
        assert not any(mpr.state.oblique(n) for n in PLANES)

    def test_bracket_keys_rotate_around_the_active_plane(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        coronal = mpr.viewports["coronal"]
        viewer.set_active_viewport(coronal)
        coronal.setFocus()
        qtbot.keyClick(coronal, Qt.Key.Key_BracketRight)
        qtbot.keyClick(coronal, Qt.Key.Key_BracketRight)
        wait_reformats(qtbot, viewer)
        assert not mpr.state.oblique("coronal")
        assert mpr.state.oblique("axial") and mpr.state.oblique("sagittal")
        normal = mpr.state.normal("axial")  # tilted 10° about the coronal normal (y)
        assert abs(float(normal[2])) == pytest.approx(np.cos(np.radians(10.0)))


class TestSlabAndViewing:
    def test_slab_keys_and_controls_reach_the_reformat_and_show_in_the_overlay(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        coronal = mpr.viewports["coronal"]
        viewer.set_active_viewport(coronal)
        coronal.setFocus()
        thin = coronal.frame
        qtbot.keyClick(coronal, Qt.Key.Key_B)  # 1 mm
        qtbot.keyClick(coronal, Qt.Key.Key_X)  # MIP
        assert mpr.series["coronal"].slab_mm == 1.0 and mpr.series["coronal"].mode == "mip"
        qtbot.waitUntil(lambda: coronal.frame is not thin, timeout=10000)
        one_mm = coronal.frame
        mpr.slab_box.setValue(20.0)  # the toolbar's spin box
        assert mpr.series["coronal"].slab_mm == 20.0
        assert mpr.mode_box.currentData() == "mip"
        assert mpr.series["axial"].slab_mm == 0.0  # only the active reformat
        expected = mpr.series["coronal"].frame(coronal.index).modality  # a 20 mm MIP, made here
        qtbot.waitUntil(lambda: coronal.frame is not one_mm and np.array_equal(coronal.frame.modality, expected),
                        timeout=10000)
        with in_language("en"):
            assert "MIP 20 mm" in coronal.corner_texts().bottom_right
        # The 20 mm MIP shows each sphere whole, the thin reformat only the section it cuts.
        assert (coronal.frame.modality > 0).sum() > (thin.modality > 0).sum()
        qtbot.keyClick(coronal, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
        assert mpr.series["coronal"].slab_mm == 15.0
        assert mpr.slab_box.value() == 15.0

    def test_window_level_drag_on_a_reformat_changes_the_window_of_the_three_reformats(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        coronal = viewer.mpr.viewports["coronal"]
        before = coronal.window()
        start = QPointF(coronal.width() * 0.2, coronal.height() * 0.2)  # away from the crosshair
        drag(coronal, start, start + QPointF(60, 30))
        after = coronal.window()
        assert after.width > before.width and after.center > before.center
        for vp in viewer.mpr.viewports.values():  # one window for the three reformats
            assert vp.window() == after
        assert viewer.viewports[3].state.window is None  # not the original series'
        assert viewer.mpr.state.point == pytest.approx(viewer.mpr.state.centre)  # the crosshair did not move
        assert coronal.frame.units == "HU"

    def test_measurements_on_a_reformat_are_in_mm_and_hu(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        centre, radius = phantoms.SPHERES[1]
        mpr.set_point(np.array(centre))
        wait_reformats(qtbot, viewer)
        sagittal = mpr.viewports["sagittal"]
        viewer.set_active_viewport(sagittal)
        viewer.set_tool("distance")  # drags across the crosshair measure, they do not move it
        plane = sagittal.series.plane(sagittal.displayed_index)
        head, foot = np.array(centre) + (0, 0, radius + 3), np.array(centre) - (0, 0, radius + 3)
        with qtbot.waitSignal(sagittal.measurementsChanged):
            drag(sagittal, widget_point(viewer, "sagittal", head), widget_point(viewer, "sagittal", foot))
        (distance,) = viewer.measurements.for_slice(sagittal.slice_key())
        spacing, _source = sagittal.spacing()
        assert distance.length(spacing)[0] == pytest.approx(2 * radius + 6, abs=plane.spacing[0])
        viewer.set_tool("ellipse")  # a circle of 8 mm inside the 14 mm sphere: its HU
        corner_a, corner_b = np.array(centre) + (0, -4, 4), np.array(centre) + (0, 4, -4)
        with qtbot.waitSignal(sagittal.measurementsChanged):
            drag(sagittal, widget_point(viewer, "sagittal", corner_a), widget_point(viewer, "sagittal", corner_b))
        roi = viewer.measurements.for_slice(sagittal.slice_key())[-1]
        stats = roi.stats(sagittal.frame, spacing)
        assert stats.unit == "HU" and stats.mean == pytest.approx(phantoms.SPHERE, abs=20)
        assert stats.area == pytest.approx(np.pi * 16, rel=0.1)  # mm²
        assert mpr.state.point == pytest.approx(centre)  # measuring moved nothing

    def test_a_key_image_of_a_reformat_names_its_plane(self, qtbot, make_viewer, phantom):
        viewer = make_viewer(phantom)
        enter_mpr(qtbot, viewer)
        mpr = viewer.mpr
        sagittal = mpr.viewports["sagittal"]
        viewer.set_active_viewport(sagittal)
        mpr.set_slab(10.0, "mip")
        wait_reformats(qtbot, viewer)
        with in_language("en"):
            key_image = viewer.add_key_image("Sphere")
        assert key_image.caption == "Sphere (Sagittal reformat, MIP 10 mm)"
        assert key_image.series_uid == mpr.series["sagittal"].series_uid
        assert key_image.slice_key == tuple(sagittal.slice_key())
        assert key_image.png.startswith(b"\x89PNG")


def test_a_gantry_tilted_series_says_its_tilt_was_corrected_and_its_slices_follow_the_crosshair(
        qtbot, make_viewer, tmp_path):
    viewer = make_viewer(phantoms.tilted(tmp_path / "tilted"))
    enter_mpr(qtbot, viewer)
    mpr = viewer.mpr
    with in_language("en"):
        for vp in mpr.viewports.values():
            assert "gantry tilt corrected" in vp.corner_texts().bottom_right
    # The tilted original in the fourth cell (not parallel to any reformat) goes to the slice
    # through the crosshair when the crosshair moves.
    sphere = np.array(phantoms.SPHERES[2][0])
    mpr.set_point(sphere)
    fourth = viewer.viewports[3]
    qtbot.waitUntil(lambda: fourth.displayed_index == fourth.index, timeout=5000)
    shown = Plane.from_slice_info(fourth.series.slice_info(fourth.index))
    gap = 2.5 * np.cos(np.radians(20.0))  # the phantom's slices along their normal
    assert abs(shown.distance(sphere)) <= gap / 2 + 1e-6
