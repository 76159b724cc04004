"""Benchmark data: large synthetic dossier sources, made once per session."""

import json
import os
from pathlib import Path

import pytest

from tests.unit.packages import sample_manifest

MB = 1_000_000


def make_source(directory: Path, total_mb: int, file_mb: int = 10) -> Path:
    """A dossier source of `total_mb` MB of incompressible data in files of `file_mb` MB."""
    directory.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(max(1, total_mb // file_mb)):
        name = f"DICOM/IM{i:06d}"
        (directory / "DICOM").mkdir(exist_ok=True)
        (directory / name).write_bytes(os.urandom(file_mb * MB))
        names.append(name)
    (directory / "manifest.json").write_text(json.dumps(sample_manifest([], names)))
    return directory


def bench_mb() -> int:
    return int(os.environ.get("SECONDO_BENCH_MB", "500"))


@pytest.fixture(scope="session")
def big_source(tmp_path_factory) -> Path:
    return make_source(tmp_path_factory.mktemp("bench-src"), bench_mb())


def pytest_terminal_summary(terminalreporter, config):
    """Every figure recorded with tests.benchmarks.figures.record, against its target, in one
    table; also written to build/bench-figures.json (docs/performance.md)."""
    session = getattr(config, "_benchmarksession", None)
    rows = []
    for bench in getattr(session, "benchmarks", []) or []:
        for figure in (getattr(bench, "extra_info", None) or {}).get("figures", []):
            rows.append({"benchmark": bench.name, **figure})
    if not rows:
        return
    write = terminalreporter.write_line
    write("")
    write("Figures against their targets (docs/performance.md)")
    for row in rows:
        sign = "≥" if row["higher_is_better"] else "≤"
        target = "reported" if row["target"] is None else f"{sign} {row['target']:g}"
        verdict = {True: "within", False: "OVER", None: ""}[row["within"]]
        peers = ", ".join(f"{name} {value:g}" for name, value in row["peers"].items())
        write(f"  {row['figure']}: {row['measured']:g} {row['unit']} (target {target}) {verdict}"
              + (f"; peers: {peers}" if peers else "") + (f"; {row['note']}" if row["note"] else ""))
    out = Path(config.rootpath) / "build" / "bench-figures.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1, ensure_ascii=False))
