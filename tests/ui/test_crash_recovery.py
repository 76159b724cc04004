"""Never lose a word: a window killed with SIGKILL 2.5 s after the last keystroke leaves the
draft on disk, and a fresh process finds every word typed."""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Typed before the crash"


def helper(home: Path, *args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, SECONDO_HOME=str(home), QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return subprocess.Popen([sys.executable, "-m", "tests.ui.crash_helper", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def run(home: Path, *args: str) -> str:
    process = helper(home, *args)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out.strip().splitlines()[-1]


def test_a_killed_window_loses_nothing_typed_2_s_before(tmp_path):
    home = tmp_path / "home"
    case_id = run(home, "prepare", str(tmp_path / "demo"))
    window = helper(home, "type", case_id, TEXT)
    try:
        line = window.stdout.readline()
        assert line.strip() == "READY", window.stderr.read() if window.poll() is not None else line
        os.kill(window.pid, signal.SIGKILL)
        window.wait(timeout=30)
    finally:
        if window.poll() is None:
            os.kill(window.pid, signal.SIGKILL)
            window.wait(timeout=30)
    assert window.returncode == -signal.SIGKILL
    draft = run(home, "read", case_id)
    assert TEXT in draft
