"""The outgoing disc as an IHE PDI file-set: read back by pydicom's FileSet and by DCMTK."""

import io
import os
from pathlib import Path
import re
import shutil
import subprocess
import tempfile

import numpy as np
from PIL import Image
import pytest
from pydicom import dcmread
from pydicom.fileset import FileSet

from app.core.errors import BadInputError, OutputError
from app.core.key_images import KeyImage
from app.outgoing import pdi
from app.dossier.case_details import details
from app.outgoing.pdi import ENCAPSULATED_PDF, SECONDARY_CAPTURE, study_context_of, write_pdi
from app.signing.verify import verify_pdf_bytes
from app.store.opinions import SignedOpinionStore
from tests.unit.test_outgoing import signed_case  # noqa: F401 - fixture
from tests.unit.test_verify_cli import demo  # noqa: F401 - fixture

PATIENT = {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01", "sex": "F",
           "identifiers": [{"system": "national-register", "value": "70010100244"}]}
STUDY = {"study_uid": "1.2.826.0.1.3680043.8.498.1", "date": "20240105", "time": "101500",
         "description": "CT THORAX", "accession": "ACC123", "patient": {"name": "Test^Patient", "id": "H123456"}}
EVEN_PDF = b"%PDF-1.7\n% signed opinion\n%%EOF\n"
ODD_PDF = EVEN_PDF + b"\n"
README = "SECOND OPINION\r\nOpen the opinion in your PACS.\r\n"
needs_dcmtk = pytest.mark.skipif(shutil.which("dcmdump") is None or shutil.which("dcmftest") is None,
                                 reason="DCMTK is installed by scripts/setup.sh")


def _png(mode: str, size=(7, 5)) -> bytes:
    rng = np.random.default_rng(16)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(out, "PNG")
    return out.getvalue()


def _write(folder: Path, pdf: bytes = EVEN_PDF, images=None, context=None):
    images = [_png("RGB"), KeyImage.new("axial", _png("L"), None, None)] if images is None else images
    return write_pdi(folder, signed_pdf=pdf, key_images=images, patient=PATIENT,
                     study_context=study_context_of(STUDY) if context is None else context, readme_text=README)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


class TestFileSet:
    def test_dicomdir_references_every_file(self, tmp_path):
        result = _write(tmp_path / "CD")
        fs = FileSet(dcmread(tmp_path / "CD" / "DICOMDIR"))
        referenced = sorted(str(Path(*i.FileID.split("\\"))) for i in fs)
        assert referenced == sorted(f for f in _files(tmp_path / "CD") if f not in ("DICOMDIR", "README.TXT"))
        assert len(referenced) == 3
        assert [i.SOPInstanceUID for i in fs] == result.instance_uids
        assert {i.SOPClassUID for i in fs} == {ENCAPSULATED_PDF, SECONDARY_CAPTURE}
        for file_id in referenced:  # the PDI form: upper case, 8 characters at most per component
            assert all(re.fullmatch(r"[A-Z0-9_]{1,8}", part) for part in Path(file_id).parts)
        assert (tmp_path / "CD" / "README.TXT").read_bytes() == README.encode()

    def test_patient_and_study_as_given(self, tmp_path):
        result = _write(tmp_path / "CD")
        assert result.study_uid == STUDY["study_uid"]
        series = set()
        for path in [result.opinion_file, *result.key_image_files]:
            ds = dcmread(tmp_path / "CD" / path)
            assert str(ds.PatientName) == "Test^Patient"
            assert ds.PatientID == "H123456"  # the study header's ID: the one its PACS knows
            assert ds.PatientBirthDate == "19700101" and ds.PatientSex == "F"
            assert ds.StudyInstanceUID == STUDY["study_uid"] and ds.AccessionNumber == "ACC123"
            assert ds.StudyDate == "20240105"
            series.add(ds.SeriesInstanceUID)
        assert len(series) == 2  # new series (opinion, key images) in the case's study

    def test_without_a_study_a_new_study_and_the_dossier_identifier(self, tmp_path):
        result = _write(tmp_path / "CD", context={})
        ds = dcmread(tmp_path / "CD" / result.opinion_file)
        assert ds.StudyInstanceUID == result.study_uid != STUDY["study_uid"]
        assert ds.PatientID == "70010100244"
        assert {dcmread(tmp_path / "CD" / p).StudyInstanceUID for p in result.key_image_files} == {result.study_uid}

    @pytest.mark.parametrize("pdf", [EVEN_PDF, ODD_PDF], ids=["even", "odd"])
    def test_encapsulated_pdf_is_the_signed_pdf(self, tmp_path, pdf):
        result = _write(tmp_path / "CD", pdf=pdf)
        ds = dcmread(tmp_path / "CD" / result.opinion_file)
        assert ds.MIMETypeOfEncapsulatedDocument == "application/pdf"
        assert ds.EncapsulatedDocumentLength == len(pdf)
        assert ds.EncapsulatedDocument == pdf + b"\x00" * (len(pdf) % 2)
        assert ds.EncapsulatedDocument[:ds.EncapsulatedDocumentLength] == pdf

    def test_secondary_capture_pixels_equal_the_png(self, tmp_path):
        rgb, grey = _png("RGB"), _png("L")
        result = _write(tmp_path / "CD", images=[rgb, grey])
        first, second = (dcmread(tmp_path / "CD" / p) for p in result.key_image_files)
        assert first.PhotometricInterpretation == "RGB" and second.PhotometricInterpretation == "MONOCHROME2"
        assert np.array_equal(first.pixel_array, np.asarray(Image.open(io.BytesIO(rgb))))
        assert np.array_equal(second.pixel_array, np.asarray(Image.open(io.BytesIO(grey))))

    def test_no_copy_left_in_the_system_temp_folder(self, tmp_path, monkeypatch):
        temp = tmp_path / "systemp"
        temp.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(temp))
        seen = []
        real_write = FileSet.write

        def watching(self, *args, **kwargs):
            seen.extend(p for p in temp.rglob("*") if p.is_file())
            return real_write(self, *args, **kwargs)

        monkeypatch.setattr(FileSet, "write", watching)
        _write(tmp_path / "CD")
        assert seen == [] and not any(p.is_file() for p in temp.rglob("*"))
        assert sorted(os.listdir(tmp_path)) == ["CD", "systemp"]


