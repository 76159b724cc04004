"""A series as a volume, Qt-free: whether its slices form one (parallel, one orientation, one
size), where each voxel lies in the patient, and the voxels themselves, loaded progressively
in a worker. Reformats (resample.py) are computed in patient coordinates from Image
Position/Orientation (Patient), so a gantry-tilted or irregularly spaced series needs no
resampled copy: each sample finds its slice by its position along the normal, and its pixel
within that slice from the slice's own position.

Voxels are kept as int16 modality values when every slice's are whole numbers within int16
(CT in HU), else float32; a volume that would not fit in the memory available (less a reserve)
is refused before anything is decoded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.core.errors import BadInputError
from app.core.i18n import _, ngettext
from viewers.dicom.geometry import SliceInfo
from viewers.dicom.planes import Plane

MiB = 1024 * 1024
RESERVE_BYTES = 200 * MiB  # what reformats, the frame cache and the GUI may need beyond the voxels
PARALLEL_COS = 1 - 1e-4  # orientations within ~0.8 degrees count as the same
TILT_TOLERANCE = 0.02  # of a pixel: in-plane drift of slice positions that counts as a gantry tilt
IRREGULAR_TOLERANCE = 0.05  # of the median gap: spacing that varies more is irregular
COARSE_STRIDE = 16  # the first pass of progressive loading decodes every 16th slice


class NotAVolumeError(BadInputError):
    """A series cannot be shown as a volume; str(e) says why, in words a user can read."""


@dataclass(frozen=True, eq=False)
class VolumeGeometry:
    """Where the voxels of a volume lie. Volume slice k is series slice `order[k]`; slices
    are sorted along `normal` (row x col), `locations` increasing. Voxel (k, r, c) lies at
    positions[k] + c * spacing[1] * row + r * spacing[0] * col."""

    row: np.ndarray
    col: np.ndarray
    normal: np.ndarray
    spacing: tuple[float, float]  # mm between rows, between columns
    shape: tuple[int, int, int]  # slices, rows, columns
    positions: np.ndarray  # (slices, 3) Image Position (Patient) of each volume slice
    locations: np.ndarray  # (slices,) along the normal, increasing
    order: tuple[int, ...]  # the series slice index of each volume slice
    frame_of_reference_uid: str | None = None
    tilted: bool = False
    irregular: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def slice_spacing(self) -> float:
        """The mean distance between slices (mm)."""
        return float((self.locations[-1] - self.locations[0]) / (len(self.locations) - 1))

    @property
    def voxel_size(self) -> tuple[float, float, float]:
        """(between slices, between rows, between columns) in mm."""
        return self.slice_spacing, self.spacing[0], self.spacing[1]

    @property
    def nbytes_int16(self) -> int:
        k, r, c = self.shape
        return k * r * c * 2

    def corners(self) -> np.ndarray:
        """The 8 corner voxel centres in patient mm, (8, 3)."""
        _k, rows, columns = self.shape
        out = []
        for p in (self.positions[0], self.positions[-1]):
            for r in (0, rows - 1):
                for c in (0, columns - 1):
                    out.append(p + c * self.spacing[1] * self.row + r * self.spacing[0] * self.col)
        return np.array(out)

    @property
    def centre(self) -> np.ndarray:
        return self.corners().mean(axis=0)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(min, max) patient mm of the voxel centres along x, y, z."""
        corners = self.corners()
        return corners.min(axis=0), corners.max(axis=0)

    def to_voxel(self, points) -> np.ndarray:
        """Fractional (k, r, c) of patient points (..., 3); outside the volume they fall
        outside [0, n - 1] on some axis. The slice index follows the slices' own positions
        along the normal (irregular spacing), the in-plane index each slice's own position
        (gantry tilt)."""
        p = np.asarray(points, dtype=np.float64)
        s = p @ self.normal
        n = len(self.locations)
        if self.irregular:
            k = np.interp(s, self.locations, np.arange(n, dtype=np.float64))
            below, above = s < self.locations[0], s > self.locations[-1]
            first_gap = self.locations[1] - self.locations[0]
            last_gap = self.locations[-1] - self.locations[-2]
            k = np.where(below, (s - self.locations[0]) / first_gap, k)
            k = np.where(above, n - 1 + (s - self.locations[-1]) / last_gap, k)
        else:
            k = (s - self.locations[0]) / self.slice_spacing
        # The in-plane offset of the slice at k (its position less its part along the normal).
        offsets = self.positions - np.outer(self.locations, self.normal)
        if self.tilted:
            kk = np.clip(k, 0, n - 1)
            if self.irregular:
                offset = np.stack([np.interp(kk, np.arange(n), offsets[:, i]) for i in range(3)], axis=-1)
            else:
                offset = offsets[0] + kk[..., None] * ((offsets[-1] - offsets[0]) / (n - 1))
        else:
            offset = offsets[0]
        d = p - offset
        c = (d @ self.row) / self.spacing[1]
        r = (d @ self.col) / self.spacing[0]
        return np.stack([k, r, c], axis=-1)


