"""The manifest's detached CMS signature: four visible states, and openssl agrees."""

import io
import json
import shutil
import subprocess

import pytest

from app.dossier import package
from app.dossier.manifest_signature import sign_manifest, verify_manifest_signature
from app.demo.pki import build_pki
from tests.conftest import key_identity
from tests.unit.packages import regular, sample_manifest, seal, tar_bytes, with_hashes

MANIFEST = b'{"format": "sodp-manifest/1"}\n'


@pytest.fixture(scope="module")
def sender(pki):
    return key_identity(pki.sender)


class TestStates:
    def test_unsigned(self, pki):
        assert verify_manifest_signature(MANIFEST, None, [pki.root.certificate]).state == "unsigned"

    def test_valid_names_the_signer(self, pki, sender):
        state = verify_manifest_signature(MANIFEST, sign_manifest(MANIFEST, sender), [pki.root.certificate])
        assert (state.state, state.signer) == ("valid", "DEMO Sending Hospital")

    def test_untrusted_when_no_root_vouches(self, sender):
        other_root = build_pki().root.certificate
        state = verify_manifest_signature(MANIFEST, sign_manifest(MANIFEST, sender), [other_root])
        assert state.state == "untrusted"
        assert state.signer == "DEMO Sending Hospital"

    def test_invalid_when_the_manifest_changed(self, pki, sender):
        signature = sign_manifest(MANIFEST, sender)
        state = verify_manifest_signature(MANIFEST.replace(b"1", b"2"), signature, [pki.root.certificate])
        assert state.state == "invalid"

    def test_invalid_when_the_signature_is_garbage(self, pki):
        assert verify_manifest_signature(MANIFEST, b"\x30\x03abc", [pki.root.certificate]).state == "invalid"
        assert verify_manifest_signature(MANIFEST, b"not DER", [pki.root.certificate]).state == "invalid"

    def test_invalid_when_a_signature_byte_is_flipped(self, pki, sender):
        signature = bytearray(sign_manifest(MANIFEST, sender))
        signature[-10] ^= 0x01  # inside the signature value
        assert verify_manifest_signature(MANIFEST, bytes(signature), [pki.root.certificate]).state == "invalid"


def test_a_signed_package_reports_its_signature(pki, sender):
    manifest = json.dumps(with_hashes(sample_manifest(), {})).encode()
    members = [regular("manifest.json", manifest), regular("manifest.json.p7s", sign_manifest(manifest, sender))]
    sealed = seal(tar_bytes(members), [pki.reviewer_ec.certificate])
    contents = package.read_package(io.BytesIO(sealed), [key_identity(pki.reviewer_ec)],
                                    trusted_roots=[pki.root.certificate])
    assert contents.signature.state == "valid"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is installed by scripts/setup.sh")
def test_openssl_cms_verify_accepts_the_signature(tmp_path, pki, pki_files, sender):
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(MANIFEST)
    (tmp_path / "manifest.json.p7s").write_bytes(sign_manifest(MANIFEST, sender))
    result = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-content", str(manifest),
                             "-in", str(tmp_path / "manifest.json.p7s"), "-CAfile", str(pki_files["root.pem"]),
                             "-out", str(tmp_path / "verified")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    assert (tmp_path / "verified").read_bytes() == MANIFEST
