"""`secondo view PATH` opens progressively: the first image (in path order) at once as a
provisional 1-image series, the rest indexed in the background with progress in the status
bar, then the real series in its place, the viewport kept on the image it showed."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from app.demo.imaging import write_ct_series
from app.ui import viewer_window
from app.ui.viewer_window import ViewerWindow
from tests.ui.test_dicom_viewer import write_prior
from viewers.dicom.pixels import CT_PRESETS, Window
from viewers.dicom.sources import series_from_files

SLICES, SIZE = 20, 64


@pytest.fixture
def ct_dir(tmp_path) -> Path:
    """A CT series whose first file in path order is its 7th image, not its first."""
    folder = tmp_path / "ct"
    write_ct_series(folder, SLICES, SIZE)
    (folder / "CT000007").rename(folder / "A0000007")
    return folder


@pytest.fixture
def gate(monkeypatch):
    """Holds the indexing of the files until set (and gives way to a cancel meanwhile)."""
    event = threading.Event()
    started = threading.Event()

    def gated(files, *, cancel=None, **kwargs):
        started.set()
        while not event.wait(0.01):
            if cancel is not None:
                cancel.check()
        return series_from_files(files, cancel=cancel, **kwargs)

    monkeypatch.setattr(viewer_window, "series_from_files", gated)
    event.started = started
    return event


def open_window(qtbot, path: Path, **kwargs) -> ViewerWindow:
    window = ViewerWindow(path, **kwargs)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    return window


def wait_provisional(qtbot, window: ViewerWindow) -> None:
    vp = window.viewer.active
    qtbot.waitUntil(lambda: window.provisional is not None and vp.series is window.provisional
                    and vp.displayed_index == 0, timeout=5000)


def test_the_first_image_shows_while_the_rest_is_indexed(qtbot, ct_dir, gate):
    window = open_window(qtbot, ct_dir)
    wait_provisional(qtbot, window)
    vp = window.viewer.active
    assert vp.count == 1 and vp.frame is not None and vp.error is None
    assert vp.dataset().InstanceNumber == 7  # A0000007 comes first in path order
    assert window.series == [] and window.series_view.count() == 0
    assert gate.started.wait(5)
    assert window.statusBar().currentMessage() == f"Reading {ct_dir}: 0 of {SLICES} files…"
    # The user works on the provisional image meanwhile: the view survives the swap.
    vp.set_window(Window(40.0, 400.0))
    vp.zoom_by(2.0)
    provisional = window.provisional
    with qtbot.waitSignal(window.loaded, timeout=10000) as loaded:
        gate.set()
    assert loaded.args == [1]
    (series,) = window.series
    assert vp.series is series and len(series) == SLICES and window.provisional is None
    assert vp.index == vp.displayed_index == 6 and vp.dataset().InstanceNumber == 7
    assert vp.frame is series.peek(6)  # decoded once, for the provisional image, through the shared cache
    assert vp.state.window == Window(40.0, 400.0) and vp.state.zoom is not None
    assert window.series_view.count() == 1
    assert window.statusBar().currentMessage() == f"1 series from {ct_dir}"
    assert provisional._closed
    window.close()


def test_indexing_progress_is_shown_in_the_status_bar(qtbot, ct_dir):
    window = ViewerWindow(ct_dir)
    qtbot.addWidget(window)
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.show()
    progress = [m for m in messages if m.startswith(f"Reading {ct_dir}: ")]
    assert progress[0] == f"Reading {ct_dir}: 0 of {SLICES} files…"
    assert progress[-1] == f"Reading {ct_dir}: {SLICES} of {SLICES} files…"
    assert messages[-1] == f"1 series from {ct_dir}"
    window.close()


def test_the_preset_applies_at_once_and_the_requested_slice_wins(qtbot, ct_dir, gate):
    window = open_window(qtbot, ct_dir, preset="lung", slice_number=15)
    wait_provisional(qtbot, window)
    vp = window.viewer.active
    assert vp.state.window == CT_PRESETS["lung"]
    with qtbot.waitSignal(window.loaded, timeout=10000):
        gate.set()
    assert vp.index == 14 and vp.state.window == CT_PRESETS["lung"]
    window.close()


def test_the_viewport_keeps_the_series_of_the_first_image(qtbot, tmp_path, gate):
    folder = tmp_path / "two"
    write_prior(folder / "a-prior", "1.2.3")  # Se 3, first in path order, second in reading order
    write_ct_series(folder / "b-ct", SLICES, SIZE)  # Se 2
    window = open_window(qtbot, folder, layout="1x2")
    wait_provisional(qtbot, window)
    vp = window.viewer.active
    shown = vp.dataset().SOPInstanceUID
    assert vp.dataset().SeriesNumber == 3
    with qtbot.waitSignal(window.loaded, timeout=10000):
        gate.set()
    current, prior = window.series
    assert (len(current), len(prior)) == (SLICES, 10)
    left, right = window.viewer.visible_viewports()
    assert (left.series, right.series) == (prior, current)  # no jump to another series
    assert left.dataset().SOPInstanceUID == shown and window.viewer.active is left
    window.close()


def test_the_middle_when_the_first_image_is_gone(qtbot, ct_dir, gate):
    window = open_window(qtbot, ct_dir)
    wait_provisional(qtbot, window)
    (ct_dir / "A0000007").unlink()  # removed from the disc meanwhile
    with qtbot.waitSignal(window.loaded, timeout=10000):
        gate.set()
    vp = window.viewer.active
    assert vp.series is window.series[0] and vp.count == SLICES - 1 and vp.index == (SLICES - 1) // 2
    assert window.statusBar().currentMessage() == f"1 series from {ct_dir} (1 unreadable file left out)"
    window.close()


def test_a_single_file_and_a_multi_frame_file(qtbot, tmp_path):
    shutil.copy(get_testdata_file("examples_ybr_color.dcm"), tmp_path / "US")
    window = open_window(qtbot, tmp_path / "US")
    with qtbot.waitSignal(window.loaded, timeout=10000):
        pass
    vp = window.viewer.active
    assert vp.count == 30 and window.series_view.count() == 1
    qtbot.waitUntil(lambda: vp.displayed_index == 0 and vp.frame is not None, timeout=5000)
    window.close()


def test_an_undecodable_first_image_shows_why_and_the_series_still_loads(qtbot, ct_dir, gate):
    data = (ct_dir / "A0000007").read_bytes()
    (ct_dir / "A0000007").write_bytes(data[:len(data) - SIZE * SIZE])  # truncated pixel data
    window = open_window(qtbot, ct_dir)
    vp = window.viewer.active
    qtbot.waitUntil(lambda: window.provisional is not None and vp.displayed_index == 0, timeout=5000)
    assert vp.frame is None and vp.error
    with qtbot.waitSignal(window.loaded, timeout=10000):
        gate.set()
    assert len(window.series[0]) == SLICES and vp.index == 6
    window.close()


def test_opening_another_path_drops_the_one_still_loading(qtbot, ct_dir, tmp_path, gate):
    window = open_window(qtbot, ct_dir)
    wait_provisional(qtbot, window)
    assert gate.started.wait(5)
    other = tmp_path / "other"
    write_ct_series(other, 4, SIZE)
    gate.started.clear()
    window.open_path(other)
    qtbot.waitUntil(gate.started.is_set, timeout=5000)  # the second one is indexing too
    assert window.provisional.instances[0].path.startswith(str(other.resolve()))
    loads = []
    window.loaded.connect(loads.append)
    gate.set()
    qtbot.waitUntil(lambda: loads == [1], timeout=10000)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=5000)
    assert [len(s) for s in window.series] == [4] and window.viewer.active.series is window.series[0]
    assert loads == [1]
    window.close()


def test_closing_while_indexing_stops_at_once(qtbot, ct_dir, gate):
    window = open_window(qtbot, ct_dir)
    wait_provisional(qtbot, window)
    assert gate.started.wait(5)
    provisional = window.provisional
    window.close()  # how long it takes: tests/benchmarks/test_startup_benchmark.py
    assert not window.isVisible()
    assert window.runner.pool.activeThreadCount() == 0 and provisional._closed
