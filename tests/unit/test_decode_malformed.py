"""Files whose declared encoding does not match their data: read as DCMTK reads them (the
same pixels as dcmj2pnm), read where DCMTK gives up but the data is plain, or refused with
the reason in words."""

import numpy as np
import pytest

from app.cli import main
from tests.decode_files import NO_DCMTK, dcmtk_installed, dcmtk_values, grey_image, malformed
from viewers.dicom.pixels import FrameDecodeError, decode_frame, read_image_file

needs_dcmtk = pytest.mark.skipif(not dcmtk_installed(), reason=NO_DCMTK)

READ_AS_DCMTK = ["meta group without preamble", "odd-length 16-bit pixel data", "odd-length 8-bit pixel data",
                 "undefined-length private sequence, implicit"]
READ_ALTHOUGH_DCMTK_FAILS = ["explicit declared implicit", "implicit declared explicit",
                             "deflated declared explicit"]
REFUSED = {
    "explicit declared deflated": "The deflated data set is damaged.",
    "compressed pixel data declared implicit": "The pixel data is compressed although the transfer syntax says "
                                               "Implicit VR Little Endian.",
}


def ramp(kind: str) -> np.ndarray:
    ds = grey_image(63, 63, 8) if "8-bit" in kind else grey_image()
    values = np.frombuffer(ds.PixelData, "u1" if "8-bit" in kind else "<u2").reshape(ds.Rows, ds.Columns).copy()
    if kind == "odd-length 16-bit pixel data":
        values[-1, -1] = 0  # DCMTK shows the incomplete last pixel as 0
    return values


@pytest.mark.parametrize("kind", READ_AS_DCMTK + READ_ALTHOUGH_DCMTK_FAILS)
def test_the_image_is_read_with_its_values(kind, tmp_path):
    frame = decode_frame(read_image_file(malformed(kind, tmp_path / "x.dcm")), 0)
    np.testing.assert_array_equal(frame.stored, ramp(kind))


@needs_dcmtk
@pytest.mark.parametrize("kind", READ_AS_DCMTK)
def test_the_pixels_are_dcmtks(kind, tmp_path):
    path = malformed(kind, tmp_path / "x.dcm")
    frame = decode_frame(read_image_file(path), 0)
    np.testing.assert_array_equal(frame.stored, dcmtk_values(path, 8 if "8-bit" in kind else 12, tmp_path))


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused_with_the_reason(kind, tmp_path):
    with pytest.raises(FrameDecodeError) as refusal:
        decode_frame(read_image_file(malformed(kind, tmp_path / "x.dcm")), 0)
    assert str(refusal.value) == REFUSED[kind]


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_snapshot_gives_the_reason_without_a_traceback(kind, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code = main(["snapshot", str(malformed(kind, tmp_path / "x.dcm")), "-o", str(out_dir / "x.png")])
    out, err = capsys.readouterr()
    assert code == 3 and "Traceback" not in err and not any(out_dir.iterdir())
    assert REFUSED[kind] in err


@pytest.mark.parametrize("kind", sorted(REFUSED))
@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_reason_is_written_in_dutch_and_french(kind, language, tmp_path, interface_language):
    path = malformed(kind, tmp_path / "x.dcm")
    interface_language(language)
    with pytest.raises(FrameDecodeError) as refusal:
        decode_frame(read_image_file(path), 0)
    assert str(refusal.value) != REFUSED[kind] and str(refusal.value).endswith(".")
