"""The fallback decoder (viewers/dicom/fallback.py): GDCM decodes what pylibjpeg refuses, the
12-bit JPEG Extended of the NEMA WG04 JPLY samples first, as DCMTK decodes it; it is asked
only after the first decoders failed, and loaded only then."""

import subprocess
import sys
import textwrap

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGExtended12Bit

from app.cli import main
from tests.decode_files import (NO_DCMTK, as_jply, ct_12bit, dcmtk_installed, dcmtk_values, jpeg_extended_12bit,
                                undecodable_jpeg)
from viewers.dicom import fallback
from viewers.dicom.pixels import FrameDecodeError, decode_frame, read_image_file

needs_dcmtk = pytest.mark.skipif(not dcmtk_installed(), reason=NO_DCMTK)


def sample(name: str):
    return read_image_file(get_testdata_file(name))


def first_decoders_refuse(path) -> bool:
    try:
        pydicom.pixels.pixel_array(str(path), decoding_plugin="pylibjpeg")
    except Exception as exc:  # noqa: BLE001 - whatever libjpeg raises
        return "-1038" in str(exc)
    return False


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A 512x512 12-bit CT slice, its JPEG Extended encoding by DCMTK and the JPLY form of it."""
    if not dcmtk_installed():
        pytest.skip(NO_DCMTK)
    folder = tmp_path_factory.mktemp("jply")
    ds = ct_12bit(512)
    encoded = jpeg_extended_12bit(ds, folder)
    return folder, folder / "ct12-plain.dcm", encoded, as_jply(encoded, folder / "ct12-jply.dcm")


class TestTwelveBitJpegExtended:
    def test_the_jply_sample_is_one_libjpeg_refuses(self):
        assert first_decoders_refuse(get_testdata_file("JPEG-lossy.dcm"))

    def test_the_jply_sample_decodes_like_its_conformant_twin(self):
        """JPGExtended.dcm is the same codestream with the scan header fixed (libjpeg reads it)."""
        frame, twin = decode_frame(sample("JPEG-lossy.dcm"), 0), decode_frame(sample("JPGExtended.dcm"), 0)
        assert frame.stored.shape == (1024, 256) and frame.stored.dtype == np.uint16
        assert np.abs(frame.stored.astype(int) - twin.stored.astype(int)).max() <= 1
        assert frame.stored.max() > 200

    @needs_dcmtk
    def test_the_jply_sample_decodes_as_dcmtk_decodes_it(self, tmp_path):
        path = get_testdata_file("JPEG-lossy.dcm")
        frame = decode_frame(read_image_file(path), 0)
        np.testing.assert_array_equal(frame.stored, dcmtk_values(path, 12, tmp_path))

    @needs_dcmtk
    def test_a_jply_ct_slice_matches_dcmtk_and_the_original_within_jpeg_loss(self, made):
        folder, plain, _encoded, jply = made
        assert first_decoders_refuse(jply)
        frame = decode_frame(read_image_file(jply), 0)
        np.testing.assert_array_equal(frame.stored, dcmtk_values(jply, 12, folder))
        error = np.abs(frame.modality - decode_frame(read_image_file(plain), 0).modality)
        assert frame.units == "HU"
        assert error.mean() < 5 and error.max() < 40, "JPEG quality 90 loses a few HU, not more"

    @needs_dcmtk
    def test_dcmtks_conformant_encoding_stays_with_the_first_decoder(self, made, monkeypatch):
        folder, _plain, encoded, _jply = made
        monkeypatch.setattr(fallback, "decoder_for", lambda tsyntax: pytest.fail("fallback asked"))
        frame = decode_frame(read_image_file(encoded), 0)
        assert np.abs(frame.stored.astype(int) - dcmtk_values(encoded, 12, folder)).max() <= 1


class TestTheFallbackAlone:
    @pytest.mark.parametrize("name, tolerance", [
        ("JPGExtended.dcm", 1), ("SC_rgb_jpeg_dcmtk.dcm", 2), ("SC_rgb_jpeg_gdcm.dcm", 0),
        ("MR_small_jpeg_ls_lossless.dcm", 0), ("JPEGLSNearLossless_16.dcm", 0), ("SC_rgb_jls_lossy_line.dcm", 0),
        ("MR_small_jp2klossless.dcm", 0), ("GDCMJ2K_TextGBR.dcm", 0), ("693_J2KI.dcm", 1)])
    def test_gdcm_decodes_what_the_first_decoders_decode(self, name, tolerance):
        """The worker's GDCM steps (pydicom's GDCM plugin's, without its 12-bit refusal) give
        the first decoders' values, in the same layout."""
        ds = sample(name)
        tsyntax = ds.file_meta.TransferSyntaxUID
        first, _ = pydicom.pixels.get_decoder(tsyntax).as_array(ds, index=0, as_rgb=True, decoding_plugin="pylibjpeg")
        second, _ = fallback.decoder_for(tsyntax).as_array(ds, index=0, as_rgb=True)
        assert second.shape == first.shape and second.dtype == first.dtype
        assert np.abs(second.astype(int) - first.astype(int)).max() <= tolerance


