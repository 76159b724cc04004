"""Decoding of one DICOM frame into modality values (or RGB), with the reasons a user can
read when it fails. Qt-free; pydicom 3 decoders with the pylibjpeg plugins.

NaN or infinite Rescale Slope/Intercept (or a slope of 0) do not fail the frame: the
stored values are shown as they are (no units, the file's windows dropped because they
are in the unknown units) and `Frame.notes` says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_color_lut, convert_color_space, get_decoder
from pydicom.uid import (JPEG2000TransferSyntaxes, JPEGLSTransferSyntaxes, JPEGTransferSyntaxes, UID,
                         ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless)

from app.core.errors import BadInputError
from app.core.i18n import _
from viewers.dicom.voi import Window, file_voi_lut, file_windows, lookup, read_lut

PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
GREY = ("MONOCHROME1", "MONOCHROME2")
_ITEM_TAG = b"\xfe\xff\x00\xe0"


class FrameDecodeError(BadInputError):
    """A frame cannot be decoded; the message says why in words a user can read."""


@dataclass(eq=False)
class Frame:
    """One decoded frame. Grey: `modality` float32 HxW after the modality LUT and `stored`
    the stored values; colour: `modality` uint8 HxWx3 RGB and `stored` None."""

    modality: np.ndarray
    stored: np.ndarray | None
    color: bool
    photometric: str  # as in the file
    units: str  # "HU", the Rescale Type or Modality LUT Type, else ""
    windows: list[Window]  # the file's own windows, first is the default
    voi_lut: tuple | None  # (first_mapped, bits, table) from the VOI LUT Sequence
    invert: bool  # MONOCHROME1
    value_range: tuple[float, float]  # min, max of the modality values
    notes: list[str] = field(default_factory=list)  # what was repaired or assumed
    # Modality value of every 8- or 16-bit stored code (indexed by the unsigned view of
    # `stored`): what lets render() window through a lookup table.
    _codes: np.ndarray | None = field(default=None, repr=False)
    _stored_range: tuple[int, int] | None = field(default=None, repr=False)  # from Bits Stored
    _auto_window: Window | None = field(default=None, repr=False)

    @property
    def nbytes(self) -> int:
        """Memory held by this frame (tables shared between frames are not counted)."""
        total = self.modality.nbytes + 512
        if self.stored is not None and not np.may_share_memory(self.stored, self.modality):
            total += self.stored.nbytes
        if self.voi_lut is not None:
            total += self.voi_lut[2].nbytes
        if self._codes is not None and self._codes.flags.writeable:
            total += self._codes.nbytes
        return total


def frame_count(ds: Dataset) -> int:
    """Number of frames in `ds`: 0 without pixel data, else Number of Frames (at least 1)."""
    if not any(k in ds for k in PIXEL_KEYWORDS):
        return 0
    try:
        return max(1, int(ds.get("NumberOfFrames") or 1))
    except (TypeError, ValueError):
        return 1


def read_image_file(path: str | Path) -> Dataset:
    """Read a DICOM file with its pixel data; BadInputError when it is missing or not DICOM."""
    path = Path(path)
    if not path.exists():
        raise BadInputError(_("{path}: no such file.").format(path=path))
    if path.is_dir():
        raise BadInputError(_("{path} is a folder, not a DICOM file.").format(path=path))
    try:
        try:
            return dcmread(path)
        except InvalidDicomError:
            # Old media hold datasets without the Part 10 header: accept those that open
            # with a group 0008 element, nothing else.
            with path.open("rb") as f:
                head = f.read(4)
            if head[:2] not in (b"\x08\x00", b"\x00\x08"):
                raise
            return dcmread(path, force=True)
    except InvalidDicomError:
        raise BadInputError(_("{path} is not a DICOM file.").format(path=path)) from None
    except OSError as exc:
        raise BadInputError(_("{path} cannot be read: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    except Exception as exc:  # pydicom raises many kinds on a damaged header
        raise BadInputError(_("{path} is not a readable DICOM file: {detail}").format(
            path=path, detail=_first_line(exc))) from None


def decode_frame(ds: Dataset, index: int) -> Frame:
    """Decode frame `index` (0-based) of `ds`, read with its pixel data, and only that frame."""
    tsyntax = _transfer_syntax(ds)
    keyword = _check_image(ds, tsyntax)
    count = frame_count(ds)
    if not 0 <= index < count:
        raise FrameDecodeError(_("Image {n} does not exist: this file holds {count} image(s).").format(
            n=index + 1, count=count))
    notes: list[str] = []
    overrides = {}
    samples = int(ds.get("SamplesPerPixel") or 1)
    photometric = str(ds.get("PhotometricInterpretation") or "").strip().upper()
    if samples == 1 and photometric not in (*GREY, "PALETTE COLOR"):
        notes.append(_("Photometric Interpretation '{pi}' is not valid for a grey image; shown as "
                       "MONOCHROME2.").format(pi=photometric or "-"))
        photometric = overrides["photometric_interpretation"] = "MONOCHROME2"
    try:
        decoder = get_decoder(tsyntax)
    except NotImplementedError:
        raise FrameDecodeError(_("Images encoded as {syntax} cannot be shown.").format(
            syntax=tsyntax.name)) from None
    if not decoder.is_available:
        raise FrameDecodeError(_("No decoder for {syntax} is installed.").format(syntax=tsyntax.name))
    mismatch = _codec_mismatch(ds, tsyntax)
    if mismatch:  # a decoder may still open it (Pillow sniffs) but with the wrong colours
        raise FrameDecodeError(mismatch)
    try:
        array, properties = decoder.as_array(ds, index=index, validate=True, as_rgb=True, **overrides)
    except Exception as exc:
        raise _decode_error(exc, ds, tsyntax, index) from None
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    array = np.ascontiguousarray(array)
    if samples == 1 and photometric != "PALETTE COLOR":
        return _grey_frame(ds, index, array, photometric, keyword, notes, tsyntax.is_little_endian)
    rgb = _to_rgb(ds, array, photometric, str(properties.get("photometric_interpretation", "")))
    return Frame(rgb, None, True, photometric, "", [], None, False, (0.0, 255.0), notes)


def _grey_frame(ds, index, stored, photometric, keyword, notes, little_endian) -> Frame:
    get = _frame_lookup(ds, index)
    signed = stored.dtype.kind == "i"
    slope, intercept, units = _rescale(ds, get, notes)
    windows = file_windows(get, notes) if slope is not None else []
    if slope is None:
        slope, intercept = 1.0, 0.0
    modality_lut = _modality_lut(ds, signed, little_endian, notes) if keyword == "PixelData" else None
    codes = stored_range = None
    if stored.dtype.kind in "iu" and stored.itemsize <= 2:
        bits = 8 * stored.itemsize
        if modality_lut is not None:
            codes = _codes_through_lut(bits, signed, modality_lut)
            units = modality_lut[3]
        else:
            codes = _linear_codes(bits, signed, slope, intercept)
        modality = lookup(codes, stored.view(np.uint8 if bits == 8 else np.uint16))
        stored_range = _stored_range(ds, bits, signed)
        if modality_lut is None:
            ends = codes[np.array([stored.min(), stored.max()], dtype=np.int64) & (len(codes) - 1)]
            value_range = (float(ends.min()), float(ends.max()))
        else:
            value_range = _finite_range(modality)
    else:
        if modality_lut is not None:
            notes.append(_("The Modality LUT is ignored for {bits}-bit data.").format(bits=8 * stored.itemsize))
        modality = stored.astype(np.float32)
        if (slope, intercept) != (1.0, 0.0):
            modality = modality * np.float32(slope) + np.float32(intercept)
        value_range = _finite_range(modality)
    voi = file_voi_lut(ds, signed, little_endian, notes)
    return Frame(modality, stored, False, photometric, units, windows, voi, photometric == "MONOCHROME1",
                 value_range, notes, codes, stored_range)


def _frame_lookup(ds: Dataset, index: int):
    """get(keyword): the value for frame `index`, from its per-frame functional group, the
    shared functional group or the top level (enhanced multi-frame CT/MR keep rescale and
    windows in the functional groups)."""
    places = []
    for group, item in (("PerFrameFunctionalGroupsSequence", index), ("SharedFunctionalGroupsSequence", 0)):
        try:
            places.append(ds[group][item])
        except (KeyError, IndexError, TypeError):
            pass

    def get(keyword: str):
        sequence = "PixelValueTransformationSequence" if keyword.startswith("Rescale") else "FrameVOILUTSequence"
        for place in places:
            try:
                value = place[sequence][0].get(keyword)
            except (KeyError, IndexError, TypeError, AttributeError):
                continue
            if value not in (None, ""):
                return value
        return ds.get(keyword)

    return get


def _rescale(ds, get, notes) -> tuple[float | None, float, str]:
    """Slope, intercept and units; slope None when the file's values are not usable."""
    raw_slope, raw_intercept = get("RescaleSlope"), get("RescaleIntercept")
    try:
        slope = 1.0 if raw_slope in (None, "") else float(raw_slope)
        intercept = 0.0 if raw_intercept in (None, "") else float(raw_intercept)
    except (TypeError, ValueError):
        slope = intercept = math.nan
    if not (math.isfinite(slope) and math.isfinite(intercept)) or slope == 0:
        notes.append(_("Rescale Slope and Intercept ({slope}, {intercept}) are not usable: stored values are "
                       "shown, without units, and the file's windows are ignored.").format(
                           slope=raw_slope, intercept=raw_intercept))
        return None, 0.0, ""
    rescale_type = str(get("RescaleType") or "").strip()
    modality = str(ds.get("Modality") or "").upper()
    if rescale_type and rescale_type.upper() != "US":  # US: unspecified
        units = rescale_type
    elif modality == "CT" and raw_slope not in (None, "") and raw_intercept not in (None, ""):
        units = "HU"
    elif modality == "PT" and ds.get("Units"):
        units = str(ds.Units)
    else:
        units = ""
    return slope, intercept, units


