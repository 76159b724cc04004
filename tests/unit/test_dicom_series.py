"""The series model: slices (multi-frame expanded) in display order, lazy headers and
geometry, frames through the cache, one worker that prefetches and answers requests with
stale work dropped, failures confined to their slice; and where series come from."""

import io
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from app.demo.imaging import ct_series, write_ct_series
from app.dossier.dicom_index import read_instance
from app.dossier.importer import DossierImporter
from app.store.store import CaseStore
from tests.unit import discs
from viewers.dicom.cache import FrameCache
from viewers.dicom.pixels import Frame, FrameDecodeError
from viewers.dicom.geometry import slice_geometry
from viewers.dicom.series import HeldFile, SeriesModel, prefetch_order
from viewers.dicom.sources import (InstanceRef, SliceKey, first_image_series, series_from_case, series_from_files,
                                   series_from_paths, source_files)

SLICES, SIZE = 20, 64


@pytest.fixture(scope="module")
def ct_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ct")
    write_ct_series(folder / "DICOM", SLICES, SIZE)
    (folder / "README.TXT").write_bytes(b"Insert the disc and run VIEWER.EXE\r\n")
    (folder / "VIEWER.EXE").write_bytes(b"MZ" + bytes(300))
    return folder


class CountingLoader:
    """Reads the files of a series from disk, counting and optionally gating each read."""

    def __init__(self, load, gate: dict | None = None):
        self.load, self.gate = load, gate or {}
        self.calls: list[str] = []
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, ref: InstanceRef) -> bytes:
        with self._lock:
            self.calls.append(ref.key)
        if ref.key in self.gate:
            self.entered.set()
            assert self.gate[ref.key].wait(10)
        return self.load(ref)


def ct_model(folder: Path, **kwargs) -> tuple[SeriesModel, CountingLoader, list[InstanceRef]]:
    [(series, refs, load)] = series_from_paths(folder)
    loader = CountingLoader(load, kwargs.pop("gate", None))
    return SeriesModel(refs, loader, **kwargs), loader, refs


def refs_of(datasets: list[Dataset]) -> tuple[list[InstanceRef], dict[str, bytes]]:
    """InstanceRefs and file bytes of datasets kept in memory, in the given order."""
    files, refs = {}, []
    for n, ds in enumerate(datasets):
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        info = read_instance(buffer.getvalue(), f"IM{n}")
        files[info.sop_instance_uid] = buffer.getvalue()
        refs.append(InstanceRef(info.sop_instance_uid, f"IM{n}", info.frames, info))
    return refs, files


