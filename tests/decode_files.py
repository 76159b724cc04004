"""Files for the decoder tests and benchmark: a 12-bit CT slice ("Test Patient"), its JPEG
Extended (process 4) encoding by DCMTK's dcmcjpeg, the JPLY form of it (the scan header the
NEMA WG04 JPLY samples carry, Se=0, which libjpeg refuses and DCMTK reads), and DCMTK's own
decoding of a file (dcmj2pnm, no modality LUT, no window: the stored values) to compare with.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.uid import ExplicitVRLittleEndian

from app.demo.imaging import ct_series

NO_DCMTK = "DCMTK (dcmcjpeg, dcmj2pnm) is not installed: scripts/setup.sh installs it"


def dcmtk_installed() -> bool:
    return all(shutil.which(tool) for tool in ("dcmcjpeg", "dcmj2pnm"))


def ct_12bit(size: int = 512) -> Dataset:
    """One synthetic CT slice, 12 of 16 bits stored, unsigned (intercept -1024)."""
    ds = next(ct_series(1, size))
    ds.PatientName, ds.PatientBirthDate = "Test^Patient", "19700101"
    stored = np.frombuffer(ds.PixelData, "<i2").clip(0, 4095).astype("<u2")
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 12, 11, 0
    ds.PixelData = stored.tobytes()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return ds


def jpeg_extended_12bit(ds: Dataset, directory: Path, name: str = "ct12") -> Path:
    """`ds` written uncompressed, then encoded by DCMTK as JPEG Extended 12-bit (dcmcjpeg +ee)."""
    plain, encoded = directory / f"{name}-plain.dcm", directory / f"{name}-jpeg.dcm"
    ds.save_as(plain, enforce_file_format=True)
    subprocess.run(["dcmcjpeg", "+ee", str(plain), str(encoded)], check=True, capture_output=True)
    return encoded


def as_jply(source: Path, target: Path) -> Path:
    """`source` with each frame's scan header ending its spectral selection at 0 (Se=0), as
    the encoder of the NEMA WG04 JPLY samples wrote it."""
    ds = pydicom.dcmread(source)
    frames = []
    for frame in generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames") or 1)):
        frame = bytearray(frame)
        sos = frame.find(b"\xff\xda")
        components = frame[sos + 4]
        se = sos + 5 + 2 * components + 1  # after Ns and the component selectors: Ss, Se, AhAl
        assert frame[se] == 63, "a sequential scan ends its spectral selection at 63"
        frame[se] = 0
        frames.append(bytes(frame))
    ds.PixelData = encapsulate(frames)
    ds.save_as(target, enforce_file_format=True)
    return target


def dcmtk_values(path: Path, bits: int, directory: Path) -> np.ndarray:
    """The stored values DCMTK decodes from `path` (dcmj2pnm -M -W, an n-bit ASCII PGM)."""
    out = directory / (Path(path).stem + "-dcmtk.pgm")
    subprocess.run(["dcmj2pnm", "-M", "-W", "+opn", str(bits), str(path), str(out)], check=True,
                   capture_output=True)
    tokens = out.read_text().split()
    assert tokens[0] == "P2", "dcmj2pnm wrote an ASCII grey map"
    width, height = int(tokens[1]), int(tokens[2])
    return np.array(tokens[4:], dtype=np.int64).reshape(height, width)


def undecodable_jpeg(target: Path) -> Path:
    """pydicom's JPLY sample cut in the middle of its scan: neither libjpeg nor GDCM reads it."""
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("JPEG-lossy.dcm"))
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([frame[:len(frame) // 2]])
    ds.PatientName, ds.PatientBirthDate = "Test^Patient", "19700101"
    ds.save_as(target, enforce_file_format=True)
    return target


def _raw_file(ds: Dataset, *, body_implicit: bool, declared: str, deflate: bool = False) -> bytes:
    """`ds` as a Part 10 file whose meta group declares `declared`, whatever its body is."""
    import copy
    import io
    import zlib

    from pydicom.filebase import DicomFileLike
    from pydicom.filewriter import write_dataset, write_file_meta_info

    out = io.BytesIO()
    out.write(bytes(128) + b"DICM")
    meta = copy.deepcopy(ds.file_meta)
    meta.TransferSyntaxUID = declared
    write_file_meta_info(out, meta, enforce_standard=True)
    body = io.BytesIO()
    handle = DicomFileLike(body)
    handle.is_little_endian, handle.is_implicit_VR = True, body_implicit
    write_dataset(handle, ds)
    data = body.getvalue()
    if deflate:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        data = compressor.compress(data) + compressor.flush()
    return out.getvalue() + data


def grey_image(rows: int = 64, columns: int = 64, bits: int = 16) -> Dataset:
    """A secondary capture of a ramp, 12 of 16 bits stored (or 8 of 8), "Test Patient"."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.PatientName, ds.PatientBirthDate, ds.Modality = "Test^Patient", "19700101", "OT"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = rows, columns, 1, "MONOCHROME2"
    stored = 8 if bits == 8 else 12
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, stored, stored - 1, 0
    ramp = np.arange(rows * columns).reshape(rows, columns) * 7 % (1 << stored)
    ds.PixelData = ramp.astype("<u2" if bits == 16 else "u1").tobytes()
    return ds


def malformed(kind: str, target: Path) -> Path:
    """A file whose declared encoding does not match its data, as hospital media hold them."""
    from pydicom.uid import DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian

    ds = grey_image()
    if kind == "explicit declared implicit":
        data = _raw_file(ds, body_implicit=False, declared=ImplicitVRLittleEndian)
    elif kind == "implicit declared explicit":
        data = _raw_file(ds, body_implicit=True, declared=ExplicitVRLittleEndian)
    elif kind == "deflated declared explicit":
        data = _raw_file(ds, body_implicit=False, declared=ExplicitVRLittleEndian, deflate=True)
    elif kind == "explicit declared deflated":
        data = _raw_file(ds, body_implicit=False, declared=DeflatedExplicitVRLittleEndian)
    elif kind == "meta group without preamble":
        data = _raw_file(ds, body_implicit=False, declared=ExplicitVRLittleEndian)[132:]
    elif kind == "undefined-length private sequence, implicit":
        item = Dataset()
        item.add_new(0x00111010, "LO", "x")
        ds.add_new(0x00110010, "LO", "TEST CREATOR")
        ds.add_new(0x00111011, "SQ", [item])
        ds[0x00111011].is_undefined_length = True
        item.is_undefined_length_sequence_item = True
        data = _raw_file(ds, body_implicit=True, declared=ImplicitVRLittleEndian)
    elif kind in ("odd-length 16-bit pixel data", "odd-length 8-bit pixel data"):
        ds = grey_image(63, 63, 8) if "8-bit" in kind else ds
        data = _raw_file(ds, body_implicit=False, declared=ExplicitVRLittleEndian)
        at = data.rfind(b"\xe0\x7f\x10\x00") + 8  # the Pixel Data's length field (explicit VR OB/OW)
        length = int.from_bytes(data[at:at + 4], "little")
        cut = length - 1  # 16-bit: the last pixel's high byte lost; 8-bit: the padding byte left out
        data = data[:at] + cut.to_bytes(4, "little") + data[at + 4:at + 4 + cut]
    elif kind == "compressed pixel data declared implicit":
        import io

        from PIL import Image
        from pydicom.uid import JPEGBaseline8Bit

        ds = grey_image(64, 64, 8)
        jpeg = io.BytesIO()
        Image.fromarray(np.frombuffer(ds.PixelData, "u1").reshape(64, 64)).save(jpeg, "JPEG", quality=95)
        ds.PixelData = encapsulate([jpeg.getvalue()])
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        data = _raw_file(ds, body_implicit=True, declared=ImplicitVRLittleEndian)
    else:
        raise ValueError(kind)
    target.write_bytes(data)
    return target
