"""Outgoing packages: made only for consented roles and signed cases; the package for
the DEMO treating physician imports on a second workstation holding that physician's identity
and yields the signed opinion byte for byte, still valid; file, CD folder and ISO (read back
with pycdlib and xorriso); generated passphrases on their own sheet; bad certificates and
destinations leave nothing behind; mark as sent moves the case to Sent; all audited."""

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

from app.core.errors import BadInputError, IdentityError, OutputError
from app.demo.package import DEMO_DOSSIER_PASSPHRASE, build_demo_package
from app.demo.pki import DEMO_PASSPHRASE, _key_usage
from app.dossier import package as package_mod
from app.crypto.stanzas import Passphrase
from app.opinion.prefill import bind, new_response
from app.opinion.questionnaire import load_template
from app.signoff.signing import sign_opinion
from app.outgoing import disc
from app.outgoing.address_book import AddressBook, Contact, certificate_details, certificate_from_bytes, certificate_pem
from app.outgoing.package import OutgoingRequest, addressed_roles, make_outgoing, mark_sent
from app.outgoing.recipients import ConsentError, consented_recipients
from app.signing.identities import load_pkcs12
from app.signing.verify import verify_pdf_bytes
from app.store.opinions import SignedOpinionStore
from app.store.store import CaseStore
from tests.unit.test_opinion_pdf import PROFILE, fill
from tests.unit.test_verify_cli import secondo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_package(tmp_path_factory.mktemp("demo"), ct_slices=3, ct_size=64)


@pytest.fixture
def signed_case(demo, isolated_home, capsys, monkeypatch):
    """(store, case_id) of the demo case with its opinion signed by the DEMO reviewer."""
    monkeypatch.setenv("DOSSIER_PASS", DEMO_DOSSIER_PASSPHRASE)
    monkeypatch.setenv("ID_PASS", DEMO_PASSPHRASE)
    rc, out, err = secondo(capsys, "import", demo.package, "--passphrase-env", "DOSSIER_PASS")
    assert rc == 0, err
    case_id = out.strip()
    store = CaseStore.open(isolated_home)
    record = store.record(case_id)
    q = bind(load_template("second-opinion"), record)
    sign_opinion(store, case_id, fill(q, new_response(q, record, PROFILE)), demo.reviewer_identity())
    yield store, case_id
    store.close()


def organisation(demo):
    return load_pkcs12(demo.pki_files["workstation.p12"], DEMO_PASSPHRASE)


def treating_certificate(demo):
    return certificate_from_bytes(demo.pki_files["treating-physician.pem"].read_bytes())


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


