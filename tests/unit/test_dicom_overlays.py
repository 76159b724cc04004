"""DICOM overlay planes: the bitmap of each 60xx plane on its frame, from Overlay Data (pydicom's
test file, synthetic planes with an origin and over several frames) and from the high bits of
the pixel data; damaged planes left out; the series worker hands them over with the frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.overlays import OverlayPlane, overlay_groups, overlay_planes
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import series_from_paths


def overlay_file() -> Path:
    return Path(get_testdata_file("examples_overlay.dcm"))


def packed(bits: np.ndarray) -> bytes:
    """Overlay Data as PS3.5 8.1.2 packs it: bit 0 of the first byte is the first pixel."""
    data = np.packbits(bits.astype(np.uint8).ravel(), bitorder="little").tobytes()
    return data + b"\0" * (len(data) % 2)


def image(rows: int = 8, columns: int = 10, frames: int = 1, bits_stored: int = 12) -> Dataset:
    """A fictitious MONOCHROME2 image (Test Patient) with native 16-bit pixels."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "Test^Patient", "TEST-1", "19700101"
    ds.Modality, ds.InstanceNumber = "MR", 1
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, columns, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, bits_stored, bits_stored - 1, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = (np.arange(rows * columns * frames, dtype="<u2") % 100).tobytes()
    return ds


def add_plane(ds: Dataset, group: int, bits: np.ndarray, origin=(1, 1), frames: int | None = None,
              first_frame: int | None = None, kind: str = "G") -> None:
    rows, columns = bits.shape[-2:]
    ds.add_new((group, 0x0010), "US", rows)
    ds.add_new((group, 0x0011), "US", columns)
    ds.add_new((group, 0x0040), "CS", kind)
    ds.add_new((group, 0x0050), "SS", list(origin))
    ds.add_new((group, 0x0100), "US", 1)
    ds.add_new((group, 0x0102), "US", 0)
    if frames is not None:
        ds.add_new((group, 0x0015), "IS", frames)
    if first_frame is not None:
        ds.add_new((group, 0x0051), "US", first_frame)
    ds.add_new((group, 0x3000), "OW", packed(bits))


class TestFromTheTestFile:
    def test_the_plane_of_pydicoms_overlay_file_has_its_pixels_where_the_overlay_data_says(self):
        ds = dcmread(overlay_file())
        assert overlay_groups(ds) == [0x6000]
        [plane] = overlay_planes(ds, 0)
        assert plane.bitmap.shape == (ds[0x6000, 0x0010].value, ds[0x6000, 0x0011].value) == (300, 484)
        # The bits unpacked here by numpy, least significant first, independently of pydicom.
        raw = np.unpackbits(np.frombuffer(ds[0x6000, 0x3000].value, np.uint8), bitorder="little")
        expected = raw[:300 * 484].reshape(300, 484).astype(bool)
        assert np.array_equal(plane.bitmap, expected)
        assert plane.bitmap.sum() == 222
        assert plane.origin == (0, 0) and plane.kind == "G"

    def test_a_single_frame_plane_lies_on_the_first_frame_only(self):
        ds = dcmread(overlay_file())
        assert overlay_planes(ds, 1) == []


