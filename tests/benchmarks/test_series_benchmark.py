"""DICOM series benchmarks.

Long series (docs/performance.md, "Long series"), from an encrypted case store, through the
real viewer widget (offscreen): the first image of a 200 / 1,300 / 3,000-slice series
(<= 150 ms), and scrolling all 3,000 slices one step at a time (p99 <= 16 ms per step, none
over 50 ms; memory growth after the full scroll <= the cache cap + 150 MB). Sizes:
SECONDO_BENCH_SERIES (default "200,1300,3000"), SECONDO_BENCH_SLICE_SIZE (default 512),
SECONDO_BENCH_SCROLL_PACE_MS (default 20: a wheel turned steadily).

On a 500-slice 512x512 CT: the first image from a folder (< 300 ms), a slice from the cache
(< 8 ms median with render) and decoded on the fly (< 25 ms median, uncompressed, with
render); and the frame cache bound honoured while scrolling a 1,500-slice series (peak
memory growth < bound + 150 MB, in a child process).

Run: ./scripts/bench -k series (or .venv/bin/python -m pytest tests/benchmarks/test_series_benchmark.py
--benchmark-only --benchmark-enable). Figures go to the report (tests/benchmarks/figures.py),
never into assertions; the memory bound of the child process is asserted.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.demo.imaging import write_ct_series
from app.dossier.importer import DossierImporter
from app.store.store import CaseStore
from tests.benchmarks.figures import median_run, peer, record
from tests.benchmarks.long_series import series_sizes, slice_size, write_long_ct
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.pixels import CT_PRESETS, render
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import InstanceRef, series_from_case, series_from_paths

ROOT = Path(__file__).resolve().parents[2]
SLICES, SIZE = 500, 512
LONG_SERIES = 1500
CACHE_MB = 256
LUNG = CT_PRESETS["lung"]


@pytest.fixture(scope="module")
def ct_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ct500")
    write_ct_series(folder / "DICOM", SLICES, SIZE)
    return folder


@pytest.fixture(scope="module")
def case(ct_folder, tmp_path_factory):
    """The same CT imported into an encrypted case store: (store, case id)."""
    store = CaseStore.open(tmp_path_factory.mktemp("home"))
    result = DossierImporter(store).run([ct_folder])
    yield store, result.case_id
    store.close()


def first_image(open_series) -> tuple:
    series, refs, load = open_series()
    model = SeriesModel(refs, load)
    pixels = render(model.frame(len(model) // 2), LUNG)
    model.close()
    return len(model), pixels.shape


def test_first_image_from_a_folder(benchmark, ct_folder):
    """`secondo view FOLDER`: scan 500 files by content, index their headers, order them,
    then decode and render the middle slice. The header scan dominates."""
    count, shape = benchmark.pedantic(first_image, args=(lambda: series_from_paths(ct_folder)[0],),
                                      rounds=5, iterations=1, warmup_rounds=1)
    assert count == SLICES and shape == (SIZE, SIZE)
    started = time.perf_counter()
    series_from_paths(ct_folder)
    benchmark.extra_info["scan_ms"] = round((time.perf_counter() - started) * 1000)
    record(benchmark, "first image of a 500-slice folder (scan, index, decode, render)", benchmark.stats.stats.median,
           0.3, "s wall")


def test_slice_from_the_cache_with_render(benchmark, ct_folder):
    [(_series, refs, load)] = series_from_paths(ct_folder)
    model = SeriesModel(refs, load, cache_mb=512)
    cached = range(200, 300)
    for n in cached:
        model.frame(n)
    slices = itertools.cycle(cached)

    def show():
        return render(model.frame(next(slices)), LUNG)

    benchmark.pedantic(show, rounds=300, iterations=1, warmup_rounds=5)
    assert model.decoded == len(cached)  # every timed frame came from the cache
    record(benchmark, "a 512x512 slice from the cache, rendered, median", benchmark.stats.stats.median, 0.008, "s wall")


def test_slice_decoded_on_the_fly_with_render(benchmark, ct_folder):
    [(_series, refs, load)] = series_from_paths(ct_folder)
    model = SeriesModel(refs, load, cache=FrameCache(0))  # nothing is kept: every frame decodes
    slices = itertools.cycle(range(SLICES))

    def show():
        return render(model.frame(next(slices)), LUNG)

    benchmark.pedantic(show, rounds=200, iterations=1, warmup_rounds=5)
    assert model.decoded >= 200
    record(benchmark, "a 512x512 slice decoded on the fly, rendered, median", benchmark.stats.stats.median, 0.025,
           "s wall")


def test_slice_decrypted_and_decoded_on_the_fly_with_render(benchmark, case):
    """The same from the case store: each slice is decrypted from the vault first."""
    store, case_id = case
    [(_study, _series, refs, load)] = series_from_case(store, case_id)
    model = SeriesModel(refs, load, cache=FrameCache(0))
    slices = itertools.cycle(range(SLICES))
    benchmark.pedantic(lambda: render(model.frame(next(slices)), LUNG), rounds=100, iterations=1, warmup_rounds=3)


def test_the_cache_bound_holds_while_scrolling_1500_slices(benchmark, ct_folder):
    def child():
        done = subprocess.run([sys.executable, "-m", "tests.benchmarks.test_series_benchmark", str(ct_folder),
                               str(CACHE_MB)], cwd=ROOT, capture_output=True, text=True, check=True)
        return [float(v) for v in done.stdout.split()]

    base_mb, peak_mb, cache_mb, seconds = benchmark.pedantic(child, rounds=1, iterations=1)
    growth = peak_mb - base_mb
    benchmark.extra_info.update(base_RSS_MB=base_mb, peak_RSS_MB=peak_mb, growth_MB=round(growth, 1),
                                cache_MB_at_end=cache_mb, bound_MB=CACHE_MB, scroll_seconds=seconds)
    assert cache_mb <= CACHE_MB
    assert growth < CACHE_MB + 150


# --- long series from the case store, through the viewer ---------------------------------------

LONG_CACHE_MB = 512  # the case view's cache (app/ui/case_view.py CACHE_MB)
VIEW = (1000, 900)


@pytest.fixture(scope="module")
def long_cases(tmp_path_factory):
    """One encrypted case store per series length: {slices: (store, case id)}."""
    cases = {}
    for slices in series_sizes():
        folder = write_long_ct(tmp_path_factory.mktemp(f"ct{slices}"), slices, slice_size())
        store = CaseStore.open(tmp_path_factory.mktemp(f"home{slices}"))
        cases[slices] = (store, DossierImporter(store).run([folder]).case_id)
        shutil.rmtree(folder)  # the vault holds them now
    yield cases
    for store, _case_id in cases.values():
        store.close()


def _qt_viewer(qtbot):
    from app.ui import gc_guard
    from viewers.dicom.widget import DicomViewerWidget

    from tests.ui.test_document_viewers import shown

    gc_guard.install(QApplication.instance())  # cyclic garbage on the GUI thread, as in the window
    return shown(qtbot, DicomViewerWidget, VIEW)


def _open_and_show(viewer, store, case_id: str) -> tuple[SeriesModel, float, float]:
    """What opening a series does: the case record decrypted, the series' index read, its
    first slice decrypted, decoded and drawn. The model, wall and process CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    record = store.record(case_id)
    [(_study, _series, refs, load)] = series_from_case(store, case_id, record=record)
    model = SeriesModel(refs, load, cache=FrameCache(LONG_CACHE_MB * MiB))
    viewer.set_series_list([model])  # shown in the active viewport, as the case view's show_series
    vp = viewer.active
    while vp.frame is None:
        QApplication.processEvents()
        time.sleep(0.0005)
    vp.repaint()
    return model, time.perf_counter() - wall, time.process_time() - cpu


