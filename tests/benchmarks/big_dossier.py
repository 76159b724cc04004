"""A large synthetic dossier for import benchmarks: a CT series of 512² slices and PDFs."""

import json
import os
from pathlib import Path
import uuid

from app.demo.imaging import ct_series
from tests.unit.packages import sample_manifest


def pdf_bytes(size: int) -> bytes:
    """A PDF-shaped file of about `size` bytes (one incompressible stream object)."""
    body = os.urandom(size)
    return (b"%PDF-1.4\n1 0 obj<</Length " + str(len(body)).encode() + b">>stream\n" + body
            + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def write_big_source(directory: Path, slices: int = 1200, pdfs: int = 20, pdf_mb: float = 3.5) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "DICOM").mkdir(exist_ok=True)
    (directory / "documents").mkdir(exist_ok=True)
    imaging = []
    for n, ds in enumerate(ct_series(slices, 512), start=1):
        name = f"DICOM/CT{n:06d}"
        ds.save_as(directory / name, enforce_file_format=True)
        imaging.append(name)
    documents = []
    for n in range(pdfs):
        name = f"documents/letter{n:02d}.pdf"
        (directory / name).write_bytes(pdf_bytes(int(pdf_mb * 1_000_000)))
        documents.append(name)
    manifest = sample_manifest(documents, imaging, dossier_id=str(uuid.uuid4()))
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def write_plain_cd(directory: Path, files: int = 1000) -> Path:
    """A CD without DICOMDIR: `files` small CT slices in upper-case 8.3 names, no extensions."""
    (directory / "DICOM").mkdir(parents=True, exist_ok=True)
    for n, ds in enumerate(ct_series(files, 64), start=1):
        ds.save_as(directory / "DICOM" / f"IM{n:06d}", enforce_file_format=True)
    return directory
