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
