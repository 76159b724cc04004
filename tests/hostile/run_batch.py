"""Runs hostile cases through `app.cli.main()` in one process, each with a fresh data folder,
keyring and temporary folder, and writes one JSON line per case (what the harness checks).

    python -m tests.hostile.run_batch BATCH.json RESULTS.jsonl

BATCH.json: {"base": DIR, "case_timeout": SECONDS, "cases": [{"name", "argv", "env"}, ...]}.
Each case runs in a copy of a data folder made once by `secondo cases` (what that holds is
the reference), then, if it failed, `secondo cases` counts what it left.
RESULTS.jsonl gets per case a {"start": name} line and a result line, flushed at once, so
that the harness can tell which case a crash or a hang happened in.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
from pathlib import Path
import shutil
import signal
import sys
import tempfile
import traceback

import keyring

from tests.memory_keyring import MemoryKeyring


class CaseTimeout(BaseException):
    """Raised by the alarm when one case runs longer than its hang guard."""


def _on_alarm(signum, frame):
    raise CaseTimeout()


def listing(root: Path) -> list[str]:
    """Every file and folder under `root`, relative, folders ending in '/'."""
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() + ("/" if p.is_dir() else "") for p in root.rglob("*"))


def run_cli(argv: list[str], home: Path, tmp: Path, env: dict[str, str], timeout: int) -> dict:
    """One call of the CLI as a fresh process would make it; what it printed and returned."""
    saved = dict(os.environ)
    os.environ.update(env)
    os.environ["SECONDO_HOME"] = str(home)
    os.environ["TMPDIR"] = str(tmp)
    tempfile.tempdir = str(tmp)
    out, err = io.StringIO(), io.StringIO()
    from app import cli
    signal.alarm(timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc: int | str = cli.main(list(argv))
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 2
            except CaseTimeout:
                rc = "hang"
            except BaseException:  # what the harness exists to find: recorded, not raised
                rc = "crash"
                err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
        os.environ.clear()
        os.environ.update(saved)
        tempfile.tempdir = None
    return {"rc": rc, "stdout": out.getvalue()[-2000:], "stderr": err.getvalue()[-8000:]}


def count_cases(home: Path, tmp: Path, timeout: int) -> int | str:
    result = run_cli(["cases", "--json"], home, tmp, {}, timeout)
    try:
        return len(json.loads(result["stdout"]))
    except (ValueError, TypeError):
        return f"`secondo cases` failed: {result['stderr'][-300:]}"


def main(argv: list[str]) -> int:
    batch = json.loads(Path(argv[0]).read_text())
    base, timeout = Path(batch["base"]), int(batch.get("case_timeout", 120))
    signal.signal(signal.SIGALRM, _on_alarm)
    with open(argv[1], "a", encoding="utf-8") as results:
        def emit(record: dict) -> None:
            results.write(json.dumps(record) + "\n")
            results.flush()

        # One data folder made by `secondo cases`, copied (with its keyring) for every case.
        template, tmp = base / "template-home", base / "template-tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        template_keyring = MemoryKeyring()
        keyring.set_keyring(template_keyring)
        made = run_cli(["cases", "--json"], template, tmp, {}, timeout)
        reference = listing(template) if made["rc"] == 0 else [f"(no data folder: {made['stderr'][-300:]})"]
        for i, case in enumerate(batch["cases"]):
            emit({"start": case["name"]})
            home, tmp = base / f"home-{i}", base / f"tmp-{i}"
            tmp.mkdir(parents=True, exist_ok=True)
            if template.exists():
                shutil.copytree(template, home)
            copy = MemoryKeyring()
            copy._secrets = dict(template_keyring._secrets)
            keyring.set_keyring(copy)
            record = {"name": case["name"]} | run_cli(case["argv"], home, tmp, case.get("env", {}), timeout)
            record["reference"] = reference
            record["home"] = listing(home)
            record["tmp_left"] = listing(tmp)
            record["cases"] = count_cases(home, tmp, timeout) if record["rc"] != 0 else None
            emit(record)
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(tmp, ignore_errors=True)
            gc.collect()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
