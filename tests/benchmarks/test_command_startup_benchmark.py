"""Start-up of commands (docs/performance.md), each a fresh `python -m app` process, median
CPU (user + system, rusage) and wall time of several runs; target ≤ 0.35 s CPU each:
- `secondo --version`;
- `secondo cases` with SECONDO_BENCH_CASES (200) cases in a keyring-protected data folder
  (a file keyring shared by the processes, tests/file_keyring.py), made once per session;
- `secondo snapshot` of a 512x512 CT slice to a PNG.
Peers, run side by side: bare `python -c pass`, `pyhanko --version`, DCMTK's `dcmj2pnm` on
the same slice. tests/unit/test_lazy_imports.py checks what each command loads."""

from __future__ import annotations

import os
from pathlib import Path
import statistics
import sys

import keyring
import pytest

from tests.benchmarks.figures import Run, median_run, peer, record, run_measured

ROOT = Path(__file__).resolve().parents[2]
TARGET_CPU_S = 0.35
ROUNDS = int(os.environ.get("SECONDO_BENCH_ROUNDS", "7"))


def bench_cases() -> int:
    return int(os.environ.get("SECONDO_BENCH_CASES", "200"))


def measure(benchmark, argv: list[str], env: dict | None = None) -> Run:
    """The median CPU and wall time of ROUNDS runs of `argv` (each must succeed)."""
    runs: list[Run] = []

    def once() -> None:
        runs.append(run_measured(argv, env=env, cwd=ROOT))

    once()  # warm-up: the page cache, .pyc files
    runs.clear()
    benchmark.pedantic(once, rounds=ROUNDS, iterations=1)
    for run in runs:
        assert run.returncode == 0, (argv, run.stderr[-2000:])
    return Run(cpu_s=statistics.median(r.cpu_s for r in runs), wall_s=statistics.median(r.wall_s for r in runs),
               max_rss_mb=max(r.max_rss_mb for r in runs), returncode=0, stdout=runs[-1].stdout,
               stderr=runs[-1].stderr)


def peers(*commands: tuple[str, list[str] | None]) -> dict[str, Run]:
    """Each installed peer's median run; a peer that is not installed (None) is left out."""
    return {name: median_run(argv, rounds=ROUNDS, cwd=ROOT) for name, argv in commands if argv is not None}


def record_both(benchmark, figure: str, measured: Run, found: dict[str, Run]) -> None:
    record(benchmark, f"{figure}: CPU", measured.cpu_s, TARGET_CPU_S, "s CPU",
           peers={name: run.cpu_s for name, run in found.items()})
    record(benchmark, f"{figure}: wall", measured.wall_s, None, "s wall",
           peers={name: run.wall_s for name, run in found.items()}, note="reported: wall time varies on a busy machine")
    benchmark.extra_info["max_rss_mb"] = round(measured.max_rss_mb, 1)


def app_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def bare_python() -> tuple[str, list[str]]:
    return "python -c pass", [sys.executable, "-c", "pass"]


@pytest.fixture(scope="session")
def many_cases_env(tmp_path_factory) -> dict:
    """A data folder with bench_cases() cases, its vault key in a file keyring the `secondo`
    processes share; made once per session through the real packer and importer."""
    from app.demo.package import build_demo_package
    from app.store.store import CaseStore
    from tests.benchmarks.many_cases import import_many_cases
    from tests.file_keyring import FileKeyring

    root = tmp_path_factory.mktemp("command-startup")
    env = dict(os.environ, SECONDO_HOME=str(root / "home"), SECONDO_TEST_KEYRING=str(root / "keyring.json"),
               PYTHON_KEYRING_BACKEND="tests.file_keyring.FileKeyring", PYTHONPATH=str(ROOT))
    previous_keyring, previous_env = keyring.get_keyring(), os.environ.get("SECONDO_TEST_KEYRING")
    os.environ["SECONDO_TEST_KEYRING"] = env["SECONDO_TEST_KEYRING"]
    keyring.set_keyring(FileKeyring())
    try:
        demo = build_demo_package(root / "demo", ct_slices=4, ct_size=64)
        with CaseStore.open(root / "home") as store:
            import_many_cases(store, demo, root / "sources", bench_cases())
    finally:
        keyring.set_keyring(previous_keyring)
        if previous_env is None:
            os.environ.pop("SECONDO_TEST_KEYRING", None)
        else:
            os.environ["SECONDO_TEST_KEYRING"] = previous_env
    return env


@pytest.fixture(scope="session")
def ct_slice(tmp_path_factory) -> Path:
    from app.demo.imaging import ct_series

    path = tmp_path_factory.mktemp("ct-slice") / "ct512.dcm"
    next(iter(ct_series(slices=2, size=512))).save_as(path, enforce_file_format=True)
    return path


def test_version(benchmark):
    measured = measure(benchmark, app_argv("--version"))
    assert measured.stdout.startswith("secondo ")
    pyhanko = peer("pyhanko")
    found = peers(bare_python(), ("pyhanko --version", [pyhanko, "--version"] if pyhanko else None))
    record_both(benchmark, "secondo --version", measured, found)


def test_cases(benchmark, many_cases_env):
    measured = measure(benchmark, app_argv("cases"), env=many_cases_env)
    assert measured.stdout.count("\n") >= bench_cases(), measured.stdout[-500:]
    record_both(benchmark, f"secondo cases ({bench_cases()} cases, keyring)", measured, peers(bare_python()))


def test_snapshot(benchmark, ct_slice, tmp_path):
    out = tmp_path / "ct512.png"
    measured = measure(benchmark, app_argv("snapshot", str(ct_slice), "-o", str(out)))
    assert out.read_bytes().startswith(b"\x89PNG") and "512x512" in measured.stdout
    dcmj2pnm = peer("dcmj2pnm")
    found = peers(bare_python(), ("dcmj2pnm --write-png", [dcmj2pnm, "--write-png", str(ct_slice),
                                                                      str(tmp_path / "peer.png")] if dcmj2pnm else None))
    record_both(benchmark, "secondo snapshot (512x512 CT slice)", measured, found)
