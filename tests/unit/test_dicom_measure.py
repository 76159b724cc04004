"""Measurements: lengths in mm from Pixel Spacing, at the detector from Imager Pixel Spacing,
in pixels without either; angles; ROI statistics; the per-case set and its JSON."""

import io
import json
import math

import numpy as np
import pytest
from pydicom.uid import generate_uid

from app.demo.imaging import ct_series
from app.dossier.dicom_index import read_instance
from viewers.dicom.measure import Angle, Distance, EllipseROI, MeasurementSet, RectROI, measurement_from_json
from viewers.dicom.pixels import decode_frame
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import InstanceRef, SliceKey

KEY = SliceKey("1.2.3.4", 0)


def model_of(**changes) -> SeriesModel:
    """A one-slice CT whose spacing elements are changed (None deletes one)."""
    ds = next(ct_series(1, 32))
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    for keyword, value in changes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()
    info = read_instance(data, "CT1")
    return SeriesModel([InstanceRef(info.sop_instance_uid, "CT1", 1, info)], lambda ref: data)


class TestDistance:
    def test_with_pixel_spacing_the_length_is_in_mm(self):
        info = model_of(PixelSpacing=[0.7, 0.7]).slice_info(0)
        assert info.pixel_spacing == (0.7, 0.7) and info.spacing_source == "PixelSpacing"
        d = Distance((10, 10), (13, 14), KEY)
        assert d.length(info.pixel_spacing) == (pytest.approx(3.5), "mm")
        assert d.text(info.pixel_spacing, info.spacing_source) == "3.5 mm"

    def test_with_only_imager_pixel_spacing_the_length_is_at_the_detector(self):
        info = model_of(PixelSpacing=None, ImagerPixelSpacing=[0.2, 0.2]).slice_info(0)
        assert info.spacing_source == "ImagerPixelSpacing" and info.at_detector
        d = Distance((0, 0), (30, 40), KEY)
        assert d.length(info.pixel_spacing) == (pytest.approx(10.0), "mm")
        assert d.text(info.pixel_spacing, info.spacing_source) == "10.0 mm (at detector)"

    @pytest.mark.filterwarnings("ignore:Invalid value for VR DS")
    @pytest.mark.parametrize("spacing", [None, [0, 0], ["nan", "nan"]])
    def test_without_usable_spacing_the_length_is_in_pixels(self, spacing):
        info = model_of(PixelSpacing=spacing).slice_info(0)
        assert info.pixel_spacing is None and info.spacing_source is None
        d = Distance((0, 0), (3, 4), KEY)
        assert d.length(info.pixel_spacing) == (5.0, "px")
        assert d.text(info.pixel_spacing, info.spacing_source) == "5.0 px"

    def test_non_square_pixels_scale_each_axis(self):
        # (between rows, between columns): x runs along the columns.
        assert Distance((0, 0), (10, 0)).length((2.0, 0.5))[0] == pytest.approx(5.0)
        assert Distance((0, 0), (0, 10)).length((2.0, 0.5))[0] == pytest.approx(20.0)


class TestAngle:
    def test_right_and_half_right_angles(self):
        assert Angle((10, 0), (0, 0), (0, 10)).degrees() == pytest.approx(90)
        assert Angle((10, 0), (0, 0), (10, 10)).degrees() == pytest.approx(45)
        assert Angle((10, 0), (0, 0), (-10, 0)).degrees() == pytest.approx(180)
        assert Angle((10, 0), (0, 0), (10, 10)).text() == "45.0°"

    def test_angles_are_measured_in_mm(self):
        # A 45° angle in pixels is not 45° in the patient when pixels are twice as tall.
        assert Angle((10, 0), (0, 0), (10, 10)).degrees((2.0, 1.0)) == pytest.approx(math.degrees(math.atan(2)))

    def test_a_degenerate_angle_has_no_value(self):
        assert Angle((0, 0), (0, 0), (1, 1)).degrees() is None
        assert Angle((0, 0), (0, 0), (1, 1)).text() == "-"


