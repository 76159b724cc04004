"""viewers/dicom/reference_lines.py: which other viewports' slices are drawn on a viewport,
and where."""

from types import SimpleNamespace

import pytest
from pydicom.dataset import Dataset

from viewers.dicom.planes import Plane
from viewers.dicom import reference_lines as rl

FRAME = "1.2.826.0.1.3680043.2.1125.17.1"
# A coronal scout 400 mm wide and 500 mm high: x from -200 to 199, z from +100 down to -399.
SCOUT = Plane.make((-200, 0, 100), (1, 0, 0), (0, 0, -1), (1.0, 1.0), (500, 400), FRAME)


def axial(z: float, frame: str | None = FRAME, size: int = 350) -> Plane:
    """An axial CT slice at height z, 350 mm across, centred on the patient's axis."""
    origin = -(size - 1) / 2
    return Plane.make((origin, origin, z), (1, 0, 0), (0, 1, 0), (1.0, 1.0), (size, size), frame)


def test_on_a_scout_an_axial_slice_is_a_horizontal_line_at_its_height():
    for z in (0.0, -37.5, -250.0):
        (line,) = rl.lines_for(SCOUT, [rl.Source(1, axial(z))])
        (x0, y0), (x1, y1) = line.start, line.end
        row = 100 - z  # the scout's row of height z (1 mm per row, from z = +100 down)
        assert y0 == pytest.approx(row) and y1 == pytest.approx(row)
        # As wide as the slice (350 mm), not the scout: columns of x = -174.5 .. 174.5 (±0.5 px).
        assert sorted((x0, x1)) == pytest.approx([200 - 175, 200 + 175])
        assert (line.number, line.kind, line.active) == (1, rl.CURRENT, False)


def test_a_slice_outside_the_scout_or_of_another_frame_of_reference_has_no_line():
    assert rl.lines_for(SCOUT, [rl.Source(1, axial(150.0))]) == []  # above the scout's top
    assert rl.lines_for(SCOUT, [rl.Source(1, axial(0.0, frame="9.9.9"))]) == []
    assert rl.lines_for(SCOUT, [rl.Source(1, axial(0.0, frame=None))]) == []
    assert rl.lines_for(SCOUT, [rl.Source(1, None)]) == []
    assert rl.lines_for(None, [rl.Source(1, axial(0.0))]) == []


def test_parallel_slices_have_no_line():
    assert rl.lines_for(axial(0.0), [rl.Source(1, axial(-10.0))]) == []


def test_the_scout_also_shows_the_first_and_last_slices_dim_and_the_active_line_last():
    first, current, last = axial(-20.0), axial(-100.0), axial(-300.0)
    lines = rl.lines_for(SCOUT, [rl.Source(0, current, True, first, last),
                                 rl.Source(2, axial(-50.0))], extent=True)
    kinds = [(line.kind, line.number, line.active, line.start[1]) for line in lines]
    assert kinds[:2] == [(rl.FIRST, 0, False, pytest.approx(120)), (rl.LAST, 0, False, pytest.approx(400))]
    assert kinds[2:] == [(rl.CURRENT, 2, False, pytest.approx(150)), (rl.CURRENT, 0, True, pytest.approx(200))]
    # Without extent (the target is not a scout): the current slices only.
    assert [line.kind for line in rl.lines_for(SCOUT, [rl.Source(0, current, True, first, last)])] == [rl.CURRENT]


def test_the_scout_sees_the_axial_slice_and_the_axial_slice_the_scout():
    (on_axial,) = rl.lines_for(axial(-40.0), [rl.Source(0, SCOUT)])
    # The coronal scout at y = 0 crosses the 350 mm axial slice along its middle row.
    assert on_axial.start[1] == pytest.approx(174.5) and on_axial.end[1] == pytest.approx(174.5)


def test_is_localizer_reads_image_type():
    ds = Dataset()
    assert not rl.is_localizer(ds) and not rl.is_localizer(None)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    assert rl.is_localizer(ds)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    assert not rl.is_localizer(ds)


class Stack:
    """A series whose headers are read for slice 5 only (the import index for the others)."""

    def __init__(self, count=10):
        self.count = count

    def __len__(self):
        return self.count

    def peek_slice_info(self, n):
        read = n == 5
        return SimpleNamespace(position=(-174.5, -174.5, -2.5 * n), orientation=(1, 0, 0, 0, 1, 0),
                               pixel_spacing=(1.0, 1.0) if read else None,
                               spacing_source="PixelSpacing" if read else None,
                               rows=350, columns=350, frame_of_reference_uid=FRAME)


def test_plane_at_uses_the_header_and_borrows_the_spacing_for_slices_not_read_yet():
    stack = Stack()
    current = rl.plane_at(stack, 5)
    assert current.distance((0, 0, -12.5)) == pytest.approx(0)
    assert rl.plane_at(stack, 0) is None  # no spacing known for it
    first = rl.plane_at(stack, 0, like=current)
    assert first.distance((0, 0, 0)) == pytest.approx(0) and first.spacing == (1.0, 1.0)
    assert rl.plane_at(stack, 10) is None and rl.plane_at(None, 0) is None


def test_plane_at_asks_a_reformat_for_its_plane():
    class Reformat:
        def __len__(self):
            return 3

        def plane(self, n):
            return axial(-n * 10.0)

    assert rl.plane_at(Reformat(), 2).distance((0, 0, -20)) == pytest.approx(0)


def test_a_source_with_its_own_colour_gives_it_to_its_lines():
    (line,) = rl.lines_for(SCOUT, [rl.Source(2, axial(0.0), colour=(80, 220, 100))])
    assert line.colour == (80, 220, 100) and line.number == 2
    (plain,) = rl.lines_for(SCOUT, [rl.Source(2, axial(0.0))])
    assert plain.colour is None
