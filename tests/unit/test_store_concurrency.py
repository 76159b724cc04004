"""Several processes on one data folder (docs/store.md): two imports at once both succeed, a
command run while an import is staging or publishing breaks nothing and lists no half case,
and a big import with a small one started during it leaves both cases whole."""

import json
import os
from pathlib import Path
import subprocess
import sys
import time

import keyring
import pytest

from app.cli import main
from app.store.store import CaseStore
from tests.file_keyring import FileKeyring
from tests.unit.store_cds import unique_cd

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # a hang guard only


@pytest.fixture
def env(tmp_path, isolated_home, monkeypatch):
    """The environment of `secondo` subprocesses on the test's data folder, sharing its vault
    key through a keyring file (this process uses the same file)."""
    ring = tmp_path / "keyring.json"
    monkeypatch.setenv("SECONDO_TEST_KEYRING", str(ring))
    keyring.set_keyring(FileKeyring())  # conftest puts the previous one back
    variables = dict(os.environ, SECONDO_HOME=str(isolated_home), SECONDO_TEST_KEYRING=str(ring),
                     PYTHON_KEYRING_BACKEND="tests.file_keyring.FileKeyring", PYTHONPATH=str(ROOT))
    return variables


def start(env, *args, module="app", **extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, env=dict(env, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


def run(env, *args, **extra) -> tuple[int, str, str]:
    return finish(start(env, *args, **extra))


def wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never reached the pause"
        time.sleep(0.02)


def listed(capsys) -> dict[str, dict]:
    assert main(["cases", "--json"]) == 0
    return {c["case_id"]: c for c in json.loads(capsys.readouterr().out)}


def assert_whole(home: Path, case_id: str, instances: int) -> None:
    """The case's record and every image it names are in the vault and decrypt."""
    with CaseStore.open(home) as store:
        record = store.record(case_id)
        assert len(record["instances"]) == instances
        for item in record["instances"] + record["documents"]:
            assert store.vault.read_bytes(item["blob"])


def assert_clean(home: Path, capsys) -> None:
    """Audit intact; no staging folder or lock left; every vault folder belongs to a case."""
    assert main(["audit", "--verify"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    with CaseStore.open(home) as store:
        assert list(store.staging_root.iterdir()) == []
        assert {p.name for p in store.vault.root.iterdir()} == store.index.referenced_folders()


def test_two_imports_at_once_into_a_new_data_folder_both_succeed(env, tmp_path, isolated_home, capsys):
    first = start(env, "import", unique_cd(tmp_path / "a", slices=12, size=128), "--json")
    second = start(env, "import", unique_cd(tmp_path / "b", slices=12, size=128), "--json")
    results = [finish(first), finish(second)]
    for rc, _out, err in results:
        assert rc == 0, err
    ids = {json.loads(out)["case_id"] for _rc, out, _err in results}
    assert set(listed(capsys)) == ids and len(ids) == 2
    for case_id in ids:
        assert_whole(isolated_home, case_id, 12)
    assert_clean(isolated_home, capsys)


@pytest.mark.parametrize("point", ["app.store.vault:BlobWriter.close:2",  # while files are staged
                                   "app.store.store:_sync_dir:1"])  # renamed into the vault, not committed
def test_a_command_during_an_import_breaks_nothing_and_lists_no_half_case(env, tmp_path, isolated_home, capsys,
                                                                         point):
    pause = tmp_path / "pause"
    pause.mkdir()
    importing = start(env, "import", unique_cd(tmp_path / "cd", slices=4), "--json", module="tests.crash_runner",
                      SECONDO_TEST_PAUSE_AT=point, SECONDO_TEST_PAUSE_DIR=str(pause))
    wait_for(pause / "paused", importing)
    rc, out, err = run(env, "cases", "--json")  # another process opens the data folder: it sweeps
    assert rc == 0, err
    assert json.loads(out) == []  # nothing of the running import is listed yet
    (pause / "resume").touch()
    rc, out, err = finish(importing)
    assert rc == 0, err
    case_id = json.loads(out)["case_id"]
    assert list(listed(capsys)) == [case_id]
    assert_whole(isolated_home, case_id, 4)
    assert_clean(isolated_home, capsys)


def test_a_big_import_and_a_small_one_started_during_it_both_stay_whole(env, tmp_path, isolated_home, capsys):
    pause = tmp_path / "pause"
    pause.mkdir()
    big_cd = unique_cd(tmp_path / "big", slices=24, size=512)  # 12 MiB of images
    big = start(env, "import", big_cd, "--json", module="tests.crash_runner",
                SECONDO_TEST_PAUSE_AT="app.store.vault:BlobWriter.close:12", SECONDO_TEST_PAUSE_DIR=str(pause))
    wait_for(pause / "paused", big)
    rc, out, err = run(env, "import", unique_cd(tmp_path / "small", slices=2), "--json")
    assert rc == 0, err  # the small one, from start to end while the big one is half staged
    small_id = json.loads(out)["case_id"]
    (pause / "resume").touch()
    rc, out, err = finish(big)
    assert rc == 0, err
    big_id = json.loads(out)["case_id"]
    cases = listed(capsys)
    assert set(cases) == {big_id, small_id} and not any(c["damaged"] for c in cases.values())
    assert_whole(isolated_home, big_id, 24)
    assert_whole(isolated_home, small_id, 2)
    assert_clean(isolated_home, capsys)


def test_a_write_waiting_for_a_publishing_import_goes_on_after_it(env, tmp_path, isolated_home, capsys):
    pause = tmp_path / "pause"
    pause.mkdir()
    big = start(env, "import", unique_cd(tmp_path / "big", slices=4), "--json", module="tests.crash_runner",
                SECONDO_TEST_PAUSE_AT="app.store.store:_sync_dir:1", SECONDO_TEST_PAUSE_DIR=str(pause))
    wait_for(pause / "paused", big)  # inside its index transaction
    small = start(env, "import", unique_cd(tmp_path / "small", slices=2), "--json")
    time.sleep(1.0)  # the small import reaches its own commit and waits for the lock (or not yet: both fine)
    (pause / "resume").touch()
    results = [finish(big), finish(small)]
    for rc, _out, err in results:
        assert rc == 0, err
    assert len(listed(capsys)) == 2
    assert_clean(isolated_home, capsys)
