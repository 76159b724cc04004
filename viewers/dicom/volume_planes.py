"""The planes a volume is reformatted on, Qt-free: the three standard ones (square pixels,
patient right on the image left, head up), planes fitted to cover a volume in any
orientation, oblique ones rotated about a point, and the step between parallel planes."""

from __future__ import annotations

import math

import numpy as np

from viewers.dicom.planes import Plane

MAX_SIDE = 2048  # pixels: a plane longer than this gets coarser pixels

# name -> (row, col): +x of the image, +y of the image, as Image Orientation (Patient).
STANDARD = {
    "axial": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "coronal": ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
    "sagittal": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
}
AXIS_OF = {"sagittal": 0, "coronal": 1, "axial": 2}  # the patient axis `at_mm` is measured on


def pixel_size(geometry) -> float:
    """The square pixel of a reformat: the finest in-plane spacing of the volume."""
    return float(min(geometry.spacing))


def step_along(geometry, direction) -> float:
    """The distance (mm) between neighbouring reformat planes whose normal is `direction`:
    the voxel size seen along it (the slice spacing along the volume's normal, the pixel
    spacing along a row, something between for an oblique direction)."""
    d = np.asarray(direction, dtype=np.float64)
    d = d / np.linalg.norm(d)
    dk, dr, dc = geometry.voxel_size
    inverse = math.sqrt((d @ geometry.normal / dk) ** 2 + (d @ geometry.col / dr) ** 2 + (d @ geometry.row / dc) ** 2)
    return 1.0 / inverse


def covering_plane(geometry, row, col, through, frame_of_reference_uid: str | None = None,
                   spacing: float | None = None) -> Plane:
    """The plane with directions `row`, `col` through the patient point `through`, just large
    enough to show the whole volume projected onto it, with square pixels."""
    row = np.asarray(row, dtype=np.float64)
    col = np.asarray(col, dtype=np.float64)
    row, col = row / np.linalg.norm(row), col / np.linalg.norm(col)
    through = np.asarray(through, dtype=np.float64)
    corners = geometry.corners()
    along_row = (corners - through) @ row
    along_col = (corners - through) @ col
    size = spacing or pixel_size(geometry)
    extent = max(along_row.max() - along_row.min(), along_col.max() - along_col.min())
    size = max(size, extent / (MAX_SIDE - 1))
    columns = int(math.floor((along_row.max() - along_row.min()) / size + 1e-6)) + 1
    rows = int(math.floor((along_col.max() - along_col.min()) / size + 1e-6)) + 1
    origin = through + along_row.min() * row + along_col.min() * col
    return Plane.make(origin, row, col, (size, size), (rows, columns), frame_of_reference_uid)


def standard_plane(geometry, name: str, at_mm: float | None = None, frame_of_reference_uid: str | None = None) -> Plane:
    """The axial, coronal or sagittal plane covering the volume at `at_mm` on its patient
    axis (z for axial, y for coronal, x for sagittal; default the volume's centre)."""
    if name not in STANDARD:
        raise ValueError(f"plane {name!r} is not one of {', '.join(STANDARD)}")
    row, col = STANDARD[name]
    through = geometry.centre.copy()
    if at_mm is not None:
        through[AXIS_OF[name]] = float(at_mm)
    return covering_plane(geometry, row, col, through, frame_of_reference_uid)


def rotation_matrix(axis, degrees: float) -> np.ndarray:
    """The rotation by `degrees` about the unit vector `axis` (right-handed)."""
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    t = math.radians(degrees)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * (k @ k)


def rotate_plane(plane: Plane, axis, degrees: float, about) -> Plane:
    """`plane` rotated by `degrees` about an axis through the patient point `about`: `axis`
    is a patient vector, or "row", "col" or "normal" for the plane's own directions. Size and
    spacing are kept; `about` keeps its pixel coordinates when it lies in the plane."""
    if isinstance(axis, str):
        axis = {"row": plane.row, "col": plane.col, "normal": plane.normal}[axis]
    m = rotation_matrix(axis, degrees)
    about = np.asarray(about, dtype=np.float64)
    return Plane.make(about + m @ (plane.origin - about), m @ plane.row, m @ plane.col, plane.spacing,
                      plane.shape, plane.frame_of_reference_uid)


def shifted(plane: Plane, mm: float) -> Plane:
    """`plane` moved `mm` along its normal."""
    return Plane(plane.origin + mm * plane.normal, plane.row, plane.col, plane.spacing, plane.shape,
                 plane.frame_of_reference_uid)