def volume_geometry(infos: Sequence[SliceInfo], *, localiser: bool = False) -> VolumeGeometry:
    """The geometry of the volume the slices `infos` (a series' slices, in its order) form;
    NotAVolumeError with the reason when they form none. `localiser`: the header says so
    (Image Type LOCALIZER)."""
    if localiser:
        raise NotAVolumeError(_("This series is a localiser (scout view), not a volume."))
    count = len(infos)
    if count < 3:
        raise NotAVolumeError(ngettext("A volume needs at least 3 slices; this series has {count}.",
                                       "A volume needs at least 3 slices; this series has {count}.",
                                       count).format(count=count))
    if any(i.spacing_source == "ImagerPixelSpacing" for i in infos):
        raise NotAVolumeError(_("This series holds projection images (such as a localiser), not slices of a volume."))
    if any(i.position is None or i.orientation is None or i.pixel_spacing is None for i in infos):
        raise NotAVolumeError(_("Some slices of this series do not say where they lie in the patient "
                                "(position, orientation or pixel spacing is missing)."))
    first = infos[0]
    row = _unit(first.orientation[:3])
    col = _unit(first.orientation[3:6])
    if row is None or col is None or abs(float(row @ col)) > 0.01:
        raise NotAVolumeError(_("The orientation of the slices of this series is not valid."))
    normal = np.cross(row, col)
    normal /= np.linalg.norm(normal)
    for info in infos[1:]:
        other_row, other_col = _unit(info.orientation[:3]), _unit(info.orientation[3:6])
        if other_row is None or other_col is None or other_row @ row < PARALLEL_COS or other_col @ col < PARALLEL_COS:
            raise NotAVolumeError(_("The slices of this series have mixed orientations."))
    if any((i.rows, i.columns) != (first.rows, first.columns) for i in infos):
        raise NotAVolumeError(_("The slices of this series differ in size."))
    if not first.rows or not first.columns:
        raise NotAVolumeError(_("The slices of this series do not say their size."))
    if first.rows < 2 or first.columns < 2:
        raise NotAVolumeError(_("The slices of this series are too small to form a volume."))
    spacing = first.pixel_spacing
    if any(abs(i.pixel_spacing[0] - spacing[0]) > 1e-3 * spacing[0] or abs(i.pixel_spacing[1] - spacing[1]) > 1e-3 * spacing[1]
           for i in infos):
        raise NotAVolumeError(_("The slices of this series differ in pixel spacing."))
    positions = np.array([i.position for i in infos], dtype=np.float64)
    locations = positions @ normal
    order = np.argsort(locations, kind="stable")
    positions, locations = positions[order], locations[order]
    gaps = np.diff(locations)
    if gaps.min() < 1e-3:
        raise NotAVolumeError(_("Two slices of this series lie at the same position (several acquisitions "
                                "in one series); it is not one volume."))
    median = float(np.median(gaps))
    irregular = bool(np.abs(gaps - median).max() > IRREGULAR_TOLERANCE * median)
    offsets = positions - np.outer(locations, normal)
    drift = np.linalg.norm(offsets - offsets[0], axis=1)
    tilted = bool(drift.max() > TILT_TOLERANCE * min(spacing))
    notes = []
    if tilted:
        notes.append(_("gantry tilt corrected"))
    if irregular:
        notes.append(_("irregular spacing, resampled"))
    return VolumeGeometry(row=row, col=col, normal=normal, spacing=(float(spacing[0]), float(spacing[1])),
                          shape=(count, int(first.rows), int(first.columns)), positions=positions,
                          locations=locations, order=tuple(int(n) for n in order),
                          frame_of_reference_uid=first.frame_of_reference_uid, tilted=tilted,
                          irregular=irregular, notes=notes)


