"""Decoding of one DICOM frame into modality values (or RGB), with the reasons a user can
read when it fails. Qt-free; pydicom 3 decoders with the pylibjpeg plugins.

NaN or infinite Rescale Slope/Intercept (or a slope of 0) do not fail the frame: the
stored values are shown as they are (no units, the file's windows dropped because they
are in the unknown units) and `Frame.notes` says so.
"""

from __future__ import annotations

import math
import re
import warnings
from functools import lru_cache

import numpy as np

from viewers.dicom import fallback  # before pydicom: it keeps gdcm from loading with pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.pixels import apply_color_lut, convert_color_space, get_decoder
from pydicom.uid import (JPEG2000TransferSyntaxes, JPEGLSTransferSyntaxes, JPEGTransferSyntaxes, UID,
                         ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless)

from app.core.i18n import _, ngettext
from app.core.media_limits import MAX_FRAME_BYTES, MAX_FRAMES, MiB
from viewers.dicom import codestream
from viewers.dicom.frame import Frame, FrameDecodeError
from viewers.dicom.reading import PIXEL_KEYWORDS, first_line
from viewers.dicom.voi import file_voi_lut, file_windows, lookup, read_lut

GREY = ("MONOCHROME1", "MONOCHROME2")
_LARGEST_VALUE = 1e38  # float32 holds up to 3.4e38
_ITEM_TAG = b"\xfe\xff\x00\xe0"


def frame_count(ds: Dataset) -> int:
    """Number of frames in `ds`: 0 without pixel data, else Number of Frames (at least 1)."""
    if not any(k in ds for k in PIXEL_KEYWORDS):
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a malformed value: read as 1
        try:
            return max(1, int(ds.get("NumberOfFrames") or 1))
        except (TypeError, ValueError, OverflowError):
            return 1


