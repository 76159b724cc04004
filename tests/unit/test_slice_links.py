"""viewers/dicom/slice_links.py and their keeping with the case: an offset between two
series set once, used both ways, kept encrypted across reopening the store."""

import pytest

from app.store.annotations import AnnotationStore
from app.store.store import CaseStore
from viewers.dicom.measure import MeasurementSet
from viewers.dicom.slice_links import SliceLinks

CASE = "0123456789abcdef0123456789abcdef"
UP, DOWN = (0, 0, 1), (0, 0, -1)


def test_a_link_matches_locations_both_ways_with_its_offset():
    links = SliceLinks()
    assert links.linked_location("a", "b", 10.0) is None
    assert links.link("a", -100.0, UP, "b", -62.5, UP) == pytest.approx(37.5)
    assert links.linked_location("a", "b", -110.0) == pytest.approx(-72.5)
    assert links.linked_location("b", "a", -72.5) == pytest.approx(-110.0)
    assert links.offset("b", "a") == pytest.approx(-37.5)
    assert links.linked_location("a", "c", 0.0) is None


def test_series_stacked_in_opposite_directions_still_scroll_the_same_way_in_the_patient():
    links = SliceLinks()
    links.link("a", -100.0, UP, "b", 90.0, DOWN)  # location along DOWN = -z
    # 10 mm further down in the patient in A (z -110) is 10 mm further along B's normal.
    assert links.linked_location("a", "b", -110.0) == pytest.approx(100.0)
    assert links.linked_location("b", "a", 100.0) == pytest.approx(-110.0)


def test_relinking_replaces_and_json_round_trips():
    links = SliceLinks()
    links.link("a", 0.0, UP, "b", 5.0, UP)
    links.link("b", 5.0, UP, "a", 2.0, UP)  # the other way round: one link, the new offset
    assert len(links) == 1 and links.linked_location("a", "b", 2.0) == pytest.approx(5.0)
    again = SliceLinks.from_json(links.to_json())
    assert again.linked_location("a", "b", 12.0) == pytest.approx(15.0)
    assert len(SliceLinks.from_json({"links": [{"a": "x"}, "junk", {"a": "p", "b": "q", "offset_mm": "2"}]})) == 1
    assert len(SliceLinks.from_json(None)) == 0
    assert links.unlink("a", "b") and not links.unlink("a", "b")


def test_links_are_kept_with_the_case_encrypted_beside_the_measurements(isolated_home):
    links = SliceLinks()
    links.link("1.2.3.current", -100.0, UP, "1.2.3.prior", -62.5, UP)
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        assert annotations.slice_links(CASE) == {}
        annotations.save_measurements(CASE, MeasurementSet())
        annotations.save_slice_links(CASE, links)
        annotations.save_measurements(CASE, MeasurementSet())  # other writes keep them
    with CaseStore.open(isolated_home) as store:
        kept = SliceLinks.from_json(AnnotationStore(store).slice_links(CASE))
    assert kept.linked_location("1.2.3.current", "1.2.3.prior", -100.0) == pytest.approx(-62.5)
    assert b"1.2.3.prior" not in b"".join(p.read_bytes() for p in (isolated_home / "annotations").rglob("*")
                                          if p.is_file())
