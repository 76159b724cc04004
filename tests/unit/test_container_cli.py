"""Signature and envelope outcomes at the command line: `inspect` fails (exit 4) on a manifest
signature that is not sound; untrusted signers are named with their reason and no traceback;
`verify` says why a signer may not sign; a `.p7m` in AuthEnvelopedData (AES-GCM) imports."""

from datetime import datetime, timedelta, timezone
import json
import shutil
import subprocess
from unittest import mock

import pytest

from app.cli import main
from app.crypto.stanzas import Passphrase
from app.demo.pki import DEMO_PASSPHRASE, _key_usage
from app.dossier.manifest_signature import sign_manifest
from tests.conftest import key_identity
from tests.unit.packages import regular, sample_manifest, seal, tar_bytes, with_hashes
from tests.unit.pdf_signing import make_pdf, odd_identity

FILES = {"documents/letter.txt": b"DEMO letter for Test Patient\n" * 20}
PASSPHRASE = "DEMO container test passphrase"
NOW = datetime.now(timezone.utc)


@pytest.fixture(autouse=True)
def secrets_env(monkeypatch):
    monkeypatch.setenv("PKG_PASS", PASSPHRASE)
    monkeypatch.setenv("ID_PASS", DEMO_PASSPHRASE)


def secondo(capsys, *args) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def manifest_json() -> bytes:
    return json.dumps(with_hashes(sample_manifest(list(FILES)), FILES)).encode()


def package_with_signature(tmp_path, signature: bytes, manifest: bytes | None = None):
    manifest = manifest or manifest_json()
    members = [regular("manifest.json", manifest), regular("manifest.json.p7s", signature)]
    members += [regular(name, data) for name, data in FILES.items()]
    path = tmp_path / "signed.sodp"
    path.write_bytes(seal(tar_bytes(members), [Passphrase(PASSPHRASE, time_cost=2, lanes=1)]))
    return path


def bit_flipped(data: bytes) -> bytes:
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x04
    return bytes(flipped)


class TestInspectManifestSignature:
    @pytest.mark.parametrize("kind", ["garbage", "empty", "bit-flipped", "not-signed-data", "other-manifest"])
    def test_an_unsound_signature_fails_the_check_with_exit_4(self, kind, pki, pki_files, tmp_path, capsys):
        manifest = manifest_json()
        good = sign_manifest(manifest, key_identity(pki.sender))
        signature = {"garbage": b"\x30\x82garbage" * 10, "empty": b"", "bit-flipped": bit_flipped(good),
                     "not-signed-data": bytes.fromhex("300d06092a864886f70d010701a000"),
                     "other-manifest": sign_manifest(manifest + b" ", key_identity(pki.sender))}[kind]
        path = package_with_signature(tmp_path, signature, manifest)
        rc, out, err = secondo(capsys, "inspect", path, "--passphrase-env", "PKG_PASS",
                               "--trust", pki_files["root.pem"])
        assert rc == 4, err
        assert err.count("\n") == 1 and err.startswith("secondo: ") and "manifest signature" in err
        assert "signature INVALID" in out
        rc, _, err = secondo(capsys, "inspect", path, "--passphrase-env", "PKG_PASS", "--json")
        assert rc == 4 and err.count("\n") == 1

    def test_a_sound_signature_passes(self, pki, pki_files, tmp_path, capsys):
        manifest = manifest_json()
        path = package_with_signature(tmp_path, sign_manifest(manifest, key_identity(pki.sender)), manifest)
        rc, out, err = secondo(capsys, "inspect", path, "--passphrase-env", "PKG_PASS",
                               "--trust", pki_files["root.pem"])
        assert rc == 0 and err == ""
        assert "trusted" in out and "NOT" not in out

    @pytest.mark.parametrize("signer, reason", [
        (dict(not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1)), "expired on"),
        (dict(not_before=NOW + timedelta(days=10), not_after=NOW + timedelta(days=100)), "not valid before"),
        (dict(key_usage=_key_usage(key_agreement=True)), "not meant for signing"),
        (dict(key_usage=None), "states no key usage"),
    ], ids=["expired", "not-yet-valid", "no-digital-signature", "no-key-usage"])
    def test_an_unusable_signer_is_untrusted_with_its_reason_and_no_traceback(self, signer, reason, pki, pki_files,
                                                                              tmp_path, capsys):
        manifest = manifest_json()
        path = package_with_signature(tmp_path, sign_manifest(manifest, odd_identity(pki, **signer)), manifest)
        rc, out, err = secondo(capsys, "inspect", path, "--passphrase-env", "PKG_PASS",
                               "--trust", pki_files["root.pem"], "--json")
        assert rc == 0 and err == ""
        signature = json.loads(out)["signature"]
        assert signature["state"] == "untrusted" and reason in signature["reason"]