class TestConsent:
    def test_only_consented_roles_are_recipients(self, signed_case):
        store, case_id = signed_case
        assert [r.role for r in consented_recipients(store.record(case_id))] == ["treating_physician", "patient"]
        assert addressed_roles(store, case_id) == ["treating_physician", "patient"]

    def test_a_role_without_consent_is_refused_and_nothing_written(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        with pytest.raises(ConsentError, match="did not consent"):
            make_outgoing(store, case_id, OutgoingRequest("general_practitioner"), organisation(demo), tmp_path / "o")
        assert not (tmp_path / "o").exists()

    def test_the_cli_refuses_it_with_exit_3(self, signed_case, demo, tmp_path, capsys, monkeypatch):
        store, case_id = signed_case
        monkeypatch.setenv("ORG_PASS", DEMO_PASSPHRASE)
        rc, _out, err = secondo(capsys, "outgoing", case_id, "--to", "general_practitioner", "-o", tmp_path / "o",
                                "--sign", demo.pki_files["workstation.p12"], "--sign-pass-env", "ORG_PASS")
        assert rc == 3 and "did not consent" in err and err.count("\n") == 1
        assert not (tmp_path / "o").exists()

    def test_a_case_not_signed_yet_is_refused(self, demo, isolated_home, tmp_path, capsys, monkeypatch):
        monkeypatch.setenv("DOSSIER_PASS", DEMO_DOSSIER_PASSPHRASE)
        rc, out, _ = secondo(capsys, "import", demo.package, "--passphrase-env", "DOSSIER_PASS")
        with CaseStore.open(isolated_home) as store:
            with pytest.raises(BadInputError, match="no signed opinion"):
                make_outgoing(store, out.strip(), OutgoingRequest("treating_physician"), organisation(demo),
                              tmp_path / "o")
        assert not (tmp_path / "o").exists()


class TestSecondWorkstation:
    def test_the_treating_physician_imports_the_signed_opinion_byte_for_byte(self, signed_case, demo, tmp_path,
                                                                             capsys, monkeypatch):
        store, case_id = signed_case
        signed = SignedOpinionStore(store).pdf(case_id, 0)
        monkeypatch.setenv("ORG_PASS", DEMO_PASSPHRASE)
        rc, out, err = secondo(capsys, "outgoing", case_id, "--to", "treating_physician",
                               "--recipient", demo.pki_files["treating-physician.pem"], "-o", tmp_path / "out",
                               "--sign", demo.pki_files["workstation.p12"], "--sign-pass-env", "ORG_PASS", "--json")
        assert rc == 0, err
        made = json.loads(out)
        assert made["protection"] == "certificate" and made["passphrase_sheet"] is None
        assert store.index.case(case_id)["status"] == "packaged"
        assert [e["action"] for e in store.audit.entries()][-1] == "package"

        # The second workstation: another data folder, the physician's own identity.
        monkeypatch.setenv("SECONDO_HOME", str(tmp_path / "physician-home"))
        monkeypatch.setenv("TREATING_PASS", DEMO_PASSPHRASE)
        rc, out, err = secondo(capsys, "import", made["output"], "--identity", demo.pki_files["treating-physician.p12"],
                               "--identity-pass-env", "TREATING_PASS", "--trust", demo.pki_files["root.pem"], "--json")
        assert rc == 0, err
        imported = json.loads(out)
        assert imported["signature"] == "valid"  # the manifest, signed by the reviewing organisation
        with CaseStore.open(tmp_path / "physician-home") as other:
            record = other.record(imported["case_id"])
            (opinion,) = [d for d in record["documents"] if d["kind"] == "second_opinion"]
            received = other.vault.read_bytes(opinion["blob"])
        assert received == signed
        report = verify_pdf_bytes(received, [demo.root])
        assert report.ok and report.signatures[0].signer == "Dr. Test Reviewer (DEMO)"

    def test_a_generated_passphrase_is_on_its_own_sheet_and_opens_the_package(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        result = make_outgoing(store, case_id, OutgoingRequest("patient", key_images=True), organisation(demo),
                               tmp_path / "out")
        assert result.shipment.protection == "passphrase" and result.generated_passphrase
        assert result.passphrase_sheet is not None and result.passphrase_sheet.exists()
        if shutil.which("pdftotext"):
            sheet = subprocess.run(["pdftotext", str(result.passphrase_sheet), "-"], capture_output=True,
                                   text=True).stdout
            assert result.generated_passphrase in sheet
        with open(result.output, "rb") as stream:
            contents = package_mod.read_package(stream, [Passphrase(result.generated_passphrase)],
                                                trusted_roots=[demo.root])
        assert contents.signature.state == "valid"
        assert "documents/second-opinion.pdf" in [d["path"] for d in contents.manifest["documents"]]
        # Nothing of the passphrase in the package or the cover letter.
        for path in (result.output, result.cover_letter):
            assert result.generated_passphrase.encode() not in path.read_bytes()


class TestDisc:
    def test_folder_and_iso_hold_the_same_level_1_files(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        cert = treating_certificate(demo)
        folder = make_outgoing(store, case_id, OutgoingRequest("treating_physician", "folder", certificate=cert),
                               organisation(demo), tmp_path / "cd")
        iso = make_outgoing(store, case_id, OutgoingRequest("treating_physician", "iso", certificate=cert),
                            organisation(demo), tmp_path / "iso")
        assert listing(folder.output) == ["OPINION.SOD", "README.TXT"]
        assert all(disc.is_level1_name(n) for n in listing(folder.output))
        readme = (folder.output / "README.TXT").read_bytes().decode("utf-8")
        assert "File > Import" in readme and "recipient's certificate" in readme and "\r\n" in readme
        assert "Test Treating" not in readme and "Test Patient" not in readme  # a lost disc names no one
        image = pycdlib.PyCdlib()
        image.open(str(iso.output))
        names = sorted(c.file_identifier().decode().split(";")[0] for c in image.list_children(iso_path="/")
                       if c.is_file())
        buffer = io.BytesIO()
        image.get_file_from_iso_fp(buffer, iso_path="/README.TXT;1")
        image.close()
        assert names == ["OPINION.SOD", "README.TXT"]
        assert buffer.getvalue() == (folder.output / "README.TXT").read_bytes()
        if shutil.which("xorriso"):
            extracted = tmp_path / "extracted"
            subprocess.run(["xorriso", "-osirrox", "on", "-indev", str(iso.output), "-extract", "/", str(extracted)],
                           check=True, capture_output=True)
            assert sorted(p.name for p in extracted.iterdir()) == ["OPINION.SOD", "README.TXT"]
            with open(extracted / "OPINION.SOD", "rb") as stream:
                contents = package_mod.read_package(stream, [load_pkcs12(demo.pki_files["treating-physician.p12"],
                                                                         DEMO_PASSPHRASE)])
            assert len(contents.manifest["documents"]) == 2


class TestBadInput:
    @pytest.mark.parametrize("problem", ["expired", "no_key_encipherment"])
    def test_a_certificate_that_cannot_receive_is_refused(self, signed_case, demo, pki, tmp_path, problem):
        from datetime import datetime, timedelta, timezone

        from tests.unit.pdf_signing import odd_identity
        store, case_id = signed_case
        now = datetime.now(timezone.utc)
        if problem == "expired":
            ident = odd_identity(pki, not_before=now - timedelta(days=30), not_after=now - timedelta(days=1),
                                 key_usage=_key_usage(key_agreement=True))
        else:
            ident = odd_identity(pki, key_usage=_key_usage(digital_signature=True))
        with pytest.raises(IdentityError):
            make_outgoing(store, case_id, OutgoingRequest("treating_physician", certificate=ident.certificate),
                          organisation(demo), tmp_path / "o")
        assert not (tmp_path / "o").exists()

    def test_not_a_certificate_exits_3(self, signed_case, demo, tmp_path, capsys, monkeypatch):
        store, case_id = signed_case
        bogus = tmp_path / "bogus.pem"
        bogus.write_text("not a certificate")
        monkeypatch.setenv("ORG_PASS", DEMO_PASSPHRASE)
        rc, _out, err = secondo(capsys, "outgoing", case_id, "--to", "treating_physician", "--recipient", bogus,
                                "-o", tmp_path / "o", "--sign", demo.pki_files["workstation.p12"],
                                "--sign-pass-env", "ORG_PASS")
        assert rc == 3 and "not an X.509 certificate" in err
        assert not (tmp_path / "o").exists()

    def test_a_destination_that_is_a_file_is_not_writable(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        blocker = tmp_path / "blocker"
        blocker.write_text("a file, not a folder")
        with pytest.raises(OutputError, match="Nothing was written"):
            make_outgoing(store, case_id, OutgoingRequest("treating_physician", certificate=treating_certificate(demo)),
                          organisation(demo), blocker / "out")
        assert blocker.read_text() == "a file, not a folder"

    def test_a_full_disk_leaves_nothing_half_written(self, signed_case, demo, tmp_path, monkeypatch):
        from app.outgoing import package as outgoing
        store, case_id = signed_case
        writes = []

        def full(path, data):
            writes.append(path)
            if len(writes) == 2:  # the package went down, the cover letter does not fit
                raise OSError(errno.ENOSPC, "No space left on device")
            real(path, data)

        real = outgoing.write_synced
        monkeypatch.setattr(outgoing, "write_synced", full)
        out = tmp_path / "out"
        with pytest.raises(OutputError, match="the disk is full"):
            make_outgoing(store, case_id, OutgoingRequest("treating_physician", certificate=treating_certificate(demo)),
                          organisation(demo), out)
        assert listing(out) == []  # no package without its letter, no staging left
        assert store.index.case(case_id)["status"] == "signed"


class TestMore:
    def test_a_short_passphrase_is_refused_not_replaced(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        for given in ("", "short"):
            with pytest.raises(BadInputError, match="too short"):
                make_outgoing(store, case_id, OutgoingRequest("patient", passphrase=given), organisation(demo),
                              tmp_path / "o")
        assert not (tmp_path / "o").exists()

    def test_a_failure_after_the_files_are_placed_takes_them_back(self, signed_case, demo, tmp_path, monkeypatch):
        from app.store.vault import Vault
        store, case_id = signed_case

        def broken(path, encrypted):  # the dispatch log's write, the last step after the files are placed
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(Vault, "replace_encrypted", staticmethod(broken))
        with pytest.raises(OutputError):
            make_outgoing(store, case_id, OutgoingRequest("treating_physician", "folder",
                                                          certificate=treating_certificate(demo)),
                          organisation(demo), tmp_path / "out")
        assert listing(tmp_path / "out") == [] and store.index.case(case_id)["status"] == "signed"

    def test_an_addendum_gets_its_own_package_name(self, signed_case, demo, tmp_path):
        from app.signoff.signing import start_addendum
        from app.opinion.questionnaire import set_answer
        from app.store.drafts import DraftStore
        store, case_id = signed_case
        first = make_outgoing(store, case_id, OutgoingRequest("patient"), organisation(demo), tmp_path / "out")
        record = store.record(case_id)
        draft = start_addendum(DraftStore(store).load(case_id))
        set_answer(bind(load_template("second-opinion"), record), draft, "answer", "Changed: resection.")
        sign_opinion(store, case_id, draft, demo.reviewer_identity())
        assert store.index.case(case_id)["status"] == "signed"  # the addendum is to send again
        second = make_outgoing(store, case_id, OutgoingRequest("patient"), organisation(demo), tmp_path / "out")
        assert "addendum-1" in second.output.name and first.output.exists() and second.output.exists()
        assert second.shipment.opinion_number == 1


class TestSheet:
    def test_the_passphrase_sheet_can_go_elsewhere_than_the_package(self, signed_case, demo, tmp_path, capsys,
                                                                    monkeypatch):
        store, case_id = signed_case
        monkeypatch.setenv("ORG_PASS", DEMO_PASSPHRASE)
        sheet = tmp_path / "apart" / "sheet.pdf"
        (tmp_path / "apart").mkdir()
        rc, out, err = secondo(capsys, "outgoing", case_id, "--to", "patient", "-o", tmp_path / "cd", "--folder",
                               "--sheet", sheet, "--sign", demo.pki_files["workstation.p12"],
                               "--sign-pass-env", "ORG_PASS", "--json")
        assert rc == 0, err
        made = json.loads(out)
        assert made["passphrase_sheet"] == str(sheet) and sheet.read_bytes().startswith(b"%PDF")
        assert not list((tmp_path / "cd").rglob("*passphrase*"))


class TestSent:
    def test_mark_sent_for_every_addressed_role_makes_the_case_sent(self, signed_case, demo, tmp_path, capsys):
        store, case_id = signed_case
        cert = treating_certificate(demo)
        make_outgoing(store, case_id, OutgoingRequest("treating_physician", certificate=cert), organisation(demo),
                      tmp_path / "a")
        make_outgoing(store, case_id, OutgoingRequest("patient"), organisation(demo), tmp_path / "b")
        with pytest.raises(ConsentError):
            mark_sent(store, case_id, "general_practitioner", "post")
        mark_sent(store, case_id, "treating_physician", "post", on="2026-12-01", by="secretary")
        assert store.index.case(case_id)["status"] == "packaged"
        with pytest.raises(BadInputError, match="No package for treating_physician is waiting"):
            mark_sent(store, case_id, "treating_physician", "post")
        rc, out, err = secondo(capsys, "outgoing", case_id, "--to", "patient", "--mark-sent", "--channel", "hand")
        assert rc == 0, err
        assert store.index.case(case_id)["status"] == "sent"
        rc, out, _ = secondo(capsys, "outgoing", case_id, "--list", "--json")
        status = json.loads(out)
        assert status["to_send"] == [] and {s["channel"] for s in status["shipments"]} == {"post", "hand"}
        sends = [e for e in store.audit.entries() if e["action"] == "send"]
        assert [e["details"]["role"] for e in sends] == ["treating_physician", "patient"]
        assert store.audit.verify().ok


class TestAddressBook:
    def test_contacts_are_kept_encrypted_with_their_certificate(self, signed_case, demo):
        store, _case = signed_case
        book = AddressBook(store)
        cert = treating_certificate(demo)
        book.save(Contact("Dr. Test Treating (DEMO)", "treating_physician", "1-23456-78-901",
                          "DEMO Sending Hospital", "Demostraat 1, 0000 Demo City", certificate_pem(cert)))
        (kept,) = AddressBook(store).contacts()
        assert kept.certificate == cert and kept.recipient().address_lines == ["Demostraat 1", "0000 Demo City"]
        assert b"Test Treating" not in book.path.read_bytes()
        from app.outgoing.recipients import Recipient
        assert AddressBook(store).for_recipient(Recipient("treating_physician", "dr. test TREATING (demo)")).id == kept.id
        # Someone else of the same role is never taken for the dossier's person.
        assert AddressBook(store).for_recipient(Recipient("treating_physician", "Dr. Other (DEMO)")) is None
        assert AddressBook(store).for_recipient(Recipient("patient", "Dr. Test Treating (DEMO)")) is None
        assert AddressBook(store).for_recipient(Recipient("treating_physician", "Dr. Test Treating (DEMO)",
                                                          registration="9-99999-99-999")) is None
        assert book.remove(kept.id) and book.contacts() == []

    def test_certificate_details_from_pem_and_der(self, demo):
        from cryptography.hazmat.primitives import serialization
        cert = treating_certificate(demo)
        for data in (cert.public_bytes(serialization.Encoding.PEM), cert.public_bytes(serialization.Encoding.DER)):
            details = certificate_details(certificate_from_bytes(data))
            assert "Dr. Test Treating (DEMO)" in details["subject"] and "DEMO Root" in details["issuer"]
            assert "key_encipherment" in details["key_usage"] and details["problem"] is None
            assert details["sha256"] == hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
        with pytest.raises(IdentityError, match="not an X.509 certificate"):
            certificate_from_bytes(b"garbage", "garbage.pem")


class TestAtRest:
    def test_no_patient_or_recipient_name_in_clear_in_the_data_folder(self, signed_case, demo, tmp_path):
        store, case_id = signed_case
        AddressBook(store).save(Contact("Dr. Test Treating (DEMO)", "treating_physician", address="Demostraat 1"))
        make_outgoing(store, case_id, OutgoingRequest("patient"), organisation(demo), tmp_path / "out")
        mark_sent(store, case_id, "patient", "post")
        needles = [b"Test Patient", b"TEST, Patient", b"Test Treating", b"Demostraat", b"1970-01-01", b"%PDF"]
        for path in store.home.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found = [n for n in needles if n in data]
                assert not found, f"{path.relative_to(store.home)} holds {found} in clear"


class TestContactsCli:
    def test_add_list_and_remove_with_a_certificate(self, demo, capsys, isolated_home):
        rc, out, err = secondo(capsys, "contacts", "add", "--name", "Dr. Test Treating (DEMO)", "--role",
                               "treating_physician", "--address", "Demostraat 1, 0000 Demo City", "--certificate",
                               demo.pki_files["treating-physician.pem"], "--json")
        assert rc == 0, err
        added = json.loads(out)
        assert added["certificate"]["problem"] is None and "key_encipherment" in added["certificate"]["key_usage"]
        rc, out, _ = secondo(capsys, "contacts", "--json")
        (listed,) = json.loads(out)["contacts"]
        assert listed["id"] == added["id"] and listed["address"] == "Demostraat 1, 0000 Demo City"
        rc, out, _ = secondo(capsys, "contacts")
        assert "certificate of Dr. Test Treating (DEMO)" in out
        assert secondo(capsys, "contacts", "remove", added["id"][:8])[0] == 0
        assert json.loads(secondo(capsys, "contacts", "--json")[1])["contacts"] == []

    def test_not_a_certificate_is_refused_and_nothing_kept(self, tmp_path, capsys):
        bogus = tmp_path / "bogus.der"
        bogus.write_bytes(b"\x30\x03\x02\x01\x01")
        rc, _out, err = secondo(capsys, "contacts", "add", "--name", "X", "--role", "patient", "--certificate", bogus)
        assert rc == 3 and "not an X.509 certificate" in err
        assert json.loads(secondo(capsys, "contacts", "--json")[1])["contacts"] == []


def _add_shipments(home: str, case_id: str, count: int) -> None:
    from app.outgoing.dispatch import DispatchLog, Shipment
    with CaseStore.open(Path(home)) as store:
        log = DispatchLog(store)
        for n in range(count):
            log.add(case_id, Shipment("patient", "x", "file", "passphrase", 0, f"{n:064x}", "2026-12-01T00:00:00+00:00",
                                      "test"))


class TestTwoProcesses:
    def test_a_window_and_a_command_writing_at_once_lose_no_shipment(self, isolated_home):
        import multiprocessing

        with CaseStore.open(isolated_home):
            pass  # the vault key exists (in this process's in-memory keyring, which forked children share)
        context = multiprocessing.get_context("fork")
        workers = [context.Process(target=_add_shipments, args=(str(isolated_home), "case0001", 15))
                   for _n in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
            assert worker.exitcode == 0
        from app.outgoing.dispatch import DispatchLog
        with CaseStore.open(isolated_home) as store:
            assert len(DispatchLog(store).shipments("case0001")) == 45
