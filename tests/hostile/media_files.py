"""Builders of hostile DICOM files: a small valid CT slice of the fictitious "Test Patient"
with one lie told in it (a transfer syntax, a rescale slope, a frame count, a length, a
huge private element, a deflate bomb, a compressed frame that declares another size).
Used by the unit tests of the limits and by tests/hostile/media_cases.py.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

from PIL import Image
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import dcmwrite, write_dataset, write_file_meta_info
from pydicom.uid import JPEGBaseline8Bit, RLELossless

from app.demo.imaging import ct_series

SIZE = 64
PATIENT_NAME_TAG = b"\x10\x00\x10\x00"  # (0010,0010), explicit VR little endian


def ct() -> Dataset:
    ds = next(ct_series(1, SIZE))
    ds.PatientName = "Patient^Test"
    ds.PatientBirthDate = "19700101"
    return ds


def encode(ds: Dataset, *, little: bool = True) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dcmwrite(buffer, ds, implicit_vr=False, little_endian=little, enforce_file_format=True)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def with_values(**values) -> bytes:
    """The CT slice with data elements set to `values` (raw strings kept as they are)."""
    ds = ct()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of the lies told here
        for keyword, value in values.items():
            if keyword == "TransferSyntaxUID":
                ds.file_meta.TransferSyntaxUID = value
            else:
                setattr(ds, keyword, value)
    return encode(ds)


def pixel_length(declared: int) -> bytes:
    """The CT slice whose Pixel Data element declares `declared` bytes."""
    data = bytearray(encode(ct()))
    at = data.rfind(b"\xe0\x7f\x10\x00OW\x00\x00")
    data[at + 8:at + 12] = struct.pack("<I", declared)
    return bytes(data)


def big_endian_declared_little() -> bytes:
    """Explicit VR big endian data with a file meta that says little endian."""
    ds = ct()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.2"
    data = bytearray(encode(ds, little=False))
    at = data.find(b"1.2.840.10008.1.2.2")
    data[at:at + 20] = b"1.2.840.10008.1.2.1\x00"
    return bytes(data)


def private_element(path: Path, size: int) -> Path:
    """The CT slice with a private OB element of `size` bytes before the patient's name,
    written as a sparse file (no disk space for the zeros)."""
    data = encode(ct())
    at = data.find(PATIENT_NAME_TAG)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        out.write(data[:at])
        out.write(b"\x09\x00\x10\x10OB\x00\x00" + struct.pack("<I", size))
        out.seek(size, io.SEEK_CUR)
        out.write(data[at:])
    return path


def deflate_bomb(path: Path, inflated: int) -> Path:
    """A Deflated Explicit VR Little Endian file whose data set inflates to about `inflated`
    bytes (a private element of zeros before the patient's name), written in seconds: one
    fully flushed block of zeros repeated."""
    ds = ct()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.99"
    meta = io.BytesIO()
    write_file_meta_info(meta, ds.file_meta, enforce_standard=True)
    plain = DicomBytesIO()
    plain.is_little_endian, plain.is_implicit_VR = True, False
    write_dataset(plain, ds)
    body = plain.getvalue()
    at = body.find(PATIENT_NAME_TAG)
    block = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        out.write(bytes(128) + b"DICM" + meta.getvalue())
        out.write(compressor.compress(body[:at] + b"\x09\x00\x10\x10OB\x00\x00" + struct.pack("<I", inflated)))
        out.write(compressor.flush(zlib.Z_FULL_FLUSH))
        zeros = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
        for _ in range(inflated // block):
            out.write(zeros)
        out.write(compressor.compress(bytes(inflated % block) + body[at:]) + compressor.flush())
    return path


def rle(rows: int, columns: int) -> bytes:
    """An RLE Lossless slice whose data set declares `rows` x `columns`."""
    ds = ct()
    ds.compress(RLELossless)
    ds.Rows, ds.Columns = rows, columns
    return encode(ds)


def rle_segments(count: int) -> bytes:
    """An RLE Lossless slice whose frame header declares `count` segments."""
    ds = ct()
    ds.compress(RLELossless)
    data = bytearray(ds.PixelData)
    at = 8 + int.from_bytes(data[4:8], "little") + 8  # the first fragment's first byte
    data[at:at + 4] = struct.pack("<I", count)
    ds.PixelData = bytes(data)
    return encode(ds)


def rle_offset_past_end() -> bytes:
    """A 16-bit RLE Lossless slice whose second segment starts past the end of its frame."""
    ds = ct()
    ds.compress(RLELossless)
    data = bytearray(ds.PixelData)
    at = 8 + int.from_bytes(data[4:8], "little") + 8
    data[at + 8:at + 12] = struct.pack("<I", 0x7FFFFFF0)
    ds.PixelData = bytes(data)
    return encode(ds)


def jpeg(*, declared: tuple[int, int] | None = None, data_set: tuple[int, int] | None = None) -> bytes:
    """An 8-bit JPEG Baseline slice (made with Pillow); its SOF0 declares `declared`
    (rows, columns) and its data set `data_set`, when given."""
    ds = ct()
    grey = (ds.pixel_array.astype("int32") // 16).clip(0, 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(grey, "L").save(out, format="JPEG", quality=90)
    frame = bytearray(out.getvalue())
    if declared is not None:
        sof = frame.find(b"\xff\xc0")
        frame[sof + 5:sof + 9] = struct.pack(">HH", *declared)
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PixelData = encapsulate([bytes(frame)])
    ds["PixelData"].VR = "OB"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.RescaleIntercept, ds.RescaleSlope = 0, 1
    if data_set is not None:
        ds.Rows, ds.Columns = data_set
    return encode(ds)


# --- ISO images ---------------------------------------------------------------------------

_PVD = 16 * 2048


def _patch_records(image: bytes, name: str, patch) -> bytes:
    """`image` with `patch(data, offset)` applied to every directory record of `name` (its
    ISO 9660 'NAME;1' and its Joliet UTF-16 record)."""
    data = bytearray(image)
    for identifier in (name.encode("ascii") + b";1", name.encode("utf-16-be")):
        start = 0
        while (found := data.find(identifier, start)) >= 0:
            record = found - 33
            if record >= 0 and data[record + 32] == len(identifier):
                patch(data, record)
            start = found + 1
    return bytes(data)


def iso_root_record_empty(image: bytes) -> bytes:
    """The primary volume descriptor's root directory record of length 0."""
    data = bytearray(image)
    data[_PVD + 156] = 0
    return bytes(data)


def iso_extent_past_end(image: bytes, name: str) -> bytes:
    """The file `name` (at the root) placed at an extent far past the end of the image."""
    def patch(data, record):
        data[record + 2:record + 10] = struct.pack("<I", 0x00FFFFF0) + struct.pack(">I", 0x00FFFFF0)
    return _patch_records(image, name, patch)


def iso_declared_size(image: bytes, name: str, size: int) -> bytes:
    """The file `name` (at the root) declaring `size` bytes."""
    def patch(data, record):
        data[record + 10:record + 18] = struct.pack("<I", size) + struct.pack(">I", size)
    return _patch_records(image, name, patch)
