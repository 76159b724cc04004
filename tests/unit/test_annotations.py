"""Measurements and key images kept with a case: encrypted at rest, replaced atomically,
read back after the store is reopened."""

import pytest

from app.core.errors import BadInputError
from app.core.key_images import KeyImage
from app.store.annotations import AnnotationStore
from app.store.store import CaseStore
from app.store.vault import StoredFileError
from viewers.dicom.measure import Distance, EllipseROI, MeasurementSet
from viewers.dicom.sources import SliceKey

CASE = "0123456789abcdef0123456789abcdef"
KEY = SliceKey("1.2.826.0.1.3680043.8.498.11", 0)
PNG = b"\x89PNG\r\n\x1a\n" + b"IHDR-Test^Patient-19700101-pixels" * 50
CAPTION = "Gaëlle's 9 mm nodule, right lower lobe (Test^Patient)"


def measurements() -> MeasurementSet:
    return MeasurementSet([Distance((10, 10), (22.5, 10), KEY), EllipseROI((5, 5, 15, 15), KEY)])


def all_bytes(folder) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_nothing_kept_yet_loads_empty(isolated_home):
    with CaseStore.open(isolated_home) as store:
        loaded = AnnotationStore(store).load(CASE)
        assert len(MeasurementSet.from_json(loaded["measurements"])) == 0 and loaded["key_images"] == []


def test_measurements_and_key_images_survive_reopening_the_store(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        saved = measurements()
        annotations.save_measurements(CASE, saved)
        image = annotations.add_key_image(CASE, KeyImage.new(
            CAPTION, PNG, "1.2.3.series", KEY, (-600, 1500), "12.5 mm; Area 78.5 mm², mean 25 HU"))
    with CaseStore.open(isolated_home) as store:
        loaded = AnnotationStore(store).load(CASE)
        assert [m.to_json() for m in MeasurementSet.from_json(loaded["measurements"])] == [m.to_json() for m in saved]
        [again] = loaded["key_images"]
        assert again == image
        assert (again.caption, again.png, again.slice_key, again.window) == (CAPTION, PNG, KEY, (-600, 1500))
        assert again.measurements.startswith("12.5 mm") and again.created


def test_everything_is_encrypted_at_rest(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        annotations.save_measurements(CASE, measurements())
        annotations.add_key_image(CASE, KeyImage.new(CAPTION, PNG, "1.2.3.series", KEY, (40, 400), "12.5 mm"))
        raw = all_bytes(annotations.folder)
    for clear in (b"nodule", "Gaëlle".encode(), b"Test^Patient", b"19700101", b"IHDR", b"12.5 mm", KEY.instance.encode()):
        assert clear not in raw
    files = sorted(p.relative_to(annotations.folder).as_posix() for p in annotations.folder.rglob("*") if p.is_file())
    assert files[0] == f"{CASE}.sov" and len(files) == 2 and files[1].startswith(f"{CASE}/")
    assert not any(".part" in f for f in files)


def test_key_images_in_order_caption_edit_and_delete(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        first = annotations.add_key_image(CASE, KeyImage.new("first", PNG, "s", KEY))
        second = annotations.add_key_image(CASE, KeyImage.new("second", PNG + b"2", "s", SliceKey("9.9", 4)))
        assert [k.caption for k in annotations.key_images(CASE)] == ["first", "second"]
        assert annotations.set_caption(CASE, first.id, "first, renamed")
        assert annotations.key_image(CASE, first.id).caption == "first, renamed"
        assert annotations.delete_key_image(CASE, first.id)
        assert not annotations.delete_key_image(CASE, first.id)
        assert [k.id for k in annotations.key_images(CASE)] == [second.id]
        assert not annotations.image_path(CASE, first.id).exists()
        assert annotations.image_path(CASE, second.id).exists()


def test_saving_measurements_keeps_the_key_images(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        annotations.add_key_image(CASE, KeyImage.new("kept", PNG, "s", KEY))
        annotations.save_measurements(CASE, MeasurementSet())
        annotations.save_measurements(CASE, measurements())
        assert [k.caption for k in annotations.key_images(CASE)] == ["kept"]
        assert len(MeasurementSet.from_json(annotations.measurements(CASE))) == 2


def test_cases_are_kept_apart(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        annotations.save_measurements(CASE, measurements())
        assert len(MeasurementSet.from_json(annotations.load("fedcba9876543210")["measurements"])) == 0


def test_an_unsafe_id_is_refused(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        for bad in ("../escape", "", ".hidden", "a/b"):
            with pytest.raises(BadInputError):
                annotations.save_measurements(bad, MeasurementSet())
        with pytest.raises(BadInputError):
            annotations.add_key_image(CASE, KeyImage("../x", "c", PNG, "s", KEY))


def test_a_file_altered_at_rest_is_reported(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        annotations.save_measurements(CASE, measurements())
        path = annotations.path(CASE)
        data = bytearray(path.read_bytes())
        data[-3] ^= 1
        path.write_bytes(bytes(data))
        with pytest.raises(StoredFileError):
            annotations.load(CASE)


def test_the_store_empty_measurements_are_what_the_viewer_writes():
    from app.store.annotations import EMPTY_MEASUREMENTS
    assert EMPTY_MEASUREMENTS == MeasurementSet().to_json()
