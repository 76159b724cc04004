"""`secondo verify` and `secondo opinion export` as scripts use them (docs/cli.md): exit codes,
the --json document, and the audit entries of an export."""

import io
import json

import pytest

from app.cli import main
from app.demo.package import DEMO_DOSSIER_PASSPHRASE, build_demo_package
from app.demo.pki import DEMO_PASSPHRASE
from app.signing import secrets
from app.signing.pades import sign_pdf
from app.signing.trust import signer_roots_dir
from app.store.audit import AuditLog
from tests.conftest import key_identity
from tests.unit.pdf_signing import BOX, make_pdf
from tests.unit.test_pades import append_update


def secondo(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def signed_pdf(pki, tmp_path_factory):
    path = tmp_path_factory.mktemp("signed") / "opinion.pdf"
    path.write_bytes(sign_pdf(make_pdf(2), key_identity(pki.reviewer_rsa), box=BOX).pdf)
    return path


class TestVerify:
    def test_trusted_with_the_root(self, signed_pdf, pki_files, capsys):
        rc, out, err = secondo(capsys, "verify", signed_pdf, "--trust", pki_files["root.pem"], "--json")
        assert rc == 0, err
        report = json.loads(out)
        assert report["ok"] is True and report["signature_count"] == 1 and report["problems"] == []
        (sig,) = report["signatures"]
        assert {k: sig[k] for k in ("intact", "valid", "trusted", "whole_file", "modified_after_signing", "ok",
                                    "coverage", "signer", "subfilter")} == {
            "intact": True, "valid": True, "trusted": True, "whole_file": True, "modified_after_signing": False,
            "ok": True, "coverage": "entire_file", "signer": "Dr. Test Reviewer (DEMO)",
            "subfilter": "/ETSI.CAdES.detached"}
        assert sig["signing_time"] and len(sig["signer_certificate_sha256"]) == 64

    def test_human_output(self, signed_pdf, pki_files, capsys):
        rc, out, _ = secondo(capsys, "verify", signed_pdf, "--trust", pki_files["root.pem"])
        assert rc == 0
        assert "signer: Dr. Test Reviewer (DEMO)" in out
        assert "intact: yes; trusted: yes; covers the whole file: yes" in out and "signature OK" in out

    def test_untrusted_without_the_root_exits_4(self, signed_pdf, capsys):
        rc, out, err = secondo(capsys, "verify", signed_pdf, "--json")
        assert rc == 4
        report = json.loads(out)
        assert report["ok"] is False and report["signatures"][0]["trusted"] is False
        assert report["signatures"][0]["intact"] is True
        assert err.startswith("secondo: ") and err.count("\n") == 1

    def test_the_workstation_signer_roots_are_trusted(self, signed_pdf, pki_files, capsys):
        signer_roots_dir().mkdir(parents=True)
        (signer_roots_dir() / "demo-root.pem").write_bytes(pki_files["root.pem"].read_bytes())
        rc, _, err = secondo(capsys, "verify", signed_pdf)
        assert rc == 0, err

    @pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
    def test_a_changed_byte_exits_4(self, signed_pdf, pki_files, tmp_path, capsys, where):
        data = bytearray(signed_pdf.read_bytes())
        data[int(len(data) * where)] ^= 0x01
        tampered = tmp_path / "tampered.pdf"
        tampered.write_bytes(bytes(data))
        rc, out, _ = secondo(capsys, "verify", tampered, "--trust", pki_files["root.pem"], "--json")
        assert rc == 4 and json.loads(out)["ok"] is False

    def test_modified_after_signing_exits_4(self, signed_pdf, pki_files, tmp_path, capsys):
        out_buffer = io.BytesIO()
        append_update(signed_pdf.read_bytes()).write(out_buffer)
        modified = tmp_path / "modified.pdf"
        modified.write_bytes(out_buffer.getvalue())
        rc, out, err = secondo(capsys, "verify", modified, "--trust", pki_files["root.pem"], "--json")
        assert rc == 4
        (sig,) = json.loads(out)["signatures"]
        assert sig["modified_after_signing"] is True and sig["whole_file"] is False and sig["intact"] is True
        assert "modified after signing" in err
        rc, out, _ = secondo(capsys, "verify", modified, "--trust", pki_files["root.pem"])
        assert "MODIFIED AFTER SIGNING" in out

    def test_unsigned_and_not_a_pdf_exit_4(self, tmp_path, capsys):
        (tmp_path / "plain.pdf").write_bytes(make_pdf(1))
        (tmp_path / "junk.pdf").write_bytes(b"junk")
        for name in ("plain.pdf", "junk.pdf"):
            rc, out, err = secondo(capsys, "verify", tmp_path / name, "--json")
            assert rc == 4 and json.loads(out)["ok"] is False

    def test_a_missing_file_exits_3(self, tmp_path, capsys):
        rc, _, err = secondo(capsys, "verify", tmp_path / "nope.pdf")
        assert rc == 3 and "does not exist" in err


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_package(tmp_path_factory.mktemp("demo"), ct_slices=3, ct_size=64)


@pytest.fixture
def case_id(demo, capsys, monkeypatch):
    monkeypatch.setenv("DOSSIER_PASS", DEMO_DOSSIER_PASSPHRASE)
    monkeypatch.setenv("ID_PASS", DEMO_PASSPHRASE)
    rc, out, err = secondo(capsys, "import", demo.package, "--passphrase-env", "DOSSIER_PASS")
    assert rc == 0, err
    return out.strip()


@pytest.fixture
def response_file(case_id, tmp_path, isolated_home):
    from app.opinion.prefill import bind, new_response
    from app.opinion.questionnaire import load_template
    from app.store.store import CaseStore
    from tests.unit.test_opinion_pdf import PROFILE, fill

    with CaseStore.open(isolated_home) as store:
        record = store.record(case_id)
    q = bind(load_template("second-opinion"), record)
    path = tmp_path / "response.json"
    path.write_text(json.dumps(fill(q, new_response(q, record, PROFILE))), encoding="utf-8")
    return path


class TestExport:
    def test_export_signs_verifies_and_audits(self, case_id, response_file, demo, tmp_path, capsys, isolated_home):
        out = tmp_path / "opinion.pdf"
        rc, stdout, err = secondo(capsys, "opinion", "export", case_id[:8], "--response", response_file, "-o", out,
                                  "--identity", demo.pki_files["reviewer-rsa.p12"], "--identity-pass-env", "ID_PASS")
        assert rc == 0, err
        assert "signed by Dr. Test Reviewer (DEMO)" in stdout
        rc, report, err = secondo(capsys, "verify", out, "--trust", demo.pki_files["root.pem"], "--json")
        assert rc == 0, err
        report = json.loads(report)
        assert report["signatures"][0]["whole_file"] and report["signatures"][0]["trusted"]
        entries = AuditLog(isolated_home / "audit.log").entries()
        actions = [(e["action"], e["case"]) for e in entries]
        assert actions[-2:] == [("sign", case_id), ("export", case_id)]
        assert entries[-1]["details"]["signed"] is True
        assert entries[-1]["details"]["pdf_sha256"] == __import__("hashlib").sha256(out.read_bytes()).hexdigest()
        assert AuditLog(isolated_home / "audit.log").verify().ok

    def test_wrong_passphrase_exits_3_and_writes_nothing(self, case_id, response_file, demo, tmp_path, capsys,
                                                         monkeypatch, isolated_home):
        monkeypatch.setenv("BAD_PASS", "wrong")
        before = AuditLog(isolated_home / "audit.log").entries()
        rc, _, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file, "-o",
                             tmp_path / "opinion.pdf", "--identity", demo.pki_files["reviewer-rsa.p12"],
                             "--identity-pass-env", "BAD_PASS")
        assert rc == 3 and "wrong passphrase" in err and err.count("\n") == 1
        assert list(tmp_path.glob("opinion*")) == [] and list(tmp_path.glob(".opinion*")) == []
        assert AuditLog(isolated_home / "audit.log").entries() == before

    def test_a_certificate_not_for_signing_is_refused(self, case_id, response_file, demo, tmp_path, capsys, pki):
        from app.demo.pki import _key_usage
        from tests.unit.pdf_signing import odd_identity

        ident = odd_identity(pki, key_usage=_key_usage(key_agreement=True))
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.serialization import pkcs12
        p12 = tmp_path / "odd.p12"
        p12.write_bytes(pkcs12.serialize_key_and_certificates(b"odd", ident.private_key, ident.certificate, None,
                                                              serialization.BestAvailableEncryption(b"pw")))
        import os
        os.environ["ODD_PASS"] = "pw"
        try:
            rc, _, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file, "-o",
                                 tmp_path / "opinion.pdf", "--identity", p12, "--identity-pass-env", "ODD_PASS")
        finally:
            del os.environ["ODD_PASS"]
        assert rc == 3 and "neither digitalSignature nor nonRepudiation" in err
        assert not (tmp_path / "opinion.pdf").exists()

    def test_remember_keeps_the_passphrase_in_the_keyring(self, case_id, response_file, demo, tmp_path, capsys):
        rc, _, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file, "-o",
                             tmp_path / "opinion.pdf", "--identity", demo.pki_files["reviewer-ec.p12"],
                             "--identity-pass-env", "ID_PASS", "--remember")
        assert rc == 0, err
        assert secrets.remembered_passphrase(demo.pki_files["reviewer-ec.p12"]) == DEMO_PASSPHRASE
        # Then without any passphrase option: the keyring opens it, no prompt needed (a changed
        # answer, since the same text is not signed twice).
        data = json.loads(response_file.read_text(encoding="utf-8"))
        for item in data["item"]:
            if item["linkId"] == "answer":
                item["answer"] = [{"valueString": "A changed answer for the addendum."}]
        response_file.write_text(json.dumps(data), encoding="utf-8")
        rc, out, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file, "-o",
                               tmp_path / "again.pdf", "--identity", demo.pki_files["reviewer-ec.p12"])
        assert rc == 0 and "addendum 1" in out, err

    def test_unsigned_export_is_audited_as_export_only(self, case_id, response_file, tmp_path, capsys,
                                                       isolated_home):
        rc, stdout, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file,
                                  "-o", tmp_path / "draft.pdf")
        assert rc == 0, err
        assert "NOT signed" in stdout
        assert AuditLog(isolated_home / "audit.log").entries()[-1]["action"] == "export"
        assert secondo(capsys, "verify", tmp_path / "draft.pdf")[0] == 4

    def test_a_response_that_is_not_one_exits_3(self, case_id, tmp_path, capsys):
        bad = tmp_path / "bad.json"
        bad.write_text('{"resourceType": "Patient"}')
        rc, _, err = secondo(capsys, "opinion", "export", case_id, "--response", bad, "-o", tmp_path / "o.pdf")
        assert rc == 3 and "not a QuestionnaireResponse" in err