class TestNothingHalfWritten:
    def test_a_failing_write_leaves_nothing(self, tmp_path, monkeypatch):
        def full(path, data):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(pdi, "write_synced", full)
        with pytest.raises(OutputError):
            _write(tmp_path / "CD")
        assert os.listdir(tmp_path) == []

    def test_a_bad_image_leaves_nothing(self, tmp_path):
        with pytest.raises(BadInputError):
            _write(tmp_path / "CD", images=[_png("RGB"), b"not a png"])
        assert os.listdir(tmp_path) == []

    def test_a_failing_dicomdir_leaves_nothing_and_keeps_an_empty_target(self, tmp_path, monkeypatch):
        (tmp_path / "CD").mkdir()

        def broken(self, *args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(FileSet, "write", broken)
        with pytest.raises(OutputError):
            _write(tmp_path / "CD")
        assert os.listdir(tmp_path) == ["CD"] and os.listdir(tmp_path / "CD") == []

    def test_a_folder_with_files_is_refused(self, tmp_path):
        (tmp_path / "CD").mkdir()
        (tmp_path / "CD" / "OLD.TXT").write_text("x")
        with pytest.raises(FileExistsError):
            _write(tmp_path / "CD")
        assert os.listdir(tmp_path / "CD") == ["OLD.TXT"]


@needs_dcmtk
class TestDcmtk:
    def test_dcmftest_says_every_file_is_dicom(self, tmp_path):
        result = _write(tmp_path / "CD")
        paths = [str(tmp_path / "CD" / p) for p in ["DICOMDIR", result.opinion_file, *result.key_image_files]]
        out = subprocess.run(["dcmftest", *paths], capture_output=True, text=True, check=False)
        assert out.stdout.count("yes:") == len(paths), out.stdout

    def test_dcmdump_lists_the_records(self, tmp_path):
        result = _write(tmp_path / "CD")
        out = subprocess.run(["dcmdump", str(tmp_path / "CD" / "DICOMDIR")], capture_output=True, text=True,
                             check=True).stdout
        for record in ("PATIENT", "STUDY", "SERIES", "ENCAP DOC", "IMAGE"):
            assert f"[{record}" in out, record
        for path in [result.opinion_file, *result.key_image_files]:
            assert "[" + path.replace("/", "\\") + "]" in out
        assert "[70010100244]" not in out and "[H123456]" in out

    @pytest.mark.parametrize("pdf", [EVEN_PDF, ODD_PDF], ids=["even", "odd"])
    def test_dcmdump_shows_the_signed_pdf(self, tmp_path, pdf):
        result = _write(tmp_path / "CD", pdf=pdf)
        out = subprocess.run(["dcmdump", "+L", "+P", "0042,0011", "+P", "0042,0015",
                              str(tmp_path / "CD" / result.opinion_file)], capture_output=True, text=True,
                             check=True).stdout
        document = re.search(r"\(0042,0011\) OB ([0-9a-f\\]+)", out)
        length = re.search(r"\(0042,0015\) UL (\d+)", out)
        assert document and length, out
        assert bytes.fromhex(document.group(1).replace("\\", "")) == pdf + b"\x00" * (len(pdf) % 2)
        assert int(length.group(1)) == len(pdf)  # the true length


class TestDemoSignedOpinion:
    def test_the_demo_case_on_a_pdi_disc(self, signed_case, tmp_path):
        store, case_id = signed_case
        record = store.record(case_id)
        opinions = SignedOpinionStore(store)
        pdf = opinions.pdf(case_id, opinions.latest(case_id).number)
        patient = details(record)["patient"]
        study = record["studies"][0]
        result = write_pdi(tmp_path / "CD", signed_pdf=pdf, key_images=[_png("RGB")], patient=patient,
                           study_context=study_context_of(study), readme_text=README)
        fs = FileSet(dcmread(tmp_path / "CD" / "DICOMDIR"))
        assert len(fs) == 2
        opinion = dcmread(tmp_path / "CD" / result.opinion_file)
        assert opinion.EncapsulatedDocument[:opinion.EncapsulatedDocumentLength] == pdf
        (signature,) = verify_pdf_bytes(opinion.EncapsulatedDocument[:opinion.EncapsulatedDocumentLength], []).signatures
        assert signature.intact and signature.whole_file
        assert opinion.StudyInstanceUID == study["study_uid"] and opinion.PatientID == study["patient"]["id"]
        assert opinion.PatientBirthDate == patient["birth_date"].replace("-", "")