def _modality_lut(ds, signed: bool, little_endian: bool, notes) -> tuple | None:
    try:
        item = ds.ModalityLUTSequence[0]
    except (AttributeError, IndexError, KeyError):
        return None
    try:
        first, bits, table = read_lut(item, signed, little_endian)
    except (AttributeError, TypeError, ValueError, IndexError):
        notes.append(_("The Modality LUT cannot be read and is ignored."))
        return None
    units = str(item.get("ModalityLUTType") or "").strip()
    return first, bits, table, "" if units.upper() == "US" else units


def _codes_through_lut(bits: int, signed: bool, modality_lut: tuple) -> np.ndarray:
    first, _bits, table, _units = modality_lut
    values = np.arange(2**bits, dtype=np.uint16 if bits == 16 else np.uint8)
    if signed:
        values = values.view(np.int16 if bits == 16 else np.int8)
    index = np.clip(values.astype(np.int64) - first, 0, len(table) - 1)
    return table[index].astype(np.float32)


@lru_cache(maxsize=64)
def _linear_codes(bits: int, signed: bool, slope: float, intercept: float) -> np.ndarray:
    # Shared by every slice of a series with the same rescale; read-only so nobody edits it.
    values = np.arange(2**bits, dtype=np.uint16 if bits == 16 else np.uint8)
    if signed:
        values = values.view(np.int16 if bits == 16 else np.int8)
    codes = (values.astype(np.float64) * slope + intercept).astype(np.float32)
    codes.flags.writeable = False
    return codes


