"""Start and close figures that depend on the machine, kept out of the tests:
- the built bundle's cold start, from the process start to the worklist shown: target < 2 s
  (tests/bundle/test_bundle.py checks that it shows the worklist at all);
- closing `secondo view` while it is still indexing a folder: target < 2 s
  (tests/ui/test_viewer_window.py checks that the close stops the indexing)."""

from __future__ import annotations

import pytest

from tests.bundle.test_bundle import EXE, VAULT, run
from tests.ui.test_viewer_window import ct_dir, gate, open_window, wait_provisional  # noqa: F401 - fixtures


@pytest.mark.skipif(not EXE.exists(), reason="no bundle (run ./scripts/build)")
def test_bundle_cold_start_to_the_worklist(benchmark, tmp_path):
    home = tmp_path / "home"
    assert run("cases", *VAULT, home=home).returncode == 0  # the data folder exists already

    def start() -> None:
        done = run("gui", "--exit-when-shown", *VAULT, home=home, timeout=120)
        assert done.returncode == 0 and "shown after" in done.stdout, done.stderr

    benchmark.pedantic(start, rounds=3, iterations=1)
    benchmark.extra_info["target_s"] = 2.0
    assert benchmark.stats.stats.median < 2.0


def test_close_while_indexing(benchmark, qtbot, ct_dir, gate):  # noqa: F811
    def setup():
        gate.started.clear()
        window = open_window(qtbot, ct_dir)
        wait_provisional(qtbot, window)
        assert gate.started.wait(30)
        return (window,), {}

    benchmark.pedantic(lambda window: window.close(), setup=setup, rounds=5, iterations=1)
    benchmark.extra_info["target_s"] = 2.0
    assert benchmark.stats.stats.median < 2.0
