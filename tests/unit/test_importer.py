"""Importing dossiers into the encrypted case store, through `secondo import/cases/show`:
packages, .p7m, CD folders and ISO images; and every way an import can go wrong, after
which nothing of it may be left behind."""

import errno
import io
import json
import shutil
import subprocess

from pydicom.uid import generate_uid
import pytest

from app.cli import main
from app.core.tasks import Cancelled, CancelToken
from app.demo.package import DEMO_DOSSIER_PASSPHRASE, build_demo_package
from app.demo.pki import DEMO_PASSPHRASE
from app.dossier import import_sources
from app.dossier.importer import DossierImporter
from app.dossier.manifest_signature import sign_manifest
from app.crypto.sodp import SodpReader
from app.crypto.stanzas import Passphrase
from app.store import vault as vault_module
from app.store.store import CaseStore
from tests.unit import discs
from tests.unit.packages import regular, seal, tar_bytes


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small DEMO dossier package (4 CT slices of 64²), signed, for both reviewers."""
    return build_demo_package(tmp_path_factory.mktemp("demo"), ct_slices=4, ct_size=64)


@pytest.fixture(autouse=True)
def secrets_env(monkeypatch):
    monkeypatch.setenv("DOSSIER_PASS", DEMO_DOSSIER_PASSPHRASE)
    monkeypatch.setenv("ID_PASS", DEMO_PASSPHRASE)


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


def assert_nothing_left(home):
    """No case, no stored file, no staging folder: as if the import had never started."""
    with CaseStore.open(home) as store:
        assert store.index.cases() == []
        assert list(store.vault.root.iterdir()) == []
        assert not store.staging_root.exists() or list(store.staging_root.iterdir()) == []


def other_patient_cd(root, slices=2):
    """A plain CD whose CT belongs to somebody else (new UIDs, another name and birth date)."""
    datasets = discs.ct_instances(slices, 16)
    study, series = generate_uid(), generate_uid()
    for ds in datasets:
        ds.PatientName, ds.PatientBirthDate, ds.PatientID = "Other^Person", "19800202", "OTHER-1"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ids = discs.file_ids(len(datasets))
    discs.write_instances(root, datasets, ids)
    discs.write_dicomdir(root / "DICOMDIR", list(zip(datasets, ids)))
    return root


class TestPackageImport:
    def test_a_package_becomes_a_case_with_everything_checked(self, demo, capsys):
        result = import_json(capsys, demo.package, "--identity", demo.reviewer_p12, "--identity-pass-env",
                             "ID_PASS", "--trust", demo.pki_files["root.pem"])
        assert not result["duplicate"] and result["signature"] == "valid"
        view = show(capsys, result["case_id"])
        assert view["patient"] == {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01",
                                   "sex": "F"}
        assert view["question"].startswith("Is surgical resection")
        assert view["referral"]["consented_recipients"] == ["treating_physician", "patient"]
        assert len(view["documents"]) == 8
        assert {d["kind"] for d in view["documents"]} >= {"referral_letter", "imaging_report", "operation_report"}
        assert len(view["studies"]) == 5
        ct = [s for s in view["studies"] if s["description"] == "CT THORAX DEMO"][0]
        assert ct["series"][0]["instances"] == 4
        assert all(s["identity"]["status"] == "match" for s in view["studies"])
        assert all(item["present"] for item in view["completeness"])
        rc, out, _ = secondo(capsys, "cases", "--json")
        (listed,) = json.loads(out)
        assert listed["case_id"] == result["case_id"] and listed["status"] == "received"
        assert listed["identity_mismatches"] == 0 and listed["missing_items"] == 0

    def test_the_human_output_names_patient_question_and_checklist(self, demo, capsys):
        rc, out, _ = secondo(capsys, "import", demo.package, "--passphrase-env", "DOSSIER_PASS")
        case_id = out.strip()
        rc, out, _ = secondo(capsys, "show", case_id[:8])
        assert rc == 0
        assert "Patient: TEST, Patient, born 01/01/1970" in out
        assert "[x] Referral letter with the question" in out
        rc, out, _ = secondo(capsys, "cases")
        assert "TEST, Patient (01/01/1970)" in out and "sender untrusted" in out

    def test_the_same_package_twice_is_one_case(self, demo, capsys):
        first = import_json(capsys, demo.package, "--passphrase-env", "DOSSIER_PASS")
        second = import_json(capsys, demo.package, "--identity", demo.pki_files["reviewer-ec.p12"],
                             "--identity-pass-env", "ID_PASS")
        assert second["duplicate"] and second["case_id"] == first["case_id"]
        rc, out, _ = secondo(capsys, "cases", "--json")
        assert len(json.loads(out)) == 1

    def test_an_untrusted_sender_is_imported_and_flagged(self, demo, capsys):
        result = import_json(capsys, demo.package, "--passphrase-env", "DOSSIER_PASS")
        assert result["signature"] == "untrusted"
        assert show(capsys, result["case_id"])["manifest_signature"]["state"] == "untrusted"

    def test_the_import_is_audited(self, demo, capsys, isolated_home):
        result = import_json(capsys, demo.package, "--passphrase-env", "DOSSIER_PASS")
        show(capsys, result["case_id"])
        rc, out, _ = secondo(capsys, "audit", "--json")
        entries = json.loads(out)
        assert [(e["action"], e["case"]) for e in entries] == [("import", result["case_id"]),
                                                               ("open", result["case_id"])]
        assert secondo(capsys, "audit", "--verify")[0] == 0


def one_line_exit_3(capsys, *args) -> str:
    rc, out, err = secondo(capsys, "import", *args)
    assert rc == 3, err
    assert err.count("\n") == 1
    return err


class TestRefusedImports:
    def test_wrong_passphrase(self, demo, capsys, monkeypatch, isolated_home):
        monkeypatch.setenv("WRONG", "not it")
        assert "Wrong passphrase" in one_line_exit_3(capsys, demo.package, "--passphrase-env", "WRONG")
        assert_nothing_left(isolated_home)

    def test_a_key_the_package_is_not_for(self, demo, capsys, isolated_home):
        err = one_line_exit_3(capsys, demo.package, "--identity", demo.pki_files["treating-physician.p12"],
                              "--identity-pass-env", "ID_PASS")
        assert "not encrypted for" in err
        assert_nothing_left(isolated_home)

    @pytest.mark.parametrize("where", [0.3, 0.6, 0.95])
    def test_a_tampered_package(self, demo, capsys, tmp_path, isolated_home, where):
        data = bytearray(demo.package.read_bytes())
        data[int(len(data) * where)] ^= 0x10
        (tmp_path / "t.sodp").write_bytes(bytes(data))
        assert "altered" in one_line_exit_3(capsys, tmp_path / "t.sodp", "--passphrase-env", "DOSSIER_PASS")
        assert_nothing_left(isolated_home)

    def test_a_truncated_package(self, demo, capsys, tmp_path, isolated_home):
        (tmp_path / "t.sodp").write_bytes(demo.package.read_bytes()[:-70000])
        assert "truncated" in one_line_exit_3(capsys, tmp_path / "t.sodp", "--passphrase-env", "DOSSIER_PASS")
        assert_nothing_left(isolated_home)

    def test_an_invalid_manifest_signature_is_refused(self, demo, capsys, tmp_path, isolated_home):
        manifest = json.dumps({"format": "sodp-manifest/1", "dossier_id": "00000000-0000-4000-8000-000000000001",
                               "created": "2026-11-20T14:03:00Z", "documents": [], "imaging": [],
                               "patient": {"family_name": "Test", "birth_date": "1970-01-01"},
                               "referral": {"question": "DEMO?"}}).encode()
        forged = sign_manifest(manifest.replace(b"DEMO?", b"OTHER"), demo.reviewer_identity())
        payload = tar_bytes([regular("manifest.json", manifest), regular("manifest.json.p7s", forged)])
        (tmp_path / "f.sodp").write_bytes(seal(payload, [Passphrase(DEMO_DOSSIER_PASSPHRASE, 2, 65536, 1)]))
        err = one_line_exit_3(capsys, tmp_path / "f.sodp", "--passphrase-env", "DOSSIER_PASS")
        assert "signature is invalid" in err
        assert_nothing_left(isolated_home)

    def test_a_full_disk_leaves_nothing(self, demo, capsys, monkeypatch, isolated_home):
        real_write = vault_module.SodpWriter.write
        written = {"n": 0}

        def fills_up(self, data):
            written["n"] += len(data)
            if written["n"] > 2_000_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(self, data)

        monkeypatch.setattr(vault_module.SodpWriter, "write", fills_up)
        err = one_line_exit_3(capsys, demo.package, "--passphrase-env", "DOSSIER_PASS")
        assert "the disk is full" in err
        monkeypatch.setattr(vault_module.SodpWriter, "write", real_write)
        assert_nothing_left(isolated_home)

    def test_a_cancelled_import_leaves_nothing(self, demo, isolated_home):
        token = CancelToken()

        def progress(p):
            if p.bytes_done > 1_000_000:
                token.cancel()

        with CaseStore.open(isolated_home) as store:
            importer = DossierImporter(store, [Passphrase(DEMO_DOSSIER_PASSPHRASE)], progress=progress, cancel=token)
            with pytest.raises(Cancelled):
                importer.run([demo.package])
        assert_nothing_left(isolated_home)

    def test_a_file_that_is_no_dossier(self, tmp_path, capsys, isolated_home):
        (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04 not a dossier")
        assert "is not a dossier package" in one_line_exit_3(capsys, tmp_path / "notes.docx")
        assert "does not exist" in one_line_exit_3(capsys, tmp_path / "absent.sodp")


class TestDiscImport:
    def test_a_plain_pdi_cd_becomes_a_case(self, tmp_path, capsys):
        cd = discs.make_cd(tmp_path / "cd", layout=discs.NESTED, slices=3)
        result = import_json(capsys, cd)
        view = show(capsys, result["case_id"])
        assert view["patient"]["family_name"] == "Test"
        assert [s["series"][0]["instances"] for s in view["studies"]] == [3]
        assert {d["media_type"] for d in view["documents"]} == {"application/pdf", "text/plain"}
        assert all(d["kind"] == "other" for d in view["documents"])

    def test_a_cd_imported_twice_is_recognised_by_its_images(self, tmp_path, capsys):
        cd = discs.make_cd(tmp_path / "cd", slices=3)
        first = import_json(capsys, cd)
        second = import_json(capsys, discs.lower_case_tree(shutil.copytree(cd, tmp_path / "copy")))
        assert second["duplicate"] and second["case_id"] == first["case_id"]

    def test_a_cd_without_dicomdir_is_scanned(self, tmp_path, capsys):
        cd = discs.make_cd(tmp_path / "cd", slices=2, dicomdir=False)
        view = show(capsys, import_json(capsys, cd)["case_id"])
        assert view["studies"][0]["series"][0]["instances"] == 2

    def test_an_unreadable_dicom_file_is_listed_and_the_rest_imports(self, tmp_path, capsys):
        cd = discs.make_cd(tmp_path / "cd", slices=2, dicomdir=False)
        (cd / "DICOM" / "IM000099").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7fbroken")
        result = import_json(capsys, cd)
        view = show(capsys, result["case_id"])
        assert result["unreadable"] == 1
        assert [u["path"] for u in view["unreadable"]] == ["DICOM/IM000099"]
        assert view["studies"][0]["series"][0]["instances"] == 2

    def test_dicomdir_entries_missing_or_outside_the_disc(self, tmp_path, capsys):
        cd = discs.make_cd(tmp_path / "cd", slices=2,
                           extra_references=[["DICOM", "IM000077"], ["..", "..", "ETC", "PASSWD"]])
        result = import_json(capsys, cd)
        view = show(capsys, result["case_id"])
        assert view["missing"] == ["DICOM/IM000077"] and result["missing"] == 1
        assert len(view["refused"]) == 1 and "ETC" in view["refused"][0]

    def test_a_read_error_in_the_middle_of_the_cd_leaves_nothing(self, tmp_path, capsys, monkeypatch,
                                                                 isolated_home):
        cd = discs.make_cd(tmp_path / "cd", slices=4)
        real_list = import_sources.list_folder

        class FailingRead(io.RawIOBase):
            def __init__(self, handle):
                self.handle = handle

            def readable(self):
                return True

            def read(self, size=-1):
                raise OSError(errno.EIO, "Input/output error")

        def listing_with_a_bad_sector(root):
            listing = real_list(root)
            bad = [f for f in listing.files if f.path.endswith("IM000003")][0]
            original = bad.opener
            calls = {"n": 0}

            def opener():
                calls["n"] += 1  # the first open only sniffs the head; the copy fails
                return original() if calls["n"] == 1 else FailingRead(original())
            object.__setattr__(bad, "opener", opener)
            return listing

        monkeypatch.setattr(import_sources, "list_folder", listing_with_a_bad_sector)
        rc, out, err = secondo(capsys, "import", cd)
        assert rc == 3 and "could not be read at DICOM/IM000003" in err
        assert_nothing_left(isolated_home)

    def test_an_iso_image_imports_like_its_folder(self, tmp_path, capsys):
        cd = discs.make_cd(tmp_path / "cd", slices=3)
        iso = discs.write_iso(cd, tmp_path / "disc.iso")
        view = show(capsys, import_json(capsys, iso)["case_id"])
        assert view["studies"][0]["series"][0]["instances"] == 3
        assert len(view["documents"]) == 2


class TestCombinedSources:
    def test_a_cd_alongside_the_package_goes_into_the_same_case(self, demo, tmp_path, capsys):
        disc = other_patient_cd(tmp_path / "cd")
        shutil.copy(demo.package, disc / "DOSSIER.SODP")
        result = import_json(capsys, disc, "--passphrase-env", "DOSSIER_PASS")
        view = show(capsys, result["case_id"])
        assert len(view["documents"]) == 8
        assert len(view["studies"]) == 6

    def test_wrong_patient_images_are_flagged_everywhere(self, demo, tmp_path, capsys):
        disc = other_patient_cd(tmp_path / "cd")
        result = import_json(capsys, demo.package, disc, "--passphrase-env", "DOSSIER_PASS")
        assert result["identity_mismatches"] == 1
        view = show(capsys, result["case_id"])
        flagged = [s for s in view["studies"] if s["identity"]["status"] == "mismatch"]
        assert len(flagged) == 1 and set(flagged[0]["identity"]["mismatches"]) >= {"name", "birth date"}
        rc, out, _ = secondo(capsys, "show", result["case_id"])
        assert "PATIENT MISMATCH" in out
        rc, out, _ = secondo(capsys, "cases")
        assert "IDENTITY MISMATCH" in out

    def test_a_later_cd_can_be_added_to_a_case(self, demo, tmp_path, capsys):
        case_id = import_json(capsys, demo.package, "--passphrase-env", "DOSSIER_PASS")["case_id"]
        disc = discs.make_cd(tmp_path / "cd", slices=2)
        added = import_json(capsys, disc, "--case", case_id[:8])
        assert added["added_to_existing"] and added["case_id"] == case_id
        view = show(capsys, case_id)
        assert len(view["documents"]) == 10  # 8 letters + README.TXT + REPORT.PDF


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is installed by scripts/setup.sh")
def test_a_p7m_envelope_imports(demo, tmp_path, capsys):
    with open(demo.package, "rb") as stream:  # the same tar payload, enveloped with openssl
        reader = SodpReader(stream)
        reader.unlock([Passphrase(DEMO_DOSSIER_PASSPHRASE)])
        (tmp_path / "payload.tar").write_bytes(b"".join(reader.chunks()))
    subprocess.run(["openssl", "cms", "-encrypt", "-binary", "-aes256", "-in", str(tmp_path / "payload.tar"),
                    "-recip", str(demo.pki_files["reviewer-rsa.pem"]), "-outform", "DER",
                    "-out", str(tmp_path / "dossier.p7m")], check=True)
    result = import_json(capsys, tmp_path / "dossier.p7m", "--identity", demo.reviewer_p12,
                         "--identity-pass-env", "ID_PASS")
    assert len(show(capsys, result["case_id"])["documents"]) == 8


def test_an_encapsulated_pdf_on_the_disc_becomes_a_document(tmp_path, capsys):
    from tests.unit.test_dicom_index import PDF, pdf_dataset
    cd = discs.make_cd(tmp_path / "cd", slices=2, documents=False)
    report = pdf_dataset()
    report.SeriesDescription = "Radiology report (DEMO)"
    report.save_as(cd / "DICOM" / "IM000050", enforce_file_format=True)
    view = show(capsys, import_json(capsys, cd)["case_id"])
    (document,) = view["documents"]
    assert (document["media_type"], document["origin"], document["size"]) == ("application/pdf", "DICOM", len(PDF))
    assert document["title"] == "Radiology report (DEMO)"
    assert {item["item"]: item["present"] for item in view["completeness"]}["imaging_report"]


def test_a_document_named_dicomdir_in_a_package_is_kept_as_a_document(tmp_path, capsys, monkeypatch):
    from tests.hostile.package_cases import DOCUMENT, PASSPHRASE, payload
    from tests.hostile.package_cases import seal as seal_payload

    monkeypatch.setenv("HOSTILE_PASS", PASSPHRASE)
    package = tmp_path / "dicomdir.sodp"
    package.write_bytes(seal_payload(payload({"documents/DICOMDIR": DOCUMENT, "documents/referral.txt": DOCUMENT})))
    result = import_json(capsys, package, "--passphrase-env", "HOSTILE_PASS")
    documents = show(capsys, result["case_id"])["documents"]
    assert sorted(d["path"] for d in documents) == ["documents/DICOMDIR", "documents/referral.txt"]