class TestSources:
    def test_a_folder_is_scanned_by_content_and_ordered(self, ct_folder):
        skipped = []
        [(series, refs, load)] = series_from_paths(ct_folder, skipped=skipped)
        assert series.modality == "CT" and len(refs) == SLICES and skipped == []
        # Head-first, numbered from the top: instance 1 first.
        assert [r.info.instance_number for r in refs] == list(range(1, SLICES + 1))
        assert refs[0].frames == 1 and refs[0].key == refs[0].info.sop_instance_uid
        assert dcmread(io.BytesIO(load(refs[3]))).SOPInstanceUID == refs[3].key

    def test_a_single_file(self, ct_folder):
        [(series, refs, load)] = series_from_paths(ct_folder / "DICOM" / "CT000005")
        assert len(refs) == 1 and refs[0].info.instance_number == 5

    def test_a_dicomdir_lists_the_files_it_references(self, tmp_path):
        datasets = discs.ct_instances(4, 16)
        ids = discs.file_ids(4, discs.NESTED)
        discs.write_instances(tmp_path, datasets, ids)
        discs.write_dicomdir(tmp_path / "DICOMDIR", list(zip(datasets[:3], ids[:3])))
        [(series, refs, load)] = series_from_paths(tmp_path / "DICOMDIR")
        assert len(refs) == 3  # the fourth file is not on the DICOMDIR
        [(series, refs, load)] = series_from_paths(tmp_path)
        assert len(refs) == 4  # a folder: every DICOM file
        (tmp_path / "DICOMDIR").rename(tmp_path / "INDEX.DCM")
        [(series, refs, load)] = series_from_paths(tmp_path / "INDEX.DCM")
        assert len(refs) == 4  # a DICOMDIR by content but not by name: its whole folder

    def test_a_file_that_is_not_dicom_gives_no_series(self, ct_folder):
        assert series_from_paths(ct_folder / "README.TXT") == []

    def test_pydicom_multi_frame_files_and_non_images(self, tmp_path):
        for name in ("examples_ybr_color.dcm", "rtdose.dcm", "MR_small.dcm"):
            shutil.copy(get_testdata_file(name), tmp_path / name)
        found = {series.modality: refs for series, refs, _load in series_from_paths(tmp_path)}
        assert [r.frames for r in found["US"]] == [30]
        assert [r.frames for r in found["RTDOSE"]] == [15]
        assert [r.frames for r in found["MR"]] == [1]

    def test_a_missing_path_is_bad_input(self, tmp_path):
        from app.core.errors import BadInputError
        with pytest.raises(BadInputError):
            series_from_paths(tmp_path / "nowhere")

    def test_a_case_in_the_store(self, isolated_home, ct_folder):
        with CaseStore.open(isolated_home) as store:
            result = DossierImporter(store).run([ct_folder])
            [(study, series, refs, load)] = series_from_case(store, result.case_id)
            assert study.study_uid == series.instances[0].study_uid
            assert [r.info.instance_number for r in refs] == list(range(1, SLICES + 1))
            model = SeriesModel(refs, load)
            frame = model.frame(SLICES - 1)
            assert frame.modality.shape == (SIZE, SIZE) and frame.units == "HU"
            assert model.dataset(0).PatientName == "Test^Patient"


def shape(found) -> list[tuple[str, list[str]]]:
    """Series UID and instance keys of each series, in order: what must agree."""
    return [(summary.series_uid, [r.key for r in refs]) for summary, refs, _load in found]


class TestProgressiveSources:
    """series_from_paths in steps, for a viewer that shows one image before indexing."""

    def test_listing_then_indexing_gives_what_series_from_paths_gives(self, ct_folder, tmp_path):
        datasets = discs.ct_instances(4, 16)
        ids = discs.file_ids(4, discs.NESTED)
        discs.write_instances(tmp_path / "cd", datasets, ids)
        discs.write_dicomdir(tmp_path / "cd" / "DICOMDIR", list(zip(datasets[:3], ids[:3])))
        shutil.copy(tmp_path / "cd" / "DICOMDIR", tmp_path / "cd" / "INDEX.DCM")  # a DICOMDIR by content
        for path in (ct_folder, ct_folder / "DICOM" / "CT000005", ct_folder / "README.TXT",
                     tmp_path / "cd", tmp_path / "cd" / "DICOMDIR", tmp_path / "cd" / "INDEX.DCM"):
            expected = shape(series_from_paths(path))
            assert shape(series_from_files(source_files(path))) == expected, path
        assert [len(keys) for _uid, keys in shape(series_from_files(source_files(tmp_path / "cd" / "DICOMDIR")))] == [3]

    def test_source_files_lists_in_path_order(self, ct_folder, tmp_path):
        files = source_files(ct_folder)
        assert [f.relative_to(ct_folder.resolve()).as_posix() for f in files] == (
            [f"DICOM/CT{n:06d}" for n in range(1, SLICES + 1)] + ["README.TXT", "VIEWER.EXE"])
        assert source_files(ct_folder / "README.TXT") == [ct_folder / "README.TXT"]
        from app.core.errors import BadInputError
        with pytest.raises(BadInputError):
            source_files(tmp_path / "nowhere")

    def test_the_first_image_in_path_order_as_a_one_instance_series(self, ct_folder, tmp_path):
        folder = tmp_path / "mixed"
        folder.mkdir()
        (folder / "0README.TXT").write_bytes(b"not DICOM")
        (folder / "1BROKEN").write_bytes(bytes(128) + b"DICM" + b"\xff" * 40)  # DICOM, unreadable
        shutil.copy(ct_folder / "DICOM" / "CT000009", folder / "2IMAGE")
        shutil.copy(ct_folder / "DICOM" / "CT000003", folder / "3IMAGE")
        summary, refs, load = first_image_series(source_files(folder))
        assert summary.modality == "CT" and [r.info.instance_number for r in refs] == [9]
        assert load(refs[0]) == (folder / "2IMAGE").read_bytes()
        frame = SeriesModel(refs, load).frame(0)
        assert frame.modality.shape == (SIZE, SIZE)
        assert first_image_series(source_files(folder)[:2]) is None
        assert first_image_series([]) is None

    def test_a_multi_frame_first_image_brings_all_its_frames(self, tmp_path):
        shutil.copy(get_testdata_file("examples_ybr_color.dcm"), tmp_path / "US")
        _summary, refs, _load = first_image_series(source_files(tmp_path))
        assert [r.frames for r in refs] == [30]

    def test_indexing_reports_progress_and_stops_when_cancelled(self, ct_folder):
        from app.core.tasks import CancelToken, Cancelled
        files = source_files(ct_folder)
        seen = []
        skipped = []
        [(series, refs, _load)] = series_from_files(files, skipped=skipped,
                                                    progress=lambda done, total: seen.append((done, total)))
        assert len(refs) == SLICES and skipped == []
        assert seen == [(n, len(files)) for n in range(1, len(files) + 1)]
        token = CancelToken()

        def cancel_at_five(done, total):
            seen.append(done)
            if done == 5:
                token.cancel()

        seen.clear()
        with pytest.raises(Cancelled):
            series_from_files(files, progress=cancel_at_five, cancel=token)
        assert seen == [1, 2, 3, 4, 5]


