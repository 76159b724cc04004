"""The corner texts of a viewport never overlap each other nor the markers and the scale bar
(viewers/dicom/overlay_layout.py), whatever the viewport's size."""

from __future__ import annotations

from itertools import combinations

import pytest

from viewers.dicom.display import Corners
from viewers.dicom.overlay_layout import Box, elide, layout_corners

CHAR = 7.0  # a monospace stand-in for the font: every character 7 px wide
LINE = 15.0


def measure(text: str) -> float:
    return CHAR * len(text)


CORNERS = Corners(
    ["TEST, Patient", "70.01.01-000.00", "born 01/01/1970 F"],
    ["DEMO sample CT (pydicom test data)", "01/01/2026 12:00", "CT Se 2 Thorax 1.25 mm lung kernel"],
    ["Im 31/60", "Loc -37.5 mm", "Thk 1.25 mm", "loading image 32…", "HU 40 at 120, 88"],
    ["W 1500 L -600 (Lung)", "Zoom 48 %"])


def reserved_for(width: float, height: float) -> list[Box]:
    """Orientation markers in the middle of each edge and a scale bar above the bottom one."""
    m = 6
    return [Box(m, height / 2 - LINE / 2, CHAR, LINE), Box(width - m - CHAR, height / 2 - LINE / 2, CHAR, LINE),
            Box(width / 2 - CHAR / 2, m, CHAR, LINE), Box(width / 2 - CHAR / 2, height - m - LINE, CHAR, LINE),
            Box(width * 3 / 8, height - 2 * m - 2 * LINE - 8, width / 4 + 50, LINE + 8)]


@pytest.mark.parametrize("size", [(1000, 800), (360, 300), (250, 200), (180, 120), (120, 90), (60, 40)])
def test_no_two_texts_overlap_and_none_covers_a_marker_or_the_scale_bar(size):
    width, height = size
    reserved = reserved_for(width, height)
    placed = layout_corners(width, height, CORNERS, line_height=LINE, measure=measure, reserved=reserved)
    for a, b in combinations(placed, 2):
        assert not a.box.overlaps(b.box), (a, b)
    for item in placed:
        assert not any(item.box.overlaps(box) for box in reserved), item
        assert 0 <= item.box.x and item.box.right <= width and 0 <= item.box.y and item.box.bottom <= height
        assert item.box.w == pytest.approx(measure(item.text))


def test_a_large_viewport_shows_every_line_whole_in_its_corner():
    placed = layout_corners(1000, 800, CORNERS, line_height=LINE, measure=measure, reserved=reserved_for(1000, 800))
    assert [p.text for p in placed if p.corner == "top_left"] == CORNERS.top_left
    assert [p.text for p in placed if p.corner == "bottom_left"] == CORNERS.bottom_left
    assert all(p.box.x + p.box.w > 500 for p in placed if p.corner.endswith("right"))
    bottom_left = [p.box.y for p in placed if p.corner == "bottom_left"]
    assert bottom_left == sorted(bottom_left) and max(bottom_left) == 800 - 6 - LINE


def test_a_small_viewport_drops_the_last_lines_first_and_elides_long_ones():
    placed = layout_corners(250, 120, CORNERS, line_height=LINE, measure=measure, reserved=reserved_for(250, 120))
    bottom_left = [p.text for p in placed if p.corner == "bottom_left"]
    assert 0 < len(bottom_left) < len(CORNERS.bottom_left)
    for shown, line in zip(bottom_left, CORNERS.bottom_left):  # the first lines kept, in order, whole or elided
        assert shown == line or (shown.endswith("…") and line.startswith(shown[:-1]))
    top_right = [p.text for p in placed if p.corner == "top_right"]
    assert top_right and top_right[0].endswith("…") and top_right[0][:-1] in CORNERS.top_right[0]


def test_a_line_passes_over_the_row_of_the_scale_bar_when_a_spare_row_holds_it_whole():
    width, height = 360.0, 300.0
    bar = Box(150, height - 6 - 2 * LINE, 150, LINE)  # the row of the second line from the bottom
    corners = Corners([], [], [], ["W 100 L 40", "Zoom 48 %"])
    placed = layout_corners(width, height, corners, line_height=LINE, measure=measure, reserved=[bar])
    assert [p.text for p in placed] == ["W 100 L 40", "Zoom 48 %"]
    assert placed[0].box.y == height - 6 - 3 * LINE  # above the bar's row, not elided beside it


def test_elide():
    assert elide("Thorax", 100, measure) == "Thorax"
    assert elide("Thorax 1.25 mm", 6 * CHAR, measure) == "Thora…"
    assert elide("Thorax", CHAR / 2, measure) == ""
