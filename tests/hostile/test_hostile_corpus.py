"""The hostile corpus through the command line: every case ends with exit 0, 3 or 4 (as the
case expects), one `secondo:` line on stderr when it fails, no traceback, no hang, within a
memory cap, and leaves nothing behind: not in the data folder, not in the temporary folder,
not beside its input files.

Most cases run in batches inside one process (tests/hostile/run_batch.py calls
`app.cli.main()` per case); a handful run as real `python -m app` processes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import resource
import subprocess
import sys

import pytest

from tests.hostile.corpus import HostileCase, case_modules, generate

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP = 3 << 30          # address space of each process running cases
CASE_TIMEOUT = 120            # hang guard of one case, generous for a busy machine
BATCH_SIZE = 60
PER_PROCESS_CASES = 4         # of each module, run as a real `python -m app` process


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECONDO_HOME", "TMPDIR")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*")}


def problems_of(case: HostileCase, record: dict) -> list[str]:
    """What is wrong with one case's run, in words; empty when it behaved."""
    found = []
    reference = record.get("reference", [])
    rc, stderr = record.get("rc"), record.get("stderr", "")
    if rc not in case.expect:
        found.append(f"exit {rc!r}, expected one of {sorted(case.expect)}")
    if "Traceback" in stderr:
        found.append("a traceback on stderr")
    if rc != 0:
        lines = stderr.splitlines()
        if len(lines) != 1 or not lines[0].startswith("secondo: "):
            found.append(f"stderr is not one 'secondo:' line: {stderr[-600:]!r}")
        # The store's staging root may stay, empty; any entry in it is a leftover.
        left = sorted(set(record.get("home", [])) - set(reference) - {"staging/"})
        if left:
            found.append(f"left in the data folder: {left[:5]}")
        if record.get("cases") != 0:
            found.append(f"the data folder lists {record.get('cases')!r} cases afterwards")
        if not reference or reference[0].startswith("(no data folder"):
            found.append(f"the data folder was not made before the case: {reference}")
    if record.get("tmp_left"):
        found.append(f"left in the temporary folder: {record['tmp_left'][:5]}")
    return found


def run_batches(cases: list[HostileCase], base: Path) -> dict[str, dict]:
    """Run `cases` in batch processes; a case that kills or hangs its process is recorded as
    such and the batch goes on after it."""
    records: dict[str, dict] = {}
    pending = list(cases)
    round_ = 0
    while pending:
        batch, pending = pending[:BATCH_SIZE], pending[BATCH_SIZE:]
        round_ += 1
        folder = base / f"batch-{round_}"
        folder.mkdir(parents=True)
        spec, results = folder / "batch.json", folder / "results.jsonl"
        spec.write_text(json.dumps({"base": str(folder), "case_timeout": CASE_TIMEOUT,
                                    "cases": [c.to_json() for c in batch]}))
        try:
            process = subprocess.run([sys.executable, "-m", "tests.hostile.run_batch", str(spec), str(results)],
                                     cwd=ROOT, env=_clean_env(), preexec_fn=_limit_memory, capture_output=True,
                                     text=True, timeout=CASE_TIMEOUT * 2 + 10 * len(batch))
            ended = f"the batch process ended with {process.returncode}: {process.stderr[-1500:]}"
        except subprocess.TimeoutExpired:
            ended = "hang: the batch process did not finish"
        started = None
        for line in results.read_text().splitlines() if results.exists() else []:
            record = json.loads(line)
            if "start" in record:
                started = record["start"]
            else:
                records[record["name"]] = record
                started = None
        done = [c for c in batch if c.name in records]
        if len(done) < len(batch):
            culprit = started or batch[len(done)].name
            records[culprit] = {"name": culprit, "rc": "died", "stderr": ended}
            pending = [c for c in batch if c.name not in records] + pending
    return records


def run_process(case: HostileCase, base: Path) -> dict:
    """One case as a real `python -m app` process, in a data folder made just before by
    `secondo cases` in a process of its own (the vault key kept in a file keyring)."""
    home, tmp, user_home = base / "home", base / "tmp", base / "user-home"
    tmp.mkdir(parents=True)
    user_home.mkdir()
    env = _clean_env() | {"SECONDO_HOME": str(home), "TMPDIR": str(tmp), "HOME": str(user_home),
                          "XDG_CACHE_HOME": str(user_home / ".cache"), "XDG_CONFIG_HOME": str(user_home / ".config"),
                          "XDG_DATA_HOME": str(user_home / ".local/share"),
                          "PYTHON_KEYRING_BACKEND": "tests.hostile.file_keyring.FileKeyring",
                          "SECONDO_TEST_KEYRING": str(base / "keyring.json")}

    def run(argv: list[str], extra: dict[str, str]) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([sys.executable, "-m", "app", *argv], cwd=ROOT, env=env | extra,
                                  preexec_fn=_limit_memory, capture_output=True, text=True, timeout=CASE_TIMEOUT)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, "hang", "", "")

    def listing() -> list[str]:
        return sorted(p.relative_to(home).as_posix() + ("/" if p.is_dir() else "") for p in home.rglob("*"))

    made = run(["cases", "--json"], {})
    record = {"name": case.name, "reference": listing() if made.returncode == 0 else []}
    process = run(case.argv, case.env)
    record.update(rc=process.returncode, stderr=process.stderr, home=listing(),
                  tmp_left=[p.name for p in tmp.iterdir()] + [f"~/{p.name}" for p in user_home.iterdir()])
    if process.returncode != 0:
        listed = run(["cases", "--json"], {})
        record["cases"] = len(json.loads(listed.stdout)) if listed.returncode == 0 else listed.stderr
    return record


MODULES = [m.rsplit(".", 1)[-1] for m in case_modules()]


@pytest.mark.parametrize("module", MODULES)
def test_every_hostile_case_is_refused_cleanly(module, tmp_path):
    workdir = tmp_path / "corpus"
    cases = generate(workdir, [f"tests.hostile.{module}"])
    assert cases, f"{module} makes no case"
    before = snapshot(workdir)
    records = run_batches(cases, tmp_path / "runs")
    failures = [f"{case.name}: {'; '.join(found)}" for case in cases
                if (found := problems_of(case, records.get(case.name, {"rc": "not run"})))]
    assert snapshot(workdir) == before, "a case wrote beside its input files"
    assert not failures, f"{len(failures)} of {len(cases)} hostile cases misbehaved:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("module", MODULES)
def test_hostile_cases_as_real_processes(module, tmp_path):
    workdir = tmp_path / "corpus"
    cases = generate(workdir, [f"tests.hostile.{module}"])
    step = max(1, len(cases) // PER_PROCESS_CASES)
    chosen = cases[::step][:PER_PROCESS_CASES]
    failures = []
    for i, case in enumerate(chosen):
        found = problems_of(case, run_process(case, tmp_path / f"run-{i}"))
        if found:
            failures.append(f"{case.name}: {'; '.join(found)}")
    assert not failures, "\n".join(failures)
