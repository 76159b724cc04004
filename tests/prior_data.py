"""A current CT and a prior CT of one patient, written with pydicom: the DEMO CT phantom twice,
the prior a year and a half earlier, in another frame of reference, the table SHIFT_MM
higher (so the same anatomy is at another z), for the prior comparison tests and screenshots."""

from __future__ import annotations

from pathlib import Path

from pydicom.uid import generate_uid

from app.demo.imaging import ct_series

SHIFT_MM = 30.0
PRIOR_DATE = "20250310"


def write_current_and_prior(root: Path, slices: int = 20, size: int = 64, *,
                            shift_mm: float = SHIFT_MM) -> tuple[Path, Path]:
    """ROOT/current (the DEMO CT of 2026-09-14) and ROOT/prior; slice i of both shows the same
    anatomy, the prior's `shift_mm` higher in z. Returns both folders."""
    root = Path(root)
    current, prior = root / "current", root / "prior"
    current.mkdir(parents=True)
    prior.mkdir(parents=True)
    for ds in ct_series(slices, size):
        ds.save_as(current / f"CT{ds.InstanceNumber:06d}", enforce_file_format=True)
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    for ds in ct_series(slices, size, seed=7):
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = PRIOR_DATE
        ds.StudyDescription, ds.SeriesDescription = "CT THORAX DEMO (prior)", "Thorax 1.25 mm (synthetic prior)"
        z = float(ds.ImagePositionPatient[2]) + shift_mm
        ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], z]
        ds.SliceLocation = z
        ds.save_as(prior / f"PR{ds.InstanceNumber:06d}", enforce_file_format=True)
    return current, prior
