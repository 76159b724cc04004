"""Pixel pipeline benchmarks: render of a 512x512 CT slice (~1-2 ms wanted),
decode + render of an uncompressed 512x512 CT slice from its bytes (< 25 ms per slice
decoded on the fly), and a window/level update of a 3000x4000 16-bit mammogram (< 40 ms).

Run: .venv/bin/python -m pytest tests/benchmarks/test_pixels_benchmark.py --benchmark-only
"""

import io
from itertools import cycle

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from app.demo.imaging import ct_series
from viewers.dicom.pixels import CT_PRESETS, Window, decode_frame, render


@pytest.fixture(scope="module")
def ct_bytes() -> bytes:
    buffer = io.BytesIO()
    next(ct_series(1, 512)).save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def mammogram() -> Dataset:
    """A 3000x4000 (columns x rows) MONOCHROME1 16-bit image, 12 bits stored."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.Modality, ds.Rows, ds.Columns = "MG", 4000, 3000
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME1"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2047, 4096
    y, x = np.mgrid[0:4000, 0:3000]
    breast = np.clip(4095 - np.hypot(y - 2000, x) * 1.2, 0, 4095)
    noise = np.random.default_rng(7).integers(0, 64, breast.shape)
    ds.PixelData = (breast + noise).clip(0, 4095).astype("<u2").tobytes()
    return ds


def test_render_512_ct_slice(benchmark, ct_bytes):
    frame = decode_frame(pydicom.dcmread(io.BytesIO(ct_bytes)), 0)
    windows = cycle([None, *CT_PRESETS.values()])
    image = benchmark(lambda: render(frame, next(windows)))
    assert image.shape == (512, 512)


def test_decode_and_render_512_ct_slice_from_bytes(benchmark, ct_bytes):
    image = benchmark(lambda: render(decode_frame(pydicom.dcmread(io.BytesIO(ct_bytes)), 0)))
    assert image.shape == (512, 512)


def test_window_update_3000x4000_mammogram(benchmark, mammogram):
    frame = decode_frame(mammogram, 0)
    # Each update is a new window, as during a left-drag: no table is reused.
    windows = cycle(Window(2047 + d, 4096 - 3 * d) for d in range(0, 1200, 7))
    image = benchmark(lambda: render(frame, next(windows)))
    assert image.shape == (4000, 3000)


def test_decode_3000x4000_mammogram(benchmark, mammogram):
    frame = benchmark.pedantic(decode_frame, args=(mammogram, 0), rounds=10, iterations=1)
    assert frame.modality.shape == (4000, 3000)
