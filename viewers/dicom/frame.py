"""What the DICOM pixel pipeline passes around: a decoded `Frame`, the VOI `Window` it is
shown through, and `FrameDecodeError`. decode.py makes frames, voi.py windows and renders them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from app.core.errors import BadInputError

FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")


class FrameDecodeError(BadInputError):
    """A frame cannot be decoded; the message says why in words a user can read."""


@dataclass(frozen=True)
class Window:
    """A VOI window in modality units (HU for CT). `function` is the file's VOI LUT
    Function (PS3.3 C.11.2.1.3): LINEAR unless the file says LINEAR_EXACT or SIGMOID."""

    center: float
    width: float
    name: str = ""
    function: str = "LINEAR"

    def __post_init__(self):
        if not (math.isfinite(self.center) and math.isfinite(self.width)):
            raise ValueError(f"window centre and width must be finite numbers, not {self.center}/{self.width}")
        # Width >= 1 (PS3.3 C.11.2.1.2); clamping lets a drag hit the floor without an error.
        object.__setattr__(self, "width", max(1.0, float(self.width)))
        object.__setattr__(self, "center", float(self.center))
        if self.function not in FUNCTIONS:
            object.__setattr__(self, "function", "LINEAR")

    @property
    def low(self) -> float:
        """The highest value that still shows black (linear function)."""
        return self.center - 0.5 - (self.width - 1) / 2

    @property
    def high(self) -> float:
        """The value above which everything shows white (linear function)."""
        return self.center - 0.5 + (self.width - 1) / 2



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
    # The header of a single-frame instance (without its pixels), pickled: it lives as long
    # as its frame, in whichever cache or model holds the frame, as bytes the cyclic garbage
    # collector never walks (a parsed header is ~170 objects; viewers/dicom/series.py).
    header_pickle: bytes | None = field(default=None, repr=False)
    # The overlay planes lying on this frame (viewers/dicom/overlays.py), made by the worker.
    overlays: tuple = field(default=(), repr=False)

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
        if self.header_pickle is not None:
            total += len(self.header_pickle)
        total += sum(plane.nbytes for plane in self.overlays)
        return total