def _stored_range(ds, bits: int, signed: bool) -> tuple[int, int]:
    try:
        stored_bits = min(int(ds.BitsStored), bits)
    except (AttributeError, TypeError, ValueError):
        stored_bits = bits
    return (-(2 ** (stored_bits - 1)), 2 ** (stored_bits - 1) - 1) if signed else (0, 2**stored_bits - 1)


def _finite_range(values: np.ndarray) -> tuple[float, float]:
    finite = values if np.isfinite(values).all() else values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)


def _to_rgb(ds, array, photometric: str, decoded_as: str) -> np.ndarray:
    try:
        if photometric == "PALETTE COLOR":
            array = apply_color_lut(array, ds)
            if array.dtype.itemsize > 1 and array.max() > 255:
                array = array >> 8
            return np.ascontiguousarray(array[..., :3].astype(np.uint8))
        if decoded_as == "YBR_ICT":  # the irreversible transform is YCbCr full range
            array = convert_color_space(array, "YBR_FULL", "RGB")
        # YBR_RCT still named after decoding means the codestream had no colour transform.
        elif decoded_as not in ("RGB", "YBR_RCT"):
            raise FrameDecodeError(_("Colour images in {pi} cannot be shown.").format(pi=decoded_as))
    except FrameDecodeError:
        raise
    except Exception as exc:
        raise FrameDecodeError(_("The colour palette cannot be applied: {detail}").format(
            detail=_first_line(exc))) from None
    if array.dtype.itemsize > 1:
        stored_bits = int(ds.get("BitsStored") or 8 * array.dtype.itemsize)
        array = array >> max(0, stored_bits - 8)
    return np.ascontiguousarray(array.astype(np.uint8))


