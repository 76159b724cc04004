"""Pixel pipeline benchmarks: render of a 512x512 CT slice (~1-2 ms wanted),
decode + render of an uncompressed 512x512 CT slice from its bytes (< 25 ms per slice
decoded on the fly), a window/level update of a 3000x4000 16-bit mammogram (< 40 ms), and
the decode of a 12-bit JPEG Extended slice through the fallback decoder beside DCMTK's dcmj2pnm.

Run: .venv/bin/python -m pytest tests/benchmarks/test_pixels_benchmark.py --benchmark-only
"""

import io
import os
import sys
import time
from itertools import cycle

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from app.demo.imaging import ct_series
from tests.benchmarks.figures import median_run, peer, record
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


@pytest.fixture(scope="module")
def jply_slice(tmp_path_factory):
    """A 12-bit JPEG Extended CT slice (SECONDO_BENCH_DECODE_SIZE, default 512) in the JPLY form
    libjpeg refuses: decoded through the fallback (GDCM)."""
    from tests.decode_files import NO_DCMTK, as_jply, ct_12bit, dcmtk_installed, jpeg_extended_12bit

    if not dcmtk_installed():
        pytest.skip(NO_DCMTK)
    folder = tmp_path_factory.mktemp("jply")
    size = int(os.environ.get("SECONDO_BENCH_DECODE_SIZE", "512"))
    return as_jply(jpeg_extended_12bit(ct_12bit(size), folder), folder / "ct12-jply.dcm")


def _worker_cpu() -> float:
    """CPU seconds of the fallback's worker process so far (Linux /proc; 0 elsewhere)."""
    from viewers.dicom import fallback

    pool = fallback._state.get("pool")
    total = 0.0
    for pid in list(getattr(pool, "_processes", None) or {}):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def test_decode_12bit_jpeg_extended_through_the_fallback(benchmark, jply_slice, tmp_path):
    """Per frame: CPU of this process and of the GDCM worker (started by the first frame, not
    counted), wall time; side by side, whole processes on the same file: dcmj2pnm (DCMTK) and
    `secondo snapshot` (the worker started on the way)."""
    ds = pydicom.dcmread(jply_slice)
    first = decode_frame(ds, 0)  # starts the worker: counted in the snapshot figure, not per frame
    assert first.stored.shape == (ds.Rows, ds.Columns)
    rounds = 40
    start, worker_start, wall_start = time.process_time(), _worker_cpu(), time.perf_counter()
    for _ in range(rounds):
        decode_frame(ds, 0)
    per_frame = (time.process_time() - start + _worker_cpu() - worker_start) / rounds
    wall = (time.perf_counter() - wall_start) / rounds
    benchmark.pedantic(decode_frame, args=(ds, 0), rounds=10, iterations=1)
    peers = {}
    dcmj2pnm = peer("dcmj2pnm")
    if dcmj2pnm:
        peers["dcmj2pnm"] = median_run([dcmj2pnm, str(jply_slice), str(tmp_path / "dcmtk.pgm")]).cpu_s
    snapshot = median_run([sys.executable, "-m", "app", "snapshot", str(jply_slice), "-o", str(tmp_path / "s.png")])
    size = f"{ds.Columns}x{ds.Rows}"
    record(benchmark, f"decode of a 12-bit JPEG Extended {size} slice (JPLY) through the fallback, per frame, "
           "this process + GDCM worker", per_frame, None, peers=peers,
           note="dcmj2pnm is a whole process (start, read, decode, write)")
    record(benchmark, "the same, wall per frame", wall, None, unit="s wall")
    record(benchmark, f"secondo snapshot of that {size} slice, whole process (with the worker's start)",
           snapshot.cpu_s, None, peers=peers)
    record(benchmark, "secondo snapshot of that slice, wall", snapshot.wall_s, None, unit="s wall")
