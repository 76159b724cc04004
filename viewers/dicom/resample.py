"""Reformats of a Volume on a Plane, Qt-free, in numpy (no scipy in the venv): trilinear
samples at each pixel's patient position, thick slabs as average, MIP or MinIP.

Two paths give the same values: planes whose axes run along the volume's axes (the standard
planes of an untilted volume, also irregularly spaced) are interpolated axis by axis on one
or two voxel planes, and their slabs reduce whole voxel planes; any other plane (oblique, a
gantry-tilted volume) maps every pixel to fractional voxel indices and gathers its 8
neighbours. Slices not loaded yet are read from the nearest loaded one.
"""

from __future__ import annotations

import math

import numpy as np

from viewers.dicom.planes import Plane
from viewers.dicom.volume_planes import step_along

MODES = ("avg", "mip", "minip")
ALIGNED = 1 - 1e-6  # |cos| between a plane axis and a volume axis that counts as along it
COLUMN_CHUNK = 8192  # rows of a sagittal slab transposed at a time (8192 x 29 int16: ~470 KB)
MARGIN = 0.5  # voxels: samples this far beyond the outer voxel centres take the outer value


def reformat(volume, plane: Plane, slab_mm: float = 0.0, mode: str = "avg") -> np.ndarray:
    """The volume on `plane` as float32 (rows x columns) in modality units; outside the
    volume, its minimum. `slab_mm` > 0: the slab of that thickness centred on the plane,
    reduced by `mode` ("avg", "mip" or "minip")."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    geometry = volume.geometry
    voxels = volume.voxels  # one array throughout, even if the loader swaps it for float32
    nearest = None if volume.complete else volume.nearest_loaded()
    fill = volume.fill_value
    axes = _aligned_axes(geometry, plane)
    if axes is not None:
        return _separable(geometry, voxels, nearest, volume.loaded, plane, axes, float(slab_mm), mode, fill)
    return _trilinear_slab(geometry, voxels, nearest, plane, float(slab_mm), mode, fill)


def _aligned_axes(geometry, plane: Plane) -> tuple[int, int, int] | None:
    """(voxel axis along the image x, along the image y, across the plane) when each of the
    plane's directions runs along one of the volume's axes (k, r, c) and the volume is not
    tilted; else None."""
    if geometry.tilted:
        return None
    volume_axes = (geometry.normal, geometry.col, geometry.row)  # k, r, c

    def axis_of(direction) -> int | None:
        for i, v in enumerate(volume_axes):
            if abs(float(direction @ v)) > ALIGNED:
                return i
        return None

    ax, ay = axis_of(plane.row), axis_of(plane.col)
    if ax is None or ay is None or ax == ay:
        return None
    return ax, ay, 3 - ax - ay


# --- along the voxel axes ------------------------------------------------------------------


def _separable(geometry, voxels, nearest, loaded, plane: Plane, axes, slab_mm: float, mode: str,
               fill: float) -> np.ndarray:
    ax, ay, az = axes
    rows, columns = plane.shape
    xs = plane.origin + np.outer(np.arange(columns) * plane.spacing[1], plane.row)
    ys = plane.origin + np.outer(np.arange(rows) * plane.spacing[0], plane.col)
    ix = geometry.to_voxel(xs)[:, ax]
    iy = geometry.to_voxel(ys)[:, ay]
    f = float(geometry.to_voxel(plane.origin)[az])
    block = _across(geometry, voxels, nearest, loaded, plane, az, f, slab_mm, mode)
    if block is None:
        return np.full(plane.shape, fill, dtype=np.float32)
    # block's axes are the two remaining voxel axes in order; interpolate each.
    remaining = [a for a in range(3) if a != az]
    out = _lerp_axis(block, remaining.index(ax), ix, nearest if ax == 0 else None, fill)
    out = _lerp_axis(out, remaining.index(ay), iy, nearest if ay == 0 else None, fill)
    return np.ascontiguousarray(out if remaining.index(ay) == 0 else out.T, dtype=np.float32)


def _across(geometry, voxels, nearest, loaded, plane: Plane, az: int, f: float, slab_mm: float,
            mode: str) -> np.ndarray | None:
    """The 2-D block of the voxels across the plane: interpolated at index f, or the slab's
    voxel planes reduced; None when the plane misses the volume."""
    n = voxels.shape[az]
    if slab_mm > 0:
        half = slab_mm / 2
        ends = geometry.to_voxel(np.array([plane.origin - half * plane.normal,
                                           plane.origin + half * plane.normal]))[:, az]
        low, high = float(ends.min()), float(ends.max())
        indices = np.arange(max(math.ceil(low - 1e-6), 0), min(math.floor(high + 1e-6), n - 1) + 1)
        if az == 0 and nearest is not None:
            indices = indices[loaded[indices]] if indices.size else indices
        if indices.size > 1:
            if az == 2 and _contiguous(indices):  # a sagittal slab of an axial series
                return _reduce_columns(voxels[:, :, indices[0]:indices[-1] + 1], mode)
            part = voxels[_index(az, slice(indices[0], indices[-1] + 1))] if _contiguous(indices) \
                else np.take(voxels, indices, axis=az)
            if mode == "mip":
                return np.maximum.reduce(part, axis=az).astype(np.float32)
            if mode == "minip":
                return np.minimum.reduce(part, axis=az).astype(np.float32)
            total = np.add.reduce(part, axis=az, dtype=np.int32 if part.dtype == np.int16 else np.float64)
            return (total / np.float32(part.shape[az])).astype(np.float32)
    if not -MARGIN <= f <= n - 1 + MARGIN:
        return None
    f = min(max(f, 0.0), n - 1.0)
    i0 = min(int(math.floor(f)), n - 2)
    w = f - i0
    i1 = i0 + 1
    if az == 0 and nearest is not None:
        i0, i1 = int(nearest[i0]), int(nearest[i1])
    if w < 1e-6 or i0 == i1:
        return voxels[_index(az, i0)].astype(np.float32)
    if i1 == i0 + 1:  # both planes in one strided read: a sagittal one costs half as much
        pair = voxels[_index(az, slice(i0, i1 + 1))]
        pair = pair.copy() if az == 2 else pair
        a, b = (pair[_index(az, j)].astype(np.float32) for j in (0, 1))
    else:
        a, b = voxels[_index(az, i0)].astype(np.float32), voxels[_index(az, i1)].astype(np.float32)
    return a + (b - a) * np.float32(w)


def _reduce_columns(part: np.ndarray, mode: str) -> np.ndarray:
    """`part` (k, r, n: a few neighbouring columns of every row of every slice) reduced over
    its last axis by `mode`. Reducing a short strided axis directly costs numpy a loop per
    row; transposed in chunks of COLUMN_CHUNK rows that stay in the cache, it reduces whole
    contiguous rows instead: about 3x faster for a 20 mm sagittal MIP of a 1,300-slice CT."""
    k, r, n = part.shape
    rows = part.reshape(k * r, n)
    ufunc = {"mip": np.maximum, "minip": np.minimum, "avg": np.add}[mode]
    dtype = (np.int32 if part.dtype == np.int16 else np.float64) if mode == "avg" else part.dtype
    out = np.empty(k * r, dtype)
    for i in range(0, k * r, COLUMN_CHUNK):
        ufunc.reduce(np.ascontiguousarray(rows[i:i + COLUMN_CHUNK].T), axis=0, dtype=dtype,
                     out=out[i:i + COLUMN_CHUNK])
    out = out.reshape(k, r)
    return (out / np.float32(n)).astype(np.float32) if mode == "avg" else out.astype(np.float32)


def _contiguous(indices: np.ndarray) -> bool:
    return bool(indices[-1] - indices[0] + 1 == indices.size)


def _index(axis: int, value):
    return (slice(None),) * axis + (value,)


def _lerp_axis(block: np.ndarray, axis: int, positions: np.ndarray, nearest, fill: float) -> np.ndarray:
    """`block` sampled at fractional `positions` along `axis` (linear); `fill` beyond the
    outer voxels by more than MARGIN; `nearest` remaps indices (unloaded slices)."""
    n = block.shape[axis]
    inside = (positions >= -MARGIN) & (positions <= n - 1 + MARGIN)
    p = np.clip(positions, 0, n - 1)
    i0 = np.minimum(np.floor(p).astype(np.intp), max(n - 2, 0))
    w = (p - i0).astype(np.float32)
    i1 = np.minimum(i0 + 1, n - 1)
    if nearest is not None:
        i0, i1 = nearest[i0], nearest[i1]
    a = np.take(block, i0, axis=axis)
    b = np.take(block, i1, axis=axis)
    shape = [1, 1]
    shape[axis] = -1
    w = w.reshape(shape)
    out = a + (b - a) * w
    if not inside.all():
        out[_index(axis, ~inside)] = fill
    return out


# --- any plane -----------------------------------------------------------------------------


def voxel_grid(geometry, plane: Plane, shift_mm: float = 0.0) -> np.ndarray:
    """Fractional (k, r, c) of every pixel of `plane` moved `shift_mm` along its normal,
    (rows, columns, 3)."""
    rows, columns = plane.shape
    origin = plane.origin + shift_mm * plane.normal
    dx, dy = plane.spacing[1] * plane.row, plane.spacing[0] * plane.col
    if not (geometry.tilted or geometry.irregular):  # the mapping is affine: three points do
        v0, vx, vy = geometry.to_voxel(np.array([origin, origin + dx, origin + dy]))
        return (v0 + np.arange(rows, dtype=np.float64)[:, None, None] * (vy - v0)
                + np.arange(columns, dtype=np.float64)[None, :, None] * (vx - v0))
    points = (origin + np.arange(rows, dtype=np.float64)[:, None, None] * dy
              + np.arange(columns, dtype=np.float64)[None, :, None] * dx)
    return geometry.to_voxel(points)


def trilinear(voxels: np.ndarray, coords: np.ndarray, nearest, fill: float) -> np.ndarray:
    """`voxels` sampled at fractional (k, r, c) `coords` (..., 3), float32; `fill` where a
    coordinate is beyond the outer voxel centres by more than MARGIN."""
    n, rows, columns = voxels.shape
    k, r, c = coords[..., 0], coords[..., 1], coords[..., 2]
    inside = ((k >= -MARGIN) & (k <= n - 1 + MARGIN) & (r >= -MARGIN) & (r <= rows - 1 + MARGIN)
              & (c >= -MARGIN) & (c <= columns - 1 + MARGIN))
    out = np.full(k.shape, fill, dtype=np.float32)
    if inside.any():
        out[inside] = _gather(voxels, k[inside], r[inside], c[inside], nearest)
    return out


def _gather(voxels: np.ndarray, k, r, c, nearest) -> np.ndarray:
    """Trilinear samples at 1-D fractional indices (clipped to the volume here)."""
    n, rows, columns = voxels.shape
    k = np.clip(k, 0, n - 1)
    r = np.clip(r, 0, rows - 1)
    c = np.clip(c, 0, columns - 1)
    k0 = np.minimum(k.astype(np.intp), n - 2)
    r0 = np.minimum(r.astype(np.intp), rows - 2)
    c0 = np.minimum(c.astype(np.intp), columns - 2)
    wk, wr, wc = (k - k0).astype(np.float32), (r - r0).astype(np.float32), (c - c0).astype(np.float32)
    k1 = k0 + 1
    if nearest is not None:
        k0, k1 = nearest[k0], nearest[k1]
    flat = voxels.reshape(-1)
    plane_in = r0 * columns + c0

    def bilinear(base):
        v00, v01 = flat[base].astype(np.float32), flat[base + 1].astype(np.float32)
        v10, v11 = flat[base + columns].astype(np.float32), flat[base + columns + 1].astype(np.float32)
        top = v00 + (v01 - v00) * wc
        bottom = v10 + (v11 - v10) * wc
        return top + (bottom - top) * wr

    a = bilinear(k0 * (rows * columns) + plane_in)
    return a + (bilinear(k1 * (rows * columns) + plane_in) - a) * wk


def _affine_sample(geometry, voxels, nearest, plane: Plane, shift_mm: float, fill: float) -> np.ndarray:
    """The plane moved `shift_mm` along its normal, sampled only where it crosses the volume:
    the voxel coordinates are affine in (x, y) (an untilted, regular volume), so each image
    row's run of pixels inside the volume is solved for, and only those are gathered."""
    rows, columns = plane.shape
    origin = plane.origin + shift_mm * plane.normal
    dx, dy = plane.spacing[1] * plane.row, plane.spacing[0] * plane.col
    v0, vx, vy = geometry.to_voxel(np.array([origin, origin + dx, origin + dy]))
    vx, vy = vx - v0, vy - v0
    starts = v0 + np.arange(rows, dtype=np.float64)[:, None] * vy  # (rows, 3) at x = 0
    low = np.zeros(rows)
    high = np.full(rows, columns - 1.0)
    for axis, size in enumerate(voxels.shape):
        a, b = starts[:, axis], vx[axis]
        lo_bound, hi_bound = -MARGIN - 1e-9, size - 1 + MARGIN + 1e-9
        if abs(b) < 1e-12:
            outside = (a < lo_bound) | (a > hi_bound)
            high[outside] = -1.0
            continue
        x1, x2 = (lo_bound - a) / b, (hi_bound - a) / b
        low = np.maximum(low, np.minimum(x1, x2))
        high = np.minimum(high, np.maximum(x1, x2))
    first = np.ceil(low).astype(np.intp)
    last = np.floor(high).astype(np.intp)
    counts = np.maximum(last - first + 1, 0)
    out = np.full(plane.shape, fill, dtype=np.float32)
    total = int(counts.sum())
    if total == 0:
        return out
    ys = np.repeat(np.arange(rows, dtype=np.intp), counts)
    run_start = np.repeat(np.cumsum(counts) - counts, counts)
    xs = np.repeat(first, counts) + (np.arange(total, dtype=np.intp) - run_start)
    coords = [(v0[i] + ys * vy[i] + xs * vx[i]) for i in range(3)]
    out[ys, xs] = _gather(voxels, coords[0], coords[1], coords[2], nearest)
    return out