class TestOnlyAfterTheFirstFails:
    def test_the_fallback_is_asked_only_when_the_first_decoder_fails(self, monkeypatch):
        asked = []
        real = fallback.decoder_for

        def spy(tsyntax):
            asked.append(tsyntax)
            return real(tsyntax)

        monkeypatch.setattr(fallback, "decoder_for", spy)
        for name in ("JPGExtended.dcm", "SC_rgb_jpeg_dcmtk.dcm", "MR_small_jpeg_ls_lossless.dcm",
                     "MR_small_jp2klossless.dcm", "CT_small.dcm"):
            decode_frame(sample(name), 0)
        assert asked == []
        decode_frame(sample("JPEG-lossy.dcm"), 0)
        assert asked == [JPEGExtended12Bit]

    def test_the_gdcm_worker_starts_only_when_a_frame_needs_it(self):
        script = textwrap.dedent("""
            import sys
            from viewers.dicom import fallback
            from viewers.dicom.pixels import decode_frame, read_image_file
            from pydicom.data import get_testdata_file
            for name in ("CT_small.dcm", "JPGExtended.dcm", "MR_small_jp2klossless.dcm"):
                decode_frame(read_image_file(get_testdata_file(name)), 0)
            print(fallback.worker_started())
            decode_frame(read_image_file(get_testdata_file("JPEG-lossy.dcm")), 0)
            print(fallback.worker_started(), sys.modules.get("gdcm") is not None)
        """)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        assert result.stdout.split() == ["False", "True", "False"], "GDCM runs in the worker, never here"

    def test_snapshot_does_not_load_gdcm_for_a_frame_the_first_decoder_reads(self, tmp_path):
        """The snapshot command's own path; what app.cli imports before it is start-up's concern."""
        script = textwrap.dedent(f"""
            import argparse, sys
            from app.commands.snapshot import run_snapshot
            args = argparse.Namespace(file={get_testdata_file("JPGExtended.dcm")!r}, output={str(tmp_path / "a.png")!r},
                                      frame=1, window=None)
            assert run_snapshot(args) == 0
            from viewers.dicom import fallback
            print(sys.modules.get("gdcm") is not None or fallback.worker_started())
        """)
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        assert result.stdout.split()[-1] == "False"

    def test_gdcms_native_warnings_stay_off_the_console(self, capfd):
        decode_frame(sample("JPEG-lossy.dcm"), 0)
        out, err = capfd.readouterr()
        assert "JPEG" not in err and "SOS" not in err


# JPEG-lossy.dcm's frame header with a quantisation table cut short: GDCM 3.2.6 throws a
# gdcm::Exception nothing catches (gdcmJPEGBITSCodec.hxx) and its process aborts.
GDCM_ABORTS = bytes.fromhex(
    "ffd8ffc1000b0c0400010001011100ffdb004300130d0e101a6e797b76ffc400470001000301010101000000000000000000"
    "000102030405060a10000202020102050401050101010000000001021121310341510412326171228191a1b10513c1d1e1f0"
    "33f1ffda0008010100000000fcffd9")


class TestNoDecoderReadsIt:
    def test_gdcm_aborting_on_damaged_data_does_not_end_the_workstation(self):
        ds = sample("JPEG-lossy.dcm")
        ds.PixelData = encapsulate([GDCM_ABORTS])
        with pytest.raises(FrameDecodeError, match="The JPEG data of image 1 is truncated or corrupt: "):
            decode_frame(ds, 0)
        assert decode_frame(sample("JPEG-lossy.dcm"), 0).stored.max() > 200, "a new worker decodes the next"

    def test_the_reason_in_plain_words(self, tmp_path):
        with pytest.raises(FrameDecodeError, match="The JPEG data of image 1 is truncated or corrupt: "):
            decode_frame(read_image_file(undecodable_jpeg(tmp_path / "cut.dcm")), 0)

    def test_snapshot_says_why_without_a_traceback(self, tmp_path, capsys):
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        code = main(["snapshot", str(undecodable_jpeg(tmp_path / "cut.dcm")), "-o", str(out_dir / "x.png")])
        out, err = capsys.readouterr()
        assert code == 3 and "Traceback" not in err and not any(out_dir.iterdir())
        assert err.startswith("secondo: ") and "JPEG data of image 1 is truncated or corrupt" in err

    def test_without_gdcm_the_first_decoders_reason_is_given(self, monkeypatch):
        monkeypatch.setattr(fallback, "decoder_for", lambda tsyntax: None)
        with pytest.raises(FrameDecodeError, match="JPEG data of image 1 .*misplaced marker"):
            decode_frame(sample("JPEG-lossy.dcm"), 0)
