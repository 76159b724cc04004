"""A reformat of a Volume that a viewport shows like a SeriesModel, Qt-free: index n is a
plane stepped along the base plane's normal, its frame made in this object's own worker and
handed to the callback as SeriesModel hands decoded frames. W/L, zoom, measurements (mm and
HU) and key images then work as on any series.

Frames made while the volume is still loading are not kept: call `invalidate()` when it
gains slices (or let `set_slab` do it) and ask again.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace

import numpy as np
from pydicom.dataset import Dataset

from app.core.i18n import _, ngettext
from viewers.dicom import geometry as geo
from viewers.dicom.frame import Frame, FrameDecodeError
from viewers.dicom.geometry import SliceInfo
from viewers.dicom.planes import Plane
from viewers.dicom.resample import MODES, reformat
from viewers.dicom.sources import InstanceRef, SliceKey
from viewers.dicom.volume_planes import shifted, step_along

log = logging.getLogger(__name__)

FRAMES_KEPT = 24
PARALLEL = 0.99  # as SeriesModel: |cos| between normals that counts as one stacking direction
_HEADER_DROPPED = ("PixelData", "FloatPixelData", "DoubleFloatPixelData", "PerFrameFunctionalGroupsSequence",
                   "SharedFunctionalGroupsSequence", "ImagePositionPatient", "ImageOrientationPatient",
                   "SliceLocation", "InstanceNumber", "SOPInstanceUID", "SeriesInstanceUID", "WindowCenter", "WindowWidth",
                   "VOILUTSequence", "ModalityLUTSequence", "RescaleSlope", "RescaleIntercept")

Callback = Callable[[int, "Frame | FrameDecodeError"], None]


def plane_title(name: str) -> str:
    """The series description of a reformat: "Coronal reformat" and the like."""
    titles = {"axial": _("Axial reformat"), "coronal": _("Coronal reformat"),
              "sagittal": _("Sagittal reformat")}
    return titles.get(name, _("Oblique reformat"))


class ReformatSeries:
    """The reformats of `volume` on planes parallel to `plane`, `step_mm` apart (default one
    voxel step along the plane's normal: the slice spacing for an axial of an axial series),
    covering the volume. `source` is the SeriesModel the volume was loaded from (its header
    and index give patient, study and series captions); `name` is "axial", "coronal",
    "sagittal" or "oblique"."""

    def __init__(self, volume, plane: Plane, name: str = "oblique", *, source=None, slab_mm: float = 0.0,
                 mode: str = "avg", step_mm: float | None = None) -> None:
        self.volume = volume
        self.name = name
        self.source = source
        self.other_patient = bool(getattr(source, "other_patient", False))
        self._slab, self._mode = float(slab_mm), mode
        self._lock = threading.RLock()
        self._frames: OrderedDict[tuple, Frame] = OrderedDict()
        self._step_mm = step_mm
        self._set_plane(plane)
        self._header = self._make_header()
        self.instances = self._make_instances()
        # The worker.
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._closed = False
        self._requests: OrderedDict[Hashable, tuple[int, int, Callback]] = OrderedDict()
        self._latest: dict[Hashable, int] = {}
        self._queue: list[int] = []
        self._sequence = 0
        self._running = False

    # -- the planes ------------------------------------------------------------------------

    def _set_plane(self, plane: Plane) -> None:
        # Planes one step apart through the base plane, from the volume's nearest corner along
        # the normal to its furthest: the base plane is reformat `base_index`.
        step = float(self._step_mm or step_along(self.volume.geometry, plane.normal))
        along = (self.volume.geometry.corners() - plane.origin) @ plane.normal
        low = int(np.floor(float(along.min()) / step + 1e-6))
        high = int(np.ceil(float(along.max()) / step - 1e-6))
        self.base, self.step = plane, step
        self._low = min(low, 0)
        self._count = max(high, 0) - self._low + 1
        self.base_index = -self._low

    def plane(self, n: int) -> Plane:
        """The plane of reformat `n`."""
        self._check(n)
        return shifted(self.base, (n + self._low) * self.step)

    def index_at(self, point) -> int:
        """The reformat nearest to the patient point `point` (clamped to the range)."""
        distance = float((np.asarray(point, dtype=float) - self.base.origin) @ self.base.normal)
        n = int(round(distance / self.step)) - self._low
        return min(max(n, 0), self._count - 1)

    # -- slab and mode ---------------------------------------------------------------------

    @property
    def slab_mm(self) -> float:
        return self._slab

    @property
    def mode(self) -> str:
        return self._mode

    def set_slab(self, slab_mm: float, mode: str | None = None) -> None:
        """A thick slab (mm, 0 for a thin reformat) reduced by `mode` (avg, mip, minip)."""
        mode = self._mode if mode is None else mode
        if mode not in MODES:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
        with self._lock:
            self._slab, self._mode = max(0.0, float(slab_mm)), mode
            self._frames.clear()

    def invalidate(self) -> None:
        """Forget the frames made so far (the volume gained slices)."""
        with self._lock:
            self._frames.clear()

    # -- what a viewport asks --------------------------------------------------------------

    def __len__(self) -> int:
        return self._count

    def _check(self, n: int) -> None:
        if not 0 <= n < self._count:
            raise IndexError(f"reformat {n} is outside 0..{self._count - 1}")

    @property
    def series_uid(self) -> str:
        source_uid = getattr(self.source, "series_uid", None) or "volume"
        return f"{source_uid}.reformat.{self._plane_tag()}"

    def _plane_tag(self) -> str:
        if self.name in ("axial", "coronal", "sagittal"):
            return self.name
        cosines = np.concatenate([self.base.row, self.base.col])
        return "oblique." + ".".join(f"{v:.3f}" for v in cosines)

    @property
    def frame_of_reference_uid(self) -> str | None:
        return self.volume.frame_of_reference_uid

    @property
    def normal(self) -> tuple[float, float, float]:
        n = self.base.normal
        return float(n[0]), float(n[1]), float(n[2])

    def slice_key(self, n: int) -> SliceKey:
        self._check(n)
        return SliceKey(self.series_uid, n)

    def index_of(self, key) -> int | None:
        try:
            instance, n = str(key[0]), int(key[1])
        except (TypeError, ValueError, IndexError):
            return None
        return n if instance == self.series_uid and 0 <= n < self._count else None

    def slice_info(self, n: int) -> SliceInfo:
        plane = self.plane(n)
        orientation = tuple(float(v) for v in (*plane.row, *plane.col))
        position = tuple(float(v) for v in plane.origin)
        return SliceInfo(index=n, key=self.slice_key(n), instance_number=n + 1, rows=plane.shape[0],
                         columns=plane.shape[1], position=position, orientation=orientation,
                         pixel_spacing=plane.spacing, spacing_source="PixelSpacing",
                         thickness=self._slab or None, location=geo.slice_location(position, orientation),
                         frame_of_reference_uid=self.frame_of_reference_uid)

    peek_slice_info = slice_info

    def dataset(self, n: int) -> Dataset:
        self._check(n)
        return self._header

    peek_dataset = dataset

    def locations(self) -> list[float | None]:
        normal = self.base.normal
        return [float(self.plane(n).origin @ normal) for n in range(self._count)]

    def nearest_slice(self, location: float, frame_of_reference: str | None, normal: Sequence[float] | None = None,
                      *, tolerance: float | None = None, prefer: int | None = None) -> int | None:
        """As SeriesModel.nearest_slice: the reformat nearest to `location` (mm along the normal)."""
        if not frame_of_reference or frame_of_reference != self.frame_of_reference_uid:
            return None
        own = self.base.normal
        if normal is not None:
            other = geo.unit_vector(normal)
            if other is None:
                return None
            cosine = float(np.dot(own, other))
            if abs(cosine) < PARALLEL:
                return None
            location = -location if cosine < 0 else location
        base = float(self.plane(0).origin @ own)
        n = int(round((location - base) / self.step))
        n = min(max(n, 0), self._count - 1)
        if tolerance is not None and abs(base + n * self.step - location) > tolerance:
            return None
        return n

    def error(self, n: int) -> FrameDecodeError | None:
        self._check(n)
        return None

    def peek(self, n: int) -> Frame | None:
        self._check(n)
        with self._lock:
            return self._frames.get(self._frame_key(n))

    def frame(self, n: int) -> Frame:
        """Reformat `n`, made now (any thread) unless kept."""
        self._check(n)
        key = self._frame_key(n)
        with self._lock:
            frame = self._frames.get(key)
            if frame is not None:
                self._frames.move_to_end(key)
                return frame
        complete = self.volume.complete
        values = reformat(self.volume, self.plane(n), key[1], key[2])
        frame = self._make_frame(values)
        if complete:
            with self._lock:
                self._frames[key] = frame
                while len(self._frames) > FRAMES_KEPT:
                    self._frames.popitem(last=False)
        return frame

    def _frame_key(self, n: int) -> tuple:
        return n, self._slab, self._mode

    def _make_frame(self, values: np.ndarray) -> Frame:
        volume = self.volume
        low = float(values.min()) if values.size else 0.0
        high = float(values.max()) if values.size else 0.0
        notes = list(volume.geometry.notes)
        if not volume.complete:
            count = volume.geometry.shape[0]
            notes.append(ngettext("loading the volume ({done} of {count} slice)",
                                  "loading the volume ({done} of {count} slices)", count).format(
                done=volume.count, count=count))
        return Frame(modality=values, stored=None, color=False, photometric="MONOCHROME2",
                     units=volume.units, windows=list(volume.windows), voi_lut=None, invert=volume.invert,
                     value_range=(low, high), notes=notes)

    # -- headers and captions --------------------------------------------------------------

    def _make_header(self) -> Dataset:
        source_header = None
        if self.source is not None and len(self.source):
            try:
                source_header = self.source.peek_dataset(0)
            except Exception:  # noqa: BLE001 - captions are optional
                source_header = None
        ds = Dataset()
        if source_header is not None:
            for element in source_header:
                if element.keyword and element.keyword not in _HEADER_DROPPED and element.tag.group != 0x7FE0:
                    ds.add(copy.deepcopy(element))  # its own: the source's header is shared
        ds.SeriesDescription = plane_title(self.name)
        ds.ImageType = ["DERIVED", "SECONDARY", "REFORMATTED"]
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.FrameOfReferenceUID = self.frame_of_reference_uid or ""
        return ds

    def _make_instances(self) -> list[InstanceRef]:
        refs = getattr(self.source, "instances", None)
        if not refs:
            return []
        info = refs[0].info
        series = dict(info.series or {})
        series["description"] = plane_title(self.name)
        info = replace(info, series=series, series_uid=self.series_uid, sop_instance_uid=self.series_uid)
        return [InstanceRef(self.series_uid, refs[0].path, self._count, info)]

    # -- the worker ------------------------------------------------------------------------

    def request(self, n: int, callback: Callback, viewport: Hashable = None) -> int:
        """Make reformat `n` in the background and call `callback(n, frame)` on the worker
        thread, unless a newer request for the same viewport came first."""
        self._check(n)
        with self._cond:
            if self._closed:
                return 0
            self._sequence += 1
            self._requests.pop(viewport, None)
            self._requests[viewport] = (self._sequence, n, callback)
            self._latest[viewport] = self._sequence
            self._start()
            self._cond.notify_all()
            return self._sequence

    def cancel(self, viewport: Hashable = None) -> None:
        with self._cond:
            self._sequence += 1
            self._latest[viewport] = self._sequence
            self._requests.pop(viewport, None)

    def prefetch(self, center: int, radius: int = 2, direction: int = 1) -> int:
        """Make the next and previous reformats in the background (at most 2 each way:
        a reformat costs milliseconds, more would only delay the next request)."""
        from viewers.dicom.series import prefetch_order

        with self._cond:
            if self._closed or not self.volume.complete:
                return 0
            self._queue = [n for n in prefetch_order(center, min(radius, 2), self._count, direction)
                           if self.peek(n) is None]
            if self._queue:
                self._start()
                self._cond.notify_all()
            return len(self._queue)

    def close(self, timeout: float | None = 5.0) -> None:
        with self._cond:
            self._closed = True
            self._requests.clear()
            self._queue.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._closed or not (self._requests or self._queue or self._running),
                                       timeout)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="dicom-reformat-worker", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                self._running = False
                self._cond.notify_all()
                while not self._closed and not self._requests and not self._queue:
                    self._cond.wait()
                if self._closed:
                    return
                self._running = True
                if self._requests:
                    viewport, (sequence, n, callback) = self._requests.popitem(last=False)
                else:
                    n, callback = self._queue.pop(0), None
            if callback is None:
                try:
                    self.frame(n)
                except Exception:  # noqa: BLE001 - the worker must survive anything
                    log.exception("prefetch of reformat %d failed", n)
                continue
            try:
                result: Frame | FrameDecodeError = self.frame(n)
            except Exception as exc:  # noqa: BLE001
                log.exception("reformat %d failed", n)
                result = FrameDecodeError(_("The reformat cannot be made: {reason}").format(reason=str(exc)[:160]))
            with self._cond:
                current = not self._closed and self._latest.get(viewport) == sequence
            if current:
                try:
                    callback(n, result)
                except Exception:  # noqa: BLE001
                    log.exception("frame callback for reformat %d failed", n)
