"""viewers/dicom/planes.py: pixels placed in the patient, and where two planes cross."""

from types import SimpleNamespace

import numpy as np
import pytest

from viewers.dicom.planes import Plane

AXIAL = dict(row=(1, 0, 0), col=(0, 1, 0))  # head-first supine axial: R on the left, A on top
CORONAL = dict(row=(1, 0, 0), col=(0, 0, -1))
SAGITTAL = dict(row=(0, 1, 0), col=(0, 0, -1))


def plane(origin, orientation, spacing=(1.0, 1.0), shape=(100, 100), frame="1.2.3"):
    return Plane.make(origin, orientation["row"], orientation["col"], spacing, shape, frame)


def test_pixel_and_patient_coordinates_round_trip_with_anisotropic_spacing():
    p = plane((-50, -40, 10), AXIAL, spacing=(0.5, 2.0), shape=(200, 50))
    assert np.allclose(p.to_patient(3, 4), (-50 + 3 * 2.0, -40 + 4 * 0.5, 10))
    assert p.to_pixel(p.to_patient(7.25, 11.5)) == pytest.approx((7.25, 11.5))
    assert np.allclose(p.normal, (0, 0, 1))
    assert p.distance((0, 0, 13)) == pytest.approx(3)
    assert np.allclose(p.centre, (-50 + 24.5 * 2.0, -40 + 99.5 * 0.5, 10))


def test_a_sagittal_plane_crosses_an_axial_slice_as_a_vertical_line_where_x_says():
    axial = plane((-50, -50, 0), AXIAL)
    sagittal = plane((10, -50, 40), SAGITTAL)  # x = 10 mm, z from 40 down to -59
    (x0, y0), (x1, y1) = axial.intersection(sagittal)
    assert x0 == pytest.approx(60) and x1 == pytest.approx(60)
    assert sorted((y0, y1)) == pytest.approx([-0.5, 99.5])


def test_the_segment_is_clipped_to_the_other_image():
    axial = plane((-50, -50, 0), AXIAL)
    sagittal = plane((10, -20, 40), SAGITTAL, shape=(100, 30))  # y only from -20 to 9.5
    (x0, y0), (x1, y1) = axial.intersection(sagittal)
    assert sorted((y0, y1)) == pytest.approx([30 - 0.5, 30 + 29.5])


def test_parallel_or_distant_planes_do_not_cross():
    axial = plane((-50, -50, 0), AXIAL)
    assert axial.intersection(plane((-50, -50, 5), AXIAL)) is None
    sagittal_outside = plane((80, -50, 40), SAGITTAL)  # x = 80 mm: beyond the axial's right edge
    assert axial.intersection(sagittal_outside) is None
    sagittal_above = plane((10, -50, 300), SAGITTAL)  # z from 300 to 201: never reaches z = 0
    assert axial.intersection(sagittal_above) is None


def test_an_oblique_plane_crosses_along_a_slanted_line():
    axial = plane((-50, -50, 0), AXIAL)
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    oblique = Plane.make((-50, 0, 50), (c, s, 0), (0, 0, -1), (1, 1), (100, 200))
    (x0, y0), (x1, y1) = axial.intersection(oblique)
    assert (y1 - y0) / (x1 - x0) == pytest.approx(np.tan(np.radians(30)))


def test_from_slice_info_needs_a_placed_slice_in_the_patient():
    info = SimpleNamespace(position=(0, 0, 0), orientation=(1, 0, 0, 0, 1, 0), pixel_spacing=(0.7, 0.7),
                           rows=512, columns=256, spacing_source="PixelSpacing", frame_of_reference_uid="9")
    p = Plane.from_slice_info(info)
    assert p.shape == (512, 256) and p.spacing == (0.7, 0.7) and p.frame_of_reference_uid == "9"
    assert Plane.from_slice_info(SimpleNamespace(**{**vars(info), "position": None})) is None
    assert Plane.from_slice_info(SimpleNamespace(**{**vars(info), "spacing_source": "ImagerPixelSpacing"})) is None
    assert Plane.from_slice_info(SimpleNamespace(**{**vars(info), "orientation": (1, 0, 0, 1, 0, 0)})) is None
    assert p.same_frame(Plane.from_slice_info(info))
    assert not p.same_frame(Plane.from_slice_info(SimpleNamespace(**{**vars(info), "frame_of_reference_uid": None})))
