"""Orientation markers (patient +x Left, +y Posterior, +z Head), view transforms, slice
location and the scale bar."""

import math

import pytest

from viewers.dicom.geometry import (apply_view_transform, direction_letters, normal, orientation_labels,
                                    scale_bar, slice_location)

AXIAL = [1, 0, 0, 0, 1, 0]
CORONAL = [1, 0, 0, 0, 0, -1]
SAGITTAL = [0, 1, 0, 0, 0, -1]


def test_axial_reads_r_left_l_right_a_top_p_bottom():
    # Row cosine +x: the column index grows towards the patient's left, so the RIGHT edge
    # of the screen is the patient's Left, as RadiAnt and Weasis show it.
    assert orientation_labels(AXIAL) == {"left": "R", "right": "L", "top": "A", "bottom": "P"}


def test_coronal_and_sagittal():
    assert orientation_labels(CORONAL) == {"left": "R", "right": "L", "top": "H", "bottom": "F"}
    assert orientation_labels(SAGITTAL) == {"left": "A", "right": "P", "top": "H", "bottom": "F"}


def test_feet_first_prone_axial_is_mirrored():
    assert orientation_labels([-1, 0, 0, 0, -1, 0]) == {"left": "L", "right": "R", "top": "P", "bottom": "A"}


def test_oblique_gives_two_letters_largest_first():
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    labels = orientation_labels([c, s, 0, -s, c, 0])  # axial rotated 30° in plane
    assert labels["right"] == "LP" and labels["left"] == "RA"
    assert labels["bottom"] == "PR" and labels["top"] == "AL"


def test_small_tilts_are_ignored_below_the_threshold():
    tilt = math.sin(math.radians(10))  # 0.17 < 0.25
    assert orientation_labels([1, 0, 0, 0, math.cos(math.radians(10)), -tilt])["bottom"] == "P"
    assert direction_letters([0.6, 0.6, 0.53]) == "LPH"  # double oblique: three letters


def test_missing_or_malformed_orientation_gives_no_labels():
    empty = {"left": "", "right": "", "top": "", "bottom": ""}
    assert orientation_labels(None) == empty
    assert orientation_labels([1, 0, 0]) == empty
    assert orientation_labels([0, 0, 0, 0, 0, 0]) == empty
    assert orientation_labels(["x", 0, 0, 0, 1, 0]) == empty


def test_rotation_is_clockwise_then_flips_on_screen():
    labels = orientation_labels(AXIAL)
    assert apply_view_transform(labels, 90) == {"left": "P", "right": "A", "top": "R", "bottom": "L"}
    assert apply_view_transform(labels, 180) == {"left": "L", "right": "R", "top": "P", "bottom": "A"}
    assert apply_view_transform(labels, -90) == apply_view_transform(labels, 270)
    assert apply_view_transform(labels, 0, flip_h=True) == {"left": "L", "right": "R", "top": "A", "bottom": "P"}
    assert apply_view_transform(labels, 0, flip_v=True) == {"left": "R", "right": "L", "top": "P", "bottom": "A"}
    # Rotation first, then the on-screen mirror (viewers.dicom.display.ViewState order).
    assert apply_view_transform(labels, 90, flip_h=True) == {"left": "A", "right": "P", "top": "R", "bottom": "L"}
    assert apply_view_transform(labels, 360) == labels


def test_slice_location_is_the_position_along_the_normal():
    assert normal(AXIAL) == (0, 0, 1)
    assert slice_location([-180, -180, -12.5], AXIAL) == pytest.approx(-12.5)
    assert slice_location([10, 20, 30], SAGITTAL) == pytest.approx(-10)  # normal (-1, 0, 0)
    assert slice_location(None, AXIAL) is None and slice_location([1, 2, 3], None) is None


@pytest.mark.parametrize("spacing, zoom, max_pixels, expected_mm", [
    (0.7, 1.0, 200, 100),  # 140 mm fit: 100
    (0.7, 1.0, 100, 50),  # 70 mm fit: 50
    (0.7, 2.0, 100, 20),  # 35 mm fit: 20
    (0.5, 1.0, 20, 10),  # 10 mm fit exactly: 10
    (0.1, 1.0, 19, 1),  # 1.9 mm fit: 1
    (0.1, 4.0, 10, 0.2),  # 0.25 mm fit: 0.2
    (1.0, 0.05, 200, 2000),  # zoomed far out: 4000 mm fit: 2000
])
def test_the_scale_bar_is_a_round_number_that_fits(spacing, zoom, max_pixels, expected_mm):
    length_mm, length_pixels = scale_bar(spacing, zoom, max_pixels)
    assert length_mm == pytest.approx(expected_mm)
    assert length_pixels == pytest.approx(expected_mm * zoom / spacing)
    assert length_pixels <= max_pixels + 1e-6


def test_the_scale_bar_uses_the_column_spacing_and_needs_a_spacing():
    assert scale_bar((0.5, 0.25), 1.0, 100) == (20, 80)
    assert scale_bar(None, 1.0, 100) is None
    assert scale_bar(0, 1.0, 100) is None
    assert scale_bar(float("nan"), 1.0, 100) is None
