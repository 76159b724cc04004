"""The MPR view's state without Qt: the crosshair moves the planes, scrolling moves the
crosshair, rotations turn the other planes around the crosshair, slabs step and say so."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.core.i18n import in_language
from viewers.dicom.mpr_state import PLANES, MprState, rotation_matrix

# A volume 100 mm (x) by 80 mm (y) by 60 mm (z), from (-50, -40, 0).
LOW, HIGH = np.array([-50.0, -40.0, 0.0]), np.array([50.0, 40.0, 60.0])
CORNERS = [np.where(np.array(bits, dtype=bool), HIGH, LOW) for bits in itertools.product((0, 1), repeat=3)]


@pytest.fixture
def state() -> MprState:
    return MprState(CORNERS, 0.5, "1.2.3")


def test_the_crosshair_starts_at_the_volume_centre_and_each_plane_passes_through_it(state):
    assert state.point == pytest.approx([0.0, 0.0, 30.0])
    for name in PLANES:
        plane = state.plane(name)
        assert plane.distance(state.point) == pytest.approx(0.0)
        assert plane.frame_of_reference_uid == "1.2.3"


def test_the_standard_planes_read_right_on_the_left_and_head_up(state):
    axial, coronal, sagittal = (state.plane(n) for n in PLANES)
    assert axial.row == pytest.approx([1, 0, 0]) and axial.col == pytest.approx([0, 1, 0])
    assert coronal.row == pytest.approx([1, 0, 0]) and coronal.col == pytest.approx([0, 0, -1])
    assert sagittal.row == pytest.approx([0, 1, 0]) and sagittal.col == pytest.approx([0, 0, -1])
    # Each covers the volume with square pixels of 0.5 mm.
    assert axial.shape == (161, 201)
    assert coronal.shape == (121, 201)
    assert sagittal.shape == (121, 161)
    assert coronal.spacing == (0.5, 0.5)
    # The top left pixel of the coronal is the patient's right (-x) and head (+z) corner.
    assert coronal.to_patient(0, 0)[[0, 2]] == pytest.approx([-50.0, 60.0])


def test_a_drag_in_the_axial_moves_the_coronal_and_sagittal_planes_to_the_point(state):
    axial = state.plane("axial")
    x, y = axial.to_pixel([20.0, -10.0, 30.0])
    moved = state.move_to("axial", x, y)
    assert moved == {"coronal", "sagittal"}
    assert state.point == pytest.approx([20.0, -10.0, 30.0])
    assert state.location("sagittal") == pytest.approx(-20.0)  # the sagittal normal points to the right, -x
    assert state.location("coronal") == pytest.approx(-10.0)  # y
    assert state.plane("axial").distance([0, 0, 30]) == pytest.approx(0.0)  # the axial stays
    # The crosshair lines in the coronal cross where the point is.
    cx, cy = state.centre_pixel("coronal")
    assert state.plane("coronal").to_patient(cx, cy) == pytest.approx([20.0, -10.0, 30.0])


def test_the_crosshair_stays_inside_the_volume(state):
    axial = state.plane("axial")
    state.move_to("axial", *axial.to_pixel([500.0, -500.0, 30.0]))
    assert state.point == pytest.approx([50.0, -40.0, 30.0])


def test_dragging_one_line_moves_only_that_plane(state):
    coronal = state.plane("coronal")
    x, y = coronal.to_pixel([10.0, 0.0, 45.0])
    moved = state.move_line("coronal", "axial", x, y)
    assert moved == {"axial"}
    assert state.point == pytest.approx([0.0, 0.0, 45.0])


def test_scrolling_a_plane_moves_the_crosshair_along_its_normal_and_the_listeners_hear_it(state):
    heard = []
    state.listeners.append(heard.append)
    state.set_location("axial", 12.0)
    assert state.point == pytest.approx([0.0, 0.0, 12.0])
    assert heard == [{"axial"}]
    assert state.index("axial") == 24  # 12 mm at 0.5 mm from z = 0


def test_the_lines_of_the_crosshair_in_each_plane_cross_at_the_point(state):
    state.set_point([5.0, 7.0, 20.0])
    for name in PLANES:
        lines = state.lines(name)
        assert set(lines) == set(PLANES) - {name}
        cx, cy = state.centre_pixel(name)
        for (x0, y0), (x1, y1) in lines.values():
            # The centre lies on each segment: the cross product of the two vectors is ~0.
            assert (x1 - x0) * (cy - y0) - (y1 - y0) * (cx - x0) == pytest.approx(0.0, abs=1e-6)


def test_rotating_in_the_axial_turns_the_other_planes_around_the_crosshair(state):
    state.set_point([10.0, 5.0, 30.0])
    changed = state.rotate("axial", 30.0)
    assert changed == {"coronal", "sagittal"}
    assert not state.oblique("axial") and state.oblique("coronal") and state.oblique("sagittal")
    # The coronal's row turned by 30° around +z (the axial normal), from +x towards +y.
    row, _col = state.axes["coronal"]
    assert row == pytest.approx([np.cos(np.radians(30)), np.sin(np.radians(30)), 0.0])
    for name in PLANES:  # still through the crosshair, still orthogonal to each other
        assert state.plane(name).distance(state.point) == pytest.approx(0.0, abs=1e-9)
    for a, b in itertools.combinations(PLANES, 2):
        assert float(np.dot(state.normal(a), state.normal(b))) == pytest.approx(0.0, abs=1e-9)
    # The coronal's line in the axial now runs at 30°.
    assert state.angle("axial", "coronal") % 180 == pytest.approx(30.0)
    with in_language("en"):
        assert state.label("coronal") == "Oblique coronal"
        assert state.label("axial") == "Axial"
    state.reset_rotation()
    assert not any(state.oblique(n) for n in PLANES)


def test_an_oblique_plane_still_covers_the_whole_volume(state):
    state.rotate("axial", 45.0)
    plane = state.base_plane("coronal")
    rows, columns = plane.shape
    for corner in CORNERS:
        x, y = plane.to_pixel(corner)
        assert -0.5 <= x <= columns - 0.5 and -0.5 <= y <= rows - 0.5


def test_rotation_matrix_turns_x_towards_y_around_z():
    assert rotation_matrix((0, 0, 1), 90) @ np.array([1.0, 0, 0]) == pytest.approx([0, 1, 0])


def test_slab_thickness_steps_and_modes_cycle_and_say_so(state):
    with in_language("en"):
        assert state.slabs["coronal"].text() == ""
        state.thicker("coronal", 1)
        assert state.slabs["coronal"].thickness_mm == 1.0
        state.set_slab("coronal", 20.0, "mip")
        assert state.slabs["coronal"].text() == "MIP 20 mm"
        state.thicker("coronal", -1)
        assert state.slabs["coronal"].thickness_mm == 15.0
        state.next_mode("coronal")
        assert state.slabs["coronal"].text() == "MinIP 15 mm"
        state.next_mode("coronal")
        assert state.slabs["coronal"].text() == "Average 15 mm"
        assert state.slabs["axial"].thickness_mm == 0.0  # each plane its own slab
        assert state.set_slab("axial", 10_000).thickness_mm == 200.0
    with pytest.raises(ValueError):
        state.set_slab("axial", mode="sum")


def test_the_position_text_names_the_patient_coordinates(state):
    state.set_point([12.34, -5.0, 30.0])
    with in_language("en"):
        assert state.position_text() == "x 12.3 y -5 z 30 mm"
    with in_language("fr"):
        assert state.position_text() == "x 12,3 y -5 z 30 mm"
