"""One identity rule on import: a plain source holding several patients becomes one case per
patient (or one case with the foreign studies flagged), a package's foreign study is flagged,
what the DICOMDIR names but the disc lacks is kept, and a loose DICOM file imports."""

import io
import json
import shutil

from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid
import pytest

from app.cli import main
from app.crypto.stanzas import Passphrase
from tests.unit import discs
from tests.unit.packages import regular, sample_manifest, seal, tar_bytes, with_hashes

PASS = "split-test-passphrase"


@pytest.fixture(autouse=True)
def passphrase_env(monkeypatch):
    monkeypatch.setenv("SPLIT_PASS", PASS)


def secondo(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def import_json(capsys, *args) -> dict:
    rc, out, err = secondo(capsys, "import", *args, "--json")
    assert rc == 0, err
    return json.loads(out)


def show(capsys, case_id) -> dict:
    rc, out, err = secondo(capsys, "show", case_id, "--json")
    assert rc == 0, err
    return json.loads(out)


def cases(capsys) -> list[dict]:
    rc, out, err = secondo(capsys, "cases", "--json")
    assert rc == 0, err
    return json.loads(out)


def pydicom_file_set(root):
    """pydicom's DICOMDIR test file-set: two patients (Doe^Archibald, Doe^Peter)."""
    source = get_testdata_file("DICOMDIR").rsplit("/", 1)[0]
    root.mkdir()
    shutil.copy(f"{source}/DICOMDIR", root / "DICOMDIR")
    for folder in ("77654033", "98892001", "98892003"):
        shutil.copytree(f"{source}/{folder}", root / folder)
    return root


def three_patient_folder(root):
    """A folder of loose files of three patients, no DICOMDIR."""
    root.mkdir()
    for name in ("CT_small.dcm", "MR_small.dcm", "rtdose.dcm"):
        shutil.copy(get_testdata_file(name), root / name)
    return root


def ct(name="Test^Patient", birth="19700101", patient_id="TEST-1", slices=2):
    datasets = discs.ct_instances(slices, 16)
    study, series = generate_uid(), generate_uid()
    for ds in datasets:
        ds.PatientName, ds.PatientBirthDate, ds.PatientID = name, birth, patient_id
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    return datasets


def dicom_bytes(ds) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


class TestSplitByPatient:
    def test_pydicom_file_set_becomes_one_case_per_patient(self, tmp_path, capsys):
        result = import_json(capsys, pydicom_file_set(tmp_path / "cd"))
        assert result["patients"] == 2 and len(result["cases"]) == 2
        names = sorted(c["patient"]["name"] for c in result["cases"])
        assert names == ["Doe^Archibald", "Doe^Peter"]
        assert result["case_id"] == result["cases"][0]["case_id"]
        listed = {c["case_id"]: c for c in cases(capsys)}
        assert set(listed) == {c["case_id"] for c in result["cases"]}
        for case in result["cases"]:
            view = show(capsys, case["case_id"])
            # No case patient yet: never "ok", and no study of the other patient in it.
            assert view["identity"] == listed[case["case_id"]]["identity"] == "not_verified"
            assert {s["identity"]["status"] for s in view["studies"]} == {"not_verified"}
            assert view["studies"] and view["studies"][0]["identity"]["status"] == "not_verified"
        assert sum(len(show(capsys, c["case_id"])["studies"]) for c in result["cases"]) == 6

    def test_a_multi_patient_folder_makes_n_cases_and_the_same_folder_again_is_a_duplicate(self, tmp_path, capsys):
        folder = three_patient_folder(tmp_path / "mixed")
        result = import_json(capsys, folder)
        assert len(result["cases"]) == 3 and not result["duplicate"]
        assert all(c["identity"] == "not_verified" for c in result["cases"])
        assert len(cases(capsys)) == 3
        again = import_json(capsys, folder)
        assert again["duplicate"] and all(c["duplicate"] for c in again["cases"])
        assert len(cases(capsys)) == 3

    def test_cli_lists_the_cases_made(self, tmp_path, capsys):
        rc, out, err = secondo(capsys, "import", three_patient_folder(tmp_path / "mixed"))
        assert rc == 0 and len(out.split()) == 3
        assert "3 patients" in err

    def test_keep_together_makes_one_case_with_the_foreign_studies_flagged(self, tmp_path, capsys):
        result = import_json(capsys, three_patient_folder(tmp_path / "mixed"), "--keep-together")
        assert len(result["cases"]) == 1 and result["patients"] == 3
        assert result["identity"] == "mismatch" and result["identity_mismatches"] == 2
        view = show(capsys, result["case_id"])
        assert view["identity"] == "mismatch"
        assert sorted(s["identity"]["status"] for s in view["studies"]) == ["mismatch", "mismatch", "not_verified"]
        assert cases(capsys)[0]["identity"] == "mismatch"
        rc, out, err = secondo(capsys, "show", result["case_id"])
        assert "PATIENT MISMATCH" in out and "Identity: MISMATCH" in out

    def test_kept_together_the_case_is_about_the_patient_with_the_most_images(self, tmp_path, capsys):
        root = tmp_path / "cd"
        datasets = ct("Other^Person", "19800202", "OTHER-1", slices=1) + ct(slices=3)
        ids = discs.file_ids(len(datasets))
        discs.write_instances(root, datasets, ids)
        discs.write_dicomdir(root / "DICOMDIR", list(zip(datasets, ids)))
        result = import_json(capsys, root, "--keep-together")
        [summary] = cases(capsys)
        assert summary["patient"]["family_name"] == "Test" and summary["identity"] == "mismatch"
        view = show(capsys, result["case_id"])
        assert [len(s["series"]) and s["identity"]["status"] for s in view["studies"]].count("mismatch") == 1
        assert summary["missing_items"] == view["missing_items"]

    def test_one_patient_on_two_studies_stays_one_case(self, tmp_path, capsys):
        root = tmp_path / "cd"
        datasets = ct() + ct(patient_id="OTHER-HOSPITAL-7")  # same person, another hospital's ID
        ids = discs.file_ids(len(datasets))
        discs.write_instances(root, datasets, ids)
        discs.write_dicomdir(root / "DICOMDIR", list(zip(datasets, ids)))
        result = import_json(capsys, root)
        assert len(result["cases"]) == 1 and result["patients"] == 1
        assert result["identity"] == "not_verified"


class TestPackageWithForeignStudy:
    def test_the_manifest_defines_the_patient_and_the_foreign_study_is_flagged(self, tmp_path, capsys):
        files = {f"DICOM/IM{n:06d}": dicom_bytes(ds) for n, ds in enumerate(ct() + ct("Other^Person", "19800202"))}
        manifest = with_hashes(sample_manifest([], list(files)), files)
        members = [regular("manifest.json", json.dumps(manifest).encode())]
        members += [regular(name, data) for name, data in files.items()]
        package = tmp_path / "mixed.sodp"
        package.write_bytes(seal(tar_bytes(members), [Passphrase(PASS, time_cost=2, lanes=1)]))
        result = import_json(capsys, package, "--passphrase-env", "SPLIT_PASS")
        assert len(result["cases"]) == 1 and result["identity"] == "mismatch"
        view = show(capsys, result["case_id"])
        statuses = sorted(s["identity"]["status"] for s in view["studies"])
        assert statuses == ["match", "mismatch"] and view["identity"] == "mismatch"
        foreign = next(s for s in view["studies"] if s["identity"]["status"] == "mismatch")
        assert set(foreign["identity"]["mismatches"]) == {"name", "birth date"}
        assert "Other" not in foreign["identity"]["message"]  # fields named, never values


class TestMissingFromTheDisc:
    def make_cd(self, root):
        """A CD whose DICOMDIR names two studies of one patient; the second is not on it."""
        present, absent = ct(), ct(slices=3)
        for ds in absent:
            ds.StudyDescription = "CT abdomen"
        ids = discs.file_ids(5)
        discs.write_instances(root, present, ids[:2])
        discs.write_dicomdir(root / "DICOMDIR", list(zip(present + absent, ids)))
        return root, absent[0].StudyInstanceUID

    def test_an_absent_study_is_kept_with_its_study_and_shown(self, tmp_path, capsys):
        root, absent_uid = self.make_cd(tmp_path / "cd")
        result = import_json(capsys, root)
        assert result["missing"] == 3 and result["missing_studies"] == 1 and len(result["cases"]) == 1
        view = show(capsys, result["case_id"])
        assert len(view["missing"]) == 3
        [study] = view["missing_studies"]
        assert study["study_uid"] == absent_uid and study["study_description"] == "CT abdomen"
        assert len(study["paths"]) == 3
        disc = next(item for item in view["completeness"] if item["item"] == "disc")
        assert not disc["present"]
        assert "1 study named by the DICOMDIR is missing from the disc" in disc["note"]
        # The worklist's "x of 6" counts the six checklist items, not the disc's gaps.
        assert view["missing_items"] == sum(1 for c in view["completeness"] if not c["present"]) - 1
        rc, out, err = secondo(capsys, "show", result["case_id"])
        assert "Named by the DICOMDIR, not on the disc" in out

    def test_a_missing_file_of_a_study_that_is_there_is_counted_as_a_file(self, tmp_path, capsys):
        datasets = ct(slices=3)
        ids = discs.file_ids(3)
        root = tmp_path / "cd"
        discs.write_instances(root, datasets[:2], ids[:2])
        discs.write_dicomdir(root / "DICOMDIR", list(zip(datasets, ids)))
        view = show(capsys, import_json(capsys, root)["case_id"])
        assert view["missing_studies"] == [] and view["missing_series"] == []
        assert [f["path"] for f in view["missing_files"]] == ["DICOM/IM000003"]
        disc = next(item for item in view["completeness"] if item["item"] == "disc")
        assert "1 file named by the DICOMDIR is missing from the disc" in disc["note"]


class TestLooseFile:
    def test_a_single_dcm_file_imports_as_a_case(self, tmp_path, capsys):
        path = tmp_path / "image.dcm"
        shutil.copy(get_testdata_file("CT_small.dcm"), path)
        result = import_json(capsys, path)
        view = show(capsys, result["case_id"])
        assert len(view["studies"]) == 1 and view["instances"] == 1
        assert view["identity"] == "not_verified"

    def test_an_extension_less_dicom_file_imports(self, tmp_path, capsys):
        path = tmp_path / "IM000001"
        path.write_bytes(dicom_bytes(ct(slices=1)[0]))
        assert show(capsys, import_json(capsys, path)["case_id"])["studies"]

    def test_a_dicomdir_given_alone_imports_its_disc(self, tmp_path, capsys):
        result = import_json(capsys, pydicom_file_set(tmp_path / "cd") / "DICOMDIR")
        assert len(result["cases"]) == 2


class TestEarlierRecords:
    def test_a_record_without_the_new_fields_reads(self, tmp_path, capsys):
        from app.store.store import CaseStore

        path = tmp_path / "image.dcm"
        shutil.copy(get_testdata_file("CT_small.dcm"), path)
        case_id = import_json(capsys, path)["case_id"]
        with CaseStore.open() as store:
            record = store.record(case_id)
            for key in ("missing_detail",):
                record.pop(key)
            for entry in record["identity"]:
                entry["status"] = "match"  # as earlier versions said of studies agreeing with each other
            blob = store.vault.write_json(store.vault.root / store.index.case(case_id)["record"].split("/")[0], record)
            store.index.db.execute("UPDATE cases SET record = ? WHERE id = ?",
                                   (store.index.case(case_id)["record"].split("/")[0] + "/" + blob, case_id))
            store.index.db.commit()
        view = show(capsys, case_id)
        assert view["identity"] == "not_verified" and view["studies"][0]["identity"]["status"] == "not_verified"
        assert view["missing_studies"] == []
