"""A CD folder of 20,000 files: how long listing and sniffing it takes (one pass, one
lstat and one 132-byte read per file), and how long the whole import takes (the listing,
then one vault file per DICOM slice). Figures only, in the report (extra_info).

Run: .venv/bin/python -m pytest tests/benchmarks/test_disc_listing_benchmark.py --benchmark-only
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from app.demo.imaging import ct_series
from app.dossier.import_sources import resolve
from app.dossier.importer import DossierImporter
from app.store.store import CaseStore

FILES = 20_000


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory) -> Path:
    """FILES small CT slices (distinct SOP Instance UIDs) in folders of 500."""
    root = tmp_path_factory.mktemp("cd20k")
    base = next(ct_series(1, 16))
    buffer = io.BytesIO()
    base.save_as(buffer, enforce_file_format=True)
    data, uid = buffer.getvalue(), base.SOPInstanceUID.encode()
    for n in range(FILES):
        folder = root / "DICOM" / f"S{n // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"IM{n:06d}").write_bytes(data.replace(uid, f"{n:0{len(uid)}d}".encode()))
    return root


def test_listing_a_folder_of_20000_files(benchmark, big_folder):
    def listing():
        source = resolve(big_folder)
        source.close()
        return source

    source = benchmark.pedantic(listing, rounds=3, iterations=1)
    benchmark.extra_info["files"] = len(source.disc_files)


def test_importing_a_folder_of_20000_files(benchmark, big_folder, tmp_path):
    def run():
        store = CaseStore.open(tmp_path / f"home-{time.monotonic_ns()}")
        try:
            return DossierImporter(store).run([big_folder])
        finally:
            store.close()

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info["files"] = result.files