class TestSyntheticPlanes:
    def test_the_origin_places_the_bitmap_on_the_image(self):
        ds = image(8, 10)
        bits = np.zeros((3, 4), bool)
        bits[0, 0] = bits[2, 3] = True
        add_plane(ds, 0x6002, bits, origin=(3, 5))  # 1-based: overlay (0, 0) on image row 2, column 4
        [plane] = overlay_planes(ds)
        assert plane.group == 0x6002 and plane.origin == (2, 4)
        mask = plane.image_mask(8, 10)
        assert sorted(zip(*np.nonzero(mask))) == [(2, 4), (4, 7)]

    def test_a_bitmap_running_past_the_image_is_clipped(self):
        plane = OverlayPlane(0x6000, np.ones((4, 4), bool), origin=(-1, 8))
        mask = plane.image_mask(8, 10)
        assert mask.sum() == 3 * 2 and mask[0:3, 8:10].all()

    def test_a_multi_frame_plane_follows_image_frame_origin(self):
        ds = image(4, 4, frames=3)
        bits = np.zeros((2, 4, 4), bool)
        bits[0, 0, 0] = True  # overlay frame 1: on image frame 2
        bits[1, 3, 3] = True  # overlay frame 2: on image frame 3
        add_plane(ds, 0x6000, bits, frames=2, first_frame=2)
        assert overlay_planes(ds, 0) == []
        [second] = overlay_planes(ds, 1)
        [third] = overlay_planes(ds, 2)
        assert list(zip(*np.nonzero(second.bitmap))) == [(0, 0)]
        assert list(zip(*np.nonzero(third.bitmap))) == [(3, 3)]

    def test_an_overlay_in_the_high_bits_of_the_pixel_data(self):
        ds = image(4, 5, bits_stored=12)
        values = np.frombuffer(ds.PixelData, "<u2").reshape(4, 5).copy()
        values[1, 2] |= 1 << 12
        values[3, 4] |= 1 << 12
        values[0, 0] |= 1 << 13  # another bit: not this plane's
        ds.PixelData = values.tobytes()
        for element, vr, value in ((0x0010, "US", 4), (0x0011, "US", 5), (0x0040, "CS", "G"),
                                   (0x0050, "SS", [1, 1]), (0x0100, "US", 16), (0x0102, "US", 12)):
            ds.add_new((0x6000, element), vr, value)
        [plane] = overlay_planes(ds)
        assert sorted(zip(*np.nonzero(plane.bitmap))) == [(1, 2), (3, 4)]

    def test_damaged_planes_are_left_out_and_others_kept(self):
        ds = image(8, 10)
        add_plane(ds, 0x6000, np.ones((8, 10), bool))
        add_plane(ds, 0x6004, np.ones((8, 10), bool))
        ds[0x6004, 0x3000].value = b"\xff\xff"  # far too short for 8 x 10 bits
        planes = overlay_planes(ds)
        assert [p.group for p in planes] == [0x6000]

    def test_an_image_without_overlays_has_none(self):
        assert overlay_planes(image()) == []


def test_the_series_worker_hands_the_planes_over_with_the_frame(tmp_path):
    ds = image(8, 10)
    bits = np.zeros((8, 10), bool)
    bits[4, 6] = True
    add_plane(ds, 0x6000, bits)
    ds.save_as(tmp_path / "MR1", enforce_file_format=True)
    [(_summary, refs, loader)] = series_from_paths(tmp_path)
    with SeriesModel(refs, loader, cache=FrameCache(16 * MiB)) as model:
        frame = model.frame(0)
        [plane] = frame.overlays
        assert list(zip(*np.nonzero(plane.bitmap))) == [(4, 6)]
        assert frame.nbytes >= frame.modality.nbytes + plane.bitmap.nbytes


def test_planes_of_the_test_file_through_the_series_model():
    [(_summary, refs, loader)] = series_from_paths(overlay_file())
    with SeriesModel(refs, loader, cache=FrameCache(16 * MiB)) as model:
        assert [p.bitmap.sum() for p in model.frame(0).overlays] == [222]


def test_each_frame_of_a_multi_frame_overlay_is_the_one_pydicom_unpacks():
    ds = image(5, 7, frames=4)
    rng = np.random.default_rng(17)
    bits = rng.random((4, 5, 7)) < 0.3  # 35 bits a frame: frames start in the middle of a byte
    add_plane(ds, 0x6000, bits, frames=4)
    whole = ds.overlay_array(0x6000)
    for k in range(4):
        [plane] = overlay_planes(ds, k)
        assert np.array_equal(plane.bitmap, whole[k].astype(bool)) and np.array_equal(plane.bitmap, bits[k])
