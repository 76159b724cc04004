"""`secondo snapshot FILE -o OUT.png [--frame N] [--window C,W]`."""

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from app.cli import main
from app.demo.imaging import cr_chest_dataset, ct_series
from tests.decode_files import undecodable_jpeg
from tests.unit.test_dicom_pixels import SHIPPED, sample, sample_path
from viewers.dicom.pixels import Window, decode_frame, render


def snapshot(capsys, *args) -> tuple[int, str, str]:
    code = main(["snapshot", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)


@pytest.fixture
def ct_file(tmp_path):
    path = tmp_path / "CT000001.dcm"
    next(ct_series(1, 512)).save_as(path, enforce_file_format=True)
    return path


def assert_failed_cleanly(code, out, err, folder):
    assert code == 3
    assert err.startswith("secondo: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not any(folder.iterdir()), "a failed snapshot left a file behind"


class TestSnapshot:
    def test_a_ct_slice_in_its_own_window(self, capsys, ct_file, tmp_path):
        out_png = tmp_path / "ct.png"
        code, out, _ = snapshot(capsys, ct_file, "-o", out_png)
        assert code == 0
        with Image.open(out_png) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "L", (512, 512))
        frame = decode_frame(next(ct_series(1, 512)), 0)
        np.testing.assert_array_equal(pixels(out_png), render(frame, Window(-600, 1500)))
        assert "image 1 of 1, 512x512, W 1500 C -600 HU (LUNG)" in out

    @pytest.mark.parametrize("form", [["--window", "-600,1500"], ["--window=-600,1500"]])
    def test_an_explicit_window(self, capsys, ct_file, tmp_path, form):
        code, out, _ = snapshot(capsys, ct_file, "-o", tmp_path / "lung.png", *form)
        assert code == 0
        frame = decode_frame(next(ct_series(1, 512)), 0)
        np.testing.assert_array_equal(pixels(tmp_path / "lung.png"), render(frame, Window(-600, 1500)))
        code, _, _ = snapshot(capsys, ct_file, "-o", tmp_path / "bone.png", "--window", "350,2000")
        assert not np.array_equal(pixels(tmp_path / "bone.png"), pixels(tmp_path / "lung.png"))

    def test_a_frame_of_a_colour_ultrasound_counted_from_1(self, capsys, tmp_path):
        code, out, _ = snapshot(capsys, sample_path("examples_ybr_color.dcm"), "-o", tmp_path / "us.png",
                                "--frame", 30)
        assert code == 0 and "image 30 of 30" in out
        with Image.open(tmp_path / "us.png") as image:
            assert (image.mode, image.size) == ("RGB", (320, 240))
        ds = sample("examples_ybr_color.dcm")
        np.testing.assert_array_equal(pixels(tmp_path / "us.png"), decode_frame(ds, 29).modality)
        snapshot(capsys, sample_path("examples_ybr_color.dcm"), "-o", tmp_path / "first.png")
        np.testing.assert_array_equal(pixels(tmp_path / "first.png"), decode_frame(ds, 0).modality)

    def test_monochrome1_is_shown_inverted(self, capsys, tmp_path):
        ds = cr_chest_dataset(120, 100)
        ds.save_as(tmp_path / "cr.dcm", enforce_file_format=True)
        assert snapshot(capsys, tmp_path / "cr.dcm", "-o", tmp_path / "cr.png")[0] == 0
        image, stored = pixels(tmp_path / "cr.png"), decode_frame(ds, 0).stored
        assert image[np.unravel_index(np.argmin(stored), stored.shape)] == image.max()

    def test_the_help_says_frames_count_from_1(self, capsys):
        with pytest.raises(SystemExit):
            main(["snapshot", "--help"])
        assert "counted from 1" in capsys.readouterr().out

    @pytest.mark.parametrize(("name", "color"), [(s[0], s[2]) for s in SHIPPED], ids=[s[0] for s in SHIPPED])
    def test_every_shipped_image(self, capsys, tmp_path, name, color):
        path = sample_path(name)
        code, _, err = snapshot(capsys, path, "-o", tmp_path / "out.png")
        assert code == 0, err
        ds = sample(name)
        with Image.open(tmp_path / "out.png") as image:
            assert image.size == (ds.Columns, ds.Rows)
            assert image.mode == ("RGB" if color else "L")


class TestSnapshotFailures:
    def test_a_text_file(self, capsys, tmp_path):
        text = tmp_path / "in" / "letter.txt"
        text.parent.mkdir()
        text.write_text("Dear colleague, Test^Patient 19700101\n")
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        code, out, err = snapshot(capsys, text, "-o", out_dir / "x.png")
        assert_failed_cleanly(code, out, err, out_dir)
        assert "is not a DICOM file" in err

    def test_a_dicom_file_without_pixel_data(self, capsys, tmp_path):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.88.11", generate_uid()
        ds.PatientName, ds.PatientBirthDate = "Test^Patient", "19700101"
        ds.save_as(tmp_path / "report.dcm", enforce_file_format=True)
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        code, out, err = snapshot(capsys, tmp_path / "report.dcm", "-o", out_dir / "x.png")
        assert_failed_cleanly(code, out, err, out_dir)
        assert "no Pixel Data" in err

    def test_a_missing_file(self, capsys, tmp_path):
        code, out, err = snapshot(capsys, tmp_path / "absent.dcm", "-o", tmp_path / "x.png")
        assert_failed_cleanly(code, out, err, tmp_path)
        assert "no such file" in err

    def test_an_undecodable_file(self, capsys, tmp_path):
        source = undecodable_jpeg(tmp_path / "cut.dcm")
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        code, out, err = snapshot(capsys, source, "-o", out_dir / "x.png")
        assert_failed_cleanly(code, out, err, out_dir)
        assert "JPEG data of image 1 is truncated or corrupt" in err

    def test_truncated_pixel_data(self, capsys, tmp_path):
        ds = next(ct_series(1, 64))
        ds.PixelData = ds.PixelData[:4000]
        ds.save_as(tmp_path / "short.dcm", enforce_file_format=True)
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        code, out, err = snapshot(capsys, tmp_path / "short.dcm", "-o", out_dir / "x.png")
        assert_failed_cleanly(code, out, err, out_dir)
        assert "truncated" in err

    @pytest.mark.parametrize("frame", [0, 31])
    def test_a_frame_that_does_not_exist(self, capsys, tmp_path, frame):
        code, out, err = snapshot(capsys, sample_path("examples_ybr_color.dcm"), "-o", tmp_path / "x.png",
                                  "--frame", frame)
        assert_failed_cleanly(code, out, err, tmp_path)
        assert "images 1 to 30" in err

    @pytest.mark.parametrize("value", ["40", "40,0", "a,b", "nan,100", "1,2,3"])
    def test_a_bad_window(self, capsys, ct_file, tmp_path, value):
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        code, out, err = snapshot(capsys, ct_file, "-o", out_dir / "x.png", f"--window={value}")
        assert_failed_cleanly(code, out, err, out_dir)
        assert "--window" in err

    def test_an_existing_png_is_kept_when_the_snapshot_fails(self, capsys, tmp_path):
        target = tmp_path / "keep.png"
        target.write_bytes(b"previous")
        code, _, _ = snapshot(capsys, undecodable_jpeg(tmp_path / "cut.dcm"), "-o", target)
        assert code == 3 and target.read_bytes() == b"previous"