def _median_opening(benchmark, viewer, store, case_id: str, rounds: int) -> tuple[float, float]:
    """Median wall and CPU seconds of opening the case's series to its first image, `rounds` times."""
    runs = []

    def run():
        model, wall, cpu = _open_and_show(viewer, store, case_id)
        runs.append((wall, cpu))
        model.close(timeout=5)

    benchmark.pedantic(run, rounds=rounds, iterations=1, warmup_rounds=1)
    return statistics.median(w for w, _c in runs), statistics.median(c for _w, c in runs)


@pytest.mark.parametrize("slices", series_sizes())
def test_first_image_of_a_long_series_from_the_case_store(benchmark, qtbot, long_cases, slices):
    store, case_id = long_cases[slices]
    wall, cpu = _median_opening(benchmark, _qt_viewer(qtbot), store, case_id, rounds=7)
    record_blob = store.index.case(case_id)["record"]
    peers = {}
    dcmj2pnm = peer("dcmj2pnm")
    if dcmj2pnm is not None:  # DCMTK rendering one slice of the series to an image, a process of its own
        first = long_cases[slices][0]
        _st, _se, refs, load = series_from_case(first, case_id)[0]
        path = Path(first.home) / f"bench-slice-{slices}.dcm"
        path.write_bytes(load(refs[0]))
        out = path.with_suffix(".pgm")
        peers["dcmj2pnm (one slice, s CPU)"] = median_run([dcmj2pnm, str(path), str(out)], rounds=3).cpu_s
        path.unlink()
        out.unlink(missing_ok=True)
    size = (store.vault.root / record_blob).stat().st_size
    record(benchmark, f"first image of a {slices}-slice series from the case store", wall, 0.150, "s wall",
           peers=peers, note=f"case record {size / 1024:.0f} KiB encrypted")
    record(benchmark, f"first image of a {slices}-slice series from the case store, CPU", cpu, 0.150, "s CPU",
           note="the process's CPU time: this thread, the series worker and Qt")
    benchmark.extra_info.update(slices=slices, wall_ms=round(wall * 1000), cpu_ms=round(cpu * 1000),
                                record_kib=round(size / 1024))


