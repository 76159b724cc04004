"""What one viewport shows, Qt-free: its view state, the frame at the resolution the screen
needs (a pyramid of 2x2 means for zoomed-out views, the visible crop of a big image when
zoomed in), and the text of the overlay corners.

Drawing a 3000x4000 mammogram at fit size reads a reduced copy of a few hundred thousand
pixels, so a window drag costs the same on it as on a 512x512 CT slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
import math

import numpy as np

from app.core.formatting import format_dicom_name
from app.core.i18n import _, pgettext
from app.core.locale_format import format_date
from viewers.dicom.numbers import trimmed
from viewers.dicom.pixels import Frame, Window, default_window, render

MAX_LEVEL = 64
CROP_MIN_PIXELS = 2_000_000  # below this, a whole level is rendered (crop bookkeeping costs more)
CROP_GRID = 256


@dataclass
class ViewState:
    """How a viewport shows its series; kept when the slice changes."""

    window: Window | None = None  # None: the frame's own default
    invert: bool = False
    zoom: float | None = None  # screen pixels per image column; None: fit to the viewport
    pan: tuple[float, float] = (0.0, 0.0)  # screen pixels from the centred position
    rotation: int = 0  # quarter turns clockwise, 0..3
    flip_h: bool = False  # mirrored left-right on screen (after rotation)
    flip_v: bool = False


@dataclass
class DisplayImage:
    """Rendered uint8 pixels covering image columns x0.. and rows y0.., each `step` image
    pixels wide."""

    pixels: np.ndarray
    x0: int
    y0: int
    step: int


def _reduce2(values: np.ndarray) -> np.ndarray:
    """The mean of every 2x2 block (odd last row/column dropped)."""
    h, w = values.shape[0] // 2 * 2, values.shape[1] // 2 * 2
    v = values[:h, :w]
    if v.dtype == np.uint8:
        total = v[0::2, 0::2].astype(np.uint16) + v[1::2, 0::2] + v[0::2, 1::2] + v[1::2, 1::2]
        return ((total + 2) >> 2).astype(np.uint8)
    total = v[0::2, 0::2].astype(np.float32) + v[1::2, 0::2] + v[0::2, 1::2] + v[1::2, 1::2]
    total *= np.float32(0.25)
    return total


def level_for(scale: float) -> int:
    """The coarsest pyramid level (a power of two) that still has a pixel per screen pixel."""
    if not scale > 0 or scale >= 0.5:
        return 1
    return min(MAX_LEVEL, 2 ** int(math.floor(math.log2(1.0 / scale))))


class FramePyramid:
    """One frame and its reduced copies, made on first use."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self._levels: dict[int, Frame] = {1: frame}

    def level(self, step: int) -> Frame:
        step = max(1, step)
        while step > 1 and min(self.frame.modality.shape[:2]) // step < 8:
            step //= 2  # never reduce below a few pixels
        if step not in self._levels:
            finer = self.level(step // 2)
            # Reduced copies are windowed from their modality values: the stored values and
            # their lookup table belong to the full-resolution frame.
            self._levels[step] = replace(finer, modality=_reduce2(finer.modality), stored=None)
        return self._levels[step]


def _crop_box(shape, visible, step: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) at this level: the visible part with a margin, on a grid so that a
    small pan reuses the rendered crop; the whole level when that is small or mostly seen."""
    h, w = shape[:2]
    if visible is None or h * w < CROP_MIN_PIXELS:
        return 0, 0, w, h
    vx0, vy0, vx1, vy1 = (v / step for v in visible)
    if (vx1 - vx0) * (vy1 - vy0) > 0.5 * h * w:
        return 0, 0, w, h
    x0 = max(0, int(vx0 // CROP_GRID - 1) * CROP_GRID)
    y0 = max(0, int(vy0 // CROP_GRID - 1) * CROP_GRID)
    x1 = min(w, int(vx1 // CROP_GRID + 2) * CROP_GRID)
    y1 = min(h, int(vy1 // CROP_GRID + 2) * CROP_GRID)
    if x1 <= x0 or y1 <= y0:
        return 0, 0, 1, 1
    return x0, y0, x1, y1


class DisplayRenderer:
    """Renders what the screen needs of the current frame, remembering the last result."""

    def __init__(self) -> None:
        self._pyramid: FramePyramid | None = None
        self._key = None
        self._image: DisplayImage | None = None

    def render(self, frame: Frame, window: Window, invert: bool, scale: float,
               visible: tuple[float, float, float, float] | None = None) -> DisplayImage:
        """`scale`: device pixels per image pixel; `visible`: the image rectangle on screen."""
        if self._pyramid is None or self._pyramid.frame is not frame:
            self._pyramid, self._key = FramePyramid(frame), None
        step = level_for(scale)
        level = self._pyramid.level(step)
        step = round(frame.modality.shape[1] / level.modality.shape[1]) if step > 1 else 1
        box = _crop_box(level.modality.shape, visible, step)
        key = (step, box, window, bool(invert))
        if key != self._key:
            x0, y0, x1, y1 = box
            part = level if box == (0, 0, level.modality.shape[1], level.modality.shape[0]) else replace(
                level, modality=level.modality[y0:y1, x0:x1],
                stored=None if level.stored is None else level.stored[y0:y1, x0:x1])
            pixels = np.ascontiguousarray(render(part, window, invert=invert))
            self._image, self._key = DisplayImage(pixels, x0 * step, y0 * step, step), key
        return self._image

    def covers(self, visible, step: int) -> bool:
        """Whether the last render still covers `visible` at `step` (no re-render on a pan)."""
        if self._image is None or self._image.step != step:
            return False
        x0, y0 = self._image.x0, self._image.y0
        h, w = self._image.pixels.shape[:2]
        return x0 <= visible[0] and y0 <= visible[1] and x0 + w * step >= visible[2] and y0 + h * step >= visible[3]


def effective_window(state: ViewState, frame: Frame | None) -> Window | None:
    if state.window is not None:
        return state.window
    return default_window(frame) if frame is not None else None


# ---- overlay text -------------------------------------------------------------------

def _get(ds, keyword: str) -> str:
    try:
        value = ds.get(keyword) if ds is not None else None
    except Exception:  # noqa: BLE001 - a damaged header element never breaks the overlay
        return ""
    return "" if value is None else str(value).strip()


def _number(value, digits: int = 2) -> str:
    return trimmed(value, digits)


def window_text(window: Window | None) -> str:
    if window is None:
        return ""
    text = _("W {width} L {center}").format(width=_number(window.width, 1), center=_number(window.center, 1))
    # A preset's name was marked with N_() (viewers/dicom/voi.py); a file's own name is its text.
    name = _(window.name) if window.name and window.name != "VOI LUT" else ""
    return f"{text} ({name})" if name else text


def sex_letter(code: str) -> str:
    """DICOM's patient sex (M, F, O) as the reader abbreviates it: 'V' for a woman in Dutch, 'H'
    for a man in French; any other value as it is."""
    letters = {
        # TRANSLATORS: one letter after the birth date in the image overlay: a female patient.
        "F": pgettext("patient sex, one letter", "F"),
        # TRANSLATORS: one letter after the birth date in the image overlay: a male patient.
        "M": pgettext("patient sex, one letter", "M"),
        # TRANSLATORS: one letter after the birth date in the image overlay: other sex.
        "O": pgettext("patient sex, one letter", "O"),
    }
    return letters.get(code.strip().upper(), code) if code else ""


def patient_lines(ds) -> list[str]:
    name = format_dicom_name(_get(ds, "PatientName"))
    birth = format_date(_get(ds, "PatientBirthDate"))
    sex = sex_letter(_get(ds, "PatientSex"))
    details = " ".join(p for p in (birth and _("born {date}").format(date=birth), sex) if p)
    lines = [name, _get(ds, "PatientID"), details]
    return [line for line in lines if line]


def study_lines(ds) -> list[str]:
    date = format_date(_get(ds, "StudyDate") or _get(ds, "SeriesDate"))
    time = _get(ds, "StudyTime")
    when = f"{date} {time[:2]}:{time[2:4]}" if date and len(time) >= 4 else date
    number, description = _get(ds, "SeriesNumber"), _get(ds, "SeriesDescription")
    series = " ".join(p for p in (number and _("Se {n}").format(n=number), description) if p)
    lines = [_get(ds, "InstitutionName"), _get(ds, "StudyDescription"), when,
             " ".join(p for p in (_get(ds, "Modality"), series) if p)]
    return [line for line in lines if line]


def slice_lines(index: int, count: int, info, frame_note: str = "") -> list[str]:
    lines = [_("Im {n}/{count}").format(n=index + 1, count=count)]
    location = getattr(info, "location", None) if info is not None else None
    if location is not None:
        lines.append(_("Loc {mm} mm").format(mm=_number(location)))
    thickness = getattr(info, "thickness", None) if info is not None else None
    if thickness:
        lines.append(_("Thk {mm} mm").format(mm=_number(thickness)))
    if frame_note:
        lines.append(frame_note)
    return lines


def view_lines(window: Window | None, zoom_percent: float, state: ViewState) -> list[str]:
    lines = [window_text(window), _("Zoom {percent} %").format(percent=round(zoom_percent))]
    flags = []
    if state.rotation:
        flags.append(_("Rot {deg}°").format(deg=90 * state.rotation))
    if state.flip_h:
        flags.append(_("Flip H"))
    if state.flip_v:
        flags.append(_("Flip V"))
    if state.invert:
        flags.append(_("Inverted"))
    if flags:
        lines.append(" ".join(flags))
    return [line for line in lines if line]


def probe_text(frame: Frame | None, column: float, row: float) -> str:
    """'x 120 y 85: 1024 → 0 HU' for the pixel under the mouse, '' outside the image."""
    if frame is None:
        return ""
    col, r = int(math.floor(column)), int(math.floor(row))
    h, w = frame.modality.shape[:2]
    if not (0 <= col < w and 0 <= r < h):
        return ""
    where = _("x {x} y {y}").format(x=col, y=r)
    if frame.color:
        red, green, blue = (int(v) for v in frame.modality[r, col][:3])
        return _("{where}: RGB {r}, {g}, {b}").format(where=where, r=red, g=green, b=blue)
    value = float(frame.modality[r, col])
    shown = _number(value, 2) if math.isfinite(value) else str(value)
    units = f" {frame.units}" if frame.units else ""
    if frame.stored is not None:
        stored = frame.stored[r, col]
        stored_text = str(int(stored)) if np.issubdtype(np.asarray(stored).dtype, np.integer) else _number(stored)
        if stored_text != shown or units:
            return _("{where}: stored {stored} = {value}{units}").format(
                where=where, stored=stored_text, value=shown, units=units)
    return _("{where}: {value}{units}").format(where=where, value=shown, units=units)


@dataclass
class Corners:
    top_left: list[str] = field(default_factory=list)
    top_right: list[str] = field(default_factory=list)
    bottom_left: list[str] = field(default_factory=list)
    bottom_right: list[str] = field(default_factory=list)
