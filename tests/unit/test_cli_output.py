"""The command's output to a reader that goes away (`secondo cases --json | head -1`)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.unit.store_cds import unique_cd

ROOT = Path(__file__).resolve().parents[2]


def test_a_reader_that_closes_early_gets_no_traceback_and_the_import_is_kept(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "SECONDO_HOME": str(home), "VP": "a vault passphrase for this test",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first write of the JSON meets a broken pipe
    try:
        done = subprocess.run([sys.executable, "-m", "app", "import", str(unique_cd(tmp_path / "cd")), "--json",
                               "--vault-passphrase-env", "VP"], cwd=ROOT, env=env, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    listed = subprocess.run([sys.executable, "-m", "app", "cases", "--vault-passphrase-env", "VP"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0 and "TEST, Patient" in listed.stdout
