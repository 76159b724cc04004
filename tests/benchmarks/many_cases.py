"""Benchmark data for the workstation: many small cases, and one case with many
documents and series. Everything is made through the real packer and importer."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

from pydicom.uid import generate_uid
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from app.demo.imaging import ct_series
from app.demo.package import DemoPackage
from app.dossier import package
from app.dossier.importer import DossierImporter
from app.signing.certificates import load_certificate
from tests.unit.packages import sample_manifest

KINDS = ("referral_letter", "history_letter", "correspondence", "imaging_report", "operation_report",
         "lab_result", "other")
NAMESPACE = uuid.UUID("b3c7a1e0-0000-4000-8000-0000000bec45")


def small_pdf(title: str, pages: int = 1) -> bytes:
    """A real one-page (or more) A4 PDF with a large black heading near the top of each page."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    for page in range(pages):
        pdf.setFont("Helvetica-Bold", 28)
        pdf.drawString(60, height - 90, title)
        pdf.setFont("Helvetica", 11)
        for line in range(30):
            pdf.drawString(60, height - 140 - 16 * line,
                           f"Page {page + 1}, line {line + 1}: DEMO benchmark text, fictitious patient.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _recipients(demo: DemoPackage) -> list:
    return [load_certificate(demo.pki_files["reviewer-rsa.pem"])]


def _import(store, demo: DemoPackage, path: Path) -> str:
    result = DossierImporter(store, [demo.reviewer_identity()], [demo.root]).run([path])
    assert not result.duplicate
    return result.case_id


def import_many_cases(store, demo: DemoPackage, work: Path, count: int) -> list[str]:
    """The demo package plus `count - 1` one-letter packages, each a different dossier
    (dossier_id) and patient; returns the case ids."""
    case_ids = [_import(store, demo, demo.package)]
    source = work / "small-source"
    (source / "documents").mkdir(parents=True, exist_ok=True)
    (source / "documents" / "letter.pdf").write_bytes(small_pdf("Referral letter"))
    recipients = _recipients(demo)
    for n in range(1, count):
        manifest = sample_manifest(
            dossier_id=str(uuid.uuid5(NAMESPACE, f"many-cases-{n}")),
            patient={"family_name": f"Patient{n:03d}", "given_names": "Demo",
                     "birth_date": f"19{40 + n % 60:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}", "sex": "FM"[n % 2]},
            referral={"question": f"DEMO question number {n}: is treatment indicated?",
                      "consented_recipients": ["patient"]})
        manifest["documents"] = [{"path": "documents/letter.pdf", "kind": "referral_letter",
                                  "title": f"Referral letter {n}", "date": "2026-10-01",
                                  "media_type": "application/pdf"}]
        (source / "manifest.json").write_text(json.dumps(manifest))
        target = work / f"case-{n:03d}.sodp"
        package.pack_directory(source, target, recipients)
        case_ids.append(_import(store, demo, target))
        target.unlink()
    return case_ids


def import_big_case(store, demo: DemoPackage, work: Path, documents: int = 30, series: int = 6,
                    slices: int = 4, size: int = 64) -> str:
    """One case with `documents` PDFs (of every kind) and `series` CT series (one study)."""
    source = work / "big-source"
    (source / "documents").mkdir(parents=True, exist_ok=True)
    entries = []
    for n in range(documents):
        name = f"documents/doc{n:02d}.pdf"
        title = f"Document {n + 1:02d}"
        (source / name).write_bytes(small_pdf(title, pages=1 + n % 3))
        entries.append({"path": name, "kind": KINDS[n % len(KINDS)], "title": title,
                        "date": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}", "author": "Dr. DEMO",
                        "media_type": "application/pdf"})
    imaging = []
    template = list(ct_series(slices, size))
    study = generate_uid()
    for s in range(series):
        series_uid = generate_uid()
        folder = source / "DICOM" / f"S{s + 1}"
        folder.mkdir(parents=True, exist_ok=True)
        for i, ds in enumerate(template):
            ds.StudyInstanceUID = study
            ds.SeriesInstanceUID = series_uid
            ds.SeriesNumber = s + 1
            ds.SeriesDescription = f"Thorax series {s + 1}"
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            path = folder / f"IM{i + 1:04d}"
            ds.save_as(path, enforce_file_format=True)
            imaging.append({"path": path.relative_to(source).as_posix()})
    manifest = sample_manifest(dossier_id=str(uuid.uuid5(NAMESPACE, "big-case")))
    manifest["documents"], manifest["imaging"] = entries, imaging
    (source / "manifest.json").write_text(json.dumps(manifest))
    target = work / "big-case.sodp"
    package.pack_directory(source, target, _recipients(demo))
    return _import(store, demo, target)
