"""Synthetic CT phantoms with known geometry for the volume tests: bright spheres at known
patient positions, written with pydicom as one file per slice, in a straight series, a
gantry-tilted one, an irregularly spaced one, and broken ones (mixed orientations, a
localiser, differing sizes). Patients obviously fictitious."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from viewers.dicom.sources import series_from_paths
from viewers.dicom.series import SeriesModel

BACKGROUND = -1000.0
SPHERE = 1000.0
RAMP_MM = 1.0  # the edge rises over 1 mm, so that sampling finds it to a fraction of a voxel

Sphere = tuple[tuple[float, float, float], float]  # centre (patient mm), radius (mm)


def spheres_value(spheres: Sequence[Sphere]) -> Callable[[np.ndarray], np.ndarray]:
    """HU at patient points (..., 3): background, spheres bright with a 1 mm ramp at the edge."""
    def value(points: np.ndarray) -> np.ndarray:
        out = np.full(points.shape[:-1], BACKGROUND)
        for centre, radius in spheres:
            distance = np.linalg.norm(points - np.asarray(centre), axis=-1)
            inside = np.clip((radius - distance) / RAMP_MM + 0.5, 0, 1)
            out = np.maximum(out, BACKGROUND + (SPHERE - BACKGROUND) * inside)
        return out
    return value


def write_series(folder: Path, positions: Sequence[Sequence[float]], *, rows: int = 64, columns: int = 64,
                 spacing: tuple[float, float] = (1.0, 1.0), orientation=(1, 0, 0, 0, 1, 0),
                 value: Callable[[np.ndarray], np.ndarray] | None = None, image_type=("ORIGINAL", "PRIMARY", "AXIAL"),
                 orientations: Sequence | None = None, sizes: Sequence[tuple[int, int]] | None = None,
                 description: str = "Phantom") -> Path:
    """One slice per position, each a file in `folder`; `value(points)` gives the HU at each
    pixel's patient position (a flat -1000 without it). `orientations`/`sizes` override per
    slice. Returns `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    for index, position in enumerate(positions):
        o = orientations[index] if orientations is not None else orientation
        r, c = sizes[index] if sizes is not None else (rows, columns)
        row, col = np.asarray(o[:3], float), np.asarray(o[3:], float)
        y, x = np.mgrid[0:r, 0:c].astype(float)
        points = (np.asarray(position, float) + x[..., None] * spacing[1] * row
                  + y[..., None] * spacing[0] * col)
        hu = value(points) if value is not None else np.full((r, c), BACKGROUND)
        ds = _dataset(study, series, frame, index, description)
        ds.ImageType = list(image_type)
        ds.ImagePositionPatient = [float(v) for v in position]
        ds.ImageOrientationPatient = [float(v) for v in o]
        ds.PixelSpacing = [float(spacing[0]), float(spacing[1])]
        ds.SliceThickness = 1.0
        ds.Rows, ds.Columns = r, c
        ds.PixelData = np.rint(np.clip(hu, -1024, 3071) + 1024).astype("<i2").tobytes()
        ds.save_as(folder / f"CT{index:05d}.dcm", enforce_file_format=True)
    return folder


def _dataset(study: str, series: str, frame: str, index: int, description: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Test^Patient", "TEST-0001", "19700101", "O"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
    ds.StudyDate, ds.StudyTime, ds.Modality = "20260101", "120000", "CT"
    ds.SeriesNumber, ds.InstanceNumber, ds.SeriesDescription = 3, index + 1, description
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
    ds.WindowCenter, ds.WindowWidth = 40, 400
    return ds


def open_series(folder: Path) -> SeriesModel:
    """The first (only) series in `folder` as the viewer opens it."""
    found = series_from_paths(folder)
    assert len(found) == 1, f"{len(found)} series in {folder}"
    _summary, refs, loader = found[0]
    return SeriesModel(refs, loader)


# --- the phantoms ----------------------------------------------------------------------------

SPHERES: list[Sphere] = [((-12.0, 6.0, 18.0), 7.0), ((14.0, -10.0, 52.0), 7.0), ((2.0, 4.0, 82.0), 7.0)]


def straight(folder: Path, spheres: Sequence[Sphere] = SPHERES, *, slices: int = 42, slice_mm: float = 2.5,
             rows: int = 64, columns: int = 64, pixel_mm: float = 0.8) -> Path:
    """Axial slices, 0.8 x 0.8 mm in-plane, `slice_mm` apart from z = 0 upwards, centred on x = y = 0."""
    half = (columns - 1) / 2 * pixel_mm, (rows - 1) / 2 * pixel_mm
    positions = [(-half[0], -half[1], k * slice_mm) for k in range(slices)]
    return write_series(folder, positions, rows=rows, columns=columns, spacing=(pixel_mm, pixel_mm),
                        value=spheres_value(spheres))


def tilted(folder: Path, spheres: Sequence[Sphere] = SPHERES, *, degrees: float = 20.0, slices: int = 42,
           table_mm: float = 2.5, rows: int = 64, columns: int = 64, pixel_mm: float = 0.8) -> Path:
    """A gantry tilted by `degrees` about x: each image's columns run along (0, cos, sin),
    the slices stacked along z by the table (not along their normal), `table_mm` apart."""
    t = math.radians(degrees)
    col = (0.0, math.cos(t), math.sin(t))
    half = (columns - 1) / 2 * pixel_mm, (rows - 1) / 2 * pixel_mm
    positions = [(-half[0], -half[1] * col[1], -half[1] * col[2] + k * table_mm) for k in range(slices)]
    return write_series(folder, positions, rows=rows, columns=columns, spacing=(pixel_mm, pixel_mm),
                        orientation=(1, 0, 0, *col), value=spheres_value(spheres))


IRREGULAR_GAPS = (1.5, 2.5, 3.5, 2.0)  # repeated: gaps between neighbouring slices, mm


def irregular(folder: Path, spheres: Sequence[Sphere] = SPHERES, *, slices: int = 42, rows: int = 64,
              columns: int = 64, pixel_mm: float = 0.8) -> Path:
    """Axial slices whose gaps cycle through IRREGULAR_GAPS."""
    half = (columns - 1) / 2 * pixel_mm, (rows - 1) / 2 * pixel_mm
    z = np.concatenate([[0.0], np.cumsum([IRREGULAR_GAPS[k % len(IRREGULAR_GAPS)] for k in range(slices - 1)])])
    positions = [(-half[0], -half[1], float(v)) for v in z]
    return write_series(folder, positions, rows=rows, columns=columns, spacing=(pixel_mm, pixel_mm),
                        value=spheres_value(spheres))