def slab_offsets(geometry, plane: Plane, slab_mm: float) -> np.ndarray:
    """Where (mm along the normal) a slab of `slab_mm` is sampled: one sample per voxel step
    seen along the plane's normal, centred on the plane; just 0 for no slab."""
    if slab_mm <= 0:
        return np.zeros(1)
    step = step_along(geometry, plane.normal)
    count = max(1, int(math.ceil(slab_mm / step - 1e-6)))
    return (np.arange(count) - (count - 1) / 2) * (slab_mm / count)


def _trilinear_slab(geometry, voxels, nearest, plane: Plane, slab_mm: float, mode: str, fill: float) -> np.ndarray:
    offsets = slab_offsets(geometry, plane, slab_mm)
    affine = not (geometry.tilted or geometry.irregular)
    out = None
    for offset in offsets:
        if affine:
            values = _affine_sample(geometry, voxels, nearest, plane, float(offset), fill)
        else:
            values = trilinear(voxels, voxel_grid(geometry, plane, offset), nearest, fill)
        if out is None:
            out = values
        elif mode == "mip":
            np.maximum(out, values, out=out)
        elif mode == "minip":
            np.minimum(out, values, out=out)
        else:
            out += values
    if mode == "avg" and len(offsets) > 1:
        out /= np.float32(len(offsets))
    return out
