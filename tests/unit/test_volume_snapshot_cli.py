"""`secondo snapshot PATH --plane ...` run as a user runs it: a subprocess, its exit code, its
PNG (size, square pixels, patient right on the image left, head up) and its words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.unit import phantoms

ROOT = Path(__file__).resolve().parents[2]
# A bright marker on the patient's right (-x), low (z = 10), and one on the left, high (z = 90).
MARKERS = [((-18.0, 0.0, 10.0), 4.0), ((18.0, 0.0, 90.0), 6.0)]


def snapshot(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "snapshot", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert (image.format, image.mode) == ("PNG", "L")
        return np.asarray(image)


@pytest.fixture(scope="module")
def markers(tmp_path_factory) -> Path:
    return phantoms.straight(tmp_path_factory.mktemp("cli") / "markers", MARKERS)


def bright_centre(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(image > 128)
    return float(xs.mean()), float(ys.mean())


def test_coronal_has_the_patients_right_on_the_left_and_the_head_up(markers, tmp_path):
    out = tmp_path / "coronal.png"
    done = snapshot(markers, "--plane", "coronal", "--window", "0,400", "-o", out)
    assert done.returncode == 0, done.stderr
    image = pixels(out)
    # 64 columns of 0.8 mm; 41 gaps of 2.5 mm = 102.5 mm high in 0.8 mm pixels.
    assert image.shape == (129, 64)
    assert "Coronal reformat at y = 0.0 mm" in done.stdout and "129" in done.stdout and "0.80 mm pixels" in done.stdout
    left, right = image[:, :32], image[:, 32:]
    lx, ly = bright_centre(left)
    rx, ry = bright_centre(right)
    assert ly > ry  # the right-sided marker (z = 10) is low, the left-sided one (z = 90) high
    assert left[int(round(ly)), int(round(lx))] > 200 and (left > 128).sum() < (right > 128).sum()  # the smaller one
    # Where the mm positions say: x = -18 at column (-18 + 25.2) / 0.8 = 9, z = 10 at row (102.5 - 10) / 0.8.
    assert lx == pytest.approx(9, abs=1) and ly == pytest.approx(92.5 / 0.8, abs=1.5)


def test_sagittal_at_a_position_and_axial_slab(markers, tmp_path):
    out = tmp_path / "sagittal.png"
    done = snapshot(markers, "--plane", "sagittal", "--at", "18", "--window", "0,400", "-o", out)
    assert done.returncode == 0, done.stderr
    image = pixels(out)
    x, y = bright_centre(image)
    assert y == pytest.approx((102.5 - 90) / 0.8, abs=1.5)  # head up
    assert x == pytest.approx(25.2 / 0.8, abs=1.5)  # y = 0 mm: anterior on the left
    out = tmp_path / "mip.png"
    done = snapshot(markers, "--plane", "axial", "--at", "10", "--slab", "30", "--mode", "mip",
                    "--window", "0,400", "-o", out)
    assert done.returncode == 0, done.stderr
    assert "30 mm MIP slab" in done.stdout
    assert pixels(out).shape == (64, 64)


def test_gantry_tilt_is_noted(tmp_path):
    folder = phantoms.tilted(tmp_path / "tilted", rows=32, columns=32, slices=12)
    done = snapshot(folder, "--plane", "sagittal", "-o", tmp_path / "t.png")
    assert done.returncode == 0, done.stderr
    assert "note: gantry tilt corrected" in done.stderr


def test_not_a_volume_exits_3_with_the_reason(tmp_path):
    folder = phantoms.write_series(tmp_path / "two", [(0, 0, 0), (0, 0, 1)], rows=16, columns=16)
    out = tmp_path / "x.png"
    done = snapshot(folder, "--plane", "axial", "-o", out)
    assert done.returncode == 3
    assert "A volume needs at least 3 slices; this series has 2." in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_several_series_need_series_uid(tmp_path):
    root = tmp_path / "two-series"
    phantoms.write_series(root / "a", [(0, 0, z) for z in range(4)], rows=16, columns=16)
    phantoms.write_series(root / "b", [(0, 0, z) for z in range(5)], rows=16, columns=16)
    done = snapshot(root, "--plane", "axial", "-o", tmp_path / "x.png")
    assert done.returncode == 3 and "choose one with --series UID" in done.stderr
    import pydicom
    uid = pydicom.dcmread(next((root / "b").glob("*.dcm"))).SeriesInstanceUID
    out = tmp_path / "b.png"
    done = snapshot(root, "--plane", "axial", "--series", uid, "-o", out)
    assert done.returncode == 0, done.stderr
    done = snapshot(root, "--plane", "axial", "--series", "1.2.3.4", "-o", out)
    assert done.returncode == 3 and "No image series 1.2.3.4" in done.stderr


def test_a_file_list_and_at_outside(markers, tmp_path):
    files = sorted(markers.glob("*.dcm"))
    out = tmp_path / "list.png"
    done = snapshot(*files, "--plane", "axial", "-o", out)
    assert done.returncode == 0, done.stderr
    done = snapshot(markers, "--plane", "axial", "--at", "500", "-o", out)
    assert done.returncode == 3 and "lies outside the volume" in done.stderr


def test_the_single_file_form_still_refuses_plane_options(markers, tmp_path):
    file = next(markers.glob("*.dcm"))
    done = snapshot(file, "--slab", "5", "-o", tmp_path / "x.png")
    assert done.returncode == 3 and "--slab needs --plane" in done.stderr
    done = snapshot(file, "-o", tmp_path / "y.png")
    assert done.returncode == 0 and (tmp_path / "y.png").exists()
