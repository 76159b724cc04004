"""The MPR view's slab controls: the thickness (mm) and the mode (average, MIP, MinIP) of the
active reformat, on the viewer's toolbar while the MPR view shows, and the keys B / Shift+B
and X; the slab half of MprController (see there for `state`, `series`, `viewports`)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from app.core.i18n import _
from viewers.dicom.mpr_state import MAX_SLAB_MM, MODE_NAMES, MODES


class SlabToolsMixin:
    def add_tools(self, toolbar) -> None:
        """The slab thickness and mode on the viewer's toolbar (a ViewerToolbarWidget, in its
        "layout" section after MPR), shown while the MPR view is."""
        self.slab_box = QDoubleSpinBox(toolbar)
        self.slab_box.setRange(0.0, MAX_SLAB_MM)
        self.slab_box.setDecimals(0)
        self.slab_box.setSingleStep(1.0)
        self.slab_box.setSuffix(_(" mm slab"))
        self.slab_box.setToolTip(_("Slab thickness of the active reformat, in mm; 0 = thin (B / Shift+B)"))
        self.slab_box.valueChanged.connect(lambda value: self.set_slab(thickness_mm=value))
        self.mode_box = QComboBox(toolbar)
        for mode in MODES:
            self.mode_box.addItem(_(MODE_NAMES[mode]), mode)
        self.mode_box.setToolTip(_("How the slab is combined: average, maximum (MIP) or minimum (MinIP) (X)"))
        self.mode_box.currentIndexChanged.connect(lambda i: self.set_slab(mode=self.mode_box.itemData(i)))
        self._tool_actions = [toolbar.add_widget("layout", self.slab_box), toolbar.add_widget("layout", self.mode_box)]
        self._toolbar = toolbar
        self._show_tools(False)

    def _show_tools(self, shown: bool) -> None:
        for action in getattr(self, "_tool_actions", []):
            action.setVisible(shown)
        toolbar = getattr(self, "_toolbar", None)
        if toolbar is not None:  # wider now (or narrower): both rows on one line only if they still fit
            toolbar.arrange(toolbar.width())
        action = getattr(self.viewer, "mpr_action", None)
        if action is not None:
            action.setChecked(shown)

    def _sync_tools(self) -> None:
        name = self.active_plane()
        if self.state is None or not hasattr(self, "slab_box"):
            return
        slab = self.state.slabs[name] if name is not None else None
        for box in (self.slab_box, self.mode_box):
            box.blockSignals(True)
            box.setEnabled(slab is not None)
        if slab is not None:
            self.slab_box.setValue(slab.thickness_mm)
            self.mode_box.setCurrentIndex(MODES.index(slab.mode))
        for box in (self.slab_box, self.mode_box):
            box.blockSignals(False)

    def active_plane(self) -> str | None:
        return next((name for name, vp in self.viewports.items() if vp is self.viewer.active), None)

    def set_slab(self, thickness_mm: float | None = None, mode: str | None = None, name: str | None = None) -> None:
        """The slab of the active reformat (or of `name`)."""
        name = name or self.active_plane()
        if self.state is None or name is None:
            return
        slab = self.state.set_slab(name, thickness_mm, mode)
        self.series[name].set_slab(slab.thickness_mm, slab.mode)
        self._reload(name)
        self._sync_tools()
        self.viewports[name].flash(slab.text() or _("Thin reformat"))
        self.stateChanged.emit()

    def step_slab(self, steps: int) -> None:
        name = self.active_plane()
        if self.state is not None and name is not None:
            now = self.state.slabs[name]
            self.set_slab(self.state.thicker(name, steps).thickness_mm, now.mode, name)

    def next_mode(self) -> None:
        name = self.active_plane()
        if self.state is not None and name is not None:
            self.set_slab(mode=self.state.next_mode(name).mode, name=name)

    def on_active_changed(self) -> None:
        self._sync_tools()