def decode_frame(ds: Dataset, index: int) -> Frame:
    """Decode frame `index` (0-based) of `ds`, read with its pixel data, and only that frame."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # pydicom's on odd values: what matters is in Frame.notes
        return _decode_frame(ds, index)


def _decode_frame(ds: Dataset, index: int) -> Frame:
    tsyntax = _transfer_syntax(ds)
    keyword = _check_image(ds, tsyntax)
    count = frame_count(ds)
    if not 0 <= index < count:
        raise FrameDecodeError(ngettext("Image {n} does not exist: this file holds {count} image.",
                                        "Image {n} does not exist: this file holds {count} images.", count).format(
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
    _first_decoders_only(decoder)
    if not decoder.is_available and fallback.decoder_for(tsyntax) is None:
        raise FrameDecodeError(_("No decoder for {syntax} is installed.").format(syntax=tsyntax.name))
    mismatch = _codec_mismatch(ds, tsyntax)
    if mismatch:  # a decoder may still open it (Pillow sniffs) but with the wrong colours
        raise FrameDecodeError(mismatch)
    if tsyntax.is_encapsulated:
        _check_codestream(ds, tsyntax, index, count, samples)
    array, properties = _as_array(decoder, ds, tsyntax, index, overrides)
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    array = np.ascontiguousarray(array)
    if samples == 1 and photometric != "PALETTE COLOR":
        return _grey_frame(ds, index, array, photometric, keyword, notes, tsyntax.is_little_endian)
    rgb = _to_rgb(ds, array, photometric, str(properties.get("photometric_interpretation", "")))
    return Frame(rgb, None, True, photometric, "", [], None, False, (0.0, 255.0), notes)


def _first_decoders_only(decoder) -> None:
    """The first decoders are pylibjpeg's and Pillow's: GDCM, when pydicom loaded it with
    itself, waits as the fallback (fallback.py) so that every file meets the same decoders."""
    if "gdcm" in decoder.available_plugins:
        try:
            decoder.remove_plugin("gdcm")
        except ValueError:  # another thread's decode removed it first
            pass


def _as_array(decoder, ds: Dataset, tsyntax: UID, index: int, overrides: dict) -> tuple[np.ndarray, dict]:
    """The frame from the first decoders; when they all fail, from the fallback decoder (GDCM),
    whose reason is given only if the first decoders had none of their own."""
    first = None
    if decoder.is_available:
        try:
            return _run(decoder, ds, index, overrides)
        except _DecodeFailure as failure:
            first = failure.cause
    second = fallback.decoder_for(tsyntax) if tsyntax.is_encapsulated else None
    if second is not None:
        try:
            return _run(second, ds, index, overrides)
        except _DecodeFailure as failure:
            first = first or failure.cause
    assert first is not None  # one of the two was available (checked before)
    raise _decode_error(first, ds, tsyntax, index) from None


class _DecodeFailure(Exception):
    def __init__(self, cause: BaseException):
        super().__init__(str(cause))
        self.cause = cause


def _run(decoder, ds, index, overrides) -> tuple[np.ndarray, dict]:
    try:
        return decoder.as_array(ds, index=index, validate=True, as_rgb=True, **overrides)
    except Exception as exc:
        raise _DecodeFailure(exc) from None
    except BaseException as exc:  # a native decoder's panic (pyo3's PanicException) is no exit
        if type(exc).__name__ != "PanicException":
            raise
        raise _DecodeFailure(exc) from None


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
    # Beyond float32 once applied to a 16-bit value, the result is no number at all.
    if not (math.isfinite(slope) and math.isfinite(intercept)) or slope == 0 \
            or abs(slope) * 65536 + abs(intercept) > _LARGEST_VALUE:
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
            detail=first_line(exc))) from None
    if array.dtype.itemsize > 1:
        stored_bits = int(ds.get("BitsStored") or 8 * array.dtype.itemsize)
        array = array >> max(0, stored_bits - 8)
    return np.ascontiguousarray(array.astype(np.uint8))


def _transfer_syntax(ds: Dataset) -> UID:
    meta = getattr(ds, "file_meta", None)
    tsyntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if tsyntax:
        uid = UID(str(tsyntax).strip(" \x00"))
        try:
            known = uid.is_transfer_syntax
        except ValueError:  # a private UID
            known = False
        if not known:
            raise FrameDecodeError(_("The file declares a transfer syntax this program does not know, so its "
                                     "pixel data cannot be read."))
        return uid
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
    _check_size(ds, keyword)
    element = ds[keyword]
    if tsyntax.is_encapsulated:
        if not isinstance(element.value, bytes) or element.value[:4] != _ITEM_TAG:
            raise FrameDecodeError(_("The pixel data is not compressed although the transfer syntax says "
                                     "{syntax}.").format(syntax=tsyntax.name))
    elif element.is_undefined_length:
        raise FrameDecodeError(_("The pixel data is compressed although the transfer syntax says "
                                 "{syntax}.").format(syntax=tsyntax.name))
    return keyword


def _check_size(ds: Dataset, keyword: str) -> None:
    """Refuse, before anything is allocated, a frame or a frame count beyond the limits."""
    bits = {"PixelData": int(ds.BitsAllocated), "FloatPixelData": 32, "DoubleFloatPixelData": 64}[keyword]
    size = ds.Rows * ds.Columns * int(ds.get("SamplesPerPixel") or 1) * max(bits, 8) // 8
    if size > MAX_FRAME_BYTES:
        raise FrameDecodeError(_("An image of {columns}x{rows} pixels needs {size} MiB once decoded, more than the "
                                 "{limit} MiB allowed; it is not decoded.").format(
                                     columns=ds.Columns, rows=ds.Rows, size=size // MiB,
                                     limit=MAX_FRAME_BYTES // MiB))
    count = ds.get("NumberOfFrames")
    try:
        declared = int(count) if count not in (None, "") else 1
    except (TypeError, ValueError, OverflowError):
        declared = None
    if declared is None or declared > MAX_FRAMES:
        raise FrameDecodeError(_("The file declares an impossible number of images (more than {limit}).").format(
            limit=MAX_FRAMES))


def _check_codestream(ds: Dataset, tsyntax: UID, index: int, count: int, samples: int) -> None:
    """Refuse a compressed frame whose own header disagrees with the data set: decoders size
    their buffers from it."""
    family = _family(tsyntax)
    try:
        frame = get_frame(ds.PixelData, index, number_of_frames=count)
    except Exception as exc:  # noqa: BLE001 - damaged fragments: pydicom's reasons vary
        raise FrameDecodeError(_("The {codec} data of image {n} is truncated or corrupt: {detail}").format(
            codec=family, n=index + 1, detail=first_line(exc))) from None
    found = codestream.declared(bytes(frame[:1 << 16]))
    if found is None:
        return
    if found.codec == "RLE":
        expected = samples * max(int(ds.BitsAllocated), 8) // 8
        if found.segments != expected:
            raise FrameDecodeError(_("The RLE data of image {n} has {found} segments where the file's layout "
                                     "needs {expected}; it is not decoded.").format(
                                         n=index + 1, found=found.segments, expected=expected))
        if not codestream.rle_offsets_sound(bytes(frame[:64]), len(frame)):
            raise FrameDecodeError(_("The RLE data of image {n} is corrupt: its segment offsets are out of order "
                                     "or past its end.").format(n=index + 1))
        return
    if (found.rows not in (None, ds.Rows) or found.columns != ds.Columns
            or found.samples not in (None, samples)):
        raise FrameDecodeError(_("The {codec} data of image {n} declares {columns}x{rows} pixels ({samples} "
                                 "samples) but the file says {ds_columns}x{ds_rows} ({ds_samples}); it is not "
                                 "decoded.").format(
                                     codec=found.codec, n=index + 1, columns=found.columns, rows=found.rows or "?",
                                     samples=found.samples, ds_columns=ds.Columns, ds_rows=ds.Rows,
                                     ds_samples=samples))


def _family(tsyntax: UID) -> str:
    if tsyntax in JPEG2000TransferSyntaxes:
        return "JPEG 2000"
    if tsyntax in JPEGLSTransferSyntaxes:
        return "JPEG-LS"
    if tsyntax in JPEGTransferSyntaxes:
        return "JPEG"
    return "RLE" if tsyntax == RLELossless else tsyntax.name


def _codec_mismatch(ds: Dataset, tsyntax: UID) -> str | None:
    """Why the compressed data is not what the transfer syntax says, or None."""
    if not tsyntax.is_encapsulated:
        return None
    family, found = _family(tsyntax), codestream.codec(codestream.first_fragment(ds.PixelData)[:4096])
    if found and found != family and family in ("JPEG", "JPEG-LS", "JPEG 2000", "RLE"):
        return _("The pixel data is {found} but the transfer syntax says {syntax}.").format(
            found=found, syntax=tsyntax.name)
    return None


def _decode_error(exc: BaseException, ds: Dataset, tsyntax: UID, index: int) -> FrameDecodeError:
    text = str(exc)
    short = re.search(r"less than expected \((\d+) vs (\d+) bytes\)", text)
    if short:
        return FrameDecodeError(_("The pixel data is truncated: {actual} of {expected} bytes are present.").format(
            actual=short[1], expected=short[2]))
    if "insufficient pixel data" in text:
        return FrameDecodeError(_("The pixel data is truncated: image {n} is missing.").format(n=index + 1))
    if not tsyntax.is_encapsulated:
        return FrameDecodeError(_("The pixel data cannot be read: {detail}").format(detail=first_line(exc)))
    return FrameDecodeError(_("The {codec} data of image {n} is truncated or corrupt: {detail}").format(
        codec=_family(tsyntax), n=index + 1, detail=first_line(exc)))
