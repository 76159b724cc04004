"""Demo DICOM: a synthetic CT thorax, a synthetic MONOCHROME1 chest radiograph, pydicom's
bundled sample images relabelled to the demo patient, and an IHE PDI-style file-set.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from app.demo import DEMO_PATIENT

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
CR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
UID_SEED = "second-o-demo/1"
FOV_MM = 360.0  # fixed field of view: anatomy keeps its size in mm whatever the matrix
SLICE_THICKNESS = 1.25
HU_INTERCEPT = -1024  # stored value = HU + 1024, signed 16-bit
NODULE_MM = (-80.0, 35.0)  # patient x (right is negative), y (posterior positive)
NODULE_DIAMETER = 9.0
NODULE_FRACTION = 0.7  # how far down the scanned range the nodule sits

# Pixel files that ship inside pydicom's wheel; anything it would have to download is skipped.
REAL_SAMPLES = [
    ("MR, MONOCHROME2, Explicit VR Little Endian", "MR_small.dcm"),
    ("US multi-frame, YBR_FULL_422, JPEG Baseline", "examples_ybr_color.dcm"),
    ("CT, MONOCHROME2, JPEG 2000", "693_J2KI.dcm"),
]


def _uid(*parts: object) -> str:
    # Deterministic UIDs: rebuilding the demo yields the same instances, so a re-import
    # is recognised as the same data rather than a new study.
    return generate_uid(entropy_srcs=[UID_SEED, *map(str, parts)])


def _dicom_patient() -> dict[str, str]:
    p = DEMO_PATIENT
    return {
        "PatientName": f"{p['family_name']}^{p['given_names']}",
        "PatientID": p["identifiers"][0]["value"],
        "IssuerOfPatientID": p["identifiers"][0]["system"],
        "PatientBirthDate": p["birth_date"].replace("-", ""),
        "PatientSex": p["sex"],
    }


def _base_dataset(sop_class: str, sop_instance: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = UID(sop_instance)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_instance
    for keyword, value in _dicom_patient().items():
        setattr(ds, keyword, value)
    ds.Manufacturer = "DEMO"
    ds.InstitutionName = "DEMO Sending Hospital"
    ds.ReferringPhysicianName = "Treating^Test^^Dr.^(DEMO)"
    ds.AccessionNumber = "DEMO0001"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    return ds


class _ThoraxPhantom:
    """Axial slices of a crude but plausible chest, in HU, built from reusable grids."""

    def __init__(self, slices: int, size: int, rng: np.random.Generator):
        self.slices, self.size = slices, size
        self.spacing = FOV_MM / size
        axis = (np.arange(size, dtype=np.float32) - (size - 1) / 2) * self.spacing
        self.x, self.y = np.meshgrid(axis, axis)  # x: columns to patient left, y: rows posterior
        self.radius = np.hypot(self.x, self.y * 1.45)
        self.angle = np.arctan2(self.y, self.x)
        self.noise = rng.normal(0, 12, (4, size, size)).astype(np.float32)
        # Vessels drift through the lungs from slice to slice like real branching vessels.
        n = 60
        self.vessels = np.column_stack([
            rng.uniform(-125, 125, n), rng.uniform(-80, 70, n),
            rng.uniform(-0.3, 0.3, n), rng.uniform(-0.3, 0.3, n), rng.uniform(0.7, 1.8, n)])
        self._static_masks()

    def fraction(self, index: int) -> float:
        return 0.5 if self.slices == 1 else index / (self.slices - 1)

    def _ellipse(self, cx, cy, ax, ay):
        return ((self.x - cx) / ax) ** 2 + ((self.y - cy) / ay) ** 2 <= 1.0

    def _lung_scale(self, f: float, side: int) -> float:
        top = min(1.0, 0.45 + 1.3 * f)  # apices are small
        # The right hemidiaphragm sits higher, so the right lung ends sooner.
        dome = 0.82 if side < 0 else 0.87
        bottom = 1.0 if f < dome else max(0.25, 1.0 - (f - dome) * 4.5)
        return top * bottom

    def _static_masks(self) -> None:
        # Structures that do not change along z: built once, reused for every slice.
        self.body = self._ellipse(0, 5, 165, 115)
        self.muscle = self._ellipse(0, 5, 152, 104)
        self.rib_ring = (self.radius > 138) & (self.radius < 146) & self.body
        self.heart = self._ellipse(28, -30, 58, 46)
        self.trachea = self._ellipse(0, -25, 9, 8)
        self.sternum = self._ellipse(0, -102, 14, 5)
        self.mediastinal = [  # drawn over the lungs, in this order
            (self._ellipse(22, 38, 13, 13), 45.0),  # descending aorta
            (self._ellipse(0, 72, 19, 17), 700.0),  # vertebral body
            (self._ellipse(0, 96, 7, 7), 20.0),  # spinal canal
            (self._ellipse(0, 110, 24, 7), 600.0),  # posterior elements
        ]

    def slice_hu(self, index: int) -> np.ndarray:
        f = self.fraction(index)
        hu = np.full(self.x.shape, -1000.0, dtype=np.float32)
        hu[self.body] = -100.0  # subcutaneous fat
        hu[self.muscle] = 45.0  # muscle and mediastinum
        # Ribs run obliquely, so the arcs they leave in an axial slice shift along z.
        rib_phase = index * SLICE_THICKNESS / 9.0
        hu[self.rib_ring & (np.cos(3 * self.angle + rib_phase) > 0.55)] = 750.0
        lungs = np.zeros(self.x.shape, dtype=bool)
        for side in (-1, 1):
            s = self._lung_scale(f, side)
            lungs |= self._ellipse(side * 72, 0, 55 * s, 82 * s)
        if 0.4 < f < 0.9:
            lungs &= ~self.heart  # the heart displaces the left lung
        hu[lungs] = -850.0
        if f < 0.35:
            hu[self.trachea] = -1000.0
        for mask, value in self.mediastinal:
            hu[mask] = value
        if 0.2 < f < 0.7:
            hu[self.sternum] = 650.0
        self._draw_vessels(hu, lungs, index)
        self._draw_nodule(hu, index)
        hu += np.roll(self.noise[index % 4], index * 7, axis=0)
        return hu

    def _draw_vessels(self, hu, lungs, index):
        z = index * SLICE_THICKNESS
        half = 5
        for x0, y0, dx, dy, r in self.vessels:
            cx, cy = x0 + dx * z, y0 + dy * z
            if np.hypot(cx - NODULE_MM[0], cy - NODULE_MM[1]) < 12:
                continue  # keep the nodule isolated so it can be measured cleanly
            col, row = _pixel(self.size, cx, cy)
            r0, r1 = max(row - half, 0), min(row + half + 1, self.size)
            c0, c1 = max(col - half, 0), min(col + half + 1, self.size)
            if r0 >= r1 or c0 >= c1:
                continue
            win = (slice(r0, r1), slice(c0, c1))
            disc = np.hypot(self.x[win] - cx, self.y[win] - cy) <= r
            hu[win][disc & lungs[win]] = 30.0

    def _draw_nodule(self, hu, index):
        centre_index, (nx, ny) = _nodule_index(self.slices), NODULE_MM
        dz = (index - centre_index) * SLICE_THICKNESS
        radius = NODULE_DIAMETER / 2
        if abs(dz) >= radius:
            return
        r = np.sqrt(radius**2 - dz**2)
        d = np.hypot(self.x - nx, self.y - ny)
        # A soft edge one pixel wide mimics partial volume, so the nodule is not a stamp.
        weight = np.clip((r - d) / self.spacing + 0.5, 0.0, 1.0)
        hu += weight * (25.0 - hu)


def _nodule_index(slices: int) -> int:
    return round(NODULE_FRACTION * (slices - 1))


def _pixel(size: int, x_mm: float, y_mm: float) -> tuple[int, int]:
    """(column, row) of the pixel centred nearest to patient (x, y) in mm."""
    spacing = FOV_MM / size
    origin = -(size - 1) / 2 * spacing
    return round((x_mm - origin) / spacing), round((y_mm - origin) / spacing)


def ct_landmarks(slices: int = 200, size: int = 512) -> dict[str, tuple[int, int, int]]:
    """(slice index, row, column) of known tissue in the phantom, for tests and demos."""
    points = {"nodule": NODULE_MM, "right_lung": (-60.0, -20.0),
              "soft_tissue": (0.0, -60.0), "bone": (0.0, 72.0), "air": (0.0, -170.0)}
    index = _nodule_index(slices)
    cells = {name: _pixel(size, *xy) for name, xy in points.items()}
    return {name: (index, row, column) for name, (column, row) in cells.items()}


def ct_series(slices: int = 200, size: int = 512, *, seed: int = 20260914) -> Iterator[Dataset]:
    """Yield the synthetic CT thorax slice by slice, superior to inferior."""
    phantom = _ThoraxPhantom(slices, size, np.random.default_rng(seed))
    study, series = _uid("ct", "study"), _uid("ct", "series", slices, size)
    frame_of_reference = _uid("ct", "for", slices, size)
    origin = -(size - 1) / 2 * phantom.spacing
    for index in range(slices):
        ds = _base_dataset(CT_IMAGE_STORAGE, _uid("ct", "image", slices, size, index))
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.Modality = "CT"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = frame_of_reference, ""
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20260914"
        ds.StudyTime, ds.SeriesTime, ds.ContentTime = "101500", "101712", "101712"
        ds.StudyID, ds.SeriesNumber, ds.AcquisitionNumber = "1", 2, 1
        ds.InstanceNumber = index + 1
        ds.StudyDescription = "CT THORAX DEMO"
        ds.SeriesDescription = "Thorax 1.25 mm lung kernel (synthetic DEMO)"
        ds.BodyPartExamined, ds.PatientPosition = "CHEST", "HFS"
        ds.ManufacturerModelName = "DEMO Phantom CT"
        ds.KVP, ds.XRayTubeCurrent, ds.ConvolutionKernel = 120, 180, "LUNG"
        ds.SliceThickness = ds.SpacingBetweenSlices = SLICE_THICKNESS
        z = -index * SLICE_THICKNESS  # head-first scan runs from apex to base, z decreasing
        ds.ImagePositionPatient = [round(origin, 4), round(origin, 4), z]
        ds.SliceLocation = z
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [round(phantom.spacing, 6)] * 2
        ds.Rows = ds.Columns = size
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = HU_INTERCEPT, 1, "HU"
        ds.WindowCenter, ds.WindowWidth = [-600, 40], [1500, 400]
        ds.WindowCenterWidthExplanation = ["LUNG", "MEDIASTINUM"]
        stored = np.clip(phantom.slice_hu(index), -1024, 3071) - HU_INTERCEPT
        ds.PixelData = np.rint(stored).astype("<i2").tobytes()
        ds["PixelData"].VR = "OW"
        yield ds


def write_ct_series(directory: Path, slices: int = 200, size: int = 512, *,
                    seed: int = 20260914) -> list[Path]:
    """Write the synthetic CT thorax as CT000001, CT000002, ... in `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for ds in ct_series(slices, size, seed=seed):
        path = directory / f"CT{ds.InstanceNumber:06d}"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _chest_radiograph(rows: int, columns: int, spacing: float) -> np.ndarray:
    """Relative attenuation (0 air .. 1 bone) of a PA chest projection."""
    y, x = np.mgrid[0:rows, 0:columns].astype(np.float32)
    x = (x - columns / 2) * spacing  # mm, image right = patient left (PA display)
    y = y * spacing  # mm from the top edge
    half_width = np.clip(55 + (y - 40) * 1.6, 55, 175)  # neck widening into the shoulders
    att = np.clip(1.0 - (x / half_width) ** 2, 0, 1) ** 0.5 * 0.5
    dome = np.where(x < 0, 345.0, 358.0) - 0.006 * (np.abs(x) - 75) ** 2
    for side in (-1, 1):
        lung = (((x - side * 78) / 66) ** 2 + ((y - 235) / 150) ** 2 <= 1) & (y < dome)
        att[lung] -= 0.28
    att[y >= dome + 8] += 0.12  # liver and spleen below the diaphragm
    att[((x - 22) / 72) ** 2 + ((y - 290) / 58) ** 2 <= 1] += 0.2  # heart
    att[np.abs(x) < 17] += 0.22  # spine and mediastinum
    for k in range(10):  # posterior ribs, rising from the spine then sweeping down
        centre = 95 + 30 * k - 0.25 * np.abs(x) + 0.0032 * x**2
        att[(np.abs(y - centre) < 4.5) & (np.abs(x) > 20) & (np.abs(x) < 150) & (y < dome + 25)] += 0.1
    clavicle = np.abs(y - (105 - 0.12 * np.abs(x) + 0.0015 * x**2)) < 5
    att[clavicle & (np.abs(x) > 15) & (np.abs(x) < 135)] += 0.14
    att[np.hypot(x + 80, y - 300) < 4.5] += 0.05  # the faint right lower zone nodule
    # A few passes of a 3x3 box blur soften the geometric edges into something film-like.
    for _ in range(3):
        att = sum(np.roll(np.roll(att, dy, 0), dx, 1)
                  for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9
    return att + np.random.default_rng(610).normal(0, 0.008, att.shape).astype(np.float32)


def cr_chest_dataset(rows: int = 860, columns: int = 700, spacing: float = 0.5) -> Dataset:
    """A synthetic PA chest radiograph stored MONOCHROME1 (no such file ships with pydicom)."""
    ds = _base_dataset(CR_IMAGE_STORAGE, _uid("cr", "image"))
    ds.Modality, ds.BodyPartExamined, ds.ViewPosition = "CR", "CHEST", "PA"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = _uid("cr", "study"), _uid("cr", "series")
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20260610"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "091000"
    ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = "1", 1, 1
    ds.AccessionNumber = "DEMO0002"
    ds.StudyDescription = "CHEST PA DEMO"
    ds.SeriesDescription = "PA (synthetic MONOCHROME1 DEMO)"
    ds.PatientOrientation = ["L", "F"]
    ds.ImagerPixelSpacing = ds.PixelSpacing = [spacing, spacing]
    ds.KVP = 125
    stored_att = _chest_radiograph(rows, columns, spacing)
    # MONOCHROME1: low values display bright, so dense structures get low stored values.
    stored = np.rint((1.0 - np.clip(stored_att, 0, 1)) * 4095).astype("<u2")
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.Rows, ds.Columns = rows, columns
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    ds.PixelData = stored.tobytes()
    ds["PixelData"].VR = "OW"
    return ds


def real_sample_images() -> list[tuple[str, Path]]:
    """(description, path) of pydicom's bundled sample images that are present offline."""
    found = []
    for description, name in REAL_SAMPLES:
        path = get_testdata_file(name, download=False)
        if path:
            found.append((description, Path(path)))
    return found


def assign_to_patient(ds: Dataset) -> Dataset:
    """Return `ds` (a copy if it must change) labelled as the demo patient, with the
    identity elements a DICOMDIR record needs."""
    wanted = _dicom_patient()
    missing: dict[str, object] = {
        "StudyDate": ds.get("SeriesDate") or ds.get("ContentDate") or "20260101",
        "StudyTime": ds.get("SeriesTime") or ds.get("ContentTime") or "120000",
        "StudyID": "1", "SeriesNumber": 1, "InstanceNumber": 1,
        "StudyDescription": f"DEMO sample {ds.get('Modality', '')} (pydicom test data)",
    }
    stale = ("PatientAge", "OtherPatientIDs", "OtherPatientIDsSequence", "OtherPatientNames")
    if (all(str(ds.get(k, "")) == v for k, v in wanted.items())
            and all(ds.get(k) not in (None, "") for k in missing)
            and not any(k in ds for k in stale)):
        return ds
    ds = copy.deepcopy(ds)
    for keyword, value in wanted.items():
        setattr(ds, keyword, value)
    for keyword, default in missing.items():
        if ds.get(keyword) in (None, ""):
            setattr(ds, keyword, default)
    for keyword in stale:
        if keyword in ds:
            del ds[keyword]
    return ds


def write_fileset(directory: Path, datasets_or_paths: Iterable[Dataset | str | os.PathLike],
                  *, fileset_id: str = "SECONDO_DEMO") -> Path:
    """Write every instance, relabelled to the demo patient, as a DICOM file-set with a
    DICOMDIR at the root of `directory`; return the DICOMDIR path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fs = FileSet()
    fs.ID = fileset_id
    seen: set[str] = set()
    for item in datasets_or_paths:
        ds = item if isinstance(item, Dataset) else dcmread(item)
        ds = assign_to_patient(ds)
        if ds.SOPInstanceUID in seen:  # two copies of one sample must stay two instances
            ds = copy.deepcopy(ds)
            ds.SOPInstanceUID = _uid("renamed", ds.SOPInstanceUID, len(seen))
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        seen.add(ds.SOPInstanceUID)
        fs.add(ds)
    fs.write(directory)
    # pydicom has no public close(); without this its empty staging folder is only removed
    # by the garbage collector, with a ResourceWarning.
    fs._stage["t"].cleanup()
    return directory / "DICOMDIR"
