"""Every recipient's form of the DEMO case's signed opinion, each opened by an independent tool:
the `.p7m` by `openssl cms -decrypt` (RSA and EC recipient), the protected PDF by poppler with
the passphrase of its sheet, the PDI disc by pydicom's FileSet and DCMTK's dcmftest (folder
and ISO, read back with pycdlib), paper as its cover letter; the dispatch log records each
form and medium, logs of before still read, and a refused form writes nothing."""

from __future__ import annotations

import errno
import hashlib
import io
import json
from pathlib import Path
import shutil
import subprocess

import pycdlib
import pytest
from cryptography.hazmat.primitives import serialization
from pydicom import dcmread
from pydicom.fileset import FileSet

from app.core.errors import BadInputError, OutputError
from app.demo.pki import DEMO_PASSPHRASE, _key_usage
from app.outgoing import media
from app.outgoing.dispatch import DispatchLog, Shipment
from app.outgoing.package import OutgoingRequest, make_outgoing, mark_sent
from app.store.opinions import SignedOpinionStore
from tests.unit.pdf_signing import odd_identity
from tests.unit.test_outgoing import demo, organisation, signed_case, treating_certificate  # noqa: F401 - fixtures
from tests.unit.test_verify_cli import secondo

needs = {tool: pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} is the independent reader")
         for tool in ("openssl", "pdftotext", "pdfsig", "dcmftest")}


def cli(capsys, monkeypatch, demo, case_id, *args):
    monkeypatch.setenv("ORG_PASS", DEMO_PASSPHRASE)
    return secondo(capsys, "outgoing", case_id, *args, "--sign", demo.pki_files["workstation.p12"],
                   "--sign-pass-env", "ORG_PASS", "--json")


def signed_pdf(store, case_id: str) -> bytes:
    return SignedOpinionStore(store).pdf(case_id, 0)


