"""What a compressed frame's own header declares (viewers/dicom/codestream.py), read before
any native decoder sees the frame."""

import struct
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.encaps import get_frame

from viewers.dicom import codestream
from viewers.dicom.codestream import Declared


def j2k(rows: int, columns: int, components: int = 1, offset: tuple[int, int] = (0, 0)) -> bytes:
    siz = struct.pack(">HIIIIIIIIH", 0, columns + offset[0], rows + offset[1], *offset, columns, rows, 0, 0,
                      components)
    return b"\xff\x4f\xff\x51" + struct.pack(">H", len(siz) + 2) + siz + b"\x07\x01\x01" * components


def jpeg(marker: int, rows: int, columns: int, components: int, app: bytes = b"") -> bytes:
    sof = struct.pack(">BHHB", 8, rows, columns, components) + b"\x01\x11\x00" * components
    segment = b"\xff" + bytes([marker]) + struct.pack(">H", len(sof) + 2) + sof
    return b"\xff\xd8" + app + segment + b"\xff\xda\x00\x08"


class TestDeclared:
    def test_jpeg_2000_siz(self):
        assert codestream.declared(j2k(480, 640, 3)) == Declared("JPEG 2000", 480, 640, 3)
        assert codestream.declared(j2k(100, 200, 1, offset=(16, 8))) == Declared("JPEG 2000", 100, 200, 1)

    def test_jpeg_and_jpeg_ls_frame_headers_after_other_segments(self):
        app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        assert codestream.declared(jpeg(0xC0, 512, 256, 1, app0)) == Declared("JPEG", 512, 256, 1)
        assert codestream.declared(jpeg(0xC3, 65535, 65535, 3)) == Declared("JPEG", 65535, 65535, 3)
        assert codestream.declared(jpeg(0xF7, 64, 32, 1)) == Declared("JPEG-LS", 64, 32, 1)
        assert codestream.declared(jpeg(0xC0, 0, 32, 1)).rows is None  # height given later (DNL)

    @pytest.mark.parametrize("data", [b"", b"\xff\xd8", b"\xff\xd8\xff\xda\x00\x02", b"\xff\x4f\xff\x51\x00",
                                      b"\xff\xd8\xff\xe0\xff\xff" + bytes(20), bytes(64)])
    def test_headers_that_say_nothing_make_no_claim(self, data):
        assert codestream.declared(data) is None

    def test_a_real_jpeg_2000_frame(self):
        path = get_testdata_file("693_J2KI.dcm", download=False)
        if path is None:
            pytest.skip("pydicom's test file is not installed")
        ds = dcmread(Path(path))
        found = codestream.declared(get_frame(ds.PixelData, 0, number_of_frames=1))
        assert (found.codec, found.rows, found.columns, found.samples) == ("JPEG 2000", ds.Rows, ds.Columns, 1)


def test_rle_segment_offsets():
    header = struct.pack("<I15I", 2, 64, 100, *([0] * 13))
    assert codestream.rle_offsets_sound(header, 200)
    assert not codestream.rle_offsets_sound(header, 100)  # the second segment starts at the end
    assert not codestream.rle_offsets_sound(struct.pack("<I15I", 2, 64, 64, *([0] * 13)), 200)
    assert not codestream.rle_offsets_sound(struct.pack("<I15I", 2, 0, 100, *([0] * 13)), 200)
    assert not codestream.rle_offsets_sound(struct.pack("<I15I", 0, *([0] * 15)), 200)
    assert not codestream.rle_offsets_sound(b"\x01\x00", 200)
