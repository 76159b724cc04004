"""The figures a benchmark reports against its target (docs/performance.md).

`run_measured` runs a command and returns its CPU time (user + system of the process and
its children, from the kernel's rusage), its wall time and its peak memory; `record` puts a
figure and its target into the benchmark's extra_info; `./scripts/bench` prints every
recorded figure in one table at the end of the run and writes them to
build/bench-figures.json. CPU seconds are what the targets count: on a busy machine wall
time varies, CPU time much less. Nothing here is a test: a figure over its target is
reported, not failed.
"""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time


@dataclass(frozen=True)
class Run:
    cpu_s: float
    wall_s: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(argv: list[str], *, env: dict | None = None, cwd: Path | str | None = None,
                 timeout: float = 600, stdin_bytes: bytes | None = None) -> Run:
    """Run `argv` to its end; its own CPU time and peak memory (os.wait4), wall time."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        if stdin_bytes is not None:
            inp.write(stdin_bytes)
            inp.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err,
                                stdin=inp if stdin_bytes is not None else subprocess.DEVNULL)
        timer = threading.Timer(timeout, lambda: os.kill(proc.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(cpu_s=usage.ru_utime + usage.ru_stime, wall_s=wall, max_rss_mb=usage.ru_maxrss / 1024,
                   returncode=proc.returncode, stdout=out.read().decode(errors="replace"),
                   stderr=err.read().decode(errors="replace"))


def median_run(argv: list[str], rounds: int = 5, **kwargs) -> Run:
    """The median CPU and wall time of `rounds` runs (each must succeed)."""
    runs = [run_measured(argv, **kwargs) for _ in range(rounds)]
    for run in runs:
        assert run.returncode == 0, (argv, run.returncode, run.stderr[-2000:])
    return Run(cpu_s=statistics.median(r.cpu_s for r in runs), wall_s=statistics.median(r.wall_s for r in runs),
               max_rss_mb=max(r.max_rss_mb for r in runs), returncode=0, stdout=runs[-1].stdout,
               stderr=runs[-1].stderr)


def peer(command: str) -> str | None:
    """The path of an independent tool run side by side (sha256sum, openssl, dcmj2pnm, pyhanko,
    pdftoppm), or None when it is not installed: its figure is then left out."""
    found = shutil.which(command)
    if found is None:
        venv_bin = Path(__file__).resolve().parents[2] / ".venv" / "bin" / command
        found = str(venv_bin) if venv_bin.exists() else None
    return found


def record(benchmark, figure: str, measured: float, target: float | None, unit: str = "s CPU",
           peers: dict[str, float] | None = None, higher_is_better: bool = False, note: str = "") -> None:
    """One figure of this benchmark: what was measured, its target (None: reported only), and the
    same work done by peers, in the same unit."""
    within = None if target is None else (measured >= target if higher_is_better else measured <= target)
    benchmark.extra_info.setdefault("figures", []).append(
        {"figure": figure, "measured": round(measured, 4), "target": target, "unit": unit, "within": within,
         "higher_is_better": higher_is_better,
         "peers": {name: round(value, 4) for name, value in (peers or {}).items()}, "note": note})
