"""Image planes in patient coordinates, Qt-free: where a pixel of a slice or of a reformat
lies in the patient, and where two planes cross (reference lines, the MPR crosshair).

A `Plane` is a rectangle of pixels placed in DICOM patient coordinates (mm; +x Left,
+y Posterior, +z Head). `row` is the unit direction in which the column index grows (to the
right on screen), `col` the one in which the row index grows (down on screen), as Image
Orientation (Patient) orders them; `spacing` is (between rows, between columns) as Pixel
Spacing orders it; `origin` is the centre of pixel (row 0, column 0), as Image Position
(Patient). Pixel coordinates are (x, y) = (column, row), the pixel's centre at integers, so
the image covers x in [-0.5, columns - 0.5] and y in [-0.5, rows - 0.5].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-6


@dataclass(frozen=True, eq=False)
class Plane:
    origin: np.ndarray  # (3,) patient mm of pixel (0, 0)'s centre
    row: np.ndarray  # (3,) unit vector: +x on the image
    col: np.ndarray  # (3,) unit vector: +y on the image
    spacing: tuple[float, float]  # mm between rows, between columns
    shape: tuple[int, int]  # rows, columns
    frame_of_reference_uid: str | None = None

    @classmethod
    def make(cls, origin, row, col, spacing, shape, frame_of_reference_uid: str | None = None) -> Plane:
        row_v = np.asarray(row, dtype=float)
        col_v = np.asarray(col, dtype=float)
        row_v = row_v / np.linalg.norm(row_v)
        col_v = col_v / np.linalg.norm(col_v)
        return cls(np.asarray(origin, dtype=float), row_v, col_v,
                   (float(spacing[0]), float(spacing[1])), (int(shape[0]), int(shape[1])),
                   frame_of_reference_uid)

    @classmethod
    def from_slice_info(cls, info) -> Plane | None:
        """The plane of a slice (a `geometry.SliceInfo`), or None when its header does not
        place it in the patient (no position, orientation, spacing or size)."""
        if None in (info.position, info.orientation, info.pixel_spacing, info.rows, info.columns):
            return None
        if info.spacing_source != "PixelSpacing":
            return None  # a projection image at the detector is not a plane in the patient
        row, col = np.asarray(info.orientation[:3], float), np.asarray(info.orientation[3:6], float)
        if np.linalg.norm(row) < EPS or np.linalg.norm(col) < EPS or np.linalg.norm(np.cross(row, col)) < EPS:
            return None
        return cls.make(info.position, row, col, info.pixel_spacing, (info.rows, info.columns),
                        info.frame_of_reference_uid)

    @property
    def normal(self) -> np.ndarray:
        n = np.cross(self.row, self.col)
        return n / np.linalg.norm(n)

    @property
    def centre(self) -> np.ndarray:
        rows, columns = self.shape
        return self.to_patient((columns - 1) / 2, (rows - 1) / 2)

    def to_patient(self, x: float, y: float) -> np.ndarray:
        """The patient point (mm) of pixel coordinates (x, y)."""
        return self.origin + x * self.spacing[1] * self.row + y * self.spacing[0] * self.col

    def to_pixel(self, point) -> tuple[float, float]:
        """Pixel coordinates (x, y) of the patient point projected onto this plane."""
        d = np.asarray(point, dtype=float) - self.origin
        # Solve in the plane's own basis, so a slightly non-orthogonal orientation still maps back.
        basis = np.stack([self.row * self.spacing[1], self.col * self.spacing[0]], axis=1)
        (x, y), *_ = np.linalg.lstsq(basis, d, rcond=None)
        return float(x), float(y)

    def distance(self, point) -> float:
        """Signed distance (mm) of a patient point from the plane, along its normal."""
        return float(np.dot(np.asarray(point, dtype=float) - self.origin, self.normal))

    def contains(self, x: float, y: float, margin: float = 0.5) -> bool:
        rows, columns = self.shape
        return -margin <= x <= columns - 1 + margin and -margin <= y <= rows - 1 + margin

    def same_frame(self, other: Plane) -> bool:
        """Whether both planes are in one frame of reference (unknown on either side: no)."""
        return bool(self.frame_of_reference_uid) and self.frame_of_reference_uid == other.frame_of_reference_uid

    def _clip(self, p0: np.ndarray, u: np.ndarray, t0: float, t1: float) -> tuple[float, float] | None:
        """Clip the patient line p0 + t*u, t in [t0, t1], to this plane's rectangle."""
        rows, columns = self.shape
        x0, y0 = self.to_pixel(p0)
        x1, y1 = self.to_pixel(p0 + u)
        dx, dy = x1 - x0, y1 - y0
        for start, delta, low, high in ((x0, dx, -0.5, columns - 0.5), (y0, dy, -0.5, rows - 0.5)):
            if abs(delta) < EPS:
                if not low <= start <= high:
                    return None
                continue
            a, b = (low - start) / delta, (high - start) / delta
            t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
            if t0 > t1:
                return None
        return t0, t1

    def intersection(self, other: Plane) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """Where `other` crosses this plane, as a segment in this plane's pixel coordinates,
        clipped to both images; None when they are parallel or do not meet within them."""
        u = np.cross(self.normal, other.normal)
        norm = np.linalg.norm(u)
        if norm < 1e-3:  # parallel within ~0.06 degrees
            return None
        u = u / norm
        # A point on both planes: the least-squares solution of n1.p = d1, n2.p = d2, u.p = 0.
        a = np.stack([self.normal, other.normal, u])
        b = np.array([np.dot(self.normal, self.origin), np.dot(other.normal, other.origin), 0.0])
        p0 = np.linalg.solve(a, b)
        span = self._clip(p0, u, -np.inf, np.inf)
        if span is None:
            return None
        span = other._clip(p0, u, *span)
        if span is None:
            return None
        start, end = p0 + span[0] * u, p0 + span[1] * u
        return self.to_pixel(start), self.to_pixel(end)
