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
import pycdlib
import pytest
from pydicom import dcmread
from pydicom.fileset import FileSet

from app.core.errors import BadInputError, OutputError
from app.core.key_images import KeyImage
from app.dossier.iso import list_iso
from app.outgoing import pdi
from app.outgoing.disc import iso_image_of_folder, pdi_readme_text
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
needs_xorriso = pytest.mark.skipif(shutil.which("osirrox") is None, reason="xorriso is installed by scripts/setup.sh")


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


# --- the PDI tree as an .iso image ------------------------------------------------------------------


def _iso_files(image: bytes, name_space: str) -> dict[str, bytes]:
    """Every file of the image by its path in one name space ('iso_path' or 'joliet_path')."""
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(image))
    try:
        files = {}
        for root, _dirs, names in iso.walk(**{name_space: "/"}):
            for name in names:
                path = f"{root.rstrip('/')}/{name}"
                out = io.BytesIO()
                iso.get_file_from_iso_fp(out, **{name_space: path})
                files[path] = out.getvalue()
        return files
    finally:
        iso.close()


def _extract(image: bytes, target: Path) -> Path:
    for path, data in _iso_files(image, "joliet_path").items():
        (target / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (target / path.lstrip("/")).write_bytes(data)
    return target


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class TestIsoImage:
    def test_every_file_in_both_name_spaces(self, tmp_path):
        result = _write(tmp_path / "CD")
        image = iso_image_of_folder(tmp_path / "CD", "SECONDO_0123abcd")
        folder = _tree(tmp_path / "CD")
        assert len(folder) == 5  # DICOMDIR, README.TXT, the opinion, two key images
        joliet = _iso_files(image, "joliet_path")
        assert joliet == {"/" + path: data for path, data in folder.items()}
        # ECMA-119 spells an extensionless file 'NAME.;1'.
        iso9660 = _iso_files(image, "iso_path")
        assert iso9660 == {"/" + (path if "." in path.rsplit("/", 1)[-1] else path + ".") + ";1": data
                           for path, data in folder.items()}
        assert "/DICOMDIR.;1" in iso9660 and "/README.TXT;1" in iso9660
        assert "/" + result.opinion_file + ".;1" in iso9660
        assert image[0x8000 + 40:0x8000 + 72].decode().strip() == "SECONDO_0123ABCD"  # the volume ID

    def test_its_dicomdir_extracted_reads_with_pydicom(self, tmp_path):
        result = _write(tmp_path / "CD")
        extracted = _extract(iso_image_of_folder(tmp_path / "CD", "SECONDO"), tmp_path / "out")
        fs = FileSet(dcmread(extracted / "DICOMDIR"))
        assert [i.SOPInstanceUID for i in fs] == result.instance_uids
        for instance in fs:
            assert Path(instance.path).is_file() and Path(instance.path).is_relative_to(extracted)
        opinion = dcmread(extracted / result.opinion_file)
        assert opinion.EncapsulatedDocument[:opinion.EncapsulatedDocumentLength] == EVEN_PDF

    @needs_dcmtk
    def test_dcmftest_on_the_extracted_files(self, tmp_path):
        result = _write(tmp_path / "CD")
        extracted = _extract(iso_image_of_folder(tmp_path / "CD", "SECONDO"), tmp_path / "out")
        paths = [str(extracted / p) for p in ["DICOMDIR", result.opinion_file, *result.key_image_files]]
        out = subprocess.run(["dcmftest", *paths], capture_output=True, text=True, check=False)
        assert out.stdout.count("yes:") == len(paths) == 4, out.stdout

    @needs_xorriso
    def test_xorriso_extracts_the_tree(self, tmp_path):
        _write(tmp_path / "CD")
        (tmp_path / "cd.iso").write_bytes(iso_image_of_folder(tmp_path / "CD", "SECONDO"))
        subprocess.run(["osirrox", "-indev", str(tmp_path / "cd.iso"), "-extract", "/", str(tmp_path / "out")],
                       capture_output=True, check=True)
        assert _tree(tmp_path / "out") == _tree(tmp_path / "CD")

    def test_the_importer_lists_it_like_the_folder(self, tmp_path):
        result = _write(tmp_path / "CD")
        (tmp_path / "cd.iso").write_bytes(iso_image_of_folder(tmp_path / "CD", "SECONDO"))
        with list_iso(tmp_path / "cd.iso") as listing:
            assert listing.dicomdir == "DICOMDIR"
            assert (listing.missing, listing.refused, listing.notes) == ([], [], [])
            assert {f.path for f in listing.files} == {"DICOMDIR", "README.TXT", result.opinion_file,
                                                       *result.key_image_files}

    @pytest.mark.parametrize("bad", ["readme.txt", "LONGERNAME.TXT", "NAME.TEXT", "A-B.TXT", "PT000000/st000000/IM1",
                                     "FOLDER.EXT/IM1", "A/B/C/D/E/F/G/IM1"])
    def test_a_name_that_is_not_level_1_is_refused(self, tmp_path, bad):
        _write(tmp_path / "CD")
        (tmp_path / "CD" / bad).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "CD" / bad).write_bytes(b"x")
        with pytest.raises(ValueError, match="level-1|deeper"):
            iso_image_of_folder(tmp_path / "CD", "SECONDO")

    def test_six_folders_deep_is_allowed(self, tmp_path):
        (tmp_path / "CD" / "A/B/C/D/E/F").mkdir(parents=True)
        (tmp_path / "CD" / "A/B/C/D/E/F/IM1").write_bytes(b"x")
        assert _iso_files(iso_image_of_folder(tmp_path / "CD", "SECONDO"), "joliet_path") == {"/A/B/C/D/E/F/IM1": b"x"}

    @pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX links")
    def test_a_link_is_refused_not_followed(self, tmp_path):
        _write(tmp_path / "CD")
        (tmp_path / "SECRET.TXT").write_bytes(b"not on the disc")
        (tmp_path / "CD" / "SECRET.TXT").symlink_to(tmp_path / "SECRET.TXT")
        with pytest.raises(ValueError, match="neither a file nor a folder: SECRET.TXT"):
            iso_image_of_folder(tmp_path / "CD", "SECONDO")

    def test_the_readme_in_french_on_the_disc(self, tmp_path):
        readme = pdi_readme_text(case_ref="0123abcd", organisation="DEMO", key_images=2, language="fr")
        write_pdi(tmp_path / "CD2", signed_pdf=EVEN_PDF, key_images=[], patient=PATIENT, study_context={},
                  readme_text=readme)
        data = _iso_files(iso_image_of_folder(tmp_path / "CD2", "SECONDO"), "joliet_path")["/README.TXT"]
        assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig") == readme


