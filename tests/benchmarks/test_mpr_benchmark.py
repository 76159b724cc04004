"""MPR benchmarks (issue 17; docs/performance.md, "MPR").

A 512x512x1,300 CT (synthetic, 0.5 mm slices, written like long_series.py) imported into an
encrypted case store, then opened as a volume as the MPR view opens it: the slices' geometry
from the series index and the first header, the first slice decoded, the rest decoded coarse
to fine in the loading worker. Figures against the issue's targets:

- first reformat on screen < 1.5 s: the volume prepared, its first coarse pass (every 32nd
  slice) decoded, and a coronal reformat made from it (the view refines as the rest arrives);
- whole volume < 4 s;
- a crosshair move, all three planes reformatted, < 30 ms median;
- a 20 mm MIP slab < 60 ms (each standard plane; median of the three);
- peak memory beyond the voxels while loading and reformatting < 200 MB (tracemalloc: numpy's
  arrays and Python's objects, in this process).

Sizes: SECONDO_BENCH_MPR_SLICES (default 1300), SECONDO_BENCH_SLICE_SIZE (default 512).
Run: ./scripts/bench -k mpr. Figures go to the report (tests/benchmarks/figures.py), not into
assertions.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
import tracemalloc

import numpy as np
import pytest

from app.dossier.importer import DossierImporter
from app.store.store import CaseStore
from tests.benchmarks.figures import record
from tests.benchmarks.long_series import slice_size, write_long_ct
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import series_from_case
from viewers.dicom.volume import prepare_volume, reformat, rotate_plane, standard_plane
from viewers.dicom.volume_loading import COARSE_STRIDES

MOVES = 30
PLANES = ("axial", "coronal", "sagittal")


def mpr_slices() -> int:
    return int(os.environ.get("SECONDO_BENCH_MPR_SLICES", "1300"))


@pytest.fixture(scope="module")
def ct_case(tmp_path_factory):
    """The CT imported into an encrypted case store: (store, case id)."""
    folder = write_long_ct(tmp_path_factory.mktemp("mpr-ct"), mpr_slices(), slice_size())
    store = CaseStore.open(tmp_path_factory.mktemp("mpr-home"))
    case_id = DossierImporter(store).run([folder]).case_id
    shutil.rmtree(folder)
    yield store, case_id
    store.close()


def open_model(store, case_id) -> SeriesModel:
    [(_study, _series, refs, load)] = series_from_case(store, case_id)
    return SeriesModel(refs, load)


def timed(function) -> tuple[object, float, float]:
    """function()'s result, wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def coarse_then_rest(volume, fill_coarse, fill_rest):
    fill_coarse()
    first = reformat(volume, standard_plane(volume, "coronal"))
    fill_rest()
    return first


def test_volume_load_and_first_reformat(benchmark, ct_case):
    """Choosing MPR: prepare, decode the first coarse pass, show a coronal; then the rest."""
    store, case_id = ct_case
    from viewers.dicom import volume_loading

    def run():
        model = open_model(store, case_id)
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        volume, _fill = prepare_volume(model)
        stride = COARSE_STRIDES[0]
        coarse = [k for k in range(0, volume.geometry.shape[0], stride)]
        decoder = volume_loading._Decoder(model)
        for k in coarse:
            volume.store(k, decoder.modality(volume.geometry.order[k], volume.geometry.shape[1:], "MONOCHROME2"))
        reformat(volume, standard_plane(volume, "coronal"))
        first = time.perf_counter() - start_wall, time.process_time() - start_cpu
        volume_loading.fill_volume(volume, model)
        whole = time.perf_counter() - start_wall, time.process_time() - start_cpu
        model.close()
        assert volume.complete
        return first, whole, volume

    first, whole, volume = benchmark.pedantic(run, rounds=1, iterations=1)
    k, rows, columns = volume.geometry.shape
    note = f"{k} slices of {rows}x{columns}, {volume.voxels.nbytes / 2**20:.0f} MB of int16 voxels"
    record(benchmark, f"first reformat of a {k}-slice CT (coarse pass, every {COARSE_STRIDES[0]}th slice)",
           first[0], 1.5, "s wall", note=f"{first[1]:.2f} s CPU; {note}")
    record(benchmark, f"whole {k}-slice volume loaded from the case store", whole[0], 4.0, "s wall",
           note=f"{whole[1]:.2f} s CPU; {whole[0] / k * 1000:.2f} ms per slice")


