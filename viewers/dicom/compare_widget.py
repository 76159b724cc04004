"""Prior comparison in the DICOM viewer (a mixin of DicomViewerWidget): current and prior
side by side, scrolled together by position within one frame of reference, else through a
slice link the reader set once ("Link these slices", kept with the case); window/level and
zoom linked on request."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QAction, QPainter, QPen

from viewers.dicom.toolbar_icons_widget import ACCENT, GLYPHS, INK, viewer_icon

from app.core.i18n import _
from viewers.dicom.numbers import trimmed
from viewers.dicom.slice_links import SliceLinks


def _link_glyph(p: QPainter) -> None:
    """Two images joined by a link: window/level and zoom shared."""
    p.setPen(QPen(INK, 1.4))
    p.drawRect(QRectF(2, 6, 8, 12))
    p.drawRect(QRectF(14, 6, 8, 12))
    p.setPen(QPen(ACCENT, 2.0))
    p.drawLine(QPointF(8, 12), QPointF(16, 12))


GLYPHS.setdefault("link-view", _link_glyph)


def nearest_location(series, location: float, prefer: int | None = None) -> int | None:
    """The slice of `series` nearest to `location` (mm along its stacking direction)."""
    best = None
    for n, here in enumerate(series.locations()):
        if here is None:
            continue
        rank = (round(abs(here - location), 6), abs(n - prefer) if prefer is not None else 0)
        if best is None or rank < best[0]:
            best = (rank, n)
    return None if best is None else best[1]


class CompareMixin:
    """Needs the viewer's `viewports`, `visible_viewports()`, `active`, `_annotations`,
    `_background`, `set_layout`, `show_series`, `set_sync`, `set_active_viewport`."""

    def _init_compare(self) -> None:
        self.slice_links = SliceLinks()
        self.view_link_enabled = False
        self._linking_view = False
        self.link_view_action = QAction(_("Link W/L"), self)
        self.link_view_action.setCheckable(True)
        self.link_view_action.setIcon(viewer_icon("link-view"))
        self.link_view_action.setToolTip(_("Link window/level and zoom between the viewports"))
        self.link_view_action.triggered.connect(self.set_view_link)
        self.link_slices_action = QAction(_("Link these slices"), self)
        self.link_slices_action.setToolTip(_(
            "Scroll the two series together from here on, keeping the distance between the slices shown"))
        self.link_slices_action.triggered.connect(lambda: self.link_slices())

    # -- comparing ---------------------------------------------------------------------------

    def compare(self, current, prior) -> None:
        """`current` and `prior` (series) side by side, scrolled together, the current active."""
        self.set_layout("1x2")
        self.show_series(current, viewport=0)
        self.show_series(prior, viewport=1)
        self.set_sync(True)
        self.set_active_viewport(self.viewports[0])
        self.viewports[0].setFocus()
        self._on_index_changed(self.viewports[0])

    def linked_slice(self, source, location: float, vp) -> int | None:
        """The slice of viewport `vp` in step with slice `location` of `source` (a viewport):
        by position within one frame of reference, else through a slice link, else None."""
        series, target = source.series, vp.series
        n = target.nearest_slice(location, series.frame_of_reference_uid, series.normal, prefer=vp.index)
        if n is not None:
            return n
        there = self.slice_links.linked_location(series.series_uid or "", target.series_uid or "", location)
        return None if there is None else nearest_location(target, there, prefer=vp.index)

    def link_slices(self) -> float | None:
        """Link the active viewport's slice with the one the other viewport shows: from now on
        they scroll together with this offset (mm), kept with the case. None when it cannot be."""
        a = self.active
        others = [vp for vp in self.visible_viewports() if vp is not a and vp.series is not None]
        if a.series is None or not others:
            a.flash(_("Show the two series side by side to link their slices"))
            return None
        b = others[0]
        try:
            loc_a, loc_b = a.series.locations()[a.index], b.series.locations()[b.index]
        except (IndexError, TypeError):
            loc_a = loc_b = None
        if loc_a is None or loc_b is None or not a.series.series_uid or not b.series.series_uid:
            a.flash(_("These slices have no position in the patient to link"))
            return None
        offset = self.slice_links.link(a.series.series_uid, loc_a, a.series.normal,
                                       b.series.series_uid, loc_b, b.series.normal)
        if self._annotations is not None:
            store, case_id = self._annotations
            snapshot = self.slice_links.to_json()
            if hasattr(store, "save_slice_links"):
                self._background(lambda: store.save_slice_links(case_id, snapshot))
        self.set_sync(True)
        a.flash(_("Slices linked, {offset} mm apart").format(offset=trimmed(abs(offset), 4)))
        return offset

    def _load_slice_links(self, store, case_id: str) -> None:
        try:
            self.slice_links = SliceLinks.from_json(store.slice_links(case_id))
        except Exception:  # noqa: BLE001 - damaged links: the reader links again
            self.slice_links = SliceLinks()

    # -- window/level and zoom together ----------------------------------------------------------

    def set_view_link(self, enabled: bool) -> None:
        """Window/level and zoom of the active viewport copied to the others while on."""
        self.view_link_enabled = bool(enabled)
        self.link_view_action.setChecked(self.view_link_enabled)
        if self.view_link_enabled:
            self._copy_view(self.active)

    def _copy_view(self, source) -> None:
        if not self.view_link_enabled or self._linking_view or source is not self.active or source.series is None:
            return
        self._linking_view = True
        try:
            relative = None if source.state.zoom is None else source.scale() / source.fit_scale()
            for vp in self.visible_viewports():
                if vp is source or vp.series is None:
                    continue
                vp.state.window = source.state.window
                vp.state.zoom = None if relative is None else relative * vp.fit_scale()
                vp.update()
        finally:
            self._linking_view = False

    def _add_compare_menu(self, menu) -> None:
        menu.addSeparator()
        menu.addAction(self.link_slices_action)
        menu.addAction(self.link_view_action)
