"""Graphic annotations of a Grayscale Softcopy Presentation State: parsed into shapes at the
image pixel coordinates the file gives (PIXEL units) or on the displayed area (DISPLAY units),
on the images and frames they reference only; found beside images on disk and in a case,
never offered as an image series."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pydicom.uid import generate_uid

from app.demo.imaging import ct_series
from app.dossier.importer import DossierImporter
from app.store.store import CaseStore
from tests.unit.gsps_files import annotation, graphic_object, presentation_state, text_object, write_presentation_state
from viewers.dicom.presentation import PresentationIndex, parse_presentation_state
from viewers.dicom.presentation_sources import presentation_states_from_case, presentation_states_from_files
from viewers.dicom.sources import series_from_case, series_from_paths

SIZE = 64


@pytest.fixture(scope="module")
def images():
    return list(ct_series(3, SIZE))


def shapes_by_kind(state, image, frame: int = 0) -> dict[str, list]:
    found: dict[str, list] = {}
    for shape in state.shapes(image.SOPInstanceUID, frame, SIZE, SIZE):
        found.setdefault(shape.kind, []).append(shape)
    return found


class TestParsing:
    def test_pixel_units_are_image_coordinates(self, images):
        ds = presentation_state(images, [annotation(
            texts=[text_object("Nodule", box=((10, 12), (40, 20)), anchor=(32.5, 30.5))],
            graphics=[graphic_object("POLYLINE", [(5, 5), (15, 5), (15, 15), (5, 15), (5, 5)]),
                      graphic_object("CIRCLE", [(32, 32), (40, 32)]),
                      graphic_object("ELLIPSE", [(20, 40), (40, 40), (30, 35), (30, 45)]),
                      graphic_object("POINT", [(50.5, 8.5)])])])
        state = parse_presentation_state(ds)
        assert state.label == "DEMO_GSPS"
        kinds = shapes_by_kind(state, images[1])
        [text] = kinds["text"]
        assert text.text == "Nodule" and text.points == ((10.0, 12.0), (40.0, 20.0))
        assert text.anchor == (32.5, 30.5) and text.anchor_visible
        [square] = kinds["polyline"]
        assert square.points[:4] == ((5.0, 5.0), (15.0, 5.0), (15.0, 15.0), (5.0, 15.0)) and square.closed
        [circle] = kinds["circle"]
        centre, edge = circle.points
        assert centre == (32.0, 32.0) and math.dist(centre, edge) == 8.0
        [ellipse] = kinds["ellipse"]
        assert ellipse.points == ((20.0, 40.0), (40.0, 40.0), (30.0, 35.0), (30.0, 45.0))
        [point] = kinds["point"]
        assert point.points == ((50.5, 8.5),)

    def test_display_units_are_fractions_of_the_whole_image_without_a_displayed_area(self, images):
        ds = presentation_state(images, [annotation(graphics=[
            graphic_object("POLYLINE", [(0.25, 0.25), (0.75, 0.5)], units="DISPLAY")])])
        [line] = parse_presentation_state(ds).shapes(images[0].SOPInstanceUID, 0, SIZE, SIZE)
        assert line.points == ((16.0, 16.0), (48.0, 32.0))

    def test_display_units_follow_the_displayed_area(self, images):
        # Pixels 11..50 (1-based) shown: from the corner (10, 10) to the corner (50, 50).
        ds = presentation_state(images, [annotation(
            texts=[text_object("Centre", anchor=(0.5, 0.5), units="DISPLAY")])],
            displayed_area=((11, 11), (50, 50)))
        [text] = parse_presentation_state(ds).shapes(images[0].SOPInstanceUID, 0, SIZE, SIZE)
        assert text.anchor == (30.0, 30.0) and text.points == ()

    def test_an_annotation_limited_to_one_image_lies_on_that_image_only(self, images):
        ds = presentation_state(images, [
            annotation(graphics=[graphic_object("POINT", [(1, 1)])]),  # every referenced image
            annotation(graphics=[graphic_object("POINT", [(2, 2)])], images=[(images[2], None)])])
        state = parse_presentation_state(ds)
        assert [s.points for s in state.shapes(images[0].SOPInstanceUID, 0, SIZE, SIZE)] == [((1.0, 1.0),)]
        assert [s.points for s in state.shapes(images[2].SOPInstanceUID, 0, SIZE, SIZE)] == [((1.0, 1.0),),
                                                                                         ((2.0, 2.0),)]
        assert state.shapes(generate_uid(), 0, SIZE, SIZE) == []  # an image it does not reference

    def test_referenced_frames_limit_an_annotation_to_those_frames(self, images):
        ds = presentation_state(images, [annotation(graphics=[graphic_object("POINT", [(3, 3)])],
                                                    images=[(images[0], [2, 3])])])
        state = parse_presentation_state(ds)
        uid = images[0].SOPInstanceUID
        assert [len(state.shapes(uid, frame, SIZE, SIZE)) for frame in range(4)] == [0, 1, 1, 0]

    def test_damaged_graphics_are_left_out_one_by_one(self, images):
        odd = graphic_object("POLYLINE", [(1, 1), (2, 2)])
        odd.GraphicData = [1.0, 1.0, 2.0]
        nan = graphic_object("POINT", [(math.nan, 1)])
        short = graphic_object("CIRCLE", [(1, 1)])
        unknown = graphic_object("POLYLINE", [(1, 1), (2, 2)])
        unknown.GraphicType = "SPLINE"
        ds = presentation_state(images, [annotation(
            texts=[text_object("")], graphics=[odd, nan, short, unknown, graphic_object("POINT", [(7, 7)])])])
        shapes = parse_presentation_state(ds).shapes(images[0].SOPInstanceUID, 0, SIZE, SIZE)
        assert [(s.kind, s.points) for s in shapes] == [("point", ((7.0, 7.0),))]

    def test_not_a_presentation_state_is_refused(self, images):
        with pytest.raises(ValueError):
            parse_presentation_state(images[0])

    def test_the_index_finds_the_states_of_an_image(self, images):
        first = parse_presentation_state(presentation_state(images, [annotation(
            graphics=[graphic_object("POINT", [(1, 1)])])]))
        second = parse_presentation_state(presentation_state(images[2:], [annotation(
            graphics=[graphic_object("POINT", [(9, 9)])])]))
        index = PresentationIndex([first, second])
        assert index.states_for(images[0].SOPInstanceUID) == [first]
        assert [s.points for s in index.shapes(images[2].SOPInstanceUID, 0, SIZE, SIZE)] == [((1.0, 1.0),),
                                                                                         ((9.0, 9.0),)]


def write_folder(folder: Path, images) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for ds in images:
        ds.save_as(folder / f"CT{ds.InstanceNumber:04d}", enforce_file_format=True)
    write_presentation_state(folder / "PR0001", images, [annotation(
        texts=[text_object("Lesion", box=((10, 10), (30, 16)), anchor=(32, 32))],
        graphics=[graphic_object("CIRCLE", [(32, 32), (38, 32)])])])
    return folder


class TestSources:
    def test_on_disk_the_state_is_found_and_is_no_image_series(self, tmp_path, images):
        folder = write_folder(tmp_path / "disc", images)
        found: list[Path] = []
        series = series_from_paths(folder, presentation=found)
        assert [len(refs) for _summary, refs, _load in series] == [3]
        assert found == [folder / "PR0001"]
        index = presentation_states_from_files(found)
        assert len(index) == 1
        assert [s.kind for s in index.shapes(images[1].SOPInstanceUID, 0, SIZE, SIZE)] == ["text", "circle"]

    def test_a_damaged_state_file_is_left_out(self, tmp_path):
        (tmp_path / "PR").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x00\x00garbage")
        assert len(presentation_states_from_files([tmp_path / "PR", tmp_path / "missing"])) == 0

    def test_in_a_case_the_state_is_found_and_is_no_image_series(self, tmp_path, isolated_home, images):
        folder = write_folder(tmp_path / "disc", images)
        with CaseStore.open(isolated_home) as store:
            result = DossierImporter(store).run([folder])
            [(_study, series, refs, _load)] = series_from_case(store, result.case_id)
            assert series.modality == "CT" and len(refs) == 3
            index = presentation_states_from_case(store, result.case_id)
            [state] = index.states
            assert state.label == "DEMO_GSPS"
            [text, circle] = index.shapes(images[0].SOPInstanceUID, 0, SIZE, SIZE)
            assert text.text == "Lesion" and circle.points == ((32.0, 32.0), (38.0, 32.0))
