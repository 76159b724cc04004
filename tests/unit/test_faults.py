"""Faults (docs/store.md): `secondo` killed (SIGKILL) at chosen points of an import, a
signature (`opinion export`) and an outgoing package, and disks that fill up or fail at each
write, sync and rename of an import. Afterwards the audit log verifies, `cases` lists no half
case, and doing the work again succeeds.

The killed or failing process runs under tests/crash_runner.py. The points are every sync,
rename, audit append and commit on the way (found by counting the calls of one run), not
every line."""

from contextlib import contextmanager
import json
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys

import keyring
import pytest

from app.cli import main
from app.demo.package import DEMO_DOSSIER_PASSPHRASE, build_demo_package
from app.demo.pki import DEMO_PASSPHRASE
from app.store.store import CaseStore
from tests.file_keyring import FileKeyring
from tests.unit.store_cds import unique_cd

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # a hang guard only


# -- running and checking ----------------------------------------------------------------------

@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A data folder (`home`) and its keyring file, shared by this process and the subprocesses."""
    monkeypatch.setenv("SECONDO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SECONDO_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("DOSSIER_PASS", DEMO_DOSSIER_PASSPHRASE)
    monkeypatch.setenv("ID_PASS", DEMO_PASSPHRASE)
    keyring.set_keyring(FileKeyring())  # conftest puts the previous one back
    return tmp_path


@contextmanager
def in_folder(path: Path, **env: str):
    """`path`/home as the data folder with its keyring file, and `env`, for commands run in this
    process by a module-scoped fixture (the `folder` fixture does the same per test)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECONDO_HOME", str(path / "home"))
        patch.setenv("SECONDO_TEST_KEYRING", str(path / "keyring.json"))
        for name, value in env.items():
            patch.setenv(name, value)
        previous = keyring.get_keyring()
        keyring.set_keyring(FileKeyring())
        try:
            yield
        finally:
            keyring.set_keyring(previous)


