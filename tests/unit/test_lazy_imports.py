"""Commands import only what they use, each tried in a fresh interpreter: building the
parser, `--version`, `cases --help`, `cases` and `snapshot` load no Qt, no pyHanko, no
reportlab (and `--version` no pydicom or numpy); signing and validating never load a
network client library (app/core/offline.py); the argparse structure is unchanged."""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys

import pytest

from app.cli import COMMAND_MODULES, VERB_MODULES, build_parser
from app.demo.pki import DEMO_PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]
#: Libraries that no command loads unless it uses them.
HEAVY = ("PySide6", "shiboken6", "pyhanko", "pyhanko_certvalidator", "aiohttp", "reportlab")
#: The verbs of `secondo`, as `secondo --help` lists them.
VERBS = ("pack", "inspect", "import", "cases", "show", "audit", "case", "search", "demo", "snapshot", "view", "opinion",
         "verify", "outgoing", "contacts", "trust", "gui")

PROBE = """
import json, sys
{code}
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""

RUN_MAIN = """
from app.cli import main
try:
    code = main({argv!r})
except SystemExit as done:
    code = done.code
print("EXIT", code)
"""


def probe(code: str, env: dict | None = None) -> tuple[str, set[str]]:
    """Run `code` in a fresh interpreter; its output, and the top-level packages it loaded."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), **(env or {}))
    done = subprocess.run([sys.executable, "-c", PROBE.format(code=code)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=environment)
    assert done.returncode == 0, done.stderr
    out, _, modules = done.stdout.rpartition("\nMODULES ")
    return out, {name.split(".")[0] for name in json.loads(modules)}


def run_main(argv: list[str], env: dict | None = None) -> tuple[str, set[str]]:
    out, loaded = probe(RUN_MAIN.format(argv=argv), env)
    assert out.rstrip().endswith("EXIT 0"), out
    return out, loaded


def test_building_the_parser_loads_no_heavy_library():
    _, loaded = probe("from app.cli import build_parser; build_parser()")
    assert not loaded & {*HEAVY, "pydicom", "numpy", "PIL", "cryptography"}


def test_version_loads_none_of_what_it_reports():
    out, loaded = run_main(["--version"])
    assert not loaded & {*HEAVY, "pydicom", "numpy", "PIL"}
    lines = out.splitlines()
    assert lines[0].startswith("secondo ") and lines[1].startswith("Qt 6.")
    assert any(line.startswith("pydicom ") for line in lines) and any(line.startswith("pyHanko ") for line in lines)


def test_cases_help_loads_no_heavy_library():
    out, loaded = run_main(["cases", "--help"])
    assert "--all" in out
    assert not loaded & {*HEAVY, "pydicom", "numpy"}


def test_cases_loads_no_qt_signing_network_or_dicom(tmp_path, monkeypatch):
    """`secondo cases` on a data folder with a case (its vault key in a keyring file the
    subprocess shares) reads the kept summaries: no Qt, pyHanko, reportlab, pydicom or numpy."""
    import keyring

    from app.demo.package import build_demo_package
    from app.dossier.importer import DossierImporter
    from app.store.store import CaseStore
    from tests.file_keyring import FileKeyring

    home, keys = tmp_path / "home", tmp_path / "keyring.json"
    monkeypatch.setenv("SECONDO_TEST_KEYRING", str(keys))
    keyring.set_keyring(FileKeyring())  # the autouse fixture puts its own back afterwards
    demo = build_demo_package(tmp_path / "demo", ct_slices=2, ct_size=32)
    with CaseStore.open(home) as store:
        case_id = DossierImporter(store, [demo.reviewer_identity()], [demo.root]).run([demo.package]).case_id
    out, loaded = run_main(["cases", "--json"], env={"SECONDO_HOME": str(home), "SECONDO_TEST_KEYRING": str(keys),
                                                     "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring"})
    assert [c["case_id"] for c in json.loads(out.rpartition("EXIT")[0])] == [case_id]
    assert not loaded & {*HEAVY, "pydicom", "numpy"}


def test_snapshot_loads_no_qt_signing_or_network(tmp_path):
    from app.demo.imaging import ct_series

    source, png = tmp_path / "ct.dcm", tmp_path / "ct.png"
    next(iter(ct_series(slices=2, size=64))).save_as(source, enforce_file_format=True)
    out, loaded = run_main(["snapshot", str(source), "-o", str(png)])
    assert png.read_bytes().startswith(b"\x89PNG") and "64x64" in out
    assert not loaded & set(HEAVY)


def subparsers(parser) -> dict:
    return next(a for a in parser._actions if a.dest == "verb").choices


def test_each_verb_loads_its_own_command_module_only():
    out, _ = probe(RUN_MAIN.format(argv=["snapshot", "--help"])
                   + "print('COMMANDS', sorted(m for m in sys.modules if m.startswith('app.commands.')))")
    assert "COMMANDS ['app.commands.argparse_words', 'app.commands.snapshot']" in out


def test_a_verb_alone_gets_the_same_parser_as_with_every_verb():
    """VERB_MODULES names the module that adds each verb, and the parser built for one verb
    is the one `secondo --help` lists."""
    full = subparsers(build_parser())
    assert set(VERB_MODULES.values()) == set(COMMAND_MODULES) and set(VERB_MODULES) == set(full)
    for verb in VERB_MODULES:
        alone = subparsers(build_parser(verb))
        assert verb in alone
        assert alone[verb].format_help() == full[verb].format_help()


def test_the_help_lists_every_verb_and_each_verb_has_its_own(capsys):
    parser = build_parser()
    verbs = subparsers(parser)
    assert tuple(verbs) == VERBS
    help_text = parser.format_help()
    assert all(f"    {verb}" in help_text for verb in VERBS)
    for verb in VERBS:
        with pytest.raises(SystemExit) as done:
            build_parser(verb).parse_args([verb, "--help"])
        assert done.value.code == 0
        assert f"secondo {verb}" in capsys.readouterr().out


SIGN_AND_VERIFY = """
from pathlib import Path
from app.dossier.manifest_signature import VALID, sign_manifest, verify_manifest_signature
from app.signing.certificates import load_certificate
from app.signing.identities import load_pkcs12
from app.signing.pades import sign_pdf
from app.signing.verify import verify_pdf_bytes

identity = load_pkcs12(Path({p12!r}), {passphrase!r})
root = load_certificate(Path({root!r}))
signed = sign_pdf(Path({pdf!r}).read_bytes(), identity).pdf
report = verify_pdf_bytes(signed, [root])
manifest = b'{{"format": "sodp-manifest/1"}}'
state = verify_manifest_signature(manifest, sign_manifest(manifest, identity), [root])
print("SIGNED", report.ok, state.state == VALID)
"""


def test_signing_and_validating_load_no_network_client(pki_files, tmp_path):
    from tests.unit.pdf_signing import make_pdf

    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(make_pdf(1))
    out, loaded = probe(SIGN_AND_VERIFY.format(p12=str(pki_files["reviewer-rsa.p12"]), passphrase=DEMO_PASSPHRASE,
                                               root=str(pki_files["root.pem"]), pdf=str(pdf)))
    assert "SIGNED True True" in out
    assert "pyhanko" in loaded and "aiohttp" not in loaded


REFUSALS = """
from app.core.offline import OfflineError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
try:
    HTTPTimeStamper("http://tsa.example")
except OfflineError as exc:
    print("TIMESTAMP", exc)
try:
    ValidationContext(allow_fetching=True)
except OfflineError as exc:
    print("FETCH", exc)
try:
    import aiohttp
except ImportError as exc:
    print("AIOHTTP", exc)
"""


def test_network_clients_refuse_with_the_reason():
    out, loaded = probe(REFUSALS)
    lines = dict(line.split(" ", 1) for line in out.splitlines() if line)
    assert set(lines) == {"TIMESTAMP", "FETCH", "AIOHTTP"}
    assert "works offline" in lines["TIMESTAMP"] and "HTTPTimeStamper" in lines["TIMESTAMP"]
    assert "works offline" in lines["FETCH"] and "works offline" in lines["AIOHTTP"]
    assert "aiohttp" not in loaded


def test_the_letterhead_loads_no_reportlab_and_the_report_names_still_resolve():
    _, loaded = probe("import app.report.letterhead, app.demo")
    assert "reportlab" not in loaded
    out, loaded = probe("from app.report import Letterhead, render_opinion; print(render_opinion.__module__)")
    assert "app.report.opinion_pdf" in out and "reportlab" in loaded


def test_the_dossier_index_loads_pydicom_only_for_a_header_it_cannot_parse_itself():
    """The importer and the case record name the DICOM index; pydicom (with numpy and its
    decoders) is loaded only when dicom_fast gives a header up, not by every import."""
    _, loaded = probe("import app.dossier.dicom_index, app.dossier.case_record, app.dossier.importer")
    assert not loaded & {"pydicom", "numpy", "gdcm"}


def test_an_unsigned_manifest_is_answered_without_loading_the_validator():
    out, loaded = probe("from app.dossier.manifest_signature import verify_manifest_signature\n"
                        "print(verify_manifest_signature(b'{}', None, []).state)")
    assert out.strip() == "unsigned"
    assert not loaded & {"pyhanko", "pyhanko_certvalidator", "aiohttp"}
