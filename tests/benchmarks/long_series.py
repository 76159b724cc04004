"""Benchmark data: a long synthetic CT series (512x512 by default), written fast by drawing
eight phantom slices and repeating their pixels along z, each slice its own instance."""

from __future__ import annotations

import os
from pathlib import Path

from pydicom.uid import generate_uid

from app.demo.imaging import ct_series

SLICE_MM = 0.5


def series_sizes() -> list[int]:
    """SECONDO_BENCH_SERIES="200,1300,3000" (the issue's sizes by default)."""
    return [int(n) for n in os.environ.get("SECONDO_BENCH_SERIES", "200,1300,3000").split(",") if n.strip()]


def slice_size() -> int:
    """SECONDO_BENCH_SLICE_SIZE: rows = columns of each slice (512 by default)."""
    return int(os.environ.get("SECONDO_BENCH_SLICE_SIZE", "512"))


def write_long_ct(folder: Path, slices: int, size: int, spacing_mm: float = SLICE_MM) -> Path:
    """`slices` CT slices of `size` x `size` in `folder`/DICOM, one series, `spacing_mm` apart
    (the phantom is costly to draw: a few slices drawn, repeated along z); returns `folder`."""
    target = folder / "DICOM"
    target.mkdir(parents=True, exist_ok=True)
    templates = [ds.PixelData for ds in ct_series(8, size)]
    ds = next(ct_series(1, size))
    series_uid = generate_uid()
    for index in range(slices):
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.SeriesInstanceUID = series_uid
        ds.InstanceNumber = index + 1
        z = -index * spacing_mm
        ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], z]
        ds.SliceLocation = z
        ds.PixelData = templates[index % len(templates)]
        ds.save_as(target / f"CT{index:06d}", enforce_file_format=True)
    return folder
