"""Files for the case sheet's tests: a plain hospital CD that names its patient but not the
birth date, a referral letter PDF and a scanned page, all of a fictitious patient."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from pydicom.uid import generate_uid
from reportlab.pdfgen import canvas

from tests.unit import discs


def plain_cd(root: Path) -> Path:
    """A hospital CD whose images name the patient but not the birth date (as many do)."""
    datasets = discs.ct_instances(2, 16)
    study, series = generate_uid(), generate_uid()
    for ds in datasets:
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.PatientBirthDate = ""
    ids = discs.file_ids(len(datasets))
    discs.write_instances(root, datasets, ids)
    discs.write_dicomdir(root / "DICOMDIR", list(zip(datasets, ids)))
    return root


def letter_pdf(path: Path) -> Path:
    page = canvas.Canvas(str(path))
    page.drawString(72, 720, "Referral letter for Test Patient, born 01-01-1970 (fictitious).")
    page.save()
    return path


def scan_png(path: Path) -> Path:
    Image.new("L", (64, 48), 200).save(path)
    return path
