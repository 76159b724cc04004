"""A synthetic CT with its localiser (a coronal scout in the same frame of reference),
written with pydicom: the DEMO CT phantom, and a scout made by projecting it front to back,
as a CT topogram is. For the reference line tests and screenshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.uid import generate_uid

from app.demo.imaging import HU_INTERCEPT, write_ct_series

MARGIN_MM = 40.0  # the scout reaches this far above and below the CT


def write_ct_with_scout(directory: Path, slices: int = 20, size: int = 64, *,
                        scout_spacing_mm: float = 1.0) -> tuple[Path, Path, dict]:
    """Write the DEMO CT phantom (`slices` axial slices) in DIRECTORY/ct and its coronal
    scout in DIRECTORY/scout; returns both folders and the geometry (`top_z`, the z of the
    scout's first row; `row_mm`, its row spacing; `z`, every CT slice's z)."""
    directory = Path(directory)
    paths = write_ct_series(directory / "ct", slices, size)
    datasets = [dcmread(p) for p in paths]
    z = [float(ds.ImagePositionPatient[2]) for ds in datasets]
    hu = np.stack([ds.pixel_array.astype(np.float32) + HU_INTERCEPT for ds in datasets])  # slice, row(y), column(x)
    first = datasets[0]
    x0, spacing = float(first.ImagePositionPatient[0]), float(first.PixelSpacing[1])
    top, bottom = max(z) + MARGIN_MM, min(z) - MARGIN_MM
    rows = int(round((top - bottom) / scout_spacing_mm)) + 1
    # Each scout row: the attenuation summed front to back of the nearest CT slice (air outside).
    projection = np.clip(hu + 1000.0, 0, None).mean(axis=1)  # slice, column
    scout = np.zeros((rows, size), np.float32)
    for r in range(rows):
        height = top - r * scout_spacing_mm
        if min(z) - 0.5 <= height <= max(z) + 0.5:
            scout[r] = projection[int(np.argmin([abs(height - v) for v in z]))]
    stored = np.clip(scout / max(float(scout.max()), 1.0) * 3000.0, 0, 4095).astype("<u2")
    ds = first.copy()
    ds.file_meta = first.file_meta.copy()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.InstanceNumber = generate_uid(), 1, 1
    ds.SeriesDescription = "Topogram 0.6 (synthetic)"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]  # coronal: patient right on the left, head up
    ds.ImagePositionPatient = [x0, 0.0, top]
    ds.PixelSpacing = [scout_spacing_mm, spacing]
    ds.Rows, ds.Columns = rows, size
    ds.PixelRepresentation, ds.RescaleIntercept, ds.RescaleSlope = 0, 0, 1
    ds.WindowCenter, ds.WindowWidth = 1500, 3000
    for keyword in ("SliceLocation", "WindowCenterWidthExplanation", "SpacingBetweenSlices", "SliceThickness"):
        if keyword in ds:
            delattr(ds, keyword)
    ds.PixelData = stored.tobytes()
    (directory / "scout").mkdir(parents=True, exist_ok=True)
    ds.save_as(directory / "scout" / "SC000001", enforce_file_format=True)
    return directory / "ct", directory / "scout", {"top_z": top, "row_mm": scout_spacing_mm, "z": z}
