"""One series as the viewer scrolls it, Qt-free: the list of slices (every frame of every
instance, in display order), headers parsed lazily, frames decoded through a bounded cache,
and a single background worker that prefetches neighbours and serves asynchronous requests.

Threads: `frame`, `dataset`, `slice_info` may be called from any thread but may read and
decrypt a file; the GUI thread calls only what never does: `peek`, `peek_dataset`,
`peek_slice_info`, `request`, `prefetch`. The worker parses each file once, decodes it, and
keeps its geometry (small) and its header (the most recent HEADERS_KEPT). Callbacks of
`request` run on the worker thread; the widget re-posts them to the GUI thread.
"""

from __future__ import annotations

import logging
import pickle
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Sequence

from pydicom.dataset import Dataset

from app.core.errors import SecondoError
from app.core.i18n import _
from app.dossier.content_type import HEAD_SIZE, sniff
from viewers.dicom import geometry
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.geometry import SliceInfo, floats, header_value, slice_geometry
from viewers.dicom.overlays import overlay_planes
from viewers.dicom.pixels import Frame, FrameDecodeError, decode_frame
from viewers.dicom.reading import PIXEL_KEYWORDS, read_bytes
from viewers.dicom.sources import InstanceRef, Loader, SliceKey

log = logging.getLogger(__name__)

HEADERS_KEPT = 64  # parsed headers kept (least recently used dropped); each slice's geometry is kept apart
SWITCH_INTERVAL = 0.001  # s: how long the worker may hold the GIL while the GUI thread waits for it
PARALLEL = 0.99  # |cos| between slice normals that counts as the same stacking direction (~8°)

Callback = Callable[[int, "Frame | FrameDecodeError"], None]


def prefetch_order(center: int, radius: int, count: int, direction: int = 1) -> list[int]:
    """`center`, then its neighbours nearest first, alternating (the `direction` side first)."""
    if count <= 0:
        return []
    center = min(max(int(center), 0), count - 1)
    step = 1 if direction >= 0 else -1
    order = [center]
    for distance in range(1, max(int(radius), 0) + 1):
        for n in (center + step * distance, center - step * distance):
            if 0 <= n < count:
                order.append(n)
    return order