def run_secondo(args, **hook) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.file_keyring.FileKeyring", PYTHONPATH=str(ROOT), **hook)
    return subprocess.run([sys.executable, "-m", "tests.crash_runner", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def killed_at(args, point: str) -> None:
    result = run_secondo(args, SECONDO_TEST_CRASH_AT=point)
    assert result.returncode == -signal.SIGKILL, f"{point} was not reached: {result.returncode} {result.stderr}"


def secondo(capsys, *args) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_audit_intact(capsys) -> None:
    rc, out, err = secondo(capsys, "audit", "--verify")
    assert rc == 0, err


def whole_cases(capsys, home: Path) -> list[str]:
    """The listed cases, each whole: not damaged, its record and every file it names readable;
    and nothing else in the vault or staging."""
    rc, out, err = secondo(capsys, "cases", "--json")
    assert rc == 0, err
    listed = json.loads(out)
    assert not [c for c in listed if c["damaged"]]
    with CaseStore.open(home) as store:
        for case in listed:
            record = store.record(case["case_id"])
            for item in record["instances"] + record["documents"]:
                assert store.vault.read_bytes(item["blob"])
        assert list(store.staging_root.iterdir()) == []
        assert {p.name for p in store.vault.root.iterdir()} == store.index.referenced_folders()
        assert store.index.db.execute("SELECT count(*) FROM intents").fetchone()[0] == 0
    return [c["case_id"] for c in listed]


def audited(home: Path, action: str) -> list[dict]:
    with CaseStore.open(home) as store:
        return [e for e in store.audit.entries() if e["action"] == action]


# -- import ------------------------------------------------------------------------------------

# The fsyncs of an import of two images, in order: 1-2 the staged images (in the background,
# as each is written), 3 the case record, 4 the record again and 5 the staging folder
# (CaseStore.sync_staging), 6 the vault folder after the rename, 7 the audit line.
IMPORT_KILLS = [
    "app.store.vault:BlobWriter.close:1",  # an image staged
    "os:fsync:1",  # a staged image being synced in the background
    "os:fsync:3",  # the case record being synced
    "os:fsync:5",  # the staging folder being synced, every file in it on disk
    "os:replace:1",  # before the rename into the vault
    "os:replace:1:after",  # renamed, nothing in the index yet
    "os:fsync:7:after",  # the audit line on disk, its anchor not written
    "app.store.audit:IndexAnchor.write:1:after",  # anchor written, transaction not committed
    "app.store.store:CaseStore.release_staging:1",  # committed, the staging lock still held
]


@pytest.mark.parametrize("point", IMPORT_KILLS)
def test_an_import_killed_leaves_no_case_or_a_whole_one_and_can_be_redone(folder, capsys, point):
    home = folder / "home"
    assert main(["cases"]) == 0  # the data folder exists (key, index) before the import
    cd = unique_cd(folder / "cd", slices=2)
    killed_at(["import", cd], point)
    assert_audit_intact(capsys)
    before = whole_cases(capsys, home)
    assert len(before) <= 1 and len(audited(home, "import")) == len(before)
    rc, out, err = secondo(capsys, "import", cd, "--json")
    assert rc == 0, err
    assert json.loads(out)["duplicate"] == bool(before)
    assert len(whole_cases(capsys, home)) == 1 and len(audited(home, "import")) == 1
    assert_audit_intact(capsys)


IMPORT_FAULTS = [  # (function, call, errno)
    ("app.crypto.sodp:SodpWriter.write", 1, "ENOSPC"),  # an image's bytes
    ("os:fsync", 1, "EIO"),  # a staged image, synced in the background
    ("os:fsync", 3, "EDQUOT"),  # the case record
    ("os:fsync", 5, "EIO"),  # the staging folder, before the rename
    ("os:fsync", 6, "EIO"),  # the vault folder after the rename
    ("os:replace", 1, "ENOSPC"),  # the publish rename
    ("os:write", 1, "ENOSPC"),  # the audit line's write
]


@pytest.mark.parametrize("function, call, code", IMPORT_FAULTS)
def test_a_full_or_failing_disk_during_an_import_says_so_and_leaves_nothing(folder, capsys, function, call, code):
    home = folder / "home"
    assert main(["cases"]) == 0
    cd = unique_cd(folder / "cd", slices=2)
    result = run_secondo(["import", cd], SECONDO_TEST_FAIL_AT=f"{function}:{call}:{code}")
    assert result.returncode == 3, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("secondo: ")
    assert "Traceback" not in result.stderr
    assert {"ENOSPC": "disk is full", "EDQUOT": "quota exceeded", "EIO": "rror"}[code] in result.stderr
    assert "Nothing was" in result.stderr
    assert_audit_intact(capsys)
    assert whole_cases(capsys, home) == [] and audited(home, "import") == []
    rc, out, err = secondo(capsys, "import", cd, "--json")
    assert rc == 0, err
    assert len(whole_cases(capsys, home)) == 1
    assert_audit_intact(capsys)


def test_a_real_full_disk_refuses_the_import_then_takes_a_smaller_one(folder, capsys):
    home = folder / "home"
    home.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(home)], capture_output=True,
                             check=False)
    if mounted.returncode != 0:
        pytest.skip("no tmpfs can be mounted here (needs root)")
    try:
        assert main(["cases"]) == 0
        big = unique_cd(folder / "big", slices=8, size=512)  # 4 MiB of images on a 3 MiB disk
        result = run_secondo(["import", big])
        assert result.returncode == 3 and "disk is full" in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1
        assert_audit_intact(capsys)
        assert whole_cases(capsys, home) == []
        rc, out, err = secondo(capsys, "import", unique_cd(folder / "small", slices=2), "--json")
        assert rc == 0, err
        assert len(whole_cases(capsys, home)) == 1
        assert_audit_intact(capsys)
    finally:
        subprocess.run(["umount", str(home)], check=False)


