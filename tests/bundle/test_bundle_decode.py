"""The bundle's fallback decoder: GDCM travels in it and its worker process starts from the
frozen executable (multiprocessing's spawn through freeze_support)."""

import pytest
from pydicom.data import get_testdata_file

from tests.bundle.test_bundle import EXE, run

pytestmark = pytest.mark.skipif(not EXE.exists(), reason="no bundle (run ./scripts/build)")


def test_a_jply_frame_decodes_through_gdcm_in_the_bundle(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "jply.png"
    done = run("snapshot", get_testdata_file("JPEG-lossy.dcm"), "-o", str(out), home=home)
    assert done.returncode == 0, done.stderr
    assert "256x1024" in done.stdout and out.stat().st_size > 0
    assert done.stderr == "", "GDCM's native warnings stay in its worker"


def test_the_version_names_python_gdcm(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = run("--version", home=home)
    assert "python-gdcm 3." in done.stdout