class TestSlices:
    def test_every_frame_is_a_slice_in_the_given_order(self):
        ct = list(ct_series(2, 16))
        refs, files = refs_of(ct)
        dose = dcmread(get_testdata_file("rtdose.dcm"))
        dose_refs, dose_files = refs_of([dose])
        files.update(dose_files)
        model = SeriesModel([refs[0], *dose_refs, refs[1]], lambda r: files[r.key])
        assert len(model) == 17
        assert model.keys == [SliceKey(refs[0].key, 0), *(SliceKey(dose_refs[0].key, f) for f in range(15)),
                              SliceKey(refs[1].key, 0)]
        assert model.index_of((dose_refs[0].key, 3)) == 4 and model.index_of(("nope", 0)) is None
        assert model.instance_ref(5) == dose_refs[0]
        with pytest.raises(IndexError):
            model.slice_key(17)

    def test_headers_are_read_lazily_and_once(self, ct_folder):
        model, loader, refs = ct_model(ct_folder)
        assert loader.calls == []
        assert len(model) == SLICES and model.frame_of_reference_uid == refs[0].info.frame_of_reference_uid
        assert model.locations()[:3] == pytest.approx([0.0, -1.25, -2.5])
        assert loader.calls == []  # single-frame locations come from the index
        header = model.dataset(4)
        assert "PixelData" not in header and header.InstanceNumber == 5
        model.slice_info(4), model.dataset(4)
        assert loader.calls == [refs[4].key]

    def test_slice_geometry_from_the_header(self, ct_folder):
        model, loader, refs = ct_model(ct_folder)
        info = model.slice_info(2)
        assert info.key == SliceKey(refs[2].key, 0) and info.index == 2 and info.instance_number == 3
        origin = -(SIZE - 1) / 2 * 360 / SIZE
        assert info.position == pytest.approx((origin, origin, -2.5), abs=1e-3)
        assert info.orientation == (1, 0, 0, 0, 1, 0)
        assert info.pixel_spacing == pytest.approx((360 / SIZE, 360 / SIZE))
        assert info.spacing_source == "PixelSpacing" and not info.at_detector
        assert (info.thickness, info.location) == (1.25, pytest.approx(-2.5))
        assert (info.rows, info.columns) == (SIZE, SIZE)

    def test_frames_of_a_plain_multi_frame_are_placed_by_grid_frame_offsets(self):
        refs, files = refs_of([dcmread(get_testdata_file("rtdose.dcm"))])
        model = SeriesModel(refs, lambda r: files[r.key])
        locations = [model.slice_info(n).location for n in range(len(model))]
        offsets = [float(v) for v in dcmread(get_testdata_file("rtdose.dcm")).GridFrameOffsetVector]
        base = locations[0]
        assert locations == pytest.approx([base + o - offsets[0] for o in offsets])

    def test_an_enhanced_multi_frame_takes_geometry_from_its_functional_groups(self):
        ds = next(ct_series(1, 16))
        ds.NumberOfFrames = 3
        ds.PixelData = ds.PixelData * 3
        for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "SliceThickness"):
            delattr(ds, keyword)
        shared = Dataset()
        measures, orientation = Dataset(), Dataset()
        measures.PixelSpacing, measures.SliceThickness = [0.5, 0.6], 2.0
        orientation.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]  # coronal
        shared.PixelMeasuresSequence = Sequence([measures])
        shared.PlaneOrientationSequence = Sequence([orientation])
        ds.SharedFunctionalGroupsSequence = Sequence([shared])
        frames = []
        for n in range(3):
            item, plane = Dataset(), Dataset()
            plane.ImagePositionPatient = [0, 10.0 * n, 0]
            item.PlanePositionSequence = Sequence([plane])
            frames.append(item)
        ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
        geo = slice_geometry(ds, 2)
        assert geo["position"] == (0, 20, 0) and geo["orientation"] == (1, 0, 0, 0, 0, -1)
        assert geo["pixel_spacing"] == (0.5, 0.6) and geo["spacing_source"] == "PixelSpacing"
        assert geo["thickness"] == 2.0
        refs, files = refs_of([ds])
        model = SeriesModel(refs, lambda r: files[r.key])
        # The coronal normal (1,0,0) x (0,0,-1) is +y (posterior).
        assert model.locations() == pytest.approx([0, 10, 20])
        assert model.frame(2).modality.shape == (16, 16)

    def test_imager_pixel_spacing_alone_is_flagged(self):
        ds = next(ct_series(1, 16))
        del ds.PixelSpacing
        ds.ImagerPixelSpacing = [0.15, 0.15]
        geo = slice_geometry(ds)
        assert geo["pixel_spacing"] == (0.15, 0.15) and geo["spacing_source"] == "ImagerPixelSpacing"

    def test_a_one_slice_series_works(self):
        refs, files = refs_of([next(ct_series(1, 16))])
        with SeriesModel(refs, lambda r: files[r.key]) as model:
            assert len(model) == 1 and model.frame(0).modality.shape == (16, 16)
            model.prefetch(0)
            assert model.wait_idle(10)
            assert model.nearest_slice(123.0, model.frame_of_reference_uid) == 0
            assert prefetch_order(0, 8, 1) == [0]

    def test_duplicate_positions_work(self):
        datasets = list(ct_series(3, 16))
        twin = next(ct_series(3, 16))  # the same place as the first slice, another instance
        twin.SOPInstanceUID = twin.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        twin.InstanceNumber = 4
        refs, files = refs_of([datasets[0], twin, *datasets[1:]])
        model = SeriesModel(refs, lambda r: files[r.key])
        assert len(model) == 4 and model.locations() == pytest.approx([0, 0, -1.25, -2.5])
        assert {model.nearest_slice(0.0, model.frame_of_reference_uid)} == {0}
        assert model.nearest_slice(0.0, model.frame_of_reference_uid, prefer=1) == 1
        assert all(model.frame(n).modality.shape == (16, 16) for n in range(4))