# -- sign and outgoing ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def signed_base(tmp_path_factory):
    """A data folder holding the DEMO case, and a filled-in opinion form for it (not signed)."""
    from app.opinion.prefill import bind, new_response
    from app.opinion.questionnaire import load_template
    from tests.unit.test_opinion_pdf import PROFILE, fill

    base = tmp_path_factory.mktemp("faults-base")
    demo = build_demo_package(base / "demo", ct_slices=2, ct_size=32)
    with in_folder(base, DOSSIER_PASS=DEMO_DOSSIER_PASSPHRASE):
        assert main(["import", str(demo.package), "--passphrase-env", "DOSSIER_PASS"]) == 0
        with CaseStore.open(base / "home") as store:
            (row,) = store.index.cases()
            record = store.record(row["id"])
    questionnaire = bind(load_template("second-opinion"), record)
    (base / "response.json").write_text(json.dumps(fill(questionnaire, new_response(questionnaire, record, PROFILE))))
    return base, row["id"], demo.pki_files


def copy_base(base: Path, folder: Path) -> None:
    shutil.copytree(base / "home", folder / "home")
    shutil.copy(base / "keyring.json", folder / "keyring.json")


def sign_args(base: Path, case_id: str, pki: dict, out: Path) -> list:
    return ["opinion", "export", case_id, "--response", base / "response.json", "-o", out,
            "--identity", pki["reviewer-rsa.p12"], "--identity-pass-env", "ID_PASS"]


def opinion_numbers(capsys, case_id: str) -> list[int]:
    rc, out, err = secondo(capsys, "opinion", "list", case_id, "--json")
    assert rc == 0, err
    return [o["number"] for o in json.loads(out)["opinions"]]


def status(capsys, case_id: str) -> str:
    rc, out, _err = secondo(capsys, "show", case_id, "--json")
    return json.loads(out)["status"]


# The replaces of the DEMO signature: 1 the signed PDF, 2 its response, 3-4 its two protected
# copies, 5 their passphrases, 6 the list (the witness), 7 the exported file
# (tests/unit/test_protected_copies.py kills it at each copy).
SIGN_KILLS = [
    "os:replace:1",  # the signed PDF being kept
    "os:replace:6",  # the opinion's files kept, the list (the witness) not yet
    "os:replace:6:after",  # the list names it; status and audit line not committed
    "app.store.audit:IndexAnchor.write:1:after",  # the sign line's anchor written, not committed
    "os:replace:7",  # signed and audited; the exported file not written yet
]


@pytest.mark.parametrize("point", SIGN_KILLS)
def test_a_signature_killed_is_kept_whole_or_not_at_all(signed_base, folder, capsys, point):
    base, case_id, pki = signed_base
    copy_base(base, folder)
    killed_at(sign_args(base, case_id, pki, folder / "opinion.pdf"), point)
    assert_audit_intact(capsys)
    assert whole_cases(capsys, folder / "home") == [case_id]
    kept = opinion_numbers(capsys, case_id)
    assert kept in ([], [0])
    assert len(audited(folder / "home", "sign")) == len(kept)
    assert (status(capsys, case_id) == "signed") == bool(kept)
    if kept:  # the work was done: the signed letter can be had
        rc, _out, err = secondo(capsys, "opinion", "get", case_id, "-o", folder / "again.pdf")
    else:
        rc, _out, err = secondo(capsys, *sign_args(base, case_id, pki, folder / "again.pdf"))
    assert rc == 0, err
    assert opinion_numbers(capsys, case_id) == [0] and (folder / "again.pdf").read_bytes().startswith(b"%PDF")
    assert_audit_intact(capsys)


OUTGOING_KILLS = [
    "os:replace:2",  # the package placed, its cover letter not
    "os:replace:3",  # both placed, the dispatch log (the witness) not written
    "os:replace:3:after",  # logged; status and audit line not committed
    "app.store.audit:IndexAnchor.write:1:after",
]


