"""ReformatSeries: a reformat behaves as a series for the viewport (frames through a worker
and a callback, geometry, captions, stepping along the plane's normal)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tests.unit import phantoms
from viewers.dicom.frame import Frame
from viewers.dicom.pixels import default_window, render
from viewers.dicom.reformat_series import ReformatSeries
from viewers.dicom.volume import load_volume, reformat, standard_plane


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    series = phantoms.open_series(phantoms.straight(tmp_path_factory.mktemp("p") / "s"))
    return series, load_volume(series)


@pytest.fixture
def coronal(loaded):
    series, volume = loaded
    reformats = ReformatSeries(volume, standard_plane(volume, "coronal"), "coronal", source=series)
    yield reformats
    reformats.close()


def test_request_answers_through_the_callback_on_a_worker(coronal):
    done = threading.Event()
    answers = []

    def callback(n, frame):
        answers.append((n, frame, threading.current_thread().name))
        done.set()

    coronal.request(coronal.base_index, callback, viewport="vp")
    assert done.wait(10)
    n, frame, thread = answers[0]
    assert n == coronal.base_index and isinstance(frame, Frame)
    assert thread == "dicom-reformat-worker"
    np.testing.assert_array_equal(frame.modality, reformat(coronal.volume, coronal.plane(n)))
    assert frame.units == "HU" and frame.windows[0].center == 40
    assert coronal.peek(n) is frame  # kept: the volume is complete
    assert render(frame, default_window(frame)).shape == coronal.plane(n).shape


def test_a_newer_request_for_the_viewport_replaces_the_older(coronal):
    got = []
    gate = threading.Event()
    coronal.request(0, lambda n, f: gate.wait(5), viewport="other")  # keeps the worker busy
    coronal.request(1, lambda n, f: got.append(n), viewport="vp")
    coronal.request(2, lambda n, f: got.append(n), viewport="vp")
    gate.set()
    assert coronal.wait_idle(10)
    assert got == [2]


def test_index_steps_along_the_normal_through_the_base_plane(coronal):
    base = coronal.plane(coronal.base_index)
    np.testing.assert_allclose(base.origin, coronal.base.origin)
    step = coronal.plane(coronal.base_index + 1).origin - base.origin
    np.testing.assert_allclose(step, coronal.step * coronal.base.normal)
    assert coronal.step == pytest.approx(0.8)  # the voxel size along y
    # The range covers the volume along y (64 pixels of 0.8 mm: y = -25.2 .. 25.2), and no more.
    ys = [float(coronal.plane(n).origin[1]) for n in (0, len(coronal) - 1)]
    assert ys[0] <= -25.2 + 1e-6 and ys[1] >= 25.2 - 1e-6
    assert ys[0] > -25.2 - 0.8 and ys[1] < 25.2 + 0.8
    assert coronal.index_at(base.origin) == coronal.base_index


def test_geometry_and_captions_name_the_plane(coronal, loaded):
    series, _volume = loaded
    info = coronal.slice_info(3)
    assert info.orientation == (1, 0, 0, 0, 0, -1)
    assert info.pixel_spacing == (0.8, 0.8) and info.spacing_source == "PixelSpacing"
    assert info.frame_of_reference_uid == series.frame_of_reference_uid
    header = coronal.peek_dataset(3)
    assert header.SeriesDescription == "Coronal reformat"
    assert header.PatientName == "Test^Patient" and header.Modality == "CT"
    assert "PixelData" not in header
    assert coronal.instances[0].info.series["description"] == "Coronal reformat"
    assert coronal.slice_key(3) == (coronal.series_uid, 3)
    assert coronal.index_of(coronal.slice_key(3)) == 3


def test_nearest_slice_follows_a_location_along_the_normal(coronal, loaded):
    series, _volume = loaded
    location = float(coronal.plane(10).origin @ coronal.base.normal)
    assert coronal.nearest_slice(location, series.frame_of_reference_uid) == 10
    assert coronal.nearest_slice(location, "another frame") is None
    assert coronal.nearest_slice(location, series.frame_of_reference_uid, normal=(0, 0, 1)) is None


def test_slab_changes_the_frames(coronal):
    thin = coronal.frame(coronal.base_index)
    coronal.set_slab(10.0, "mip")
    thick = coronal.frame(coronal.base_index)
    assert coronal.slice_info(0).thickness == 10.0
    assert (thick.modality >= thin.modality - 1e-3).all()
    assert (thick.modality > thin.modality + 1).any()
    with pytest.raises(ValueError):
        coronal.set_slab(5.0, "median")


def test_each_reformat_has_its_own_header(loaded):
    series, volume = loaded
    before = series.peek_dataset(0).SeriesDescription
    made = [ReformatSeries(volume, standard_plane(volume, name), name, source=series)
            for name in ("axial", "coronal", "sagittal")]
    assert [r.peek_dataset(0).SeriesDescription for r in made] == [
        "Axial reformat", "Coronal reformat", "Sagittal reformat"]
    assert series.peek_dataset(0).SeriesDescription == before == "Phantom"


def test_axial_steps_by_the_slice_spacing_or_as_asked(loaded):
    series, volume = loaded
    plane = standard_plane(volume, "axial", at_mm=0.0)  # the first slice: the stack starts there
    axial = ReformatSeries(volume, plane, "axial", source=series)
    assert axial.step == pytest.approx(2.5) and axial.base_index == 0 and len(axial) == 42
    assert axial.plane(41).origin[2] == pytest.approx(102.5)
    fine = ReformatSeries(volume, plane, "axial", source=series, step_mm=0.8)
    assert len(fine) == int(np.ceil(41 * 2.5 / 0.8 - 1e-6)) + 1  # 102.5 mm in 0.8 mm steps