def _reason(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


# --- the model -------------------------------------------------------------------------------


class SeriesModel:
    """The slices of one series, decoded lazily through a FrameCache (shared or its own)."""

    other_patient = False  # set by the case view when the study is not the case's patient's

    def __init__(self, instances: Sequence[InstanceRef], loader: Loader, cache: FrameCache | None = None,
                 cache_mb: int = 512) -> None:
        self.instances: list[InstanceRef] = list(instances)
        self.loader = loader
        self.cache = cache if cache is not None else FrameCache(int(cache_mb) * MiB)
        self._keys: list[SliceKey] = []
        self._owner: list[int] = []  # instance index of each slice
        for i, ref in enumerate(self.instances):
            for frame in range(max(int(ref.frames), 0)):
                self._keys.append(SliceKey(ref.key, frame))
                self._owner.append(i)
        self._index: dict[SliceKey, int] = {}
        for n, key in enumerate(self._keys):
            self._index.setdefault(key, n)
        self._lock = threading.RLock()
        self._instance_locks: dict[int, threading.Lock] = {}
        self._headers: OrderedDict[int, Dataset] = OrderedDict()  # the most recent HEADERS_KEPT
        self._series_header: Dataset | None = None  # the first header read: the series' own values
        self._infos: dict[int, SliceInfo] = {}
        self._failures: dict[SliceKey, FrameDecodeError] = {}
        self._instance_failures: dict[int, FrameDecodeError] = {}
        # Multi-frame files, kept whole (bytes or parsed) for their next frames: in the frame
        # cache, counted with the frames; the most recent one also here, whatever its size.
        self._held: tuple[int, HeldFile] | None = None
        self._locations: list[float | None] | None = None
        self.decoded = 0  # frames this model decoded (not served from the cache)
        self.dropped = 0  # stale prefetches and superseded requests that were not run
        # The worker.
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._closed = False
        self._generation = 0
        self._queue: deque[int] = deque()
        self._requests: OrderedDict[Hashable, tuple[int, int, Callback]] = OrderedDict()
        self._latest: dict[Hashable, int] = {}
        self._sequence = 0
        self._running = False

    # -- the slice list --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[SliceKey]:
        return list(self._keys)

    def slice_key(self, n: int) -> SliceKey:
        if not 0 <= n < len(self._keys):
            raise IndexError(f"slice {n} is outside 0..{len(self._keys) - 1}")
        return self._keys[n]

    def index_of(self, key: SliceKey | Sequence) -> int | None:
        """The slice showing `key` (instance UID, frame), or None if not in this series."""
        try:
            return self._index.get(SliceKey(str(key[0]), int(key[1])))
        except (TypeError, ValueError, IndexError):
            return None

    def instance_ref(self, n: int) -> InstanceRef:
        self.slice_key(n)
        return self.instances[self._owner[n]]

    @property
    def series_uid(self) -> str | None:
        return self.instances[0].info.series_uid if self.instances else None

    @property
    def frame_of_reference_uid(self) -> str | None:
        for ref in self.instances:
            if ref.info.frame_of_reference_uid:
                return ref.info.frame_of_reference_uid
        return self.slice_info(0).frame_of_reference_uid if self._keys else None

    # -- headers and geometry --------------------------------------------------------------

    def dataset(self, n: int) -> Dataset:
        """The header of slice `n`'s instance (no pixel data), parsed once; FrameDecodeError
        when the file cannot be read. Shared: do not modify it."""
        self.slice_key(n)
        return self._header(self._owner[n])

    def peek_dataset(self, n: int) -> Dataset | None:
        """Slice `n`'s header if it was read, else the first header read of the series (its
        patient, study and series values), else None; never reads a file (the GUI thread)."""
        self.slice_key(n)
        header = self._cached_header(self._owner[n])
        return header if header is not None else self._series_header

    def peek_slice_info(self, n: int) -> SliceInfo | None:
        """Slice `n`'s geometry if known; else what the import index says (not kept: the
        header's, with pixel spacing, replaces it once read); never reads a file."""
        self.slice_key(n)
        with self._lock:
            info = self._infos.get(n)
        if info is not None:
            return info
        if self._cached_header(self._owner[n]) is not None:  # kept, or carried by a cached frame: no read
            return self.slice_info(n)
        return self._index_info(n)

    def _index_info(self, n: int) -> SliceInfo:
        ref = self.instances[self._owner[n]]
        geo = {"position": floats(ref.info.position, 3), "orientation": floats(ref.info.orientation, 6),
               "pixel_spacing": None, "spacing_source": None, "thickness": ref.info.slice_thickness}
        return SliceInfo(index=n, key=self._keys[n], instance_number=ref.info.instance_number,
                         rows=_int(ref.info.rows), columns=_int(ref.info.columns), **geo,
                         location=geometry.slice_location(geo["position"], geo["orientation"]),
                         frame_of_reference_uid=ref.info.frame_of_reference_uid or None)

    def slice_info(self, n: int) -> SliceInfo:
        """Geometry of slice `n`, from its header; from the import index when the header
        cannot be read (then without pixel spacing)."""
        key = self.slice_key(n)
        with self._lock:
            info = self._infos.get(n)
        if info is not None:
            return info
        ref = self.instances[self._owner[n]]
        try:
            header = self._header(self._owner[n])
        except FrameDecodeError:
            header = None
        if header is not None:
            geo = slice_geometry(header, key.frame)
            frame_of_reference = str(header_value(header, "FrameOfReferenceUID") or "") or ref.info.frame_of_reference_uid
            rows, columns = header_value(header, "Rows"), header_value(header, "Columns")
        else:
            return self._keep_info(n, self._index_info(n))
        info = SliceInfo(index=n, key=key, instance_number=ref.info.instance_number,
                         rows=_int(rows), columns=_int(columns), **geo,
                         location=geometry.slice_location(geo["position"], geo["orientation"]),
                         frame_of_reference_uid=frame_of_reference or None)
        return self._keep_info(n, info)

    def _keep_info(self, n: int, info: SliceInfo) -> SliceInfo:
        with self._lock:
            self._infos[n] = info
        return info

    @property
    def normal(self) -> tuple[float, float, float] | None:
        """The stacking direction: the slice normal of the first slice."""
        if not self._keys:
            return None
        first = self.instances[0]
        if first.frames == 1 and geometry.normal(first.info.orientation) is not None:
            return geometry.normal(first.info.orientation)
        return geometry.normal(self.slice_info(0).orientation)

    def locations(self) -> list[float | None]:
        """Every slice's position along the series normal (mm), None where unknown. From the
        import index for single-frame instances (no file is read), else from headers."""
        with self._lock:
            if self._locations is not None:
                return self._locations
        normal = self.normal
        locations: list[float | None] = []
        for n, i in enumerate(self._owner):
            ref = self.instances[i]
            position = floats(ref.info.position, 3) if ref.frames == 1 else None
            if position is None and normal is not None:
                position = self.slice_info(n).position
            locations.append(None if normal is None or position is None
                             else sum(p * c for p, c in zip(position, normal)))
        with self._lock:
            self._locations = locations
        return locations

    def nearest_slice(self, location: float, frame_of_reference: str | None,
                      normal: Sequence[float] | None = None, *, tolerance: float | None = None,
                      prefer: int | None = None) -> int | None:
        """The slice nearest to `location` (mm along the stacking direction), for scrolling
        in step with another series. None when the frame of reference differs or is unknown,
        when `normal` (the other series' direction, if given) is not parallel to this one's,
        or when the nearest slice is further than `tolerance` mm. A location measured along
        an opposite normal is mirrored. Among equally near slices (duplicate positions) the
        one nearest to `prefer` (the current slice) wins, else the first."""
        own = self.normal
        if not frame_of_reference or frame_of_reference != self.frame_of_reference_uid or own is None:
            return None
        if normal is not None:
            other = geometry.unit_vector(normal)
            if other is None:
                return None
            cosine = sum(a * b for a, b in zip(own, other))
            if abs(cosine) < PARALLEL:
                return None
            location = -location if cosine < 0 else location
        best, best_key = None, None
        for n, here in enumerate(self.locations()):
            if here is None:
                continue
            rank = (round(abs(here - location), 6), abs(n - prefer) if prefer is not None else 0)
            if best_key is None or rank < best_key:
                best, best_key = n, rank
        if best is None or (tolerance is not None and best_key[0] > tolerance):
            return None
        return best

    # -- frames ----------------------------------------------------------------------------

    def frame(self, n: int) -> Frame:
        """Slice `n` decoded (through the cache); FrameDecodeError with the reason when it
        cannot be (remembered: asking again does not read the file again, see `retry`)."""
        key = self.slice_key(n)
        frame = self.cache.get(key)
        if frame is None:
            return self._decode(n, key)
        self._geometry(n)  # kept already, or (decoded by another model on this cache) from the header it carries
        return frame

    def peek(self, n: int) -> Frame | None:
        """Slice `n` if it is in the cache, without decoding."""
        return self.cache.peek(self.slice_key(n))

    def error(self, n: int) -> FrameDecodeError | None:
        """Why slice `n` could not be decoded, if that is already known."""
        key = self.slice_key(n)
        return self._failures.get(key) or self._instance_failures.get(self._owner[n])

    def retry(self, n: int | None = None) -> None:
        """Forget failures (of slice `n`'s instance, or all) so they are tried again."""
        with self._lock:
            if n is None:
                self._failures.clear()
                self._instance_failures.clear()
            else:
                self._failures.pop(self.slice_key(n), None)
                self._instance_failures.pop(self._owner[n], None)
            self._infos.clear()  # some may have been built without their header

    def _decode(self, n: int, key: SliceKey) -> Frame:
        i = self._owner[n]
        with self._instance_lock(i):
            frame = self.cache.peek(key)
            if frame is not None:
                return frame
            failure = self._failures.get(key) or self._instance_failures.get(i)
            if failure is not None:
                raise failure
            ds = None
            try:
                try:
                    ds = self._pixel_dataset(i)
                except FrameDecodeError as exc:
                    self._instance_failures[i] = exc
                    raise
                frame = decode_frame(ds, key.frame)
                frame.overlays = tuple(overlay_planes(ds, key.frame))
            except FrameDecodeError as exc:
                self._failures[key] = exc
                raise
            except Exception as exc:  # noqa: BLE001 - a decoder's surprise costs one slice only
                failure = FrameDecodeError(_("The image cannot be decoded: {reason}").format(reason=_reason(exc)))
                self._failures[key] = failure
                raise failure from None
            finally:
                if ds is not None and self.instances[i].frames == 1 and self._cached_header(i) is None:
                    self._keep_header(i, _without_pixels(ds))  # parsed once: its header stays
            if self.instances[i].frames == 1:
                frame.header_pickle = _pickled(self._cached_header(i))  # counted and evicted with the frame
            with self._lock:
                self.decoded += 1
            self.cache.put(key, frame)
        self._geometry(n)
        return frame

    def _geometry(self, n: int) -> None:
        """Slice `n`'s geometry, kept, so that the GUI thread finds it with the frame."""
        try:
            self.slice_info(n)
        except Exception:  # noqa: BLE001 - geometry is optional; the frame is shown without it
            log.debug("no geometry for slice %d", n)

    def _instance_lock(self, i: int) -> threading.Lock:
        with self._lock:
            return self._instance_locks.setdefault(i, threading.Lock())

    def _read(self, i: int) -> bytes:
        try:
            return self.loader(self.instances[i])
        except SecondoError as exc:
            raise FrameDecodeError(str(exc)) from None
        except OSError as exc:
            raise FrameDecodeError(_("The file cannot be read: {reason}").format(
                reason=exc.strerror or _reason(exc))) from None
        except MemoryError:
            raise FrameDecodeError(_("The file is too large to be loaded.")) from None
        except Exception as exc:  # noqa: BLE001 - whatever the source does, one slice fails
            raise FrameDecodeError(_("The file cannot be read: {reason}").format(reason=_reason(exc))) from None

    @staticmethod
    def _parse(data: bytes, header_only: bool) -> Dataset:
        if sniff(data[:HEAD_SIZE]) != "dicom":
            raise FrameDecodeError(_("The file is not a DICOM file."))
        force = data[128:132] != b"DICM"  # old media: a bare dataset without preamble
        try:
            ds = read_bytes(data, header_only=header_only, force=force)
        except FrameDecodeError:
            raise
        except Exception as exc:  # noqa: BLE001 - pydicom fails in many ways on a damaged file
            raise FrameDecodeError(_("The file is not a readable DICOM file: {reason}").format(
                reason=_reason(exc))) from None
        # pydicom keeps the source buffer for deferred reads (none here): holding it would
        # keep the whole file alive with each cached header.
        if getattr(ds, "buffer", None) is not None:
            ds.buffer = None
        return ds

    def _keep_header(self, i: int, header: Dataset) -> None:
        with self._lock:
            self._headers[i] = header
            self._headers.move_to_end(i)
            while len(self._headers) > HEADERS_KEPT:
                self._headers.popitem(last=False)
            if self._series_header is None:
                self._series_header = header

    def _cached_header(self, i: int) -> Dataset | None:
        with self._lock:
            header = self._headers.get(i)
            if header is not None:
                self._headers.move_to_end(i)
                return header
        if self.instances[i].frames == 1:  # the frame carries it (decoded here, or by another model)
            header = frame_header(self.cache.peek(SliceKey(self.instances[i].key, 0)))
            if header is not None:
                self._keep_header(i, header)
        return header

    def _header(self, i: int) -> Dataset:
        header = self._cached_header(i)
        if header is not None:
            return header
        with self._instance_lock(i):
            header = self._cached_header(i)
            if header is not None:
                return header
            failure = self._instance_failures.get(i)
            if failure is not None:
                raise failure
            try:
                data = self._read(i)
                header = self._parse(data, header_only=True)
            except FrameDecodeError as exc:
                self._instance_failures[i] = exc
                raise
            self._keep_header(i, header)
            if self.instances[i].frames > 1:
                self._remember(i, data, len(data))  # its frames are likely next: keep the bytes
            return header

    def _pixel_dataset(self, i: int) -> Dataset:
        """The whole dataset of instance `i` (caller holds its instance lock)."""
        multi = self.instances[i].frames > 1
        data = None
        if multi:
            held = self._held_file(i)
            if held is not None:
                if isinstance(held.value, Dataset):
                    return held.value
                data = held.value
        if data is None:
            data = self._read(i)
        ds = self._parse(data, header_only=False)
        if multi:
            if self._cached_header(i) is None:
                self._keep_header(i, self._parse(data, header_only=True))
            self._remember(i, ds, len(data))
        return ds

    def _held_file(self, i: int) -> HeldFile | None:
        held = self.cache.get(_file_key(self.instances[i].key))  # now the most recently used
        if isinstance(held, HeldFile):
            return held
        with self._lock:
            return self._held[1] if self._held is not None and self._held[0] == i else None

    def _remember(self, i: int, value: Dataset | bytes, size: int) -> None:
        held = HeldFile(value, size)
        with self._lock:
            self._held = (i, held)  # the most recent one is always kept, even beyond the cache
        self.cache.put(_file_key(self.instances[i].key), held)

    # -- the worker ------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self._generation

    def prefetch(self, center: int, radius: int = 8, direction: int = 1) -> int:
        """Decode the neighbours of `center` in the background, nearest first, alternating
        (`direction` >= 0: the next slice before the previous one). Replaces the previous
        prefetch: what it had not started is dropped. Returns the new generation."""
        order = prefetch_order(center, radius, len(self), direction)
        with self._cond:
            if self._closed:
                return self._generation
            self._generation += 1
            self.dropped += len(self._queue)
            self._queue = deque(n for n in order if self.cache.peek(self._keys[n]) is None
                                and self._keys[n] not in self._failures)
            if self._queue:
                self._start()
                self._cond.notify_all()
            return self._generation

    def request(self, n: int, callback: Callback, viewport: Hashable = None) -> int:
        """Decode slice `n` in the background and call `callback(n, frame_or_error)` on the
        worker thread, unless a newer request for the same `viewport` came first (then this
        one is dropped, or its result silently kept in the cache). Requests run before
        prefetches. Returns the request's sequence number."""
        self.slice_key(n)
        with self._cond:
            if self._closed:
                return 0
            self._sequence += 1
            if self._requests.pop(viewport, None) is not None:
                self.dropped += 1
            self._requests[viewport] = (self._sequence, n, callback)
            self._latest[viewport] = self._sequence
            self._start()
            self._cond.notify_all()
            return self._sequence

    def cancel(self, viewport: Hashable = None) -> None:
        """Drop the viewport's pending request; a running one will not call back."""
        with self._cond:
            self._sequence += 1
            self._latest[viewport] = self._sequence
            if self._requests.pop(viewport, None) is not None:
                self.dropped += 1

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop the worker (a decode in progress finishes first); the cache is kept."""
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._requests.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def __enter__(self) -> SeriesModel:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def idle(self) -> bool:
        """True when the worker has nothing queued and nothing running."""
        with self._cond:
            return not self._queue and not self._requests and not self._running

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until the worker is idle (tests, benchmarks); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._closed or not (self._queue or self._requests or self._running),
                                       timeout)

    def _start(self) -> None:
        # Caller holds self._cond.
        if self._thread is None:
            # The worker parses headers in Python: with the default 5 ms switch interval the GUI
            # thread, which gives the GIL up in every Qt call, waits up to 5 ms at each return.
            if sys.getswitchinterval() > SWITCH_INTERVAL:
                sys.setswitchinterval(SWITCH_INTERVAL)
            self._thread = threading.Thread(target=self._work, name="dicom-series-worker", daemon=True)
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
                    generation = None
                else:
                    n, generation, callback = self._queue.popleft(), self._generation, None
            if callback is None:
                self._prefetch_one(n, generation)
            else:
                self._answer(n, viewport, sequence, callback)

    def _prefetch_one(self, n: int, generation: int) -> None:
        key = self._keys[n]
        if self.cache.peek(key) is not None or key in self._failures:
            return
        with self._cond:
            if generation != self._generation:
                self.dropped += 1
                return
        try:
            self._decode(n, key)
        except FrameDecodeError:
            pass  # remembered; the widget shows the reason when the slice is shown
        except Exception:  # noqa: BLE001 - the worker must survive anything
            log.exception("prefetch of slice %d failed", n)

    def _answer(self, n: int, viewport, sequence: int, callback: Callback) -> None:
        try:
            result = self.frame(n)
        except FrameDecodeError as exc:
            result = exc
        except Exception as exc:  # noqa: BLE001
            result = FrameDecodeError(_("The image cannot be decoded: {reason}").format(reason=_reason(exc)))
        with self._cond:
            current = not self._closed and self._latest.get(viewport) == sequence
            if not current:
                self.dropped += 1
        if current:
            try:
                callback(n, result)
            except Exception:  # noqa: BLE001
                log.exception("frame callback for slice %d failed", n)


class HeldFile:
    """A multi-frame file kept whole for its next frames, as the cache counts it."""

    __slots__ = ("nbytes", "value")

    def __init__(self, value: Dataset | bytes, nbytes: int) -> None:
        self.value, self.nbytes = value, int(nbytes)


def _file_key(instance: str) -> str:
    # A string: never equal to a frame's SliceKey (a tuple) in the shared cache.
    return "file:" + instance


def frame_header(frame) -> Dataset | None:
    """The header a frame carries (single-frame files), or None."""
    packed = getattr(frame, "header_pickle", None)
    if not packed:
        return None
    try:
        return pickle.loads(packed)  # noqa: S301 - bytes this process pickled itself, never read from outside
    except Exception:  # noqa: BLE001 - a header that cannot be restored is only a missing overlay
        return None


def _pickled(header: Dataset | None) -> bytes | None:
    if header is None:
        return None
    try:
        return pickle.dumps(header, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a header pickle cannot hold: the frame goes without it
        return None


def _without_pixels(ds: Dataset) -> Dataset:
    """`ds` read whole, made its header: the pixel data dropped (the frame holds the pixels)."""
    for keyword in PIXEL_KEYWORDS:
        if keyword in ds:
            del ds[keyword]
    return ds


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