def test_first_image_of_a_long_series_in_the_first_record_format(benchmark, qtbot, long_cases):
    """The same on a record of the first format (every instance inside, no series index): what
    opening a series cost before, side by side."""
    from tests.unit.test_series_index import to_first_format

    slices = max(long_cases)
    store, case_id = long_cases[slices]
    current = store.index.case(case_id)["record"]
    to_first_format(store, case_id)
    try:
        wall, cpu = _median_opening(benchmark, _qt_viewer(qtbot), store, case_id, rounds=5)
    finally:
        with store.index.transaction() as db:
            db.execute("UPDATE cases SET record = ? WHERE id = ?", (current, case_id))
    record(benchmark, f"first image of a {slices}-slice series, first record format (before)", wall, None,
           "s wall", note=f"{cpu * 1000:.0f} ms CPU")
    record(benchmark, f"first image of a {slices}-slice series, first record format (before), CPU", cpu, None,
           "s CPU")


def _rss_mb() -> float:
    return _resident_mb("VmRSS")


def test_scroll_a_long_series_through_the_viewer(benchmark, qtbot, long_cases):
    """Every slice of the longest series in turn, a step every SECONDO_BENCH_SCROLL_PACE_MS, as
    a wheel turned steadily: each step is the viewport's set_index and the event-loop pass that
    paints it; between steps the event loop runs (frames arriving are drawn). The GUI thread's
    own CPU per step is given beside the wall time, which waits for the GIL and a busy machine."""
    slices = max(long_cases)
    store, case_id = long_cases[slices]
    pace = float(os.environ.get("SECONDO_BENCH_SCROLL_PACE_MS", "20")) / 1000
    viewer = _qt_viewer(qtbot)
    gc.collect()
    base = _rss_mb()
    model, _wall, _cpu = _open_and_show(viewer, store, case_id)
    vp = viewer.active
    steps, step_cpu, passes = [], [], []

    def scroll():
        for n in range(1, len(model)):
            wall, cpu = time.perf_counter(), time.thread_time()
            vp.set_index(n)
            QApplication.processEvents()
            steps.append(time.perf_counter() - wall)
            step_cpu.append(time.thread_time() - cpu)
            until = wall + pace
            while time.perf_counter() < until:
                started = time.perf_counter()
                QApplication.processEvents()
                passes.append(time.perf_counter() - started)
                time.sleep(0.001)

    benchmark.pedantic(scroll, rounds=1, iterations=1)
    model.wait_idle(60)
    QApplication.processEvents()
    after = _rss_mb()
    cache_mb = model.cache.nbytes / MiB
    model.close(timeout=5)

    def quantile(values, q):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    over = sum(1 for s in steps if s > 0.050)
    note = (f"GUI-thread CPU per step p50 {quantile(step_cpu, .5) * 1000:.1f} / p99 {quantile(step_cpu, .99) * 1000:.1f}"
            f" / max {max(step_cpu) * 1000:.1f} ms; longest other event-loop pass {max(passes, default=0) * 1000:.0f} ms")
    record(benchmark, f"scroll {slices} slices: p50 per step", quantile(steps, .5) * 1000, None, "ms wall")
    record(benchmark, f"scroll {slices} slices: p99 per step, GUI-thread CPU", quantile(step_cpu, .99) * 1000, 16,
           "ms CPU")
    record(benchmark, f"scroll {slices} slices: slowest step, GUI-thread CPU", max(step_cpu) * 1000, 50, "ms CPU")
    record(benchmark, f"scroll {slices} slices: p99 per step", quantile(steps, .99) * 1000, 16, "ms wall", note=note)
    record(benchmark, f"scroll {slices} slices: slowest step", max(steps) * 1000, 50, "ms wall",
           note=f"{over} of {len(steps)} steps over 50 ms")
    record(benchmark, f"scroll {slices} slices: memory growth after the full scroll", after - base,
           LONG_CACHE_MB + 150, "MB RSS", note=f"cache cap {LONG_CACHE_MB} MB, cache holds {cache_mb:.0f} MB; "
           f"RSS {base:.0f} MB before opening, {after:.0f} MB after")
    benchmark.extra_info.update(steps=len(steps), over_50_ms=over, base_rss_mb=round(base), after_rss_mb=round(after))