class TestRoi:
    @pytest.fixture
    def block(self):
        values = np.full((64, 64), -1000, dtype=np.float32)
        values[20:30, 10:20] = 100  # rows 20..29, columns 10..19
        return values

    def test_a_rectangle_on_a_uniform_block(self, block):
        stats = RectROI((10, 20, 20, 30), KEY).stats(block, (0.7, 0.7), "HU")
        assert stats.n_pixels == 100
        assert (stats.mean, stats.sd, stats.min, stats.max) == (100, 0, 100, 100)
        assert stats.area == pytest.approx(100 * 0.7 * 0.7) and stats.area_unit == "mm²"
        assert stats.unit == "HU"
        assert stats.text() == "Area 49.0 mm², mean 100.0 HU, SD 0.0, min 100.0, max 100.0"

    def test_corners_may_be_given_in_any_order(self, block):
        assert RectROI((20, 30, 10, 20)).stats(block, None).n_pixels == 100

    def test_without_spacing_the_area_is_in_pixels(self, block):
        stats = RectROI((10, 20, 20, 30)).stats(block, None)
        assert (stats.area, stats.area_unit) == (100, "px²")

    def test_known_mean_and_sd(self, block):
        # Half the pixels at 100, half at -1000: mean -450, sample SD from numpy.
        stats = RectROI((10, 20, 20, 40)).stats(block, None)
        expected = block[20:40, 10:20]
        assert stats.n_pixels == 200
        assert stats.mean == pytest.approx(-450)
        assert stats.sd == pytest.approx(expected.std(ddof=1))
        assert (stats.min, stats.max) == (-1000, 100)

    def test_an_ellipse_takes_the_pixel_centres_inside(self, block):
        ellipse = EllipseROI((10, 20, 20, 30), KEY)
        stats = ellipse.stats(block, (0.5, 0.5), "HU")
        assert stats.mean == 100 and stats.sd == 0
        assert 70 < stats.n_pixels < 100  # a circle of diameter 10 covers ~78 pixel centres
        assert stats.area == pytest.approx(math.pi * 25 * 0.25)

    def test_a_large_ellipse_area_approaches_its_pixel_count(self):
        values = np.zeros((400, 400), dtype=np.float32)
        stats = EllipseROI((0, 0, 400, 300)).stats(values, None)
        assert stats.n_pixels == pytest.approx(math.pi * 200 * 150, rel=0.01)

    def test_a_shape_outside_the_image_measures_nothing(self, block):
        stats = RectROI((100, 100, 120, 120)).stats(block, (1, 1))
        assert stats.n_pixels == 0 and stats.mean is None and stats.area == 400
        assert stats.text() == "Area 400.0 mm²"

    def test_a_shape_across_the_edge_is_clipped(self, block):
        assert RectROI((-5, -5, 5, 5)).stats(block, None).n_pixels == 25

    def test_non_finite_values_are_left_out(self, block):
        block[20, 10] = np.nan
        stats = RectROI((10, 20, 20, 30)).stats(block, None)
        assert stats.n_pixels == 99 and stats.mean == 100

    def test_colour_is_measured_on_luminance(self):
        rgb = np.zeros((10, 10, 3), dtype=np.uint8)
        rgb[..., 0] = 100  # pure red 100 -> luminance 29.9
        stats = RectROI((0, 0, 10, 10)).stats(rgb, None, "HU")
        assert stats.luminance and stats.unit == "" and stats.mean == pytest.approx(29.9)

    def test_a_decoded_frame_brings_its_units(self):
        ds = next(ct_series(1, 32))
        frame = decode_frame(ds, 0)
        stats = RectROI((0, 0, 4, 4)).stats(frame, (1, 1))
        assert stats.unit == "HU" and stats.mean == pytest.approx(float(frame.modality[:4, :4].mean()))


class TestMeasurementSet:
    def test_add_list_by_slice_delete(self):
        other = SliceKey("1.2.3.5", 2)
        ms = MeasurementSet()
        d = ms.add(Distance((0, 0), (1, 1)), KEY)
        a = ms.add(Angle((1, 0), (0, 0), (0, 1), other))
        r = ms.add(RectROI((0, 0, 2, 2), KEY))
        assert ms.for_slice(KEY) == [d, r] and ms.for_slice(("1.2.3.5", 2)) == [a]
        assert ms.slices() == [KEY, other]
        assert ms.delete(d.id) and not ms.delete(d.id)
        assert ms.for_slice(KEY) == [r] and len(ms) == 2
        assert ms.delete_slice(other) == 1 and len(ms) == 1

    def test_a_measurement_needs_a_slice(self):
        with pytest.raises(ValueError):
            MeasurementSet().add(Distance((0, 0), (1, 1)))

    def test_json_round_trip(self):
        ms = MeasurementSet([Distance((0.5, 1.25), (3, 4), KEY), Angle((1, 0), (0, 0), (0, 1), KEY),
                             RectROI((1, 2, 3, 4), KEY), EllipseROI((5, 6, 7, 8), SliceKey("9.9", 3))])
        text = json.dumps(ms.to_json())
        again = MeasurementSet.from_json(json.loads(text))
        assert [m.to_json() for m in again] == [m.to_json() for m in ms]
        assert [type(m) for m in again] == [Distance, Angle, RectROI, EllipseROI]
        assert again.for_slice(SliceKey("9.9", 3))[0].rect == (5, 6, 7, 8)

    def test_unknown_types_are_kept_and_written_back(self):
        data = {"format": "secondo-measurements/1",
                "measurements": [{"type": "spline", "id": "x", "slice": ["1", 0], "points": [[1, 2]]},
                                 Distance((0, 0), (1, 0), KEY).to_json()]}
        ms = MeasurementSet.from_json(data)
        assert len(ms) == 1
        assert {"type": "spline", "id": "x", "slice": ["1", 0], "points": [[1, 2]]} in ms.to_json()["measurements"]

    def test_a_malformed_entry_is_refused(self):
        with pytest.raises(ValueError):
            measurement_from_json({"type": "distance", "id": "x", "a": [0]})