def _transfer_syntax(ds: Dataset) -> UID:
    meta = getattr(ds, "file_meta", None)
    tsyntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if tsyntax:
        return UID(str(tsyntax))
    implicit, little = ds.original_encoding
    if implicit is None:
        raise FrameDecodeError(_("The file does not say how its pixel data is encoded (no Transfer Syntax UID)."))
    return ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def _check_image(ds: Dataset, tsyntax: UID) -> str:
    """The pixel data keyword, after the checks pydicom would report less clearly."""
    keyword = next((k for k in PIXEL_KEYWORDS if k in ds), None)
    if keyword is None:
        raise FrameDecodeError(_("This file holds no image (it has no Pixel Data)."))
    for name in ("Rows", "Columns", "BitsAllocated"):
        value = ds.get(name)
        if value in (None, "") or not isinstance(value, int) or value <= 0:
            raise FrameDecodeError(_("The image has no valid {element}, so its layout is unknown.").format(
                element=name))
    stored = ds.get("BitsStored")
    if keyword == "PixelData" and isinstance(stored, int) and stored > ds.BitsAllocated:
        raise FrameDecodeError(_("Bits Stored ({stored}) exceeds Bits Allocated ({allocated}).").format(
            stored=stored, allocated=ds.BitsAllocated))
    if int(ds.get("SamplesPerPixel") or 1) not in (1, 3):
        raise FrameDecodeError(_("Images with {n} samples per pixel cannot be shown.").format(
            n=ds.SamplesPerPixel))
    element = ds[keyword]
    if tsyntax.is_encapsulated:
        if not isinstance(element.value, bytes) or element.value[:4] != _ITEM_TAG:
            raise FrameDecodeError(_("The pixel data is not compressed although the transfer syntax says "
                                     "{syntax}.").format(syntax=tsyntax.name))
    elif element.is_undefined_length:
        raise FrameDecodeError(_("The pixel data is compressed although the transfer syntax says "
                                 "{syntax}.").format(syntax=tsyntax.name))
    return keyword


def _family(tsyntax: UID) -> str:
    if tsyntax in JPEG2000TransferSyntaxes:
        return "JPEG 2000"
    if tsyntax in JPEGLSTransferSyntaxes:
        return "JPEG-LS"
    if tsyntax in JPEGTransferSyntaxes:
        return "JPEG"
    return "RLE" if tsyntax == RLELossless else tsyntax.name


def _sniff(value: bytes) -> str | None:
    """The codec the first fragment of encapsulated pixel data really holds."""
    try:
        offset = 8 + int.from_bytes(value[4:8], "little")
        head = value[offset + 8:offset + 8 + 4096]
    except (TypeError, ValueError):
        return None
    if head[:4] == b"\xff\x4f\xff\x51" or head[4:12] == b"jP  \r\n\x87\n":
        return "JPEG 2000"
    if head[:2] == b"\xff\xd8":
        return _jpeg_kind(head)
    if head[4:8] == b"\x40\x00\x00\x00" and 1 <= int.from_bytes(head[:4], "little") <= 15:
        return "RLE"
    return None


def _jpeg_kind(head: bytes) -> str | None:
    """JPEG or JPEG-LS from the frame header marker (SOFn or SOF55), walking the segments."""
    position = 2
    while position + 4 <= len(head) and head[position] == 0xFF:
        marker = head[position + 1]
        if marker == 0xF7:
            return "JPEG-LS"
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return "JPEG"
        position += 2 + int.from_bytes(head[position + 2:position + 4], "big")
    return None  # not found in the first 4 KiB: make no claim


def _codec_mismatch(ds: Dataset, tsyntax: UID) -> str | None:
    """Why the compressed data is not what the transfer syntax says, or None."""
    if not tsyntax.is_encapsulated:
        return None
    family, found = _family(tsyntax), _sniff(ds.PixelData)
    if found and found != family and family in ("JPEG", "JPEG-LS", "JPEG 2000", "RLE"):
        return _("The pixel data is {found} but the transfer syntax says {syntax}.").format(
            found=found, syntax=tsyntax.name)
    return None


def _decode_error(exc: Exception, ds: Dataset, tsyntax: UID, index: int) -> FrameDecodeError:
    text = str(exc)
    short = re.search(r"less than expected \((\d+) vs (\d+) bytes\)", text)
    if short:
        return FrameDecodeError(_("The pixel data is truncated: {actual} of {expected} bytes are present.").format(
            actual=short[1], expected=short[2]))
    if "insufficient pixel data" in text:
        return FrameDecodeError(_("The pixel data is truncated: image {n} is missing.").format(n=index + 1))
    if not tsyntax.is_encapsulated:
        return FrameDecodeError(_("The pixel data cannot be read: {detail}").format(detail=_first_line(exc)))
    return FrameDecodeError(_("The {codec} data of image {n} is truncated or corrupt: {detail}").format(
        codec=_family(tsyntax), n=index + 1, detail=_first_line(exc)))


def _first_line(exc: Exception) -> str:
    """The decoder's own reason, on one line ('all plugins failed:' lists them below)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        lines = lines[1:]
    text = lines[0] if lines else type(exc).__name__
    text = re.sub(r"^(pylibjpeg|pillow|gdcm|pyjpegls|pydicom|pylibjpeg-\w+): ", "", text)
    return text if len(text) <= 160 else text[:157] + "..."