# --- the child process of the memory benchmark --------------------------------------------------


def _resident_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _long_series(folder: Path, slices: int) -> tuple[list[InstanceRef], object]:
    """`slices` distinct instances backed by the folder's files in turn (new UIDs, so each
    is its own frame in the cache)."""
    [(_series, refs, load)] = series_from_paths(folder)
    long_refs, files = [], {}
    for n in range(slices):
        ref = refs[n % len(refs)]
        key = f"{ref.key}.{n // len(refs)}"
        info = dataclasses.replace(ref.info, sop_instance_uid=key)
        long_refs.append(InstanceRef(key, ref.path, 1, info))
        files[key] = ref
    return long_refs, lambda ref: load(files[ref.key])


def main(folder: str, cache_mb: str) -> None:
    """Scroll a 1,500-slice series as the widget does (prefetch around each slice, then
    show it); print RSS before, peak RSS after, cache MB at the end, seconds."""
    refs, loader = _long_series(Path(folder), LONG_SERIES)
    model = SeriesModel(refs, loader, cache_mb=int(cache_mb))
    render(model.frame(0), LUNG)
    base = _resident_mb("VmRSS")
    started = time.perf_counter()
    for n in range(len(model)):
        model.prefetch(n, radius=8)
        render(model.frame(n), LUNG)
    model.wait_idle(30)
    seconds = time.perf_counter() - started
    model.close()
    print(f"{base:.1f} {_resident_mb('VmHWM'):.1f} {model.cache.nbytes / MiB:.1f} {seconds:.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
