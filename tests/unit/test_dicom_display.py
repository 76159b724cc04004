"""The Qt-free part of the viewport: pyramid levels, visible crops, overlay and probe text."""

import numpy as np
import pytest
from pydicom.dataset import Dataset

from viewers.dicom import display
from viewers.dicom.display import DisplayRenderer, FramePyramid, ViewState, level_for
from viewers.dicom.pixels import Frame, Window, render


def grey_frame(height: int, width: int, units: str = "HU") -> Frame:
    stored = (np.arange(height * width, dtype=np.int32).reshape(height, width) % 4096).astype(np.int16)
    modality = stored.astype(np.float32) - 1024
    return Frame(modality, stored, False, "MONOCHROME2", units, [Window(40, 400)], None, False,
                 (float(modality.min()), float(modality.max())))


class TestPyramid:
    @pytest.mark.parametrize("scale, step", [(2.0, 1), (0.6, 1), (0.5, 1), (0.49, 2), (0.2, 4), (0.01, 64)])
    def test_level_for_scale(self, scale, step):
        assert level_for(scale) == step

    def test_reduced_levels_are_2x2_means(self):
        frame = grey_frame(32, 48)
        half = FramePyramid(frame).level(2)
        assert half.modality.shape == (16, 24) and half.stored is None
        assert half.modality[1, 2] == pytest.approx(frame.modality[2:4, 4:6].mean())
        assert FramePyramid(grey_frame(8, 12)).level(4).modality.shape == (8, 12)  # never below 8 pixels

    def test_a_colour_level_stays_uint8(self):
        rgb = np.full((32, 32, 3), 200, np.uint8)
        frame = Frame(rgb, None, True, "RGB", "", [], None, False, (0.0, 255.0))
        assert FramePyramid(frame).level(2).modality.dtype == np.uint8


class TestRenderer:
    def test_zoomed_out_renders_a_reduced_image(self):
        frame = grey_frame(400, 300)
        shown = DisplayRenderer().render(frame, Window(40, 400), False, 0.2)
        assert shown.step == 4 and shown.pixels.shape == (100, 75)

    def test_zoomed_in_on_a_big_image_renders_the_visible_part(self):
        frame = grey_frame(2000, 1500)
        renderer = DisplayRenderer()
        shown = renderer.render(frame, Window(40, 400), False, 1.0, (600, 700, 900, 1000))
        assert shown.step == 1 and shown.pixels.size < frame.modality.size / 2
        assert shown.x0 <= 600 and shown.y0 <= 700
        full = render(frame, Window(40, 400))
        h, w = shown.pixels.shape
        assert np.array_equal(shown.pixels, full[shown.y0:shown.y0 + h, shown.x0:shown.x0 + w])
        assert renderer.covers((620, 720, 880, 980), 1)
        again = renderer.render(frame, Window(40, 400), False, 1.0, (610, 710, 910, 1010))
        assert again is shown  # a small pan reuses the rendered crop


class TestText:
    def test_window_text(self):
        assert display.window_text(Window(-600, 1500, "Lung")) == "W 1500 L -600 (Lung)"
        assert display.window_text(Window(40.25, 400)) == "W 400 L 40.2"

    def test_patient_and_study_lines(self):
        ds = Dataset()
        ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Test^Patient", "X1", "19700101", "F"
        ds.StudyDate, ds.StudyTime, ds.Modality, ds.SeriesNumber = "20260914", "101500", "CT", 2
        ds.SeriesDescription = "Thorax"
        assert display.patient_lines(ds) == ["TEST, Patient", "X1", "born 01/01/1970 F"]
        assert display.study_lines(ds) == ["14/09/2026 10:15", "CT Se 2 Thorax"]
        assert display.patient_lines(None) == []

    def test_view_lines_and_probe(self):
        state = ViewState(rotation=1, flip_h=True, invert=True)
        assert display.view_lines(Window(40, 400), 150.4, state) == ["W 400 L 40", "Zoom 150 %",
                                                                    "Rot 90° Flip H Inverted"]
        frame = grey_frame(4, 4)
        assert display.probe_text(frame, 1.7, 2.2) == f"x 1 y 2: stored {int(frame.stored[2, 1])} = " \
                                                      f"{int(frame.modality[2, 1])} HU"
        assert display.probe_text(frame, 4.0, 0.0) == ""
        assert display.probe_text(grey_frame(4, 4, units=""), 0, 0) == "x 0 y 0: stored 0 = -1024"
