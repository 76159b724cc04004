"""Reading a DICOM file for display, in bounded memory: large values stay on disk until
used, a deflated data set is inflated up to MAX_INFLATED_BYTES only, and pydicom's
warnings about odd values never reach the console (decode.py reports what matters).
"""

from __future__ import annotations

import io
import re
import warnings
import zlib
from pathlib import Path
from typing import BinaryIO

from viewers.dicom import fallback  # noqa: F401 - before pydicom: it keeps gdcm from loading with pydicom
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.filereader import _read_file_meta_info
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian

from app.core.errors import BadInputError
from app.core.i18n import _
from app.core.media_limits import MAX_INFLATED_BYTES, VIEWER_DEFER_SIZE, MiB
from viewers.dicom.frame import FrameDecodeError

PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_UNDEFINED = 0xFFFFFFFF
_INFLATE_STEP = 1 * MiB


def read_image_file(path: str | Path) -> Dataset:
    """Read a DICOM file with its pixel data; BadInputError when it is missing, not DICOM, or
    its pixel data runs past the end of the file."""
    path = Path(path)
    if not path.exists():
        raise BadInputError(_("{path}: no such file.").format(path=path))
    if path.is_dir():
        raise BadInputError(_("{path} is a folder, not a DICOM file.").format(path=path))
    try:
        with path.open("rb") as handle:
            head = handle.read(132)
            size = handle.seek(0, io.SEEK_END)
            if head[128:132] != b"DICM" and head[:2] not in (b"\x08\x00", b"\x00\x08", b"\x02\x00"):
                # Old media hold datasets without the Part 10 header: accept those that
                # open with a group 0008 element, or with the file meta group but no
                # preamble (as DCMTK does), nothing else.
                raise InvalidDicomError("no preamble")
            force = head[128:132] != b"DICM"
            handle.seek(0)
            ds, inflated = _read(handle, str(path), force=force, header_only=False)
    except InvalidDicomError:
        raise BadInputError(_("{path} is not a DICOM file.").format(path=path)) from None
    except OSError as exc:
        raise BadInputError(_("{path} cannot be read: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    except BadInputError:
        raise
    except Exception as exc:  # pydicom raises many kinds on a damaged header
        raise BadInputError(_("{path} is not a readable DICOM file: {detail}").format(
            path=path, detail=first_line(exc))) from None
    declared = None if inflated else _pixel_data_declared(ds)
    if declared is not None and declared[0] + declared[1] > size:
        offset, length = declared
        raise FrameDecodeError(_("The pixel data is truncated: {actual} of {expected} bytes are present.").format(
            actual=max(0, size - offset), expected=length))
    _complete_last_pixel(ds)
    return ds


def read_bytes(data: bytes, *, header_only: bool, force: bool) -> Dataset:
    """A data set from a whole file in memory (pydicom's exceptions pass through)."""
    ds = _read(io.BytesIO(data), None, force=force, header_only=header_only)[0]
    if not header_only:
        _complete_last_pixel(ds)
    return ds


def _complete_last_pixel(ds: Dataset) -> None:
    """Native Pixel Data of odd length, short of the image by part of its last pixel (a
    writer that dropped the padding byte of 16-bit data): the last pixel is 0, as DCMTK
    shows it, instead of the whole image refused as truncated."""
    declared = _pixel_data_declared(ds)
    if declared is None or declared[1] % 2 == 0 or "PixelData" not in ds:
        return
    meta = getattr(ds, "file_meta", None)
    tsyntax = meta.get("TransferSyntaxUID") if meta is not None else None
    try:
        if tsyntax is not None and UID(str(tsyntax)).is_encapsulated:
            return
        pixel = int(ds.SamplesPerPixel or 1) * int(ds.BitsAllocated) // 8
        expected = int(ds.Rows) * int(ds.Columns) * max(1, int(ds.get("NumberOfFrames") or 1)) * pixel
    except (AttributeError, TypeError, ValueError):
        return
    short = expected - declared[1]
    if pixel > 1 and 0 < short < pixel:
        value = bytes(ds.PixelData)
        ds.PixelData = value[:len(value) - (pixel - short)] + bytes(pixel)


def _read(handle: BinaryIO, name: str | None, *, force: bool, header_only: bool) -> tuple[Dataset, bool]:
    """The data set, and whether it was inflated."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of every odd value; decode.py notes what matters
        if not force:
            handle.seek(132)
            meta = _read_file_meta_info(handle)
            if meta.get("TransferSyntaxUID") == DeflatedExplicitVRLittleEndian or _deflated(handle):
                return dcmread(_inflated(handle, meta), stop_before_pixels=header_only), True
            handle.seek(0)
        if name is not None:  # by name: values over the defer size are read when used
            return dcmread(name, stop_before_pixels=header_only, force=force, defer_size=VIEWER_DEFER_SIZE), False
        return dcmread(handle, stop_before_pixels=header_only, force=force), False


def _deflated(handle: BinaryIO) -> bool:
    """Whether the data set after the file meta group, declared plain, is deflated all the
    same: it does not open with a low group, and what it inflates to does. The handle is
    left where it was."""
    start = handle.tell()
    head = handle.read(2048)
    handle.seek(start)
    if len(head) < 8 or 0x0004 <= int.from_bytes(head[:2], "little") < 0x1000:
        return False
    try:
        inflated = zlib.decompressobj(-zlib.MAX_WBITS).decompress(head, 8)
    except zlib.error:
        return False
    return len(inflated) == 8 and 0x0004 <= int.from_bytes(inflated[:2], "little") < 0x1000 \
        and inflated[4:6].isalpha()  # an explicit VR: the deflated syntax is explicit VR little endian


def _inflated(handle: BinaryIO, meta) -> io.BytesIO:
    """The file as Explicit VR Little Endian: its deflated data set inflated, up to the limit."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = io.BytesIO()
    out.write(bytes(128) + b"DICM")
    meta = meta.copy()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    write_file_meta_info(out, meta, enforce_standard=False)
    try:
        while block := handle.read(_INFLATE_STEP):
            while block:
                out.write(inflater.decompress(block, _INFLATE_STEP))
                block = inflater.unconsumed_tail
                if out.tell() > MAX_INFLATED_BYTES:
                    raise FrameDecodeError(_("The deflated data set inflates to more than {limit} MiB; it is not "
                                          "read.").format(limit=MAX_INFLATED_BYTES // MiB))
    except zlib.error:
        raise FrameDecodeError(_("The deflated data set is damaged.")) from None
    out.seek(0)
    return out


def _pixel_data_declared(ds: Dataset) -> tuple[int, int] | None:
    """(offset, length) of the pixel data value as the file declares it, when it is known."""
    for keyword in PIXEL_KEYWORDS:
        if keyword not in ds:
            continue
        element = ds.get_item(keyword, keep_deferred=True)
        length, offset = getattr(element, "length", None), getattr(element, "value_tell", None)
        if isinstance(length, int) and isinstance(offset, int) and length != _UNDEFINED:
            return offset, length
        return None
    return None


def first_line(exc: BaseException) -> str:
    """The reader's or decoder's own reason, on one line ('all plugins failed:' lists them below)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        lines = lines[1:]
    text = lines[0] if lines else type(exc).__name__
    text = re.sub(r"^(pylibjpeg|pillow|gdcm|pyjpegls|pydicom|pylibjpeg-\w+): ", "", text)
    return text if len(text) <= 160 else text[:157] + "..."
