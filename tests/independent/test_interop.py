"""Interoperability: packages from the clean-room reference (written from the format's
specification alone, app/dossier/SODP.md) open in `secondo inspect`, and packages from
`secondo pack` open in the reference."""

import json

import pytest

from app.cli import main
from app.demo.pki import DEMO_PASSPHRASE
from app.dossier.manifest_signature import sign_manifest
from tests.conftest import key_identity
from tests.independent import sodp_reference as ref
from tests.unit.packages import sample_manifest, write_source

FILES = {"documents/referral.pdf": b"%PDF DEMO " * 30000, "DICOM/DICOMDIR": b"D" * 65536,
         "DICOM/IM000001": b""}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("DOSSIER_PASS", "DEMO interop passphrase ✓")
    monkeypatch.setenv("ID_PASS", DEMO_PASSPHRASE)


def test_reference_package_opens_in_secondo_inspect(tmp_path, pki, pki_files, env, capsys):
    manifest = sample_manifest(["documents/referral.pdf"], ["DICOM/DICOMDIR", "DICOM/IM000001"])
    manifest_bytes = ref.build_manifest_bytes(FILES, manifest)
    signature = sign_manifest(manifest_bytes, key_identity(pki.sender))
    path = tmp_path / "reference.sodp"
    ref.write_package(path, FILES, manifest, passphrases=["DEMO interop passphrase ✓"],
                      certificates=[pki.reviewer_rsa.certificate, pki.reviewer_ec.certificate],
                      manifest_signature=signature)
    for credential in (["--passphrase-env", "DOSSIER_PASS"],
                       ["--identity", str(pki_files["reviewer-rsa.p12"]), "--identity-pass-env", "ID_PASS"],
                       ["--identity", str(pki_files["reviewer-ec.p12"]), "--identity-pass-env", "ID_PASS"]):
        assert main(["inspect", str(path), "--json", "--trust", str(pki_files["root.pem"]), *credential]) == 0
        result = json.loads(capsys.readouterr().out)
        assert {f["path"]: f["size"] for f in result["files"]} == {k: len(v) for k, v in FILES.items()}
        assert result["signature"]["state"] == "valid"


def test_secondo_pack_opens_in_the_reference(tmp_path, pki, pki_files, env):
    src = write_source(tmp_path / "src", FILES, imaging=["DICOM/DICOMDIR", "DICOM/IM000001"])
    out = tmp_path / "ours.sodp"
    assert main(["pack", str(src), "-o", str(out), "--recipient", str(pki_files["reviewer-rsa.pem"]),
                 "--recipient", str(pki_files["reviewer-ec.pem"]), "--passphrase-env", "DOSSIER_PASS",
                 "--sign", str(pki_files["sender.p12"]), "--sign-pass-env", "ID_PASS"]) == 0
    opened = [
        ref.read_package_full(out, passphrase="DEMO interop passphrase ✓"),
        ref.read_package_full(out, private_key=pki.reviewer_rsa.private_key, certificate=pki.reviewer_rsa.certificate),
        ref.read_package_full(out, private_key=pki.reviewer_ec.private_key, certificate=pki.reviewer_ec.certificate),
    ]
    for manifest, _manifest_bytes, p7s, files in opened:
        assert files == FILES
        assert manifest["referral"]["question"] == "Is the DEMO nodule to be resected?"
        assert p7s is not None


def test_reference_rejects_what_we_reject_for_a_tampered_package(tmp_path, pki, env):
    src = write_source(tmp_path / "src", FILES)
    out = tmp_path / "ours.sodp"
    assert main(["pack", str(src), "-o", str(out), "--passphrase-env", "DOSSIER_PASS"]) == 0
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 4
    out.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        ref.read_package(out, passphrase="DEMO interop passphrase ✓")
    assert main(["inspect", str(out), "--passphrase-env", "DOSSIER_PASS"]) == 3
