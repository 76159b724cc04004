"""Our arrows and text notes: the MarkSet's JSON round trip, per-slice lookup and deletion,
unknown entries kept, and their keeping with the case in the annotation store (encrypted,
back after reopening, beside the measurements and key images)."""

import pytest

from app.core.key_images import KeyImage
from app.store.annotations import AnnotationStore
from app.store.store import CaseStore
from viewers.dicom.marks import MAX_TEXT, Arrow, MarkSet, TextNote, mark_from_json
from viewers.dicom.measure import Distance, MeasurementSet
from viewers.dicom.sources import SliceKey

CASE = "0123456789abcdef0123456789abcdef"
KEY = SliceKey("1.2.826.0.1.3680043.8.498.11", 0)
OTHER = SliceKey("1.2.826.0.1.3680043.8.498.12", 2)
NOTE = "Gaëlle: nodule grown since 2024 (Test^Patient)"


def marks() -> MarkSet:
    return MarkSet([Arrow((30.5, 40.5), (60, 70), KEY), TextNote((10, 12), NOTE, KEY),
                    Arrow((1, 1), (5, 5), OTHER)])


class TestMarkSet:
    def test_json_round_trip_keeps_every_field(self):
        saved = marks()
        again = MarkSet.from_json(saved.to_json())
        assert [m.to_json() for m in again] == [m.to_json() for m in saved]
        arrow, note, _other = again
        assert isinstance(arrow, Arrow) and arrow.head == (30.5, 40.5) and arrow.tail == (60.0, 70.0)
        assert isinstance(note, TextNote) and note.text == NOTE and note.at == (10.0, 12.0)
        assert arrow.slice_key == KEY

    def test_marks_of_a_slice_and_deletion(self):
        found = marks()
        arrow, note, other = found
        assert found.for_slice(KEY) == [arrow, note] and found.for_slice(OTHER) == [other]
        assert found.delete(note.id) and not found.delete(note.id)
        assert found.for_slice(KEY) == [arrow] and note.id not in found and len(found) == 2

    def test_unknown_entries_are_kept_and_written_back(self):
        data = marks().to_json()
        data["marks"].append({"type": "freehand", "id": "x", "points": [[1, 2]]})
        again = MarkSet.from_json(data)
        assert len(again) == 3 and again.to_json()["marks"][-1]["type"] == "freehand"

    def test_bad_values_are_refused(self):
        with pytest.raises(ValueError):
            mark_from_json({"type": "arrow", "id": "a", "head": [1, "x"], "tail": [0, 0]})
        with pytest.raises(ValueError):
            mark_from_json({"type": "text", "id": "t", "at": [float("nan"), 0], "text": "x"})
        with pytest.raises(ValueError):
            MarkSet().add(Arrow((0, 0), (1, 1)))  # a mark belongs to a slice

    def test_a_note_is_stripped_and_bounded(self):
        assert TextNote((0, 0), "  word \n").text == "word"
        assert len(TextNote((0, 0), "x" * (MAX_TEXT + 50)).text) == MAX_TEXT

    def test_moving_and_handles(self):
        arrow = Arrow((1, 1), (5, 5), KEY)
        arrow.moved(2, 3)
        assert (arrow.head, arrow.tail) == ((3, 4), (7, 8))
        arrow.set_point(1, (0, 0))
        assert arrow.tail == (0.0, 0.0) and arrow.head == (3, 4)


class TestKeptWithTheCase:
    def test_marks_survive_reopening_the_store_beside_measurements_and_key_images(self, isolated_home):
        saved = marks()
        with CaseStore.open(isolated_home) as store:
            annotations = AnnotationStore(store)
            annotations.save_measurements(CASE, MeasurementSet([Distance((0, 0), (3, 4), KEY)]))
            annotations.add_key_image(CASE, KeyImage.new("key", b"\x89PNG-data", "1.2.3", KEY, None, ""))
            annotations.save_marks(CASE, saved)
            annotations.save_measurements(CASE, MeasurementSet([Distance((0, 0), (6, 8), KEY)]))  # marks stay
        with CaseStore.open(isolated_home) as store:
            annotations = AnnotationStore(store)
            loaded = annotations.load(CASE)
            assert [m.to_json() for m in MarkSet.from_json(loaded["marks"])] == [m.to_json() for m in saved]
            assert annotations.marks(CASE) == loaded["marks"]
            assert len(MeasurementSet.from_json(loaded["measurements"])) == 1 and len(loaded["key_images"]) == 1
            raw = b"".join(p.read_bytes() for p in annotations.folder.rglob("*") if p.is_file())
            assert "Gaëlle".encode() not in raw and b"nodule" not in raw  # encrypted at rest

    def test_nothing_kept_yet_has_no_marks(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            annotations = AnnotationStore(store)
            assert len(MarkSet.from_json(annotations.load(CASE)["marks"])) == 0
            assert annotations.marks(CASE) == MarkSet().to_json()
