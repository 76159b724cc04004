"""`secondo pack` and `secondo inspect` as the sending office and scripts use them."""

from datetime import datetime, timedelta, timezone
import errno
import json
import struct

import pytest

from app.cli import main
from app.core import files
from app.demo.pki import DEMO_PASSPHRASE, build_pki
from tests.unit.packages import CHUNK, write_source

FILES = {"documents/referral.pdf": b"%PDF-1.7 DEMO referral " * 5000, "DICOM/IM000001": b"\0" * 70000}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("DOSSIER_PASS", "DEMO dossier passphrase")
    monkeypatch.setenv("ID_PASS", DEMO_PASSPHRASE)


@pytest.fixture
def packed(tmp_path, pki_files, env):
    """A package made by `secondo pack` for all three recipient types, signed by the sender."""
    src = write_source(tmp_path / "src", FILES, imaging=["DICOM/IM000001"])
    out = tmp_path / "dossier.sodp"
    rc = main(["pack", str(src), "-o", str(out), "--recipient", str(pki_files["reviewer-rsa.pem"]),
               "--recipient", str(pki_files["reviewer-ec.pem"]), "--passphrase-env", "DOSSIER_PASS",
               "--sign", str(pki_files["sender.p12"]), "--sign-pass-env", "ID_PASS", "--chunk-size", str(CHUNK)])
    assert rc == 0
    return out


def inspect(capsys, *args) -> tuple[int, dict | str, str]:
    rc = main(["inspect", *map(str, args)])
    out, err = capsys.readouterr()
    if "--json" in args and rc == 0:
        return rc, json.loads(out), err
    return rc, out, err


class TestPackAndInspect:
    def test_without_a_key_lists_the_recipients_only(self, packed, capsys):
        rc, result, _ = inspect(capsys, packed, "--json")
        assert rc == 0
        assert result["opened"] is False and "manifest" not in result
        assert [r["type"] for r in result["recipients"]] == ["x509-rsa-oaep", "x509-ecdh-es", "passphrase-argon2id"]

    @pytest.mark.parametrize("credential", [
        ["--passphrase-env", "DOSSIER_PASS"],
        ["--identity", "reviewer-rsa.p12", "--identity-pass-env", "ID_PASS"],
        ["--identity", "reviewer-ec.p12", "--identity-pass-env", "ID_PASS"],
    ], ids=["passphrase", "rsa", "ec"])
    def test_each_credential_alone_opens_and_checks_everything(self, packed, pki_files, capsys, credential):
        credential = [str(pki_files[c]) if c in pki_files else c for c in credential]
        rc, result, _ = inspect(capsys, packed, "--json", "--trust", pki_files["root.pem"], *credential)
        assert rc == 0
        assert result["opened"] is True
        assert result["manifest"]["referral"]["question"]
        assert {f["path"]: f["size"] for f in result["files"]} == {k: len(v) for k, v in FILES.items()}
        assert result["signature"]["state"] == "valid"
        assert result["signature"]["signer"] == "DEMO Sending Hospital"

    def test_signature_untrusted_without_the_sender_root(self, packed, capsys):
        rc, result, _ = inspect(capsys, packed, "--json", "--passphrase-env", "DOSSIER_PASS")
        assert rc == 0 and result["signature"]["state"] == "untrusted"

    def test_the_workstation_trust_list_is_used(self, packed, pki_files, capsys, isolated_home):
        (isolated_home / "trust" / "senders").mkdir(parents=True)
        (isolated_home / "trust" / "senders" / "demo-root.pem").write_bytes(pki_files["root.pem"].read_bytes())
        rc, result, _ = inspect(capsys, packed, "--json", "--passphrase-env", "DOSSIER_PASS")
        assert result["signature"]["state"] == "valid"

    def test_human_output_names_the_question_and_signature(self, packed, pki_files, capsys):
        rc, out, _ = inspect(capsys, packed, "--trust", pki_files["root.pem"], "--passphrase-env", "DOSSIER_PASS")
        assert rc == 0
        assert "Question: Is the DEMO nodule to be resected?" in out
        assert "signed by DEMO Sending Hospital, trusted" in out


def one_line_exit_3(capsys, *args) -> str:
    rc = main(list(map(str, args)))
    out, err = capsys.readouterr()
    assert rc == 3
    assert err.count("\n") == 1 and err.startswith("secondo: ")
    return err


