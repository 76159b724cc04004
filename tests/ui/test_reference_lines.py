"""Reference lines in the DICOM viewer: a scout beside its CT, the CT's slice drawn on the
scout where its z says, moving when the CT scrolls, off with L."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.ui.viewer_window import load_series
from tests.scout_data import write_ct_with_scout
from tests.ui.test_dicom_viewer import wait_shown, wheel
from viewers.dicom import reference_lines as rl
from viewers.dicom import reference_lines_widget
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.widget import DicomViewerWidget

SLICES = 20


@pytest.fixture
def scout_viewer(qtbot, tmp_path):
    ct_dir, scout_dir, geometry = write_ct_with_scout(tmp_path, SLICES, 64)
    cache = FrameCache(64 * MiB)
    scout, ct = load_series(scout_dir, cache, [])[0], load_series(ct_dir, cache, [])[0]
    viewer = DicomViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(1100, 560)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.set_series_list([scout, ct])
    viewer.set_layout("1x2")
    for vp in viewer.visible_viewports():
        wait_shown(qtbot, vp)
    yield viewer, viewer.viewports[0], viewer.viewports[1], geometry
    scout.close()
    ct.close()


def current_lines(vp):
    return [line for line in vp.reference_lines if line.kind == rl.CURRENT]


def scout_row(geometry, z):
    return (geometry["top_z"] - z) / geometry["row_mm"]


def test_viewports_say_which_plane_they_show(qtbot, scout_viewer):
    viewer, scout_vp, ct_vp, geometry = scout_viewer
    plane = ct_vp.current_plane()
    assert plane.distance((0, 0, geometry["z"][ct_vp.displayed_index])) == pytest.approx(0, abs=1e-6)
    assert scout_vp.current_plane().normal @ plane.normal == pytest.approx(0)
    viewer.viewports[3].set_series(None)
    assert viewer.viewports[3].current_plane() is None


def test_the_cts_slice_is_a_line_on_the_scout_that_follows_the_scroll(qtbot, scout_viewer):
    viewer, scout_vp, ct_vp, geometry = scout_viewer
    (line,) = current_lines(scout_vp)
    assert line.start[1] == pytest.approx(scout_row(geometry, geometry["z"][0]))
    assert line.end[1] == pytest.approx(line.start[1])
    wheel(ct_vp, -5)  # five slices further down
    wait_shown(qtbot, ct_vp, 5)
    (line,) = current_lines(scout_vp)
    assert line.start[1] == pytest.approx(scout_row(geometry, geometry["z"][5]))
    assert line.start[1] - scout_row(geometry, geometry["z"][0]) == pytest.approx(5 * 1.25)
    # On the scout, the CT's first and last slices as dim lines where their z says.
    ends = {line.kind: line.start[1] for line in scout_vp.reference_lines if line.kind != rl.CURRENT}
    assert ends == {rl.FIRST: pytest.approx(scout_row(geometry, geometry["z"][0])),
                    rl.LAST: pytest.approx(scout_row(geometry, geometry["z"][-1]))}
    # And the scout's plane (coronal, y = 0) crosses the axial slice along its middle row.
    (on_ct,) = current_lines(ct_vp)
    assert on_ct.start[1] == pytest.approx(31.5, abs=0.5) and on_ct.number == 0


def test_the_line_is_drawn_in_the_viewports_colour_and_l_turns_lines_off(qtbot, scout_viewer):
    viewer, scout_vp, ct_vp, geometry = scout_viewer
    viewer.set_active_viewport(scout_vp)  # the CT's line in its own colour, not highlighted
    (line,) = current_lines(scout_vp)
    assert not line.active
    middle = scout_vp.to_widget((line.start[0] + line.end[0]) / 2, line.start[1])
    expected = reference_lines_widget.colour(1)

    def on_line():  # a pixel at the line's middle in its colour
        image = scout_vp.grab().toImage()
        ratio = image.devicePixelRatio()
        for dy in (-2, -1, 0, 1, 2):
            c = image.pixelColor(int(middle.x() * ratio), int((middle.y() + dy) * ratio))
            if abs(c.red() - expected.red()) + abs(c.green() - expected.green()) + abs(c.blue() - expected.blue()) < 30:
                return True
        return False

    assert on_line()
    scout_vp.setFocus()
    qtbot.keyClick(scout_vp, Qt.Key.Key_L)
    assert not viewer.reference_lines_enabled and not viewer.lines_action.isChecked()
    assert scout_vp.reference_lines == [] and ct_vp.reference_lines == []
    assert not on_line()
    viewer.lines_action.trigger()  # the toolbar action turns them on again
    assert viewer.reference_lines_enabled and current_lines(scout_vp)


def test_the_active_viewports_line_is_highlighted(qtbot, scout_viewer):
    viewer, scout_vp, ct_vp, _geometry = scout_viewer
    viewer.set_active_viewport(ct_vp)
    assert [line.active for line in current_lines(scout_vp)] == [True]
    assert [line.active for line in current_lines(ct_vp)] == [False]


def test_series_of_another_frame_of_reference_get_no_line(qtbot, scout_viewer, tmp_path):
    viewer, scout_vp, ct_vp, _geometry = scout_viewer
    other_dir, _scout, _geometry = write_ct_with_scout(tmp_path / "other", 6, 32)  # the phantom's other frame
    other = load_series(other_dir, FrameCache(16 * MiB), [])[0]
    try:
        assert other.frame_of_reference_uid != scout_vp.series.frame_of_reference_uid
        viewer.show_series(other, viewport=1)
        wait_shown(qtbot, ct_vp)
        assert ct_vp.series is other and ct_vp.current_plane() is not None
        assert scout_vp.reference_lines == [] and ct_vp.reference_lines == []
    finally:
        other.close()
