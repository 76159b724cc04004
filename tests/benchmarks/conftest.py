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
