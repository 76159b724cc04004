"""Display of a decoded frame: windows (VOI), CT presets, MONOCHROME1 inversion, and the
rendering of a frame into 8-bit grey or RGB. Qt-free, numpy only.

Grey frames of 8 or 16 bits are rendered through a lookup table indexed by the stored
value, so a window change costs one table of at most 65,536 entries plus one `np.take`
over the image, whatever the rescale, the VOI LUT or the window function.
"""

from __future__ import annotations

import math

import numpy as np
from pydicom.multival import MultiValue

from app.core.i18n import N_, _
from viewers.dicom.frame import Frame, Window

#: Name of the window `default_window` returns for a frame whose default VOI is its VOI
#: LUT; `render` given a window of that name applies the LUT itself, not a straight line.
VOI_LUT_NAME = "VOI LUT"

# Pixels per block of a lookup: keeps the working set of np.take in the CPU cache, which
# makes a 3000x4000 window update about three times faster than one call on the whole.
_BLOCK_PIXELS = 1 << 18


# The order is the number key a radiologist presses: 1 brain ... 8 bone. The names are
# marked for the catalogue and translated where shown (display.window_text, the Window menu).
CT_PRESETS: dict[str, Window] = {
    "brain": Window(40, 80, N_("Brain")),
    "subdural": Window(75, 200, N_("Subdural")),
    "stroke": Window(40, 40, N_("Stroke")),
    "lung": Window(-600, 1500, N_("Lung")),
    "mediastinum": Window(50, 350, N_("Mediastinum")),
    "abdomen": Window(40, 400, N_("Abdomen")),
    "liver": Window(90, 150, N_("Liver")),
    "bone": Window(350, 2000, N_("Bone")),
}


def _values(value) -> list:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple, MultiValue)) else [value]


def file_windows(get, notes: list[str]) -> list[Window]:
    """The windows a file carries (Window Center/Width, several with their explanations);
    `get(keyword)` reads the frame's value. Unusable pairs are skipped with a note."""
    centers, widths = _values(get("WindowCenter")), _values(get("WindowWidth"))
    names = _values(get("WindowCenterWidthExplanation"))
    function = str(get("VOILUTFunction") or "LINEAR").strip().upper()
    windows = []
    for i, (center, width) in enumerate(zip(centers, widths)):
        try:
            center, width = float(center), float(width)
            if width <= 0:
                raise ValueError
            windows.append(Window(center, width, str(names[i]).strip() if i < len(names) else "", function))
        except (TypeError, ValueError):
            notes.append(_("Window {n} of the file ({center}/{width}) is not usable and is ignored.").format(
                n=i + 1, center=center, width=width))
    return windows


def read_lut(item, signed: bool, little_endian: bool) -> tuple[int, int, np.ndarray]:
    """(first value mapped, bits per entry, table) of a Modality or VOI LUT item."""
    entries, first, bits = (int(v) for v in item.LUTDescriptor)
    entries = entries or 65536
    if signed and first >= 32768:  # a US descriptor holding a signed first value
        first -= 65536
    data = item.LUTData
    if isinstance(data, bytes):
        size = "u1" if len(data) == entries else "u2"
        table = np.frombuffer(data, dtype=("<" if little_endian else ">") + size)[:entries]
    else:
        table = np.asarray(_values(data), dtype=np.int64)[:entries]
    if not table.size:
        raise ValueError("empty LUT")
    return first, bits, table.astype(np.int32)


def file_voi_lut(ds, signed: bool, little_endian: bool, notes: list[str]) -> tuple | None:
    """The file's first VOI LUT as (first, bits, table), or None."""
    try:
        item = ds.VOILUTSequence[0]
    except (AttributeError, IndexError, KeyError):
        return None
    try:
        return read_lut(item, signed, little_endian)
    except (AttributeError, TypeError, ValueError, IndexError):
        notes.append(_("The VOI LUT cannot be read and is ignored."))
        return None


def window_from_range(low: float, high: float, name: str = "") -> Window:
    """The linear window that maps `low` to black and `high` to white."""
    low, high = float(low), float(high)
    if not high > low:
        return Window(low + 0.5, 1.0, name)
    return Window((low + high) / 2 + 0.5, high - low + 1, name)


def voi_lut_window(frame: Frame) -> Window | None:
    """The linear window spanning the input range of the frame's VOI LUT (for the W/L
    overlay and as the start of a drag), or None when the frame has no VOI LUT."""
    if frame.voi_lut is None:
        return None
    first, _bits, lut = frame.voi_lut
    return window_from_range(first, first + len(lut) - 1, VOI_LUT_NAME)


def default_window(frame: Frame) -> Window:
    """The file's first window, else its VOI LUT, else the full stored range for data of
    8 bits or less, else the 0.5-99.5 percentile range of the modality values."""
    if frame.windows:
        return frame.windows[0]
    lut_window = voi_lut_window(frame)
    if lut_window is not None:
        return lut_window
    if frame.color:
        return Window(128, 256)
    if frame._auto_window is None:
        frame._auto_window = _auto_window(frame)
    return frame._auto_window