class TestBadInput:
    def test_wrong_passphrase(self, packed, capsys, monkeypatch):
        monkeypatch.setenv("WRONG", "not the passphrase")
        assert "Wrong passphrase" in one_line_exit_3(capsys, "inspect", packed, "--passphrase-env", "WRONG")

    def test_a_certificate_the_package_is_not_for(self, packed, pki_files, capsys):
        err = one_line_exit_3(capsys, "inspect", packed, "--identity", pki_files["treating-physician.p12"],
                              "--identity-pass-env", "ID_PASS")
        assert "not encrypted for Dr. Test Treating (DEMO)" in err and "It is for:" in err

    def test_wrong_identity_passphrase(self, packed, pki_files, capsys, monkeypatch):
        monkeypatch.setenv("WRONG", "nope")
        err = one_line_exit_3(capsys, "inspect", packed, "--identity", pki_files["reviewer-ec.p12"],
                              "--identity-pass-env", "WRONG")
        assert "wrong passphrase" in err

    def test_tampered_payload(self, packed, capsys):
        data = bytearray(packed.read_bytes())
        data[-100] ^= 1
        packed.write_bytes(bytes(data))
        assert "altered" in one_line_exit_3(capsys, "inspect", packed, "--passphrase-env", "DOSSIER_PASS")

    def test_truncated(self, packed, capsys):
        packed.write_bytes(packed.read_bytes()[:-(CHUNK // 2)])
        assert "package" in one_line_exit_3(capsys, "inspect", packed, "--passphrase-env", "DOSSIER_PASS")

    def test_header_length_past_the_file(self, packed, capsys):
        data = packed.read_bytes()
        packed.write_bytes(data[:8] + struct.pack(">I", 900_000) + data[12:2000])
        assert "truncated" in one_line_exit_3(capsys, "inspect", packed)

    def test_not_a_package(self, tmp_path, capsys):
        (tmp_path / "x.sodp").write_bytes(b"hello")
        assert "not an SODP" in one_line_exit_3(capsys, "inspect", tmp_path / "x.sodp")

    def test_missing_file(self, tmp_path, capsys):
        assert "does not exist" in one_line_exit_3(capsys, "inspect", tmp_path / "nothing.sodp")

    def test_unset_secret_variable(self, packed, capsys):
        assert "NOT_SET_ANYWHERE" in one_line_exit_3(capsys, "inspect", packed, "--passphrase-env", "NOT_SET_ANYWHERE")


class TestPackRefusals:
    def test_a_manifest_listing_a_missing_file_writes_nothing(self, tmp_path, capsys, env):
        src = write_source(tmp_path / "src", FILES)
        (src / "documents" / "referral.pdf").unlink()
        out = tmp_path / "out.sodp"
        assert "referral.pdf" in one_line_exit_3(capsys, "pack", src, "-o", out, "--passphrase-env", "DOSSIER_PASS")
        assert list(tmp_path.iterdir()) == [src]

    def test_a_manifest_without_a_required_key_writes_nothing(self, tmp_path, capsys, env):
        src = write_source(tmp_path / "src", FILES)
        manifest = json.loads((src / "manifest.json").read_text())
        del manifest["referral"]["question"]
        (src / "manifest.json").write_text(json.dumps(manifest))
        err = one_line_exit_3(capsys, "pack", src, "-o", tmp_path / "out.sodp", "--passphrase-env", "DOSSIER_PASS")
        assert "referral.question is missing" in err
        assert list(tmp_path.iterdir()) == [src]

    def test_an_unsafe_path_in_the_manifest(self, tmp_path, capsys, env):
        src = write_source(tmp_path / "src", FILES)
        manifest = json.loads((src / "manifest.json").read_text())
        manifest["documents"][0]["path"] = "../outside.pdf"
        (src / "manifest.json").write_text(json.dumps(manifest))
        assert "unsafe name" in one_line_exit_3(capsys, "pack", src, "-o", tmp_path / "o.sodp",
                                                "--passphrase-env", "DOSSIER_PASS")

    def test_a_missing_destination_folder_leaves_nothing(self, tmp_path, capsys, env):
        src = write_source(tmp_path / "src", FILES)
        err = one_line_exit_3(capsys, "pack", src, "-o", tmp_path / "absent" / "o.sodp",
                              "--passphrase-env", "DOSSIER_PASS")
        assert "Cannot write" in err and "Nothing was written" in err
        assert list(tmp_path.iterdir()) == [src]

    def test_a_full_disk_leaves_nothing(self, tmp_path, capsys, env, monkeypatch):
        src = write_source(tmp_path / "src", FILES)
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        real_fdopen = files.os.fdopen

        class FillsUp:
            """A file on a disk with 100 kB free: ENOSPC past that, as the OS reports it."""

            def __init__(self, handle):
                self.handle, self.written = handle, 0

            def write(self, data):
                self.written += len(data)
                if self.written > 100_000:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return self.handle.write(data)

            def __getattr__(self, name):
                return getattr(self.handle, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()

        monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: FillsUp(real_fdopen(fd, mode)))
        err = one_line_exit_3(capsys, "pack", src, "-o", out_dir / "o.sodp", "--passphrase-env", "DOSSIER_PASS")
        assert "the disk is full" in err
        assert list(out_dir.iterdir()) == []

    def test_no_recipient_is_a_usage_error(self, tmp_path, capsys):
        src = write_source(tmp_path / "src", FILES)
        with pytest.raises(SystemExit) as exit_info:
            main(["pack", str(src), "-o", str(tmp_path / "o.sodp")])
        assert exit_info.value.code == 2

    def test_an_expired_recipient_certificate_is_refused(self, tmp_path, capsys, pki, env):
        old = build_pki(now=datetime.now(timezone.utc) - timedelta(days=6 * 365))
        (tmp_path / "old.pem").write_bytes(old.reviewer_rsa.cert_pem())
        src = write_source(tmp_path / "src", FILES)
        assert "expired" in one_line_exit_3(capsys, "pack", src, "-o", tmp_path / "o.sodp",
                                            "--recipient", tmp_path / "old.pem")
        assert not (tmp_path / "o.sodp").exists()

    def test_unlisted_files_are_left_out_with_a_note(self, tmp_path, capsys, env):
        src = write_source(tmp_path / "src", FILES)
        (src / "stray.txt").write_text("left over")
        assert main(["pack", str(src), "-o", str(tmp_path / "o.sodp"), "--passphrase-env", "DOSSIER_PASS"]) == 0
        assert "stray.txt is not listed" in capsys.readouterr().err