@pytest.fixture(scope="module")
def volume(ct_case):
    store, case_id = ct_case
    model = open_model(store, case_id)
    volume, fill = prepare_volume(model)
    fill()
    model.close()
    return volume


def crosshair_points(volume, count: int) -> list[np.ndarray]:
    low, high = volume.bounds()
    rng = np.random.default_rng(17)
    return [low + (high - low) * rng.uniform(0.2, 0.8, 3) for _ in range(count)]


def test_three_planes_per_crosshair_move(benchmark, volume):
    points = crosshair_points(volume, MOVES)
    axes = {"sagittal": 0, "coronal": 1, "axial": 2}
    per_plane: dict[str, list[float]] = {name: [] for name in PLANES}
    totals = []

    cpu_totals = []

    def move(point):
        total = cpu = 0.0
        for name in PLANES:
            plane = standard_plane(volume, name, point[axes[name]])
            _image, wall, used = timed(lambda plane=plane: reformat(volume, plane))
            per_plane[name].append(wall)
            total += wall
            cpu += used
        totals.append(total)
        cpu_totals.append(cpu)

    benchmark.pedantic(lambda: [move(p) for p in points], rounds=1, iterations=1)
    detail = ", ".join(f"{name} {statistics.median(per_plane[name]) * 1000:.1f} ms" for name in PLANES)
    record(benchmark, "crosshair move: axial, coronal and sagittal reformatted, median",
           statistics.median(totals) * 1000, 30, "ms wall",
           note=f"{statistics.median(cpu_totals) * 1000:.1f} ms CPU; {detail} wall; {MOVES} moves")


def test_mip_slab_20mm(benchmark, volume):
    results: dict[str, list[float]] = {name: [] for name in PLANES}
    cpu: dict[str, list[float]] = {name: [] for name in PLANES}

    def run():
        for _ in range(7):
            for name in PLANES:
                plane = standard_plane(volume, name)
                _image, wall, used = timed(lambda plane=plane: reformat(volume, plane, 20.0, "mip"))
                results[name].append(wall)
                cpu[name].append(used)

    benchmark.pedantic(run, rounds=1, iterations=1)
    medians = {name: statistics.median(values) * 1000 for name, values in results.items()}
    for name in PLANES:
        record(benchmark, f"20 mm MIP slab, {name}", medians[name], 60, "ms wall",
               note=f"{statistics.median(cpu[name]) * 1000:.1f} ms CPU")
    record(benchmark, "20 mm MIP slab, median of the three planes", statistics.median(medians.values()), 60,
           "ms wall")


def test_oblique(benchmark, volume):
    """Reported only: a coronal plane turned 30° about the vertical, thin and as a 20 mm MIP."""
    plane = rotate_plane(standard_plane(volume, "coronal"), (0, 0, 1), 30, volume.centre)
    thin, slab = [], []

    def run():
        for _ in range(5):
            thin.append(timed(lambda: reformat(volume, plane))[1])
        for _ in range(3):
            slab.append(timed(lambda: reformat(volume, plane, 20.0, "mip"))[1])

    benchmark.pedantic(run, rounds=1, iterations=1)
    record(benchmark, f"oblique reformat ({plane.shape[1]}x{plane.shape[0]})", statistics.median(thin) * 1000,
           None, "ms wall")
    record(benchmark, "oblique 20 mm MIP slab", statistics.median(slab) * 1000, None, "ms wall")


def test_memory_beyond_the_volume(benchmark, ct_case):
    """Peak of traced allocations while loading and reformatting, less the voxels themselves."""
    store, case_id = ct_case

    def run():
        model = open_model(store, case_id)
        tracemalloc.start()
        try:
            volume, fill = prepare_volume(model)
            fill()
            for name in PLANES:
                reformat(volume, standard_plane(volume, name))
                reformat(volume, standard_plane(volume, name), 20.0, "mip")
            reformat(volume, rotate_plane(standard_plane(volume, "coronal"), (0, 0, 1), 30, volume.centre))
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            model.close()
        return peak, volume.voxels.nbytes

    peak, voxels = benchmark.pedantic(run, rounds=1, iterations=1)
    record(benchmark, "peak memory beyond the voxels (load and reformats)", (peak - voxels) / 2**20, 200, "MB",
           note=f"voxels {voxels / 2**20:.0f} MB")
