"""Viewer benchmarks, measured from the input to the end of the paint:
- a 500-slice 512x512 CT: first image on screen < 300 ms after opening (`secondo view
  FOLDER`: from the window's construction on the folder); one slice of scrolling < 8 ms
  median when cached, < 25 ms when decoded on the fly (uncompressed);
- window/level drag on a 3000x4000 mammogram: < 40 ms per update.

The paint is forced with `repaint()` (synchronous), so each figure includes rendering the
frame and drawing it with its overlays, as the screen would. Figures are recorded against their
targets (tests/benchmarks/figures.py), never asserted.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.demo.imaging import write_ct_series
from app.ui.viewer_window import ViewerWindow, load_series
from tests.benchmarks.figures import record
from tests.benchmarks.long_series import write_long_ct
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.widget import DicomViewerWidget

SLICES, SIZE = 500, 512
VIEW = (1000, 900)


@pytest.fixture(scope="module")
def big_ct(tmp_path_factory) -> Path:
    return write_long_ct(tmp_path_factory.mktemp("ct500"), SLICES, SIZE, spacing_mm=1.25) / "DICOM"


@pytest.fixture(scope="module")
def ct_folder(tmp_path_factory) -> Path:
    """The synthetic thorax, 500 slices of 512x512, one file each (CT000001...)."""
    folder = tmp_path_factory.mktemp("ct500-thorax")
    write_ct_series(folder, SLICES, SIZE)
    return folder


@pytest.fixture(scope="module")
def mammogram(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mg")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName, ds.PatientBirthDate, ds.Modality = "Test^Patient", "19700101", "MG"
    ds.Rows, ds.Columns = 4000, 3000
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.ImagerPixelSpacing = [0.07, 0.07]
    y, x = np.mgrid[0:4000, 0:3000]
    breast = ((x / 2600.0) ** 2 + ((y - 2000) / 1900.0) ** 2 <= 1)
    pixels = np.where(breast, 1500 + 800 * np.sin(x / 37.0) * np.cos(y / 53.0), 100)
    pixels += np.random.default_rng(3).normal(0, 40, pixels.shape)
    ds.PixelData = np.clip(pixels, 0, 4095).astype("<u2").tobytes()
    ds.save_as(folder / "MG000001", enforce_file_format=True)
    return folder


def open_viewer(qtbot, folder: Path, cache_mb: int = 512):
    series = load_series(folder, FrameCache(cache_mb * MiB), [])
    viewer = DicomViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(*VIEW)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer, series


def wait_drawn(vp, n: int, timeout: float = 5.0) -> None:
    deadline = time.perf_counter() + timeout
    while vp.displayed_index != n:
        QApplication.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError(f"slice {n} was not drawn")
        time.sleep(0.0002)


def test_open_to_first_image(benchmark, qtbot, big_ct):
    """From the indexed series to its first slice drawn (the file read and decoded)."""
    viewer, series = open_viewer(qtbot, big_ct, cache_mb=64)
    vp = viewer.active

    def setup():
        series[0].cache.clear()
        viewer.set_series_list([])

    def run():
        viewer.set_series_list(series)
        wait_drawn(vp, 0)
        vp.repaint()

    benchmark.pedantic(run, setup=setup, rounds=15, iterations=1)
    started = time.perf_counter()
    again = load_series(big_ct, FrameCache(64 * MiB), [])
    benchmark.extra_info["index_500_files_s"] = round(time.perf_counter() - started, 3)
    for model in series + again:
        model.close()
    assert vp.frame is not None
    record(benchmark, "first image of a 500-slice series on screen (indexed)", benchmark.stats.stats.median, 0.3, "s wall")


def test_view_folder_to_first_image(benchmark, qtbot, ct_folder):
    """`secondo view FOLDER`: from ViewerWindow(FOLDER) to its first image painted (the
    folder listed, the first file read and decoded, the rest indexed in the background)."""
    windows: list[ViewerWindow] = []

    def setup():
        while windows:
            windows.pop().close()  # its indexing is cancelled and its workers joined
        QApplication.processEvents()

    def run():
        window = ViewerWindow(ct_folder)
        windows.append(window)
        window.resize(*VIEW)
        window.show()
        vp = window.viewer.active
        deadline = time.perf_counter() + 5.0
        while vp.frame is None:
            QApplication.processEvents()
            if time.perf_counter() > deadline:
                raise TimeoutError("no image was drawn")
            time.sleep(0.0002)
        vp.repaint()

    benchmark.pedantic(run, setup=setup, rounds=15, iterations=1, warmup_rounds=1)
    first_shown = windows[-1].viewer.active.slice_key()
    # Then the whole folder: indexed, sorted, and in place of the provisional image.
    setup()
    started = time.perf_counter()
    window = ViewerWindow(ct_folder)
    qtbot.addWidget(window)
    window.resize(*VIEW)
    with qtbot.waitSignal(window.loaded, timeout=30000):
        window.show()
    benchmark.extra_info["all_500_indexed_s"] = round(time.perf_counter() - started, 3)
    vp = window.viewer.active
    assert vp.count == SLICES and vp.slice_key() == first_shown  # CT000001, the first slice
    window.close()
    record(benchmark, "secondo view FOLDER: first image of 500 slices on screen", benchmark.stats.stats.median, 0.3, "s wall")


def test_scroll_one_cached_slice(benchmark, qtbot, big_ct):
    viewer, series = open_viewer(qtbot, big_ct)
    viewer.set_series_list(series)
    vp = viewer.active
    model = series[0]
    for n in range(60):
        model.frame(n)
    wait_drawn(vp, 0)
    model.close()  # no prefetching in the background while measuring
    state = {"n": 0}

    def scroll():
        state["n"] = (state["n"] + 1) % 60
        vp.set_index(state["n"])
        vp.repaint()

    benchmark.pedantic(scroll, rounds=300, iterations=1, warmup_rounds=5)
    assert vp.displayed_index == state["n"]
    benchmark.extra_info["viewport_px"] = f"{vp.width()}x{vp.height()}"
    record(benchmark, "scroll one cached slice (render and paint), median", benchmark.stats.stats.median, 0.008, "s wall")


def test_scroll_one_slice_decoded_on_the_fly(benchmark, qtbot, big_ct):
    viewer, series = open_viewer(qtbot, big_ct, cache_mb=8)
    viewer.set_series_list(series)
    vp = viewer.active
    model = series[0]
    wait_drawn(vp, 0)
    state = {"n": 100}

    def setup():
        while not model.idle():
            time.sleep(0.001)
        time.sleep(0.005)  # a prefetch decode that was running has finished
        model.cache.clear()
        state["n"] += 7  # never a neighbour that was prefetched

    def scroll():
        vp.set_index(state["n"])
        wait_drawn(vp, state["n"])
        vp.repaint()

    benchmark.pedantic(scroll, setup=setup, rounds=40, iterations=1)
    model.close()
    record(benchmark, "scroll one slice decoded on the fly (render and paint), median", benchmark.stats.stats.median, 0.025, "s wall")


def test_window_level_drag_on_a_mammogram(benchmark, qtbot, mammogram):
    viewer, series = open_viewer(qtbot, mammogram)
    viewer.set_series_list(series)
    vp = viewer.active
    wait_drawn(vp, 0, timeout=30)
    start = QPointF(vp.width() / 2, vp.height() / 2)
    QApplication.sendEvent(vp, QMouseEvent(QEvent.Type.MouseButtonPress, start, vp.mapToGlobal(start),
                                           Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton,
                                           Qt.KeyboardModifier.NoModifier))
    state = {"dx": 0}

    def move():
        state["dx"] += 3
        pos = start + QPointF(state["dx"] % 200, (state["dx"] // 2) % 150)
        QApplication.sendEvent(vp, QMouseEvent(QEvent.Type.MouseMove, pos, vp.mapToGlobal(pos),
                                               Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                                               Qt.KeyboardModifier.NoModifier))
        vp.repaint()

    benchmark.pedantic(move, rounds=100, iterations=1, warmup_rounds=2)
    benchmark.extra_info["image"] = "3000x4000"
    for model in series:
        model.close()
    record(benchmark, "window/level drag on a 3000x4000 mammogram, median per update", benchmark.stats.stats.median, 0.04, "s wall")
