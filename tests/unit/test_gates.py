"""The code's gates, run as CI runs them: ruff (the rule set in pyproject.toml [tool.ruff])
and mypy (the packages and strictness in [tool.mypy]).

Each gate is its tool's own command line, run from the repository root; the test fails with
the tool's report when the tool finds anything (or cannot run at all).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 900  # seconds: a hang guard only, the gates take seconds


def run_gate(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=HANG_GUARD, check=False)


def assert_clean(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_ruff_finds_nothing():
    assert_clean(run_gate("-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."))


def test_mypy_finds_nothing():
    assert_clean(run_gate("-m", "mypy"))


def test_ruff_reports_a_violation(tmp_path):
    """The gate would catch a real bug: ruff exits non-zero on a file that has one."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f(items=[]):\n    return items\n")
    result = run_gate("-m", "ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad))
    assert result.returncode == 1
    assert "B006" in result.stdout


def test_mypy_reports_a_violation(tmp_path):
    """The gate would catch a real type error, with the project's settings."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x: int = None) -> str:\n    return x\n")
    result = run_gate("-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                      "--cache-dir", str(tmp_path / "cache"), str(bad))
    assert result.returncode == 1
    assert "Incompatible default for parameter" in result.stdout
    assert "Incompatible return value type" in result.stdout