class TestFrames:
    def test_frames_come_through_the_cache(self, ct_folder):
        model, loader, refs = ct_model(ct_folder)
        frame = model.frame(7)
        assert isinstance(frame, Frame) and frame.modality.shape == (SIZE, SIZE)
        assert model.frame(7) is frame and loader.calls == [refs[7].key]
        assert model.cache.hits == 1 and model.decoded == 1
        assert model.peek(7) is frame and model.peek(8) is None

    def test_a_shared_cache_serves_two_models_of_the_same_series(self, ct_folder):
        cache = FrameCache(64 << 20)
        first, _, _ = ct_model(ct_folder, cache=cache)
        second, loader, _ = ct_model(ct_folder, cache=cache)
        frame = first.frame(3)
        assert second.frame(3) is frame and loader.calls == []

    def test_the_cache_bound_holds_while_scrolling(self, ct_folder):
        # A frame: its arrays, 512 bytes of overhead and the header it carries (pickled).
        one, _, _ = ct_model(ct_folder)
        frame_bytes = one.frame(0).nbytes
        assert frame_bytes > SIZE * SIZE * 6 + 512
        model, _, _ = ct_model(ct_folder, cache=FrameCache(10 * frame_bytes + frame_bytes // 2))
        for n in list(range(SLICES)) * 2:
            model.frame(n)
            assert model.cache.nbytes <= model.cache.max_bytes
        assert len(model.cache) == 10

    def test_a_multi_frame_file_is_read_once_for_all_its_frames(self):
        refs, files = refs_of([dcmread(get_testdata_file("examples_ybr_color.dcm"))])
        loader = CountingLoader(lambda r: files[r.key])
        model = SeriesModel(refs, loader)
        assert len(model) == 30
        for n in range(30):
            assert model.frame(n).modality.shape == (240, 320, 3)
        assert model.dataset(0).Modality == "US"
        assert len(loader.calls) == 1

    def test_a_multi_frame_file_kept_for_its_frames_is_counted_by_the_cache(self):
        refs, files = refs_of([dcmread(get_testdata_file("examples_ybr_color.dcm"))])
        size = len(files[refs[0].key])
        frame_bytes = 240 * 320 * 3 + 512
        cache = FrameCache(size + 5 * frame_bytes)
        model = SeriesModel(refs, CountingLoader(lambda r: files[r.key]), cache=cache)
        for n in range(30):
            model.frame(n)
            assert cache.nbytes <= cache.max_bytes
        held = [cache.peek(k) for k in cache.keys() if isinstance(cache.peek(k), HeldFile)]
        assert [h.nbytes for h in held] == [size]  # the file, counted beside the frames it serves
        assert cache.nbytes == sum(cache.peek(k).nbytes for k in cache.keys())
        # Evicted by frames, the most recent file is still at hand: read once all the same.
        tiny = FrameCache(2 * frame_bytes)
        loader = CountingLoader(lambda r: files[r.key])
        model = SeriesModel(refs, loader, cache=tiny)
        for n in range(30):
            model.frame(n)
        assert len(loader.calls) == 1 and tiny.nbytes <= tiny.max_bytes

    def test_one_corrupt_file_costs_only_its_slice(self, tmp_path, ct_folder):
        shutil.copytree(ct_folder, tmp_path / "cd")
        broken = tmp_path / "cd" / "DICOM" / "CT000010"
        data = broken.read_bytes()
        broken.write_bytes(data[:len(data) - SIZE * SIZE])  # half of the pixel data is gone
        model, loader, refs = ct_model(tmp_path / "cd")
        with pytest.raises(FrameDecodeError, match="truncated"):
            model.frame(9)
        assert model.frame(8).modality.shape == model.frame(10).modality.shape == (SIZE, SIZE)
        with pytest.raises(FrameDecodeError, match="truncated"):
            model.frame(9)
        assert loader.calls.count(refs[9].key) == 1  # the reason is remembered
        assert "truncated" in str(model.error(9)) and model.error(8) is None
        assert model.dataset(9).InstanceNumber == 10  # the header is fine
        model.prefetch(9, radius=3)
        assert model.wait_idle(10)
        assert all(model.peek(n) is not None for n in (6, 7, 8, 10, 11, 12))
        model.retry(9)
        with pytest.raises(FrameDecodeError):
            model.frame(9)
        assert loader.calls.count(refs[9].key) == 2
        model.close()

    def test_a_file_that_is_not_dicom_or_cannot_be_read(self, ct_folder):
        [(series, refs, load)] = series_from_paths(ct_folder)

        def loader(ref):
            if ref is refs[1]:
                return b"not dicom at all" * 20
            if ref is refs[2]:
                raise OSError(5, "Input/output error")
            if ref is refs[3]:
                from app.store.vault import StoredFileError
                raise StoredFileError("A stored file cannot be read: it was altered or damaged at rest")
            return load(ref)

        model = SeriesModel(refs, loader)
        with pytest.raises(FrameDecodeError, match="not a DICOM file"):
            model.frame(1)
        with pytest.raises(FrameDecodeError, match="Input/output error"):
            model.frame(2)
        with pytest.raises(FrameDecodeError, match="altered or damaged"):
            model.dataset(3)
        assert model.frame(0) is not None and model.frame(4) is not None
        info = model.slice_info(2)  # geometry falls back to the index
        assert info.location == pytest.approx(-2.5) and info.pixel_spacing is None


class TestWorker:
    def test_prefetch_decodes_neighbours_nearest_first_alternating(self, ct_folder):
        model, loader, refs = ct_model(ct_folder)
        model.prefetch(10, radius=3)
        assert model.wait_idle(10)
        order = [10, 11, 9, 12, 8, 13, 7]
        assert loader.calls == [refs[n].key for n in order]
        assert all(model.peek(n) is not None for n in order)
        assert model.peek(6) is None and model.peek(14) is None
        model.prefetch(10, radius=3, direction=-1)  # all cached: nothing to do
        assert model.wait_idle(10) and len(loader.calls) == 7
        model.close()

    def test_prefetch_order_backwards_and_at_the_ends(self):
        assert prefetch_order(5, 2, 20, direction=-1) == [5, 4, 6, 3, 7]
        assert prefetch_order(0, 3, 20) == [0, 1, 2, 3]
        assert prefetch_order(19, 2, 20) == [19, 18, 17]
        assert prefetch_order(50, 1, 20) == [19, 18]
        assert prefetch_order(3, 2, 0) == []

    def test_stale_prefetches_are_dropped(self, ct_folder):
        [(series, refs, _)] = series_from_paths(ct_folder)
        gate = threading.Event()
        model, loader, refs = ct_model(ct_folder, gate={refs[3].key: gate})
        first = model.prefetch(3, radius=2)
        assert loader.entered.wait(10)  # slice 3 is being read, 4, 2, 5, 1 are queued
        second = model.prefetch(15, radius=2)
        assert second == first + 1 == model.generation
        gate.set()
        assert model.wait_idle(10)
        assert loader.calls == [refs[n].key for n in (3, 15, 16, 14, 17, 13)]
        assert model.peek(4) is None and model.peek(2) is None
        assert model.dropped >= 4
        model.close()

    def test_a_superseded_request_does_not_call_back(self, ct_folder):
        [(series, refs, _)] = series_from_paths(ct_folder)
        gate = threading.Event()
        model, loader, refs = ct_model(ct_folder, gate={refs[5].key: gate})
        answers, done = [], threading.Event()

        def callback(n, result):
            answers.append((n, result, threading.current_thread().name))
            if n in (7, 12):
                done.set() if len(answers) == 2 else None

        model.request(5, callback, viewport="left")
        assert loader.entered.wait(10)  # 5 is being decoded
        model.request(6, callback, viewport="left")  # queued, then superseded: never run
        model.request(7, callback, viewport="left")
        model.request(12, callback, viewport="right")  # another viewport is not affected
        gate.set()
        assert done.wait(10) and model.wait_idle(10)
        assert sorted(n for n, _, _ in answers) == [7, 12]
        assert all(isinstance(result, Frame) for _, result, _ in answers)
        assert all(name == "dicom-series-worker" for _, _, name in answers)
        assert refs[6].key not in loader.calls
        assert model.peek(5) is not None  # decoded all the same: kept in the cache
        model.close()

    def test_requests_run_before_prefetches_and_report_errors(self, tmp_path, ct_folder):
        shutil.copytree(ct_folder, tmp_path / "cd")
        (tmp_path / "cd" / "DICOM" / "CT000002").write_bytes(
            (tmp_path / "cd" / "DICOM" / "CT000002").read_bytes()[:-100])
        [(series, refs, _)] = series_from_paths(tmp_path / "cd")
        gate = threading.Event()
        model, loader, refs = ct_model(tmp_path / "cd", gate={refs[10].key: gate})
        results = {}
        model.prefetch(10, radius=4)
        assert loader.entered.wait(10)
        model.request(1, lambda n, r: results.setdefault(n, r))
        gate.set()
        assert model.wait_idle(10)
        assert loader.calls[:2] == [refs[10].key, refs[1].key]
        assert isinstance(results[1], FrameDecodeError) and "truncated" in str(results[1])
        model.close()

    def test_cancel_and_close(self, ct_folder):
        [(series, refs, _)] = series_from_paths(ct_folder)
        gate = threading.Event()
        model, loader, refs = ct_model(ct_folder, gate={refs[0].key: gate})
        answers = []
        model.request(0, lambda n, r: answers.append(n), viewport=1)
        assert loader.entered.wait(10)
        model.cancel(1)
        gate.set()
        assert model.wait_idle(10) and answers == []
        model.close()
        assert model.prefetch(5) == model.generation and model.request(5, answers.append) == 0
        assert model.idle()
        assert model.frame(5) is not None  # synchronous use still works


class TestSynchronisedScrolling:
    def test_nearest_slice_in_the_same_frame_of_reference(self, ct_folder):
        model, _, refs = ct_model(ct_folder)
        forr = model.frame_of_reference_uid
        assert model.nearest_slice(-5.0, forr) == 4
        assert model.nearest_slice(-5.5, forr) == 4 and model.nearest_slice(-5.7, forr) == 5
        assert model.nearest_slice(+40.0, forr) == 0  # beyond the stack: its end
        assert model.nearest_slice(+40.0, forr, tolerance=2.0) is None
        assert model.nearest_slice(-5.0, "1.2.3.other") is None
        assert model.nearest_slice(-5.0, None) is None

    def test_normals_must_be_parallel_and_an_opposite_one_is_mirrored(self, ct_folder):
        model, _, _ = ct_model(ct_folder)
        forr = model.frame_of_reference_uid
        assert model.nearest_slice(-5.0, forr, normal=(0, 0, 1)) == 4
        assert model.nearest_slice(5.0, forr, normal=(0, 0, -1)) == 4
        assert model.nearest_slice(-5.0, forr, normal=(0, 1, 0)) is None  # coronal vs axial

    def test_a_prior_with_other_slices_follows_by_position(self, ct_folder):
        current, _, _ = ct_model(ct_folder)
        prior_refs = [r for n, r in enumerate(current.instances) if n % 3 == 0]  # 3.75 mm apart
        prior = SeriesModel(prior_refs, current.loader)
        info = current.slice_info(7)  # -8.75 mm
        assert prior.nearest_slice(info.location, info.frame_of_reference_uid, current.normal) == 2  # -7.5


def test_frames_decoded_from_bytes_match_pydicom(ct_folder):
    model, _, refs = ct_model(ct_folder)
    ds = dcmread(ct_folder / "DICOM" / "CT000004")
    np.testing.assert_array_equal(model.frame(3).modality, ds.pixel_array.astype(np.float32) - 1024)


def test_a_frame_another_model_decoded_is_shown_with_its_geometry(ct_folder):
    """Two models on one cache (a folder's provisional series and its final one, or the same
    series in two viewports): the second gets the first's frame from the cache and must still
    know its pixel spacing (mm, not px, on the scale bar and the measurements)."""
    cache = FrameCache(64 * 1024 * 1024)
    first, _loader, _refs = ct_model(ct_folder, cache=cache)
    second, loader, _refs = ct_model(ct_folder, cache=cache)
    done = threading.Event()
    first.request(0, lambda n, frame: done.set())
    assert done.wait(30)
    assert second.peek(0) is not None  # what a viewport shows at once, asking the worker nothing
    spacing = second.peek_slice_info(0).pixel_spacing
    assert spacing is not None and spacing == first.peek_slice_info(0).pixel_spacing
    answered = []
    second.request(0, lambda n, frame: answered.append(frame))
    assert second.wait_idle(30) and answered and isinstance(answered[0], Frame)
    assert loader.calls == []  # the frame came from the cache
    info = second.peek_slice_info(0)
    assert info.pixel_spacing is not None and info.pixel_spacing == first.peek_slice_info(0).pixel_spacing
    first.close()
    second.close()