class TestDemoSignedOpinionOnAnIso:
    @needs_dcmtk
    @needs_xorriso
    def test_the_demo_case_as_a_pdi_iso(self, signed_case, tmp_path):
        store, case_id = signed_case
        record = store.record(case_id)
        opinions = SignedOpinionStore(store)
        pdf = opinions.pdf(case_id, opinions.latest(case_id).number)
        readme = pdi_readme_text(case_ref=case_id[:8], organisation="DEMO", key_images=1, language="nl")
        result = write_pdi(tmp_path / "CD", signed_pdf=pdf, key_images=[_png("RGB")], patient=details(record)["patient"],
                           study_context=study_context_of(record["studies"][0]), readme_text=readme)
        (tmp_path / "cd.iso").write_bytes(iso_image_of_folder(tmp_path / "CD", f"SECONDO_{case_id[:8]}"))
        subprocess.run(["osirrox", "-indev", str(tmp_path / "cd.iso"), "-extract", "/", str(tmp_path / "out")],
                       capture_output=True, check=True)
        out = tmp_path / "out"
        assert len(FileSet(dcmread(out / "DICOMDIR"))) == 2
        checked = subprocess.run(["dcmftest", str(out / "DICOMDIR"), str(out / result.opinion_file),
                                  str(out / result.key_image_files[0])], capture_output=True, text=True, check=False)
        assert checked.stdout.count("yes:") == 3, checked.stdout
        opinion = dcmread(out / result.opinion_file)
        document = opinion.EncapsulatedDocument[:opinion.EncapsulatedDocumentLength]
        assert document == pdf
        (signature,) = verify_pdf_bytes(document, []).signatures
        assert signature.intact and signature.whole_file
        assert (out / "README.TXT").read_bytes().decode("utf-8-sig") == readme
