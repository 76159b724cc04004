"""DICOM overlay planes (groups 6000-601E), Qt-free: the bitmap each plane lays on a frame.

Overlay Data (60xx,3000) is unpacked by pydicom (`Dataset.overlay_array`; of a multi-frame
overlay only the frame shown is unpacked, here); an overlay kept in
an unused high bit of the pixel data (Overlay Bits Allocated > 1, retired but found on old
media) is read from the stored pixel values at its Overlay Bit Position. Multi-frame
overlays apply to the frames Image Frame Origin and Number of Frames in Overlay say;
without them an overlay lies on the first frame only (PS3.3 C.9.2.1.1).

Coordinates: Overlay Origin (row, column) is 1-based, so overlay pixel (0, 0) lies on image
pixel (origin row - 1, origin column - 1); `OverlayPlane.origin` is that 0-based pair.
The series worker computes the planes with the frame (`Frame.overlays`), never the GUI thread.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from app.core.media_limits import MAX_FRAMES

GROUPS = tuple(range(0x6000, 0x6020, 2))
MAX_OVERLAY_PIXELS = 64 * 1024 * 1024  # one overlay frame's bitmap; beyond, the plane is left out


@dataclass(frozen=True, eq=False)
class OverlayPlane:
    """One overlay plane on one frame: `bitmap` bool (overlay rows x columns), True where the
    overlay is set; `origin` the image pixel (row, column) of its first pixel, 0-based."""

    group: int
    bitmap: np.ndarray
    origin: tuple[int, int] = (0, 0)
    kind: str = "G"  # "G" graphics, "R" region of interest
    label: str = ""

    @property
    def nbytes(self) -> int:
        return int(self.bitmap.nbytes) + 128

    def image_mask(self, rows: int, columns: int) -> np.ndarray:
        """The plane as a bool mask of the whole image (rows x columns): the bitmap placed at
        its origin, clipped to the image."""
        mask = np.zeros((rows, columns), dtype=bool)
        r0, c0 = self.origin
        h, w = self.bitmap.shape
        top, left = max(r0, 0), max(c0, 0)
        bottom, right = min(r0 + h, rows), min(c0 + w, columns)
        if bottom > top and right > left:
            mask[top:bottom, left:right] = self.bitmap[top - r0:bottom - r0, left - c0:right - c0]
        return mask


def overlay_groups(ds) -> list[int]:
    """The overlay groups a data set declares (those with Overlay Rows and Columns)."""
    return [g for g in GROUPS if (g, 0x0010) in ds and (g, 0x0011) in ds]


def overlay_planes(ds, frame: int = 0) -> list[OverlayPlane]:
    """The overlay planes lying on image frame `frame` (0-based) of `ds`. A plane that is
    damaged (lengths that do not add up, a bit position outside the pixel) is left out: an
    overlay never keeps an image from showing."""
    planes = []
    for group in overlay_groups(ds):
        try:
            plane = _plane(ds, group, frame)
        except (AttributeError, TypeError, ValueError, IndexError, KeyError):
            plane = None
        if plane is not None:
            planes.append(plane)
    return planes


def _value(ds, group: int, element: int, default=None):
    item = ds.get((group, element))
    return default if item is None or item.value in (None, "", b"") else item.value


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _plane(ds, group: int, frame: int) -> OverlayPlane | None:
    rows, columns = _int(_value(ds, group, 0x0010), 0), _int(_value(ds, group, 0x0011), 0)
    if rows <= 0 or columns <= 0 or rows * columns > MAX_OVERLAY_PIXELS:
        return None
    frames = _int(_value(ds, group, 0x0015, 1), 1)
    first = _int(_value(ds, group, 0x0051, 1), 1)  # Image Frame Origin, 1-based
    if not 1 <= frames <= MAX_FRAMES:
        return None
    k = frame - (first - 1)
    if not 0 <= k < frames:
        return None  # this plane lies on other frames
    origin = _value(ds, group, 0x0050, (1, 1))
    try:
        origin_rc = (int(origin[0]) - 1, int(origin[1]) - 1)
    except (TypeError, ValueError, IndexError):
        origin_rc = (0, 0)
    kind = str(_value(ds, group, 0x0040, "G")).strip().upper()[:1] or "G"
    label = str(_value(ds, group, 0x1500, "") or _value(ds, group, 0x0022, "") or "").strip()
    if (group, 0x3000) in ds:
        bitmap = _from_overlay_data(ds, group, frames, rows, columns, k)
    else:
        bitmap = _from_pixel_data(ds, group, rows, columns, frame)
    if bitmap is None:
        return None
    return OverlayPlane(group, bitmap, origin_rc, kind, label)


def _from_overlay_data(ds, group: int, frames: int, rows: int, columns: int, k: int) -> np.ndarray | None:
    if frames > 1:  # only frame k's bits unpacked: a long cine does not unpack every frame per frame
        return _overlay_frame(bytes(ds[group, 0x3000].value), frames, rows, columns, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of a missing padding byte; the bits are there
        array = ds.overlay_array(group)
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.shape[0] <= k or array.shape[1:] != (rows, columns):
        return None
    return array[k].astype(bool)


def _overlay_frame(data: bytes, frames: int, rows: int, columns: int, k: int) -> np.ndarray | None:
    """Frame k of multi-frame Overlay Data (frames packed one after the other, bit by bit,
    least significant bit first; PS3.5 8.1.2), None when the data is too short for them all."""
    size = rows * columns
    if len(data) * 8 < frames * size:
        return None
    start = k * size
    chunk = np.frombuffer(data, np.uint8, count=(start + size + 7) // 8 - start // 8, offset=start // 8)
    bits = np.unpackbits(chunk, bitorder="little")[start % 8:start % 8 + size]
    return bits.reshape(rows, columns).astype(bool)


def _from_pixel_data(ds, group: int, rows: int, columns: int, frame: int) -> np.ndarray | None:
    """An overlay embedded in the unused high bits of native pixel data (retired; old media)."""
    bits_allocated = _int(_value(ds, group, 0x0100, 1), 1)
    position = _int(_value(ds, group, 0x0102, 0), 0)
    pixel_bits = _int(ds.get("BitsAllocated"), 0)
    if bits_allocated <= 1 or pixel_bits not in (8, 16) or not 0 <= position < pixel_bits:
        return None
    if "PixelData" not in ds or _int(ds.get("SamplesPerPixel", 1), 1) != 1:
        return None
    if rows != _int(ds.get("Rows"), -1) or columns != _int(ds.get("Columns"), -1):
        return None
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if syntax is not None and syntax.is_compressed:
        return None  # a codec keeps only the stored bits: the overlay bits are gone
    big_endian = syntax is not None and not syntax.is_little_endian
    dtype = np.dtype(np.uint8) if pixel_bits == 8 else np.dtype(">u2" if big_endian else "<u2")
    size = rows * columns
    data = np.frombuffer(ds.PixelData, dtype=dtype, count=min(len(ds.PixelData) // dtype.itemsize,
                                                               size * (frame + 1)))
    if data.size < size * (frame + 1):
        return None
    values = data[size * frame:size * (frame + 1)].reshape(rows, columns)
    return ((values >> position) & 1).astype(bool)


def overlay_text(planes: list[OverlayPlane]) -> list[str]:
    """The labels of the planes that have one (the overlay's own words: Overlay Label or
    Description), for the corner text."""
    return [p.label for p in planes if p.label]
