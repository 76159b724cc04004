"""The state of the MPR view, Qt-free: the crosshair point in patient coordinates, the
orientation of the axial, coronal and sagittal planes (oblique once rotated around the
crosshair), and each plane's slab (thickness in mm and MIP / MinIP / average).

The widget (mpr_widget.py) draws what this says and forwards input to it: a drag of the
crosshair moves `point` within the dragged plane, so the other two planes move; a wheel step
moves it along that plane's normal; a rotation turns the other two planes around the
dragged plane's normal. Each change calls the listeners with the names of the planes whose
position or orientation changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.core.i18n import N_, _, pgettext
from viewers.dicom.numbers import trimmed
from viewers.dicom.planes import Plane

PLANES = ("axial", "coronal", "sagittal")
#: The standard orientations (Image Orientation (Patient) order: row, then column): patient
#: right on the image left, head up, as radiologists read them.
BASE_AXES: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "axial": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "coronal": ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
    "sagittal": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
}
PLANE_NAMES = {"axial": N_("Axial"), "coronal": N_("Coronal"), "sagittal": N_("Sagittal")}
OBLIQUE_NAMES = {"axial": N_("Oblique axial"), "coronal": N_("Oblique coronal"),
                 "sagittal": N_("Oblique sagittal")}
MODES = ("avg", "mip", "minip")
MODE_NAMES = {"avg": N_("Average"), "mip": N_("MIP"), "minip": N_("MinIP")}
MAX_SLAB_MM = 200.0
MAX_SIDE = 2048  # pixels: as volume_planes.py, a longer reformat gets coarser pixels
SLAB_STEPS_MM = (0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0, 30.0, 50.0, 100.0)

Listener = Callable[[set[str]], None]


def rotation_matrix(axis: Sequence[float], degrees: float) -> np.ndarray:
    """The 3x3 rotation by `degrees` around the unit `axis` (right-handed)."""
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    t = math.radians(degrees)
    k = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    return np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * (k @ k)


def _count(length_mm: float, pixel_mm: float) -> int:
    """Pixels at `pixel_mm` whose centres span `length_mm` (the last one may go past it)."""
    return int(math.ceil(float(length_mm) / pixel_mm - 1e-6)) + 1


@dataclass
class Slab:
    """A thick slab: `thickness_mm` (0: a thin reformat) combined by `mode`."""

    thickness_mm: float = 0.0
    mode: str = "avg"

    def text(self) -> str:
        """'MIP 20 mm', or '' for a thin reformat."""
        if self.thickness_mm <= 0:
            return ""
        return _("{mode} {mm} mm").format(mode=_(MODE_NAMES[self.mode]), mm=trimmed(self.thickness_mm, 1))


class MprState:
    """Crosshair, plane orientations and slabs of one MPR view of a volume.

    `corners` are the eight corners of the volume (patient mm), `pixel_mm` the pixel size of
    the reformats (square pixels), `point` the crosshair (default: the volume's centre)."""

    def __init__(self, corners: Sequence[Sequence[float]], pixel_mm: float,
                 frame_of_reference_uid: str | None = None, point: Sequence[float] | None = None) -> None:
        self.corners = np.asarray(corners, dtype=float).reshape(-1, 3)
        if not pixel_mm > 0:
            raise ValueError(f"pixel size must be positive, not {pixel_mm}")
        self.pixel_mm = float(pixel_mm)
        self.frame_of_reference_uid = frame_of_reference_uid
        self.centre = self.corners.mean(axis=0)
        self.point = np.array(self.centre if point is None else point, dtype=float)
        self.axes: dict[str, tuple[np.ndarray, np.ndarray]] = {
            name: (np.array(row, dtype=float), np.array(col, dtype=float)) for name, (row, col) in BASE_AXES.items()}
        self.slabs = {name: Slab() for name in PLANES}
        self.listeners: list[Listener] = []

    # -- geometry ------------------------------------------------------------------------------

    def normal(self, name: str) -> np.ndarray:
        row, col = self.axes[name]
        n = np.cross(row, col)
        return n / np.linalg.norm(n)

    def oblique(self, name: str) -> bool:
        row, col = self.axes[name]
        base_row, base_col = BASE_AXES[name]
        return not (np.allclose(row, base_row, atol=1e-6) and np.allclose(col, base_col, atol=1e-6))

    def label(self, name: str) -> str:
        """'Coronal', or 'Oblique coronal' once it was rotated."""
        return _(OBLIQUE_NAMES[name] if self.oblique(name) else PLANE_NAMES[name])

    def reformat_label(self, name: str) -> str:
        """'Coronal reformat', 'Oblique sagittal reformat': what a key image's caption says."""
        oblique = self.oblique(name)
        if name == "axial":
            return (pgettext("key image caption", "Oblique axial reformat") if oblique
                    else pgettext("key image caption", "Axial reformat"))
        if name == "coronal":
            return (pgettext("key image caption", "Oblique coronal reformat") if oblique
                    else pgettext("key image caption", "Coronal reformat"))
        return (pgettext("key image caption", "Oblique sagittal reformat") if oblique
                else pgettext("key image caption", "Sagittal reformat"))

    def extent(self, name: str) -> tuple[int, int, int]:
        """(rows, columns, slices) of the stack of `name` reformats covering the volume."""
        rows, columns, first, count = self._stack(name)
        return rows, columns, count

    def _stack(self, name: str) -> tuple[int, int, float, int]:
        row, col = self.axes[name]
        normal = self.normal(name)
        along_row = self.corners @ row
        along_col = self.corners @ col
        along_normal = self.corners @ normal
        columns = _count(along_row.max() - along_row.min(), self.pixel_mm)
        rows = _count(along_col.max() - along_col.min(), self.pixel_mm)
        count = _count(along_normal.max() - along_normal.min(), self.pixel_mm)
        return rows, columns, float(along_normal.min()), count

    def base_plane(self, name: str) -> Plane:
        """The first reformat of the stack of `name` (the one furthest against its normal),
        covering the whole volume; the stack steps `pixel_mm` along the normal."""
        row, col = self.axes[name]
        normal = self.normal(name)
        rows, columns, first, _count = self._stack(name)
        origin = (row * (self.corners @ row).min() + col * (self.corners @ col).min() + normal * first)
        return Plane.make(origin, row, col, (self.pixel_mm, self.pixel_mm), (rows, columns),
                          self.frame_of_reference_uid)

    def plane(self, name: str) -> Plane:
        """The plane `name` through the crosshair."""
        base = self.base_plane(name)
        offset = float(np.dot(self.point - base.origin, base.normal))
        return Plane.make(base.origin + offset * base.normal, base.row, base.col, base.spacing, base.shape,
                          base.frame_of_reference_uid)

    def location(self, name: str) -> float:
        """The crosshair's position along `name`'s normal (mm), as SeriesModel.locations()."""
        return float(np.dot(self.point, self.normal(name)))

    def index(self, name: str) -> int:
        """The slice of `name`'s stack nearest to the crosshair."""
        rows, columns, first, count = self._stack(name)
        n = round((self.location(name) - first) / self.pixel_mm)
        return min(max(n, 0), count - 1)

    def lines(self, name: str) -> dict[str, tuple[tuple[float, float], tuple[float, float]]]:
        """The crosshair in plane `name`: for each other plane, where it crosses (pixel
        coordinates of `name`'s plane through the crosshair), clipped to both images."""
        here = self.plane(name)
        found = {}
        for other in PLANES:
            if other == name:
                continue
            segment = here.intersection(self.plane(other))
            if segment is not None:
                found[other] = segment
        return found

    def centre_pixel(self, name: str) -> tuple[float, float]:
        """Where the crosshair is in `name`'s image (pixel coordinates)."""
        return self.plane(name).to_pixel(self.point)

    # -- changes ---------------------------------------------------------------------------------

    def _clamp(self, point: np.ndarray) -> np.ndarray:
        low, high = self.corners.min(axis=0), self.corners.max(axis=0)
        return np.minimum(np.maximum(point, low), high)

    def _changed(self, names: set[str]) -> None:
        if not names:
            return
        for listener in list(self.listeners):
            listener(names)

    def move_to(self, name: str, x: float, y: float) -> set[str]:
        """Drag in plane `name`: the crosshair to pixel (x, y) of it. The other planes move."""
        return self.drag_to(name, self.plane(name).to_patient(x, y))

    def drag_to(self, name: str, point: Sequence[float]) -> set[str]:
        """Drag in plane `name` to a patient point of it (of any reformat parallel to it): the
        crosshair moves within `name`'s plane, inside the volume."""
        normal = self.normal(name)
        target = np.asarray(point, dtype=float)
        target = target + (self.location(name) - float(np.dot(target, normal))) * normal
        return self.set_point(self._clamp(target))

    def move_line(self, name: str, other: str, x: float, y: float) -> set[str]:
        """Drag of `other`'s line in plane `name`: only `other` moves, through pixel (x, y)."""
        return self.move_plane(other, self.plane(name).to_patient(x, y))

    def move_plane(self, name: str, point: Sequence[float]) -> set[str]:
        """Plane `name` alone moves along its normal to pass through a patient point."""
        target = self._clamp(np.asarray(point, dtype=float))
        normal = self.normal(name)
        return self.set_point(self.point + np.dot(target - self.point, normal) * normal)

    def set_point(self, point: Sequence[float]) -> set[str]:
        """The crosshair to a patient point; the planes that moved are announced."""
        new = np.asarray(point, dtype=float)
        moved = {name for name in PLANES if abs(np.dot(new - self.point, self.normal(name))) > 1e-6}
        self.point = new
        self._changed(moved)
        return moved

    def set_location(self, name: str, location: float) -> set[str]:
        """Plane `name` scrolled to `location` (mm along its normal): the crosshair follows."""
        normal = self.normal(name)
        return self.set_point(self.point + (location - self.location(name)) * normal)

    def rotate(self, name: str, degrees: float) -> set[str]:
        """Turn the other two planes by `degrees` around `name`'s normal through the
        crosshair (right-handed: from its row towards its column direction)."""
        if not degrees:
            return set()
        turn = rotation_matrix(self.normal(name), degrees)
        changed = set()
        for other in PLANES:
            if other != name:
                row, col = self.axes[other]
                self.axes[other] = (turn @ row, turn @ col)
                changed.add(other)
        self._changed(changed)
        return changed

    def reset_rotation(self) -> set[str]:
        changed = {name for name in PLANES if self.oblique(name)}
        for name in changed:
            row, col = BASE_AXES[name]
            self.axes[name] = (np.array(row, dtype=float), np.array(col, dtype=float))
        self._changed(changed)
        return changed

    def angle(self, name: str, other: str) -> float:
        """The direction (degrees, in `name`'s pixel coordinates, x towards y) of `other`'s
        line in plane `name`."""
        direction = np.cross(self.normal(name), self.normal(other))
        row, col = self.axes[name]
        return math.degrees(math.atan2(float(np.dot(direction, col)), float(np.dot(direction, row))))

    def set_slab(self, name: str, thickness_mm: float | None = None, mode: str | None = None) -> Slab:
        slab = self.slabs[name]
        if thickness_mm is not None:
            slab.thickness_mm = min(max(float(thickness_mm), 0.0), MAX_SLAB_MM)
        if mode is not None:
            if mode not in MODES:
                raise ValueError(f"unknown slab mode {mode!r}")
            slab.mode = mode
        return slab

    def thicker(self, name: str, steps: int = 1) -> Slab:
        """The next slab thickness up (or down for negative `steps`) of SLAB_STEPS_MM."""
        now = self.slabs[name].thickness_mm
        if steps > 0:
            bigger = [s for s in SLAB_STEPS_MM if s > now + 1e-6]
            value = bigger[min(steps, len(bigger)) - 1] if bigger else now
        else:
            smaller = [s for s in SLAB_STEPS_MM if s < now - 1e-6]
            value = smaller[-min(-steps, len(smaller))] if smaller else now
        return self.set_slab(name, value)

    def next_mode(self, name: str) -> Slab:
        """Average → MIP → MinIP → average."""
        mode = self.slabs[name].mode
        return self.set_slab(name, mode=MODES[(MODES.index(mode) + 1) % len(MODES)])

    # -- text ------------------------------------------------------------------------------------

    def position_text(self) -> str:
        """'x 12.5 y -30 z 104 mm': the crosshair in patient coordinates."""
        x, y, z = (trimmed(float(v), 1) for v in self.point)
        return _("x {x} y {y} z {z} mm").format(x=x, y=y, z=z)


def make_reformat_series(volume, state: MprState, name: str, source=None):
    """The stack of `name` reformats of `volume` (parallel to its plane through the
    crosshair) as a series a viewport shows."""
    from viewers.dicom.reformat_series import ReformatSeries

    slab = state.slabs[name]
    return ReformatSeries(volume, state.base_plane(name), "oblique" if state.oblique(name) else name,
                          source=source, slab_mm=slab.thickness_mm, mode=slab.mode)


def reformat_pixel_mm(geometry) -> float:
    """The square pixel of the reformats: the volume's finest in-plane spacing, coarser when a
    reformat would be longer than MAX_SIDE pixels."""
    low, high = geometry.bounds()
    return max(float(min(geometry.spacing)), float(np.linalg.norm(high - low)) / (MAX_SIDE - 1))
