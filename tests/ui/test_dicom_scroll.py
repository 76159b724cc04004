"""Scrolling a series through the viewer: files are read, decrypted and decoded only on the
series worker, never on the GUI thread (it draws what is ready and keeps the last image
meanwhile); the frame cache's accounting stays within its bound and counts the header each
frame carries."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.demo.imaging import write_ct_series
from viewers.dicom import series as series_module
from viewers.dicom.cache import FrameCache
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import series_from_paths
from viewers.dicom.widget import DicomViewerWidget

SLICES, SIZE = 60, 64
FRAME_BYTES = SIZE * SIZE * 6 + 512 + 8192  # float32 modality, int16 stored, overhead, its header (pickled)


@pytest.fixture(scope="module")
def ct_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ct-scroll")
    write_ct_series(folder, SLICES, SIZE)
    return folder


class ThreadLog:
    """Which threads read a file and decoded a frame."""

    def __init__(self):
        self.reads: list[str] = []
        self.decodes: list[str] = []
        self._lock = threading.Lock()

    def add(self, kind: list[str]) -> None:
        with self._lock:
            kind.append(threading.current_thread().name)


@pytest.fixture
def logged(monkeypatch, ct_dir):
    log = ThreadLog()
    real_decode = series_module.decode_frame

    def decode_frame(ds, index):
        log.add(log.decodes)
        return real_decode(ds, index)

    monkeypatch.setattr(series_module, "decode_frame", decode_frame)
    [(_summary, refs, load)] = series_from_paths(ct_dir)

    def loader(ref):
        log.add(log.reads)
        return load(ref)

    return log, refs, loader


def scroll(qtbot, vp, indexes) -> None:
    """Step through `indexes` as a wheel would: one step, the events of one frame, the next."""
    for n in indexes:
        vp.set_index(n)
        QApplication.processEvents()
        time.sleep(0.002)


def shown_viewport(qtbot, model: SeriesModel):
    """A DICOM viewer on screen with `model` in its active viewport; that viewport."""
    viewer = DicomViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(400, 400)
    viewer.show()
    viewer.set_series_list([model])
    return viewer.active


def test_scrolling_never_reads_or_decodes_on_the_gui_thread(qtbot, logged):
    log, refs, loader = logged
    model = SeriesModel(refs, loader, cache=FrameCache(12 * FRAME_BYTES))  # far fewer than the slices
    vp = shown_viewport(qtbot, model)
    scroll(qtbot, vp, range(SLICES))
    scroll(qtbot, vp, reversed(range(SLICES)))  # back over evicted and cached slices
    qtbot.waitUntil(lambda: vp.displayed_index == 0 and vp.frame is not None, timeout=10000)
    vp.repaint()  # overlays, geometry and header of the shown slice
    assert vp.dataset() is not None and vp.dataset().InstanceNumber == 1
    assert vp.slice_info().pixel_spacing is not None  # the header's geometry, kept by the worker
    model.close()
    gui = threading.main_thread().name
    assert log.decodes and log.reads
    assert gui not in log.decodes
    assert gui not in log.reads
    assert set(log.decodes) == set(log.reads) == {"dicom-series-worker"}


def test_the_cache_counts_what_it_holds_and_stays_within_its_bound(qtbot, logged):
    _log, refs, loader = logged
    cache = FrameCache(12 * FRAME_BYTES)
    model = SeriesModel(refs, loader, cache=cache)
    vp = shown_viewport(qtbot, model)
    scroll(qtbot, vp, range(SLICES))
    assert model.wait_idle(10)
    model.close()
    assert cache.evictions > 0 and 0 < cache.nbytes <= cache.max_bytes
    frames = [cache.peek(key) for key in cache.keys()]
    assert cache.nbytes == sum(frame.nbytes for frame in frames)
    # Each frame carries its header as bytes, counted with it; parsed headers are kept only
    # for a handful of recent slices: they do not pile up beside the cache.
    assert all(frame.header_pickle for frame in frames)
    assert all(frame.nbytes >= frame.modality.nbytes + len(frame.header_pickle) for frame in frames)
    assert all(series_module.frame_header(frame).SOPInstanceUID == key.instance
               for key, frame in zip(cache.keys(), frames))
    assert len(model._headers) <= series_module.HEADERS_KEPT
