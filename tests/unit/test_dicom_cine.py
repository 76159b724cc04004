"""The cine speed a DICOM header asks for (viewers/dicom/cine.py)."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from viewers.dicom.cine import file_frame_interval, fps_for


def header(**elements) -> Dataset:
    ds = Dataset()
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


class TestFileFrameInterval:
    def test_recommended_display_frame_rate_comes_first(self):
        assert file_frame_interval(header(RecommendedDisplayFrameRate=25, FrameTime=100)) == pytest.approx(40.0)

    def test_frame_time_in_milliseconds(self):
        assert file_frame_interval(header(FrameTime="33.3")) == pytest.approx(33.3)

    def test_frame_time_vector_is_averaged_after_its_first_entry(self):
        assert file_frame_interval(header(FrameTimeVector=[0, 40, 60, 50])) == pytest.approx(50.0)

    def test_cine_rate_last(self):
        assert file_frame_interval(header(CineRate=20)) == pytest.approx(50.0)

    def test_none_when_the_file_says_nothing_or_nonsense(self):
        assert file_frame_interval(header()) is None
        assert file_frame_interval(header(FrameTime="0", RecommendedDisplayFrameRate=0)) is None
        assert file_frame_interval(None) is None

    def test_kept_within_one_to_sixty_frames_per_second(self):
        assert file_frame_interval(header(RecommendedDisplayFrameRate=500)) == pytest.approx(1000 / 60)
        assert file_frame_interval(header(FrameTime=5000)) == pytest.approx(1000.0)


def test_the_fps_box_shows_the_rounded_rate():
    assert fps_for(40.0) == 25 and fps_for(33.3) == 30 and fps_for(1000.0) == 1 and fps_for(10.0) == 60