def _unit(values) -> np.ndarray | None:
    v = np.asarray(values, dtype=np.float64)
    norm = np.linalg.norm(v)
    return None if norm < 1e-6 or not np.isfinite(norm) else v / norm


# --- memory ----------------------------------------------------------------------------------


def available_memory() -> int | None:
    """Bytes of memory available to this process without swapping (Linux MemAvailable), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import os

        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


def check_memory(nbytes: int, available: int | None = None) -> None:
    """NotAVolumeError when `nbytes` of voxels plus RESERVE_BYTES do not fit in the memory
    available now (a volume that would make the machine swap is refused up front)."""
    available = available_memory() if available is None else available
    if available is not None and nbytes + RESERVE_BYTES > available:
        raise NotAVolumeError(_("This series is too large to be shown as a volume: it needs {need} MB of memory "
                                "and {free} MB are available.").format(need=(nbytes + RESERVE_BYTES) // MiB,
                                                                      free=available // MiB))


# --- the voxels ------------------------------------------------------------------------------


class Volume:
    """The voxels of a series in modality units (HU for CT), as (slices, rows, columns) in
    volume order, filled progressively: `loaded[k]` says whether slice k is decoded, `count`
    how many are. Reformats read unloaded slices from the nearest loaded one."""

    def __init__(self, geometry: VolumeGeometry, *, units: str = "", windows: list | None = None,
                 invert: bool = False, dtype=np.int16) -> None:
        self.geometry = geometry
        self.voxels = np.zeros(geometry.shape, dtype=dtype)
        self.loaded = np.zeros(geometry.shape[0], dtype=bool)
        self.units = units
        self.windows = list(windows or [])
        self.invert = invert
        self.minimum: float | None = None
        self.maximum: float | None = None
        self.errors: dict[int, str] = {}  # volume slice -> why it could not be decoded
        self._lock = threading.Lock()
        self._nearest: tuple[int, np.ndarray] | None = None
        self.version = 0  # grows with every slice stored

    @property
    def frame_of_reference_uid(self) -> str | None:
        return self.geometry.frame_of_reference_uid

    @property
    def count(self) -> int:
        return int(self.loaded.sum())

    @property
    def complete(self) -> bool:
        return bool(self.loaded.all())

    @property
    def centre(self) -> np.ndarray:
        return self.geometry.centre

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.geometry.bounds()

    @property
    def fill_value(self) -> float:
        """What a reformat shows outside the volume: its smallest value so far."""
        return float(self.minimum) if self.minimum is not None else 0.0

    def store(self, k: int, values: np.ndarray) -> None:
        """Slice k's modality values (rows x columns); any thread."""
        values = np.asarray(values)
        low, high = float(values.min()), float(values.max())
        if not (np.isfinite(low) and np.isfinite(high)):
            values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
            low, high = float(values.min()), float(values.max())
        with self._lock:
            if self.voxels.dtype == np.int16 and not _fits_int16(values, low, high):
                self.voxels = self.voxels.astype(np.float32)  # readers keep the old array until done
            self.voxels[k] = values
            self.loaded[k] = True
            self.minimum = low if self.minimum is None else min(self.minimum, low)
            self.maximum = high if self.maximum is None else max(self.maximum, high)
            self.version += 1

    def nearest_loaded(self) -> np.ndarray:
        """For each volume slice, the nearest loaded one (itself once loaded); int index array."""
        with self._lock:
            version = self.version
            if self._nearest is not None and self._nearest[0] == version:
                return self._nearest[1]
            loaded = np.flatnonzero(self.loaded)
        n = self.geometry.shape[0]
        if loaded.size == 0 or loaded.size == n:
            nearest = np.arange(n)
        else:
            where = np.clip(np.searchsorted(loaded, np.arange(n)), 1, loaded.size - 1) if loaded.size > 1 else None
            if where is None:
                nearest = np.full(n, loaded[0])
            else:
                before, after = loaded[where - 1], loaded[where]
                ks = np.arange(n)
                nearest = np.where(np.abs(ks - before) <= np.abs(after - ks), before, after)
        with self._lock:
            self._nearest = (version, nearest)
        return nearest


