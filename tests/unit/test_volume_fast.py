"""The fast voxel path reads what the viewer's decoder reads, or steps aside."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from tests.unit import phantoms
from viewers.dicom.pixels import decode_frame
from viewers.dicom.volume_fast import fast_modality


def encoded(ds) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def both(data: bytes):
    ds = pydicom.dcmread(io.BytesIO(data))
    frame = decode_frame(ds, 0)
    return fast_modality(data, int(ds.Rows), int(ds.Columns), frame.photometric), frame


def test_a_phantom_slice_is_read_as_the_decoder_reads_it(tmp_path):
    folder = phantoms.straight(tmp_path / "s", slices=3, rows=16, columns=16)
    data = next(folder.glob("*.dcm")).read_bytes()
    fast, frame = both(data)
    assert fast is not None and fast.dtype == np.int16
    np.testing.assert_array_equal(fast, frame.modality)


@pytest.mark.parametrize("slope, intercept, dtype", [(1, -1024, np.int16), (1, 0, np.int16), (2.5, -3.5, np.float32)])
def test_rescale_as_the_decoder(slope, intercept, dtype):
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
    fast, frame = both(encoded(ds))
    assert fast is not None and fast.dtype == dtype
    np.testing.assert_allclose(fast, frame.modality, rtol=1e-6)


@pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "JPEG2000.dcm", "MR_small_bigendian.dcm",
                                  "MR_small_implicit.dcm", "SC_rgb_small_odd.dcm", "rtdose.dcm",
                                  "image_dfl.dcm"])
def test_anything_else_steps_aside(name):
    data = open(get_testdata_file(name), "rb").read()
    ds = pydicom.dcmread(io.BytesIO(data))
    assert fast_modality(data, int(ds.Rows), int(ds.Columns), "MONOCHROME2") is None


def test_another_size_or_photometric_steps_aside():
    data = open(get_testdata_file("CT_small.dcm"), "rb").read()
    assert fast_modality(data, 128, 128, "MONOCHROME2") is not None
    assert fast_modality(data, 64, 128, "MONOCHROME2") is None
    assert fast_modality(data, 128, 128, "MONOCHROME1") is None


def test_values_beyond_bits_stored_step_aside():
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.BitsStored, ds.HighBit = 12, 11
    pixels = ds.pixel_array.copy()
    pixels[0, 0] = 4000  # beyond a signed 12-bit value
    ds.PixelData = pixels.astype("<i2").tobytes()
    assert fast_modality(encoded(ds), 128, 128, "MONOCHROME2") is None
