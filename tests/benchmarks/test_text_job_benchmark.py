"""A case opens as fast while the text job recognises scans (issue 18): the time from
`open_case` to the navigator of a case of 30 documents and 6 series, painted, in a fresh
window (cold frame cache), with nothing in the background, then while the window's text job
runs Tesseract on the DEMO case's scanned letter (app/ui/text_jobs.py; real OCR, one thread
per page, below the window's priority). Reported, not asserted: the target is the quiet
figure plus 20 %."""

from __future__ import annotations

import statistics
import time

import keyring
import pytest

from app.dossier.case_texts import ensure_texts
from app.dossier.ocr import ocr_unavailable
from app.store.store import CaseStore
from app.store.texts import TextStore
from tests.benchmarks.figures import record
from tests.benchmarks.many_cases import import_big_case
from tests.benchmarks.test_workstation_benchmark import (DOCUMENTS, SERIES, BenchHome, close_window, new_window,
                                                         spin_until)
from tests.ui.case_fixtures import demo_package, import_demo  # noqa: F401 - fixture

ROUNDS = 10
SETTLE_S = 1.0


@pytest.fixture(scope="module")
def two_cases(tmp_path_factory, demo_package):  # noqa: F811
    """(bench home, store, big case id, DEMO case id): the big case's texts kept already."""
    bench = BenchHome(tmp_path_factory.mktemp("bench-textjob") / "home")
    previous = keyring.get_keyring()
    bench.use_keyring()
    store = CaseStore.open(bench.home)
    try:
        big = import_big_case(store, demo_package, tmp_path_factory.mktemp("bench-textjob-src"), DOCUMENTS, SERIES)
        ensure_texts(store, big)
        demo = import_demo(store, demo_package)
    finally:
        keyring.set_keyring(previous)
    yield bench, store, big, demo
    store.close()


def open_big_case(window, case_id: str) -> None:
    shown = []
    window.caseShown.connect(shown.append)
    window.open_case(case_id)
    nav = window.case_view.navigator
    spin_until(lambda: bool(shown) and len(nav.document_items) == DOCUMENTS
               and len(nav.series_items) == SERIES and nav.isVisible())
    nav.viewport().repaint()


def scan_being_read(window) -> bool:
    """The job is past the DEMO case's letters, in the scan's recognition."""
    jobs = window.text_jobs
    return jobs.running and jobs.left == 1


def test_open_case_while_the_text_job_recognises_a_scan(qtbot, benchmark, two_cases):
    """Rounds alternate: the case opened with nothing in the background (timed in the setup),
    then in a new window while the job recognises the scan (the benchmarked round), so that
    the load of the machine weighs on both alike."""
    if ocr_unavailable() is not None:
        pytest.skip(str(ocr_unavailable()))
    bench, store, big, demo = two_cases
    bench.use_keyring()
    state: dict = {"window": None, "busy": [], "quiet": []}

    def fresh_window():
        close_window(state["window"])
        state["window"] = new_window(qtbot, store)
        settle = time.perf_counter() + SETTLE_S  # the window's own start-up work done, in both rounds
        spin_until(lambda: time.perf_counter() > settle)
        return state["window"]

    def setup():
        window = fresh_window()
        start = time.perf_counter()
        open_big_case(window, big)
        state["quiet"].append(time.perf_counter() - start)
        window = fresh_window()
        TextStore(store).forget_case(demo)
        window.text_jobs.request(demo)
        spin_until(lambda: scan_being_read(window), timeout=60)

    def open_it():
        open_big_case(state["window"], big)
        state["busy"].append(scan_being_read(state["window"]))

    benchmark.pedantic(open_it, setup=setup, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    close_window(state["window"])
    assert all(state["busy"]), "the scan's recognition ended before the case was open"
    quiet = statistics.median(state["quiet"][1:])  # the warm-up round's left out, as pytest-benchmark does
    busy = benchmark.stats.stats.median
    record(benchmark, f"open a case of {DOCUMENTS} documents and {SERIES} series, nothing in the background, median",
           quiet, 0.5, "s wall")
    record(benchmark, "open the same case while Tesseract reads a scan in the text job, median", busy,
           round(quiet * 1.2, 4), "s wall", note=f"{busy / quiet:.2f} x the quiet figure")