class TestVerifyUnusableSigner:
    @pytest.mark.parametrize("signer, reason", [
        (dict(not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1)), "expired on"),
        (dict(not_before=NOW + timedelta(days=10), not_after=NOW + timedelta(days=100)), "not valid yet"),
        (dict(key_usage=_key_usage(key_agreement=True)), "not meant for signing"),
        (dict(key_usage=None), "states no key usage"),
    ], ids=["expired", "not-yet-valid", "no-digital-signature", "no-key-usage"])
    def test_one_line_with_the_reason_and_exit_4(self, signer, reason, pki, pki_files, tmp_path, capsys):
        import app.signing.pades as pades
        with mock.patch.object(pades, "check_signing_certificate", lambda *args, **kwargs: None):
            signed = pades.sign_pdf(make_pdf(1), odd_identity(pki, **signer)).pdf
        path = tmp_path / "signed.pdf"
        path.write_bytes(signed)
        rc, out, err = secondo(capsys, "verify", path, "--trust", pki_files["root.pem"])
        assert rc == 4
        assert err.count("\n") == 1 and err.startswith("secondo: ") and reason in err
        assert "Traceback" not in out + err


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl CLI makes the .p7m; it is not installed")
@pytest.mark.parametrize("options", [("-aes-256-gcm",), ("-aes-128-gcm", "-stream")], ids=["gcm", "gcm-stream"])
def test_an_auth_enveloped_p7m_imports(options, pki_files, tmp_path, capsys):
    members = [regular("manifest.json", manifest_json())] + [regular(n, d) for n, d in FILES.items()]
    (tmp_path / "payload.tar").write_bytes(tar_bytes(members))
    subprocess.run(["openssl", "cms", "-encrypt", "-binary", *options, "-in", str(tmp_path / "payload.tar"),
                    "-recip", str(pki_files["reviewer-rsa.pem"]), "-outform", "DER",
                    "-out", str(tmp_path / "dossier.p7m")], check=True)
    rc, out, err = secondo(capsys, "import", tmp_path / "dossier.p7m", "--identity", pki_files["reviewer-rsa.p12"],
                           "--identity-pass-env", "ID_PASS", "--json")
    assert rc == 0, err
    assert json.loads(out)["files"] == len(FILES)


def test_an_import_larger_than_the_free_disk_is_refused_before_any_file(tmp_path, capsys, monkeypatch, isolated_home):
    from app.dossier import package
    from app.store.store import CaseStore

    members = [regular("manifest.json", manifest_json())] + [regular(n, d) for n, d in FILES.items()]
    path = tmp_path / "dossier.sodp"
    path.write_bytes(seal(tar_bytes(members), [Passphrase(PASSPHRASE, time_cost=2, lanes=1)]))
    monkeypatch.setattr(package.shutil, "disk_usage", lambda folder: type("Usage", (), {"free": 1 << 20})())
    rc, _, err = secondo(capsys, "import", path, "--passphrase-env", "PKG_PASS")
    assert rc == 3 and err.count("\n") == 1 and "not enough free disk space" in err
    with CaseStore.open(isolated_home) as store:
        assert store.index.cases() == []
        assert list(store.vault.root.iterdir()) == []
