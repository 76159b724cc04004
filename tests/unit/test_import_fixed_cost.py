"""What an import loads: the import's fixed cost is mostly modules, so the ones a package
does not need stay unloaded (docs/performance.md, Import): pyHanko only for a signed
manifest, pydicom not for listing a disc or reading a package."""

import json
import os
from pathlib import Path
import subprocess
import sys

from app.demo.pki import DEMO_PASSPHRASE
from tests.unit.packages import sealed_package

ROOT = Path(__file__).resolve().parents[2]


def loaded_after(code: str, env: dict | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
                          cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})))
    assert done.returncode == 0, done.stderr
    return {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}


def test_the_package_and_disc_readers_load_neither_pydicom_nor_pyhanko():
    loaded = loaded_after("import app.dossier.package, app.dossier.disc, app.dossier.import_sources, app.crypto.sodp")
    assert "pydicom" not in loaded and "pyhanko" not in loaded


def test_an_unsigned_package_is_read_without_loading_pyhanko(pki, pki_files, tmp_path):
    path = tmp_path / "unsigned.sodp"
    path.write_bytes(sealed_package({"documents/a.pdf": b"%PDF-1.4 Test Patient"}, [pki.reviewer_ec.certificate]))
    code = (f"from pathlib import Path\nfrom app.dossier import package\n"
            f"from app.signing.identities import load_pkcs12\n"
            f"identity = load_pkcs12(Path({str(pki_files['reviewer-ec.p12'])!r}), {DEMO_PASSPHRASE!r})\n"
            f"with open({str(path)!r}, 'rb') as stream:\n"
            f"    contents = package.read_package(stream, [identity])\n"
            f"assert contents.signature.state == 'unsigned'")
    assert "pyhanko" not in loaded_after(code)
