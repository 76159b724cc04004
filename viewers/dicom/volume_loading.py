"""Decoding a series into a Volume, coarse to fine, outside the frame cache: a volume holds
every slice already, so caching each decoded frame as well would double the memory."""

from __future__ import annotations

import numpy as np

from app.core.i18n import _
from app.core.tasks import Cancelled
from viewers.dicom.pixels import Frame, FrameDecodeError, decode_frame
from viewers.dicom.volume_fast import fast_modality

COARSE_STRIDES = (32, 8, 1)  # decode every 32nd slice, then every 8th, then the rest


def load_order(count: int) -> list[int]:
    """Volume slice indices in decode order: coarse passes first so that a reformat of a
    half-loaded volume already spans its whole extent; each slice once."""
    seen = np.zeros(count, dtype=bool)
    order: list[int] = []
    for stride in COARSE_STRIDES:
        for k in range(0, count, stride):
            if not seen[k]:
                seen[k] = True
                order.append(k)
    if count and not seen[count - 1]:  # not reached: stride 1 covers all
        order.append(count - 1)
    return order


class _Decoder:
    """Decodes frames of one series, keeping the last multi-frame file parsed."""

    def __init__(self, series) -> None:
        self.series = series
        self._held: tuple[int, object] | None = None

    def modality(self, n: int, shape: tuple[int, int], photometric: str) -> np.ndarray:
        """Slice n's modality values (rows x columns): through the fast path when the file
        allows, else decoded as the viewer decodes it (FrameDecodeError, colour, other size)."""
        series = self.series
        ref = series.instance_ref(n)
        if ref.frames == 1 and series.peek(n) is None:
            data = series._read(series._owner[n])
            values = fast_modality(data, shape[0], shape[1], photometric)
            if values is not None:
                return values
            ds = series._parse(data, header_only=False)
            frame = decode_frame(ds, 0)
        else:
            frame = self.frame(n)
        if frame.color or frame.modality.shape != shape:
            raise FrameDecodeError(_("This slice differs from the others in size or colour."))
        return frame.modality

    def frame(self, n: int) -> Frame:
        series = self.series
        cached = series.peek(n)
        if cached is not None:
            return cached
        key = series.slice_key(n)
        ref = series.instance_ref(n)
        if self._held is not None and self._held[0] == id(ref):
            ds = self._held[1]
        else:
            data = series._read(series._owner[n])
            ds = series._parse(data, header_only=False)
            if ref.frames > 1:
                self._held = (id(ref), ds)
        return decode_frame(ds, key.frame)


def first_frame(series, geometry) -> Frame:
    """The first volume slice, decoded (its units, windows and photometric interpretation
    become the volume's)."""
    try:
        return _Decoder(series).frame(geometry.order[0])
    except FrameDecodeError:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder's surprise is a slice that fails
        raise FrameDecodeError(_("The image cannot be decoded: {reason}").format(reason=str(exc)[:160])) from None


def fill_volume(volume, series, progress=None, cancelled=None, photometric: str = "MONOCHROME2") -> None:
    """Decode every slice not yet loaded into `volume`, coarse to fine. A slice that fails
    is left to its neighbours (its reason kept in volume.errors); Cancelled when `cancelled()`
    turns true."""
    decoder = _Decoder(series)
    order = [k for k in load_order(volume.geometry.shape[0]) if not volume.loaded[k]]
    total = volume.geometry.shape[0]
    done = volume.count
    shape = volume.geometry.shape[1:]
    for k in order:
        if cancelled is not None and cancelled():
            raise Cancelled()
        n = volume.geometry.order[k]
        try:
            volume.store(k, decoder.modality(n, shape, photometric))
        except FrameDecodeError as exc:
            volume.errors[k] = str(exc)
        except Exception as exc:  # noqa: BLE001 - one slice fails, the volume goes on
            volume.errors[k] = str(exc)[:160] or type(exc).__name__
        done += 1
        if progress is not None:
            progress(done, total)
