"""The outgoing disc as an IHE PDI file-set a PACS can import: the signed opinion as a DICOM
Encapsulated PDF and the key images as Secondary Capture, in the patient's study, with a
DICOMDIR (pydicom's FileSet) and a README.TXT, written whole or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
import io
import os
from pathlib import Path
import shutil
from typing import TYPE_CHECKING
import uuid

from app.core.errors import BadInputError
from app.core.files import output_error, write_synced
from app.core.i18n import _
from app.core.key_images import KeyImage

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

ENCAPSULATED_PDF = "1.2.840.10008.5.1.4.1.1.104.1"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
README_NAME = "README.TXT"
FILE_SET_ID = "SECONDO"
_SEX = {"F": "F", "M": "M", "O": "O"}  # "U" (unknown) is an empty PatientSex in DICOM


@dataclass(frozen=True)
class PdiResult:
    folder: Path
    study_uid: str
    opinion_file: str  # the opinion's file ID, relative to `folder` ("PT000000/ST000000/...")
    key_image_files: list[str]
    instance_uids: list[str]  # the opinion first, then each key image


def study_context_of(study: dict | None) -> dict:
    """The study context for `write_pdi` from a case record's study (StudySummary.to_json()):
    its UID, date, time, ID, accession and the PatientID its header carries (the hospital's ID,
    which its PACS matches on). None (no imaging in the case): an empty context, a new study."""
    if not study:
        return {}
    header_patient = study.get("patient") or {}
    return {"study_uid": study.get("study_uid"), "study_date": study.get("date"), "study_time": study.get("time"),
            "accession": study.get("accession"), "description": study.get("description"),
            "patient_id": header_patient.get("id")}


def _person_name(patient: dict) -> str:
    family = str(patient.get("family_name") or "").strip()
    given = str(patient.get("given_names") or "").strip()
    return f"{family}^{given}" if given else family


def _da(value: object) -> str:
    """A date as DICOM DA (YYYYMMDD) from ISO 'YYYY-MM-DD' or DA already; '' when unknown."""
    text = str(value or "").replace("-", "").strip()
    return text[:8] if len(text) >= 8 and text[:8].isdigit() else ""


def _tm(value: object) -> str:
    text = str(value or "").replace(":", "").strip()
    return text if text[:6].isdigit() else ""


def _patient_id(patient: dict, context: dict) -> str:
    if context.get("patient_id"):
        return str(context["patient_id"])
    for identifier in patient.get("identifiers") or []:
        if isinstance(identifier, dict) and identifier.get("value"):
            return str(identifier["value"])
    # No identifier at all: the PATIENT record needs one; a PACS reconciles on name and birth date.
    return "SECONDO-" + uuid.uuid4().hex[:8].upper()


def _base(sop_class: str, patient: dict, context: dict, study_uid: str, series_uid: str, number: int,
          modality: str, series_number: int, now: datetime) -> Dataset:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: names with accents
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.PatientName = _person_name(patient)
    ds.PatientID = _patient_id(patient, context)
    ds.PatientBirthDate = _da(patient.get("birth_date"))
    ds.PatientSex = _SEX.get(str(patient.get("sex") or "").upper(), "")
    ds.StudyInstanceUID = study_uid
    ds.StudyDate = _da(context.get("study_date")) or now.strftime("%Y%m%d")
    ds.StudyTime = _tm(context.get("study_time")) or now.strftime("%H%M%S")
    ds.StudyID = str(context.get("study_id") or "1")[:16]
    ds.AccessionNumber = str(context.get("accession") or "")[:16]
    ds.StudyDescription = str(context.get("description") or "")[:64]
    ds.ReferringPhysicianName = ""
    ds.Modality = modality
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = series_number
    ds.InstanceNumber = number
    ds.ContentDate = now.strftime("%Y%m%d")
    ds.ContentTime = now.strftime("%H%M%S")
    ds.Manufacturer = "Second-O"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UID(sop_class)
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds


def encapsulated_pdf(signed_pdf: bytes, title: str, **base) -> Dataset:
    """The opinion as a DICOM Encapsulated PDF: the signed PDF byte for byte (an odd length
    padded with one 0x00, EncapsulatedDocumentLength holding the true length)."""
    if not signed_pdf.startswith(b"%PDF-"):
        raise ValueError("not a PDF")
    ds = _base(ENCAPSULATED_PDF, modality="DOC", **base)
    ds.ConversionType = "WSD"
    ds.BurnedInAnnotation = "YES"
    ds.DocumentTitle = title[:64]
    ds.ConceptNameCodeSequence = []
    ds.AcquisitionDateTime = ds.ContentDate + ds.ContentTime
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocumentLength = len(signed_pdf)
    ds.EncapsulatedDocument = signed_pdf + b"\x00" * (len(signed_pdf) % 2)
    return ds


def secondary_capture(png: bytes, **base) -> Dataset:
    """A key image (PNG bytes) as DICOM Secondary Capture: RGB, or MONOCHROME2 for a grey image,
    8 bits, pixels as in the PNG (alpha dropped)."""
    import numpy as np
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as image:
            image.load()
            grey = image.mode in ("1", "L", "LA", "I", "I;16", "F")
            pixels = np.asarray(image.convert("L" if grey else "RGB"), dtype=np.uint8)
    except (OSError, ValueError, Image.DecompressionBombError):
        raise BadInputError(_("A key image of the opinion cannot be read; nothing was written.")) from None
    ds = _base(SECONDARY_CAPTURE, modality="OT", **base)
    ds.ConversionType = "WSD"
    ds.BurnedInAnnotation = "YES"  # the view as shown: window and measurements are burned in
    ds.Rows, ds.Columns = int(pixels.shape[0]), int(pixels.shape[1])
    ds.SamplesPerPixel = 1 if grey else 3
    ds.PhotometricInterpretation = "MONOCHROME2" if grey else "RGB"
    if not grey:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.tobytes()
    return ds


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _stage_inside(fs, staging: Path) -> None:
    """FileSet.add saves each dataset in a staging folder, by default in the system temp folder:
    keep it inside our own staging folder so that no copy of the patient's files is left
    elsewhere (pydicom has no parameter for it; its `_stage` is what FileSet.write reads)."""
    from tempfile import TemporaryDirectory

    fs._stage["t"].cleanup()
    fs._stage["t"] = TemporaryDirectory(prefix=".stage", dir=staging)
    fs._stage["path"] = Path(fs._stage["t"].name)


def write_pdi(folder: Path, *, signed_pdf: bytes, key_images: Sequence[KeyImage | bytes], patient: dict,
              study_context: dict, readme_text: str, opinion_title: str | None = None,
              now: datetime | None = None) -> PdiResult:
    """Write the PDI file-set into `folder` (which must not exist yet, or be empty).
    `patient`: the case's patient as details(record)["patient"] (family_name, given_names,
    birth_date ISO, sex, identifiers); `study_context`: study_context_of(the case's study), or {}
    for a new study. Everything goes to a hidden sibling folder first and is renamed into place
    at the end: a failure (a full disk, an unreadable image) leaves nothing behind."""
    from pydicom.fileset import FileSet
    from pydicom.uid import generate_uid

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileExistsError(f"not a new, empty folder: {folder}")
    now = now or datetime.now(timezone.utc).astimezone()  # local time, as DICOM dates are
    study_uid = str(study_context.get("study_uid") or "") or generate_uid()
    context = dict(study_context)
    if not study_context.get("patient_id"):
        context["patient_id"] = _patient_id(patient, study_context)  # one ID for every instance
    common = {"patient": patient, "context": context, "study_uid": study_uid, "now": now}
    # Series numbers high enough not to collide with the original study's.
    opinion = encapsulated_pdf(signed_pdf, opinion_title or _("Second opinion"), series_uid=generate_uid(), number=1,
                               series_number=9001, **common)
    images_series = generate_uid()
    images = [secondary_capture(item.png if isinstance(item, KeyImage) else item, series_uid=images_series,
                                number=n, series_number=9002, **common)
              for n, item in enumerate(key_images, start=1)]

    staging = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        staging.mkdir()
        fs = FileSet()
        _stage_inside(fs, staging)
        fs.ID = FILE_SET_ID
        for ds in [opinion, *images]:
            fs.add(ds)
        fs.write(staging)
        written = {str(i.SOPInstanceUID): "/".join(i.FileID.split("\\")) for i in fs}
        encoding = "utf-8" if readme_text.isascii() else "utf-8-sig"
        write_synced(staging / README_NAME, readme_text.encode(encoding))
        _fsync_tree(staging)
        file_ids = [written[str(ds.SOPInstanceUID)] for ds in [opinion, *images]]
        if folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise output_error(folder, exc) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return PdiResult(folder, study_uid, file_ids[0], file_ids[1:],
                     [str(ds.SOPInstanceUID) for ds in [opinion, *images]])
