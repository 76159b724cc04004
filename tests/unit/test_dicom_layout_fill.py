"""Which series the viewports new in a layout show (viewers/dicom/layout_fill.py)."""

from __future__ import annotations

from viewers.dicom.layout_fill import next_series


def test_the_next_series_after_the_one_shown_in_reading_order():
    assert next_series([0], 5, 3) == [1, 2, 3]
    assert next_series([3], 5, 3) == [4, 0, 1]


def test_never_one_already_on_screen_and_fewer_when_there_are_no_more():
    assert next_series([1, 0], 4, 2) == [2, 3]
    assert next_series([0], 2, 3) == [1]
    assert next_series([0], 1, 3) == []


def test_empty_viewports_count_for_nothing():
    assert next_series([None], 3, 1) == [0]
    assert next_series([], 0, 3) == []