def placed(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def write_key(tmp_path: Path, identity, stem: str) -> tuple[Path, Path]:
    cert, key = tmp_path / f"{stem}.pem", tmp_path / f"{stem}.key"
    cert.write_bytes(identity.certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(identity.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return cert, key


class TestP7m:
    @needs["openssl"]
    @pytest.mark.parametrize("who", ["reviewer_rsa", "reviewer_ec"])
    def test_openssl_decrypts_the_signed_pdf_byte_for_byte(self, signed_case, demo, pki, tmp_path, capsys,
                                                           monkeypatch, who):
        store, case_id = signed_case
        cert, key = write_key(tmp_path, getattr(pki, who), who)
        rc, out, err = cli(capsys, monkeypatch, demo, case_id, "--to", "treating_physician", "--form", "p7m",
                           "--recipient", cert, "-o", tmp_path / "out")
        assert rc == 0, err
        made = json.loads(out)
        assert made["form"] == "p7m" and made["medium"] == "file" and made["protection"] == "certificate"
        assert made["output"].endswith(".pdf.p7m") and made["warnings"] == []
        decrypted = tmp_path / "decrypted.pdf"
        subprocess.run(["openssl", "cms", "-decrypt", "-inform", "DER", "-in", made["output"], "-recip", str(cert),
                        "-inkey", str(key), "-out", str(decrypted)], check=True, capture_output=True)
        assert decrypted.read_bytes() == signed_pdf(store, case_id)
        assert b"%PDF" not in Path(made["output"]).read_bytes()
        (shipment,) = DispatchLog(store).shipments(case_id)
        assert (shipment.form, shipment.medium, shipment.protection) == ("p7m", "file", "certificate")
        assert shipment.package_sha256 == hashlib.sha256(Path(made["output"]).read_bytes()).hexdigest()
        (audit,) = [e for e in store.audit.entries() if e["action"] == "package"]
        assert audit["details"]["form"] == "p7m"

    def test_a_certificate_without_the_right_key_usage_exits_3_and_writes_nothing(self, signed_case, demo, pki,
                                                                                 tmp_path, capsys, monkeypatch):
        store, case_id = signed_case
        signing_only = odd_identity(pki, key_usage=_key_usage(digital_signature=True))
        cert, _key = write_key(tmp_path, signing_only, "odd")
        for form in ("p7m", "sodp"):  # one rule for both
            rc, _out, err = cli(capsys, monkeypatch, demo, case_id, "--to", "treating_physician", "--form", form,
                                "--recipient", cert, "-o", tmp_path / "out")
            assert rc == 3 and "lacks keyAgreement" in err
        assert not (tmp_path / "out").exists()
        assert DispatchLog(store).shipments(case_id) == [] and store.index.case(case_id)["status"] == "signed"

    def test_no_organisation_identity_is_asked_for_a_form_that_signs_nothing(self, signed_case, pki, tmp_path,
                                                                           capsys, monkeypatch):
        from app.signing.settings import load_signing_settings

        store, case_id = signed_case
        assert not load_signing_settings().organisation_identity  # none chosen, none given: a package would refuse
        cert, _key = write_key(tmp_path, pki.reviewer_rsa, "rsa")
        rc, out, err = secondo(capsys, "outgoing", case_id, "--to", "treating_physician", "--form", "p7m",
                               "--recipient", cert, "-o", tmp_path / "out", "--json")
        assert rc == 0, err
        assert json.loads(out)["form"] == "p7m" and Path(json.loads(out)["output"]).exists()
        rc, _out, err = secondo(capsys, "outgoing", case_id, "--to", "treating_physician", "-o", tmp_path / "pkg")
        assert rc == 3 and "--sign" in err  # the package's manifest is signed: it still asks

    def test_a_package_without_the_organisations_identity_is_refused_before_anything_is_written(self, signed_case,
                                                                                                tmp_path):
        from app.core.errors import BadInputError

        store, case_id = signed_case
        with pytest.raises(BadInputError, match="organisation's identity"):
            make_outgoing(store, case_id, OutgoingRequest("treating_physician", "sodp", "file"), None, tmp_path / "out")
        assert not (tmp_path / "out").exists() and DispatchLog(store).shipments(case_id) == []

    def test_no_certificate_exits_3_with_the_reason(self, signed_case, demo, tmp_path, capsys, monkeypatch):
        store, case_id = signed_case
        rc, _out, err = cli(capsys, monkeypatch, demo, case_id, "--to", "patient", "--form", "p7m",
                            "-o", tmp_path / "out")
        assert rc == 3 and "certificate" in err and "address book" in err
        assert not (tmp_path / "out").exists()


class TestProtectedPdf:
    @needs["pdftotext"]
    @needs["pdfsig"]
    def test_it_opens_with_the_sheets_passphrase_and_its_signature_is_valid(self, signed_case, demo, tmp_path,
                                                                            capsys, monkeypatch):
        store, case_id = signed_case
        copy = SignedOpinionStore(store).protected_copy(case_id, 0, "patient")
        rc, out, err = cli(capsys, monkeypatch, demo, case_id, "--to", "patient", "--form", "pdf",
                           "-o", tmp_path / "out")
        assert rc == 0, err
        made = json.loads(out)
        assert made["form"] == "pdf" and made["protection"] == "passphrase"
        written = Path(made["output"])
        assert written.name.endswith("-patient.pdf") and written.read_bytes() == copy.pdf
        sheet = subprocess.run(["pdftotext", made["passphrase_sheet"], "-"], capture_output=True, text=True,
                               check=True).stdout
        assert copy.passphrase in sheet
        assert copy.passphrase.encode() not in written.read_bytes()
        assert copy.passphrase.encode() not in Path(made["cover_letter"]).read_bytes()
        locked = subprocess.run(["pdftotext", str(written), "-"], capture_output=True, text=True)
        assert locked.returncode != 0  # nothing of it without the passphrase
        opened = subprocess.run(["pdftotext", "-upw", copy.passphrase, str(written), "-"], capture_output=True,
                                text=True, check=True).stdout
        assert "TEST" in opened.upper()
        checked = subprocess.run(["pdfsig", "-upw", copy.passphrase, str(written)], capture_output=True,
                                 text=True).stdout
        assert "Signature Validation: Signature is Valid." in checked
        (shipment,) = DispatchLog(store).shipments(case_id)
        assert (shipment.form, shipment.medium, shipment.protection) == ("pdf", "file", "passphrase")

    def test_marked_sent_the_passphrase_is_forgotten_and_the_copy_still_made(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        opinions = SignedOpinionStore(store)
        first = make_outgoing(store, case_id, OutgoingRequest("patient", "pdf"), organisation(demo), tmp_path / "a")
        assert first.passphrase_sheet is not None and first.warnings == []
        mark_sent(store, case_id, "patient", "post")
        assert opinions.protected_copy(case_id, 0, "patient").passphrase is None
        again = make_outgoing(store, case_id, OutgoingRequest("patient", "pdf"), organisation(demo), tmp_path / "b")
        assert again.output is not None and again.output.read_bytes() == opinions.protected_copy(case_id, 0,
                                                                                                   "patient").pdf
        assert again.passphrase_sheet is None and "sheet sent then opens it" in " ".join(again.warnings)
        assert placed(tmp_path / "b") == sorted([again.output.name, again.cover_letter.name])

    def test_a_passphrase_left_kept_by_a_crash_is_forgotten_at_the_next_marking(self, signed_case, demo, tmp_path,
                                                                                   monkeypatch):
        store, case_id = signed_case
        opinions = SignedOpinionStore(store)
        make_outgoing(store, case_id, OutgoingRequest("patient", "pdf"), organisation(demo), tmp_path / "a")
        make_outgoing(store, case_id, OutgoingRequest("treating_physician", "paper"), organisation(demo),
                      tmp_path / "b")
        with monkeypatch.context() as patch:
            def crash(self, *args):
                raise SystemExit("killed after the send was recorded")

            patch.setattr(SignedOpinionStore, "forget_passphrase", crash)
            with pytest.raises(SystemExit):
                mark_sent(store, case_id, "patient", "post")
        assert opinions.protected_copy(case_id, 0, "patient").passphrase is not None
        mark_sent(store, case_id, "treating_physician", "hand")
        assert opinions.protected_copy(case_id, 0, "patient").passphrase is None

    def test_no_protected_copy_exits_3_and_writes_nothing(self, signed_case, demo, tmp_path, capsys, monkeypatch):
        store, case_id = signed_case

        def none(self, case_id, number, role):
            raise BadInputError(f"No protected copy of this opinion was made for {role}.")

        monkeypatch.setattr(SignedOpinionStore, "protected_copy", none)
        rc, _out, err = cli(capsys, monkeypatch, demo, case_id, "--to", "patient", "--form", "pdf",
                            "-o", tmp_path / "out")
        assert rc == 3 and "No protected copy" in err
        assert not (tmp_path / "out").exists() and DispatchLog(store).shipments(case_id) == []


def _check_pdi(folder: Path, pdf: bytes) -> None:
    fs = FileSet(dcmread(folder / "DICOMDIR"))
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    referenced = sorted(str(Path(*i.FileID.split("\\"))) for i in fs)
    assert referenced == [f for f in files if f not in ("DICOMDIR", "README.TXT")]
    (opinion,) = [i.load() for i in fs if i.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1"]
    assert opinion.EncapsulatedDocument[:opinion.EncapsulatedDocumentLength] == pdf
    if shutil.which("dcmftest"):
        tested = subprocess.run(["dcmftest", *[str(folder / f) for f in files if f != "README.TXT"]],
                                capture_output=True, text=True)
        assert tested.returncode == 0 and "no:" not in tested.stdout, tested.stdout


class TestPdi:
    def test_a_folder_a_pacs_imports(self, signed_case, demo, tmp_path, capsys, monkeypatch):
        from app.core.key_images import KeyImage
        from app.store.annotations import AnnotationStore
        from tests.unit.test_pdi import _png

        store, case_id = signed_case
        AnnotationStore(store).add_key_image(case_id, KeyImage.new("axial", _png("L"), None, None))
        rc, out, err = cli(capsys, monkeypatch, demo, case_id, "--to", "treating_physician", "--form", "pdi",
                           "--key-images", "-o", tmp_path / "out")
        assert rc == 0, err
        made = json.loads(out)
        assert made["medium"] == "folder" and made["protection"] == "none" and len(made["files"]) == 2
        assert "not encrypted" in made["warnings"][0] and "not encrypted" in err  # on stderr too
        folder = Path(made["output"])
        _check_pdi(folder, signed_pdf(store, case_id))
        assert (folder / "README.TXT").exists()
        record = store.record(case_id)
        opinion = dcmread(folder / made["files"][0])
        assert opinion.StudyInstanceUID == record["studies"][0]["study_uid"]
        (shipment,) = DispatchLog(store).shipments(case_id)
        assert (shipment.form, shipment.medium, shipment.protection) == ("pdi", "folder", "none")
        (audit,) = [e for e in store.audit.entries() if e["action"] == "package"]
        assert audit["details"]["encrypted"] is False and audit["details"]["form"] == "pdi"
        assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no staging left

    def test_an_iso_reads_back_with_pycdlib(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        result = make_outgoing(store, case_id, OutgoingRequest("treating_physician", "pdi", "iso"),
                               organisation(demo), tmp_path / "out")
        assert result.output is not None and result.output.suffix == ".iso"
        assert placed(tmp_path / "out") == sorted([result.output.name, result.cover_letter.name])
        image = pycdlib.PyCdlib()
        image.open(str(result.output))
        extracted = tmp_path / "extracted"
        for path, _dirs, names in image.walk(iso_path="/"):
            for name in names:
                target = extracted / path.lstrip("/") / name.split(";")[0].rstrip(".")
                target.parent.mkdir(parents=True, exist_ok=True)
                buffer = io.BytesIO()
                image.get_file_from_iso_fp(buffer, iso_path=f"{path.rstrip('/')}/{name}")
                target.write_bytes(buffer.getvalue())
        image.close()
        _check_pdi(extracted, signed_pdf(store, case_id))
        (shipment,) = DispatchLog(store).shipments(case_id)
        assert (shipment.form, shipment.medium) == ("pdi", "iso")
        assert shipment.package_sha256 == hashlib.sha256(result.output.read_bytes()).hexdigest()


class TestPaper:
    def test_only_the_cover_letter_is_written(self, signed_case, demo, tmp_path, capsys, monkeypatch):
        store, case_id = signed_case
        rc, out, err = cli(capsys, monkeypatch, demo, case_id, "--to", "patient", "--form", "paper",
                           "-o", tmp_path / "out")
        assert rc == 0, err
        made = json.loads(out)
        assert made["output"] is None and made["medium"] == "paper" and made["passphrase_sheet"] is None
        assert placed(tmp_path / "out") == [Path(made["cover_letter"]).name]
        assert made["package_sha256"] == hashlib.sha256(signed_pdf(store, case_id)).hexdigest()
        rc, out, _err = secondo(capsys, "outgoing", case_id, "--list")
        assert "paper" in out and store.index.case(case_id)["status"] == "packaged"


class TestDispatchLog:
    def test_a_log_of_before_reads_as_sodp_on_its_medium(self, signed_case, capsys):
        store, case_id = signed_case
        log = DispatchLog(store)
        old = {"format": "secondo-outgoing/1", "shipments": [
            {"role": "patient", "recipient": "Test Patient", "form": "iso", "protection": "passphrase",
             "opinion_number": 0, "package_sha256": "ab" * 32, "made_at": "2026-11-01T10:00:00+00:00",
             "made_by": "secretary", "sent_on": None, "channel": None, "sent_by": None, "id": "1" * 32}]}
        store.vault.replace_bytes(log._path(case_id), json.dumps(old).encode())
        (shipment,) = log.shipments(case_id)
        assert (shipment.form, shipment.medium) == ("sodp", "iso")
        rc, out, _err = secondo(capsys, "outgoing", case_id, "--list", "--json")
        assert json.loads(out)["shipments"][0]["form"] == "sodp"
        rc, out, _err = secondo(capsys, "outgoing", case_id, "--list")
        assert "sodp (iso)" in out

    def test_each_form_is_recorded_with_its_medium(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        cert = treating_certificate(demo)
        made = [("treating_physician", OutgoingRequest("treating_physician", certificate=cert)),
                ("patient", OutgoingRequest("patient", "sodp", "folder")),
                ("treating_physician", OutgoingRequest("treating_physician", "p7m", certificate=cert)),
                ("patient", OutgoingRequest("patient", "pdf")),
                ("treating_physician", OutgoingRequest("treating_physician", "pdi")),
                ("patient", OutgoingRequest("patient", "paper"))]
        for n, (_role, request) in enumerate(made):
            make_outgoing(store, case_id, request, organisation(demo), tmp_path / str(n))
        assert [(s.form, s.medium) for s in DispatchLog(store).shipments(case_id)] == [
            ("sodp", "file"), ("sodp", "folder"), ("p7m", "file"), ("pdf", "file"), ("pdi", "folder"),
            ("paper", "paper")]
        assert Shipment("patient", "x", "folder", "passphrase", 0, "", "", "").form == "sodp"  # old callers

    def test_a_medium_a_form_has_not_is_refused(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        with pytest.raises(BadInputError, match="medium file"):
            make_outgoing(store, case_id, OutgoingRequest("patient", "pdf", "iso"), organisation(demo), tmp_path / "o")
        with pytest.raises(BadInputError, match="form must be one of"):
            make_outgoing(store, case_id, OutgoingRequest("patient", "fax"), organisation(demo), tmp_path / "o")
        assert not (tmp_path / "o").exists()


class TestFullDisk:
    @pytest.mark.parametrize("form, medium", [("pdf", "file"), ("p7m", "file"), ("pdi", "iso"), ("paper", "file")])
    def test_a_full_disk_leaves_nothing(self, signed_case, demo, tmp_path, monkeypatch, form, medium):
        from app.outgoing import package as outgoing
        store, case_id = signed_case
        writes = []
        last = 1 if form == "paper" else 2  # the letter does not fit (after the form's own file)

        def full(path, data):
            writes.append(path)
            if len(writes) == last:
                raise OSError(errno.ENOSPC, "No space left on device")
            real(path, data)

        real = outgoing.write_synced
        monkeypatch.setattr(outgoing, "write_synced", full)
        with pytest.raises(OutputError, match="the disk is full"):
            make_outgoing(store, case_id, OutgoingRequest("treating_physician", form, medium,
                                                          certificate=treating_certificate(demo)),
                          organisation(demo), tmp_path / "out")
        assert placed(tmp_path / "out") == [] and store.index.case(case_id)["status"] == "signed"
        assert DispatchLog(store).shipments(case_id) == []

    def test_a_full_disk_inside_the_pdi_folder_leaves_nothing(self, signed_case, demo, tmp_path, monkeypatch):
        from app.outgoing import pdi
        store, case_id = signed_case

        def full(path, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(pdi, "write_synced", full)  # the README, after the DICOM files
        with pytest.raises(OutputError, match="the disk is full"):
            make_outgoing(store, case_id, OutgoingRequest("treating_physician", "pdi"), organisation(demo),
                          tmp_path / "out")
        assert placed(tmp_path / "out") == [] and store.index.case(case_id)["status"] == "signed"


class TestCancel:
    @pytest.mark.parametrize("form, medium", [("pdf", "file"), ("p7m", "file"), ("pdi", "folder"), ("pdi", "iso"),
                                              ("paper", "file")])
    def test_a_cancel_once_written_leaves_nothing(self, signed_case, demo, tmp_path, form, medium):
        from app.core.tasks import CancelToken, Cancelled
        store, case_id = signed_case
        token = CancelToken()

        def progress(done, total):
            if done == 3:  # everything is written in the staging folder, nothing placed yet
                assert [p.name for p in (tmp_path / "out").iterdir()][0].startswith(".secondo-outgoing-")
                token.cancel()

        with pytest.raises(Cancelled):
            make_outgoing(store, case_id, OutgoingRequest("treating_physician", form, medium,
                                                          certificate=treating_certificate(demo)),
                          organisation(demo), tmp_path / "out", progress=progress, token=token)
        assert placed(tmp_path / "out") == [] and store.index.case(case_id)["status"] == "signed"
        assert DispatchLog(store).shipments(case_id) == []


class TestSheetOnTheSameMedium:
    def test_inside_the_output_tree(self, tmp_path):
        cd = tmp_path / "cd"
        cd.mkdir()
        assert media.sheet_on_same_medium(cd / "SHEET.PDF", cd)
        assert media.sheet_on_same_medium(cd / "sub" / "sheet.pdf", cd)
        assert not media.sheet_on_same_medium(tmp_path / "sheet.pdf", cd)  # beside it, on the workstation's disk

    def test_on_a_removable_device_other_than_the_data_folders(self, tmp_path, monkeypatch, isolated_home):
        stick, own = tmp_path / "stick", tmp_path / "own"
        stick.mkdir()
        own.mkdir()
        real = media._device
        monkeypatch.setattr(media, "_device", lambda p: 4242 if stick in Path(p).parents or Path(p) == stick
                            else real(p))
        assert media.sheet_on_same_medium(stick / "sheet.pdf", stick / "opinion.sodp")
        assert not media.sheet_on_same_medium(own / "sheet.pdf", stick / "opinion.sodp")
        assert not media.sheet_on_same_medium(own / "sheet.pdf", own / "opinion.sodp")

    def test_the_cli_warns_on_stderr_and_still_writes_it(self, signed_case, demo, tmp_path, capsys, monkeypatch):
        store, case_id = signed_case
        out = tmp_path / "stick"  # the package and its sheet on one (removable) stick
        out.mkdir()
        sheet = out / "sheet.pdf"
        monkeypatch.setattr(media, "sheet_on_same_medium", lambda s, o: Path(s) == sheet and o.parent == out)
        rc, made, err = cli(capsys, monkeypatch, demo, case_id, "--to", "patient", "--folder", "--sheet", sheet,
                            "-o", out)
        assert rc == 0, err
        assert "same medium" in err and "same medium" in json.loads(made)["warnings"][0]
        assert sheet.exists()


class TestDesk:
    def test_each_row_says_which_forms_can_be_made_and_why_not(self, signed_case, demo, monkeypatch):
        from app.outgoing.address_book import AddressBook, Contact, certificate_pem
        from app.outgoing.desk import case_desk
        store, case_id = signed_case
        AddressBook(store).save(Contact("Dr. Test Treating (DEMO)", "treating_physician",
                                        certificate_pem=certificate_pem(treating_certificate(demo))))
        rows = {r["role"]: r["forms"] for r in case_desk(store, case_id)["recipients"]}
        assert rows["treating_physician"]["p7m"] is None
        assert "No certificate" in rows["patient"]["p7m"]
        assert rows["patient"]["pdf"] is None
        assert all(rows[role][f] is None for role in rows for f in ("sodp", "pdi", "paper"))
        monkeypatch.setattr(SignedOpinionStore, "protected_roles", lambda self, case_id, number: [])
        rows = {r["role"]: r["forms"] for r in case_desk(store, case_id)["recipients"]}
        assert "No protected copy" in rows["patient"]["pdf"]