@pytest.fixture(scope="module")
def opinion_signed(signed_base, tmp_path_factory):
    """`signed_base` with the opinion signed."""
    base, case_id, pki = signed_base
    signed = tmp_path_factory.mktemp("faults-signed")
    copy_base(base, signed)
    shutil.copy(base / "response.json", signed / "response.json")
    with in_folder(signed, ID_PASS=DEMO_PASSPHRASE):
        assert main([str(a) for a in sign_args(signed, case_id, pki, signed / "opinion.pdf")]) == 0
    return signed, case_id, pki


@pytest.mark.parametrize("point", OUTGOING_KILLS)
def test_an_outgoing_package_killed_is_made_whole_or_not_at_all(opinion_signed, folder, capsys, point):
    base, case_id, pki = opinion_signed
    copy_base(base, folder)

    def outgoing(out: Path) -> list:
        return ["outgoing", case_id, "--to", "treating_physician", "--recipient", pki["treating-physician.pem"],
                "-o", out, "--sign", pki["workstation.p12"], "--sign-pass-env", "ID_PASS"]

    assert_outgoing_killed_whole_or_nothing(capsys, folder, case_id, outgoing, point, "sodp")


def assert_outgoing_killed_whole_or_nothing(capsys, folder: Path, case_id: str, outgoing, point: str,
                                            form: str) -> None:
    """`outgoing(out)`, the arguments of one `secondo outgoing` writing to `out`, killed at `point`:
    the form is placed whole with its cover letter and logged, or nothing of it; again: it is made."""
    killed_at(outgoing(folder / "out"), point)
    assert_audit_intact(capsys)  # opens the data folder: what the kill left is finished or undone
    assert whole_cases(capsys, folder / "home") == [case_id]
    rc, out, err = secondo(capsys, "outgoing", case_id, "--list", "--json")
    assert rc == 0, err
    logged = json.loads(out)["shipments"]
    # A hidden staging folder the kill left in the destination is no package (outside the data folder,
    # like a browser's .part file); the package's own files are placed whole and logged, or not at all.
    placed = sorted(p.name for p in (folder / "out").glob("[!.]*"))
    if logged:
        assert [s["form"] for s in logged] == [form]
        assert len(placed) == 2 and status(capsys, case_id) == "packaged"
        assert len(audited(folder / "home", "package")) == 1
    else:
        assert placed == [] and status(capsys, case_id) == "signed"
        assert audited(folder / "home", "package") == []
    rc, _out, err = secondo(capsys, *outgoing(folder / "again"))
    assert rc == 0, err
    assert status(capsys, case_id) == "packaged"
    assert_audit_intact(capsys)


@pytest.mark.parametrize("point", ["os:replace:1:after"])  # the dispatch log written, not committed
def test_marking_a_package_sent_killed_is_recorded_whole_or_not_at_all(opinion_signed, folder, capsys, point):
    base, case_id, pki = opinion_signed
    copy_base(base, folder)
    rc, _out, err = secondo(capsys, "outgoing", case_id, "--to", "treating_physician", "--recipient",
                            pki["treating-physician.pem"], "-o", folder / "out", "--sign", pki["workstation.p12"],
                            "--sign-pass-env", "ID_PASS")
    assert rc == 0, err
    mark = ["outgoing", case_id, "--to", "treating_physician", "--mark-sent", "--channel", "post"]
    killed_at(mark, point)
    assert_audit_intact(capsys)
    rc, out, err = secondo(capsys, "outgoing", case_id, "--list", "--json")
    (shipment,) = json.loads(out)["shipments"]
    assert len(audited(folder / "home", "send")) == (1 if shipment["sent_on"] else 0)
    if not shipment["sent_on"]:
        rc, _out, err = secondo(capsys, *mark)
        assert rc == 0, err
    assert len(audited(folder / "home", "send")) == 1
    assert_audit_intact(capsys)