def _fits_int16(values: np.ndarray, low: float, high: float) -> bool:
    if values.dtype.kind in "iub":
        return -32768 <= low and high <= 32767
    return -32768 <= low and high <= 32767 and bool(np.array_equal(np.rint(values), values))


# --- loading from a series -------------------------------------------------------------------


def series_slice_infos(series) -> tuple[list[SliceInfo], bool]:
    """Every slice's geometry of a SeriesModel, and whether its header says localiser. Single
    -frame slices take position and orientation from the import index (no file read) and the
    pixel spacing from the first slice's header; multi-frame ones come from their headers."""
    from dataclasses import replace

    first = series.slice_info(0)
    header = series.peek_dataset(0)
    image_type = [str(v).upper() for v in (header.get("ImageType") or [])] if header is not None else []
    infos = []
    for n in range(len(series)):
        ref = series.instance_ref(n)
        if ref.frames == 1 and n:
            info = series.peek_slice_info(n)
            if info.pixel_spacing is None:
                info = replace(info, pixel_spacing=first.pixel_spacing, spacing_source=first.spacing_source)
        else:
            info = series.slice_info(n)
        infos.append(info)
    return infos, "LOCALIZER" in image_type


def prepare_volume(series) -> tuple[Volume, Callable]:
    """The Volume of a SeriesModel, empty, and a function(progress, cancelled) that fills it
    (run it in a worker). NotAVolumeError when the series forms no volume or would not fit in
    memory; the first slice is decoded here (its units and windows)."""
    from viewers.dicom.volume_loading import fill_volume, first_frame

    infos, localiser = series_slice_infos(series)
    geometry = volume_geometry(infos, localiser=localiser)
    check_memory(geometry.nbytes_int16)
    frame = first_frame(series, geometry)
    if frame.color:
        raise NotAVolumeError(_("This series holds colour images; only grey images form a volume."))
    volume = Volume(geometry, units=frame.units, windows=frame.windows, invert=frame.invert)
    volume.store(0, frame.modality)
    return volume, lambda progress=None, cancelled=None: fill_volume(volume, series, progress, cancelled,
                                                                     frame.photometric)


def load_volume(series, progress=None, cancelled=None, on_ready: Callable[[Volume], None] | None = None) -> Volume:
    """The whole volume of a SeriesModel (run in a worker). `on_ready(volume)` is called as
    soon as the volume exists (one slice loaded), so reformats can be shown while the rest is
    decoded, coarse to fine; `progress(done, total)` after each slice; `cancelled()` true
    stops the load (Cancelled raised). NotAVolumeError when the series forms no volume."""
    volume, fill = prepare_volume(series)
    if on_ready is not None:
        on_ready(volume)
    fill(progress, cancelled)
    return volume


# --- planes and reformats (resample.py and volume_planes.py hold the work) -------------------


def standard_plane(volume: Volume, name: str, at_mm: float | None = None) -> Plane:
    from viewers.dicom.volume_planes import standard_plane as make

    return make(volume.geometry, name, at_mm, volume.frame_of_reference_uid)


def rotate_plane(plane: Plane, axis, degrees: float, about) -> Plane:
    from viewers.dicom.volume_planes import rotate_plane as rotate

    return rotate(plane, axis, degrees, about)


def reformat(volume: Volume, plane: Plane, slab_mm: float = 0.0, mode: str = "avg") -> np.ndarray:
    from viewers.dicom.resample import reformat as compute

    return compute(volume, plane, slab_mm, mode)