def _auto_window(frame: Frame) -> Window:
    if frame._codes is not None and frame._stored_range is not None:
        low, high = frame._stored_range
        if high - low < 256:  # 8 bits or less: the whole range the data can take
            stored = np.arange(low, high + 1, dtype=np.int64) & (len(frame._codes) - 1)
            return window_from_range(*_range(frame._codes[stored]))
    values = frame.modality
    step = max(1, int(math.sqrt(values.size / 262_144)))  # a ~512x512 sample is plenty
    sample = values[::step, ::step]
    sample = sample[np.isfinite(sample)]
    if sample.size:
        low, high = np.percentile(sample, [0.5, 99.5])
        if high > low:
            return window_from_range(low, high)
    return window_from_range(*frame.value_range)


def _range(values: np.ndarray) -> tuple[float, float]:
    return float(np.nanmin(values)), float(np.nanmax(values))


def apply_window(values: np.ndarray, window: Window) -> np.ndarray:
    """uint8 display values of modality `values` through `window` (PS3.3 C.11.2.1.2/3)."""
    x = np.asarray(values, dtype=np.float64 if values.size <= 65536 else np.float32)
    c, w = window.center, window.width
    if window.function == "SIGMOID":
        with np.errstate(over="ignore"):
            y = 1.0 / (1.0 + np.exp(-4.0 * (x - c) / w))
    elif window.function == "LINEAR_EXACT":
        y = (x - c) / w + 0.5
    elif w <= 1:
        y = (x > c - 0.5).astype(x.dtype)
    else:
        y = (x - (c - 0.5)) / (w - 1) + 0.5
    y = np.clip(y, 0, 1) * 255
    return np.rint(y, out=y).astype(np.uint8)


def apply_voi_lut(values: np.ndarray, voi_lut: tuple) -> np.ndarray:
    """uint8 display values of modality `values` through a VOI LUT (first, bits, table)."""
    first, bits, lut = voi_lut
    # The descriptor's bit depth is sometimes smaller than the data really uses.
    top = max(2 ** int(bits) - 1, int(lut.max()) if lut.size else 1, 1)
    index = np.clip(np.rint(np.nan_to_num(values)) - first, 0, len(lut) - 1).astype(np.intp)
    return np.rint(lut[index].astype(np.float64) * (255.0 / top)).astype(np.uint8)


def render(frame: Frame, window: Window | None = None, *, invert: bool = False,
           use_voi_lut: bool = True) -> np.ndarray:
    """The frame as uint8 HxW (grey) or HxWx3 (colour), ready to draw.

    `window` None means the frame's default (`default_window`); a window named VOI_LUT_NAME
    applies the frame's VOI LUT when `use_voi_lut`. MONOCHROME1 frames show inverted, and
    `invert` inverts once more. A colour frame is shown as stored unless a window other than
    the identity (128/256) is given, which then applies to each channel."""
    if window is None:
        window = default_window(frame)
    flip = bool(frame.invert) ^ bool(invert)
    voi = frame.voi_lut if (use_voi_lut and frame.voi_lut is not None and window.name == VOI_LUT_NAME) else None
    if frame.color:
        rgb = frame.modality
        if window == Window(128, 256, window.name) and not flip:
            return rgb.copy()
        return lookup(_table(np.arange(256, dtype=np.float64), window, None, flip), rgb)
    if frame._codes is not None and frame.stored is not None:
        index = frame.stored.view(np.uint8 if frame.stored.dtype.itemsize == 1 else np.uint16)
        return lookup(_table(frame._codes, window, voi, flip), index)
    return _render_float(frame.modality, window, voi, flip)


def _table(codes: np.ndarray, window: Window, voi, flip: bool) -> np.ndarray:
    table = apply_voi_lut(codes, voi) if voi is not None else apply_window(codes, window)
    return np.subtract(255, table, out=table) if flip else table


def _rows_per_block(image: np.ndarray) -> int:
    row_pixels = int(np.prod(image.shape[1:])) or 1
    return max(1, _BLOCK_PIXELS // row_pixels)


def lookup(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """table[index] for an unsigned 8/16-bit `index`, in cache-sized blocks (see _BLOCK_PIXELS)."""
    out = np.empty(index.shape, dtype=table.dtype)
    rows = _rows_per_block(index)
    for start in range(0, index.shape[0], rows):
        np.take(table, index[start:start + rows], out=out[start:start + rows], mode="wrap")
    return out


def _render_float(values: np.ndarray, window: Window, voi, flip: bool) -> np.ndarray:
    out = np.empty(values.shape, dtype=np.uint8)
    rows = _rows_per_block(values)
    for start in range(0, values.shape[0], rows):
        block = values[start:start + rows]
        part = apply_voi_lut(block, voi) if voi is not None else apply_window(np.nan_to_num(block), window)
        out[start:start + rows] = 255 - part if flip else part
    return out


def placeholder(reason: str, width: int = 512, height: int = 512) -> np.ndarray:
    """A dark grey uint8 image with a lighter frame, shown in place of a frame that cannot
    be decoded; the widget writes `reason` on it (no text is drawn here)."""
    image = np.full((max(1, int(height)), max(1, int(width))), 40, dtype=np.uint8)
    border = max(1, min(image.shape) // 128)
    for edge in (np.s_[:border, :], np.s_[-border:, :], np.s_[:, :border], np.s_[:, -border:]):
        image[edge] = 72
    return image
