"""The demo dossier: synthetic CT, DICOM file-set, letters and manifest.json."""

import json
import re
import uuid
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.fileset import FileSet
from pydicom.pixels import apply_modality_lut

from app.demo import DEMO_PATIENT
from app.demo.dossier import DEMO_DOSSIER_ID, build_demo_source
from app.demo.imaging import (NODULE_DIAMETER, assign_to_patient, ct_landmarks,
                              real_sample_images, write_ct_series)
from app.demo.letters import LETTERS, QUESTION

SLICES, SIZE = 5, 128


@pytest.fixture(scope="module")
def dossier(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "source"
    build_demo_source(root, ct_slices=SLICES, ct_size=SIZE)
    return root


@pytest.fixture(scope="module")
def manifest(dossier) -> dict:
    return json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ct_files(tmp_path_factory) -> list[Path]:
    return write_ct_series(tmp_path_factory.mktemp("ct"), slices=SLICES, size=256)


def pdf_text(data: bytes) -> list[str]:
    """The strings of every Tj operator (the PDFs are written uncompressed)."""
    escapes = {b"n": b"\n", b"(": b"(", b")": b")", b"\\": b"\\"}
    found = []
    for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", data):
        text = re.sub(rb"\\([0-7]{3}|.)", lambda m: bytes([int(m[1], 8)]) if len(m[1]) == 3
                      else escapes.get(m[1], m[1]), raw)
        found.append(text.decode("cp1252"))
    return found


class TestCtSeries:
    def test_tags(self, ct_files):
        datasets = [pydicom.dcmread(p) for p in ct_files]
        assert [p.name for p in ct_files] == [f"CT{i:06d}" for i in range(1, SLICES + 1)]
        for i, ds in enumerate(datasets, 1):
            assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
            assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.2" == ds.file_meta.MediaStorageSOPClassUID
            assert ds.Modality == "CT" and ds.InstanceNumber == i
            assert str(ds.PatientName) == "Test^Patient"
            assert ds.PatientID == "70.01.01-000.00"
            assert (ds.PatientBirthDate, ds.PatientSex) == ("19700101", "F")
            assert ds.StudyDescription == "CT THORAX DEMO" and ds.BodyPartExamined == "CHEST"
            assert ds.Manufacturer == "DEMO"
            assert (ds.Rows, ds.Columns) == (256, 256)
            assert [float(v) for v in ds.PixelSpacing] == pytest.approx([360 / 256] * 2)
            assert float(ds.SliceThickness) == float(ds.SpacingBetweenSlices) == 1.25
            assert [float(v) for v in ds.ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
            assert (ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation) == \
                (16, 16, 15, 1)
            assert (float(ds.RescaleIntercept), float(ds.RescaleSlope)) == (-1024, 1)
            assert [float(v) for v in ds.WindowCenter] == [-600, 40]
            assert [float(v) for v in ds.WindowWidth] == [1500, 400]
            assert ds.pixel_array.shape == (256, 256)
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID"):
            assert len({ds[keyword].value for ds in datasets}) == 1
        assert len({ds.SOPInstanceUID for ds in datasets}) == SLICES

    def test_positions_step_by_the_slice_thickness(self, ct_files):
        positions = np.array([[float(v) for v in pydicom.dcmread(p).ImagePositionPatient]
                              for p in ct_files])
        assert np.all(positions[:, :2] == positions[0, :2])
        assert np.allclose(np.diff(positions[:, 2]), -1.25)

    def test_hounsfield_units(self, ct_files):
        marks = ct_landmarks(SLICES, 256)
        ds = pydicom.dcmread(ct_files[marks["nodule"][0]])
        hu = apply_modality_lut(ds.pixel_array, ds)

        def patch(name):
            _, row, col = marks[name]
            return float(np.median(hu[row - 2:row + 3, col - 2:col + 3]))

        assert -100 < patch("nodule") < 150
        assert -950 < patch("right_lung") < -750
        assert -20 < patch("soft_tissue") < 100
        assert patch("bone") > 400
        assert patch("air") < -950

    def test_nodule_measures_about_nine_mm(self, ct_files):
        marks = ct_landmarks(SLICES, 256)
        index, row, col = marks["nodule"]
        ds = pydicom.dcmread(ct_files[index])
        hu = apply_modality_lut(ds.pixel_array, ds)
        spacing = float(ds.PixelSpacing[0])
        reach = round(8 / spacing)  # look 8 mm around the centre: the nodule alone
        window = hu[row - reach:row + reach + 1, col - reach:col + reach + 1]
        diameter = 2 * np.sqrt((window > -400).sum() * spacing**2 / np.pi)
        assert NODULE_DIAMETER - 1.5 < diameter < NODULE_DIAMETER + 1.5


class TestRealSamples:
    def test_descriptions_match_the_files(self):
        samples = real_sample_images()
        assert samples, "pydicom's wheel ships these files"
        for description, path in samples:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
            assert description.startswith(ds.Modality)
            assert ds.PhotometricInterpretation in description

    def test_assign_to_patient_copies(self):
        _, path = real_sample_images()[0]
        original = pydicom.dcmread(path)
        name = str(original.PatientName)
        relabelled = assign_to_patient(original)
        assert relabelled is not original and str(original.PatientName) == name
        assert str(relabelled.PatientName) == "Test^Patient"
        assert relabelled.PatientBirthDate == "19700101"
        assert "PatientAge" not in relabelled
        assert assign_to_patient(relabelled) is relabelled


class TestFileSet:
    def test_dicomdir_lists_every_instance(self, dossier, manifest):
        fs = FileSet(dossier / "DICOM" / "DICOMDIR")
        fs._stage["t"].cleanup()  # pydicom leaves a staging folder to the GC otherwise
        listed = {e["path"] for e in manifest["imaging"]} - {"DICOM/DICOMDIR"}
        in_fileset = {(Path("DICOM") / Path(ii.path).relative_to(dossier / "DICOM")).as_posix()
                      for ii in fs}
        assert in_fileset == listed
        assert len(fs) == SLICES + 1 + len(real_sample_images())

    def test_every_instance_is_the_demo_patient(self, dossier, manifest):
        modalities = []
        for entry in manifest["imaging"][1:]:
            ds = pydicom.dcmread(dossier / entry["path"])
            assert str(ds.PatientName) == "Test^Patient"
            assert ds.PatientID == DEMO_PATIENT["identifiers"][0]["value"]
            assert ds.PatientBirthDate == "19700101" and ds.PatientSex == "F"
            modalities.append((ds.Modality, ds.PhotometricInterpretation,
                               int(ds.get("NumberOfFrames", 1))))
            assert ds.pixel_array.size > 0  # compressed samples survive the copy intact
        assert ("CR", "MONOCHROME1", 1) in modalities
        assert modalities.count(("CT", "MONOCHROME2", 1)) >= SLICES
        if any("US" in d for d, _ in real_sample_images()):
            assert ("US", "YBR_FULL_422", 30) in modalities


class TestManifest:
    def test_required_keys(self, manifest):
        assert manifest["format"] == "sodp-manifest/1"
        assert uuid.UUID(manifest["dossier_id"]) == uuid.UUID(DEMO_DOSSIER_ID)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["created"])
        assert manifest["patient"] == DEMO_PATIENT
        assert manifest["sender"]["organisation"].startswith("DEMO")
        referral = manifest["referral"]
        assert referral["question"] == QUESTION
        assert referral["urgency"] == "routine"
        for role in ("referring_physician", "treating_physician", "general_practitioner"):
            assert set(referral[role]) == {"name", "registration", "organisation", "address"}
            assert "DEMO" in referral[role]["name"]
        assert referral["consented_recipients"] == ["treating_physician", "patient"]
        kinds = {"referral_letter", "history_letter", "correspondence", "imaging_report",
                 "operation_report", "lab_result", "other"}
        for entry in manifest["documents"]:
            assert entry["kind"] in kinds and "DEMO" in entry["title"]
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", entry["date"])
            assert entry["media_type"] in ("application/pdf", "image/tiff")
        for entry in manifest["documents"] + manifest["imaging"]:
            assert "size" not in entry and "sha256" not in entry
        assert manifest["imaging"][0] == {"path": "DICOM/DICOMDIR"}
        assert {e["kind"] for e in manifest["documents"]} == kinds - {"lab_result", "other"}

    def test_project_validator_accepts_it(self, dossier):
        manifest_module = pytest.importorskip("app.dossier.manifest")
        manifest_module.parse_source(dossier / "manifest.json")

    def test_listed_files_are_exactly_the_files(self, dossier, manifest):
        listed = [e["path"] for e in manifest["documents"] + manifest["imaging"]]
        assert len(listed) == len(set(listed))
        assert all(".." not in p.split("/") and not p.startswith("/") for p in listed)
        on_disk = {p.relative_to(dossier).as_posix() for p in dossier.rglob("*") if p.is_file()}
        assert on_disk == set(listed) | {"manifest.json"}

    def test_refuses_a_folder_that_is_not_empty(self, tmp_path):
        (tmp_path / "stray.txt").write_text("x")
        with pytest.raises(FileExistsError):
            build_demo_source(tmp_path, ct_slices=1, ct_size=32)


class TestLetters:
    def test_every_pdf_page_is_marked_demo(self, dossier, manifest):
        pdfs = [e for e in manifest["documents"] if e["media_type"] == "application/pdf"]
        assert len(pdfs) == len(LETTERS)
        for entry in pdfs:
            data = (dossier / entry["path"]).read_bytes()
            assert data.startswith(b"%PDF-")
            pages = len(re.findall(rb"/Type /Page\b", data))
            text = pdf_text(data)
            assert pages >= 1
            assert sum("DEMO \u2014 not for clinical use" in t for t in text) == pages
            assert any("Test Patient" in t for t in text)

    def test_referral_asks_the_question(self, dossier):
        text = " ".join(pdf_text((dossier / "documents/referral-letter.pdf").read_bytes()))
        assert QUESTION in text

    def test_scanned_letter_is_a_two_page_tiff(self, dossier, manifest):
        (entry,) = [e for e in manifest["documents"] if e["media_type"] == "image/tiff"]
        with Image.open(dossier / entry["path"]) as image:
            assert image.format == "TIFF" and image.n_frames == 2
            for frame in range(2):
                image.seek(frame)
                assert image.mode == "L" and image.size == (1700, 2200)
                pixels = np.asarray(image)
                assert 150 < pixels.mean() < 250  # mostly paper, some ink
                assert pixels.min() < 80
