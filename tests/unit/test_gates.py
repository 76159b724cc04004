"""The code's gates, run as CI runs them: ruff (the rule set in pyproject.toml [tool.ruff]),
mypy (the packages and strictness in [tool.mypy]) and import-linter (the layer contract and
the cycles in [tool.importlinter], explained in docs/ARCHITECTURE.md).

Each gate is its tool's own command line, run from the repository root; the test fails with
the tool's report when the tool finds anything (or cannot run at all).
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD = 900  # seconds: a hang guard only, the gates take seconds
LINT_IMPORTS = ("-c", "import sys; from importlinter.cli import lint_imports_command; "
                      "sys.argv[0] = 'lint-imports'; lint_imports_command()", "--no-cache")


def run_gate(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=HANG_GUARD, check=False)


def assert_clean(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_ruff_finds_nothing():
    assert_clean(run_gate("-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."))


def test_mypy_finds_nothing():
    assert_clean(run_gate("-m", "mypy"))


def test_the_layer_contract_holds():
    assert_clean(run_gate(*LINT_IMPORTS))


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


def copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in ("app", "viewers"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree)
    return tree


def test_the_layer_contract_refuses_an_import_up_a_layer(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    with (tree / "app" / "store" / "paths.py").open("a") as module:
        module.write("\nfrom app.dossier import manifest  # noqa: E402\n")
    result = run_gate(*LINT_IMPORTS, cwd=tree)
    assert result.returncode == 1
    assert "app.store is not allowed to import app.dossier" in result.stdout


def test_the_viewers_contract_refuses_the_store(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    with (tree / "viewers" / "base.py").open("a") as module:
        module.write("\nimport app.store.vault  # noqa: E402\n")
    result = run_gate(*LINT_IMPORTS, cwd=tree)
    assert result.returncode == 1
    assert "viewers is not allowed to import app.store" in result.stdout


def test_a_cycle_between_modules_is_refused(tmp_path):
    tree = copy_of_the_tree(tmp_path)
    with (tree / "app" / "core" / "errors.py").open("a") as module:
        module.write("\nfrom app.core import files  # noqa: E402\n")
    assert "app.core.errors" in (tree / "app" / "core" / "files.py").read_text()
    result = run_gate(*LINT_IMPORTS, cwd=tree)
    assert result.returncode == 1
    assert "No cycles are allowed in app.core" in result.stdout
