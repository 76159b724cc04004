"""The DICOM viewer's keys, as data: what Help ▸ Keyboard (F1) lists beside the window's own
shortcuts. The keys themselves are handled in viewport_input_widget.py (the viewport) and
widget.py (the viewer: tools, cine, key image, sync, viewports); docs/viewer.md says the same."""

from __future__ import annotations

from app.core.i18n import N_

#: (keys, what they do) in the order of docs/viewer.md; what they do is marked for the
#: catalogue and translated where it is shown (app/ui/shortcuts.py).
VIEWER_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Down", "Up"), N_("Next / previous slice")),
    (("PgDown", "PgUp"), N_("Ten slices on / back")),
    (("Home", "End"), N_("First / last slice")),
    (("+", "-"), N_("Zoom in / out")),
    (("F",), N_("Fit the image to the viewport")),
    (("0",), N_("Actual size (1:1)")),
    (("R", "Shift+R"), N_("Rotate right / left")),
    (("H", "V"), N_("Flip horizontally / vertically")),
    (("I",), N_("Invert the greyscale")),
    (("Esc",), N_("Cancel a drawing, else reset the view")),
    (("1", "2", "3", "4", "5", "6", "7", "8"), N_("CT window presets (brain … bone)")),
    (("9",), N_("The file's own window; again: its next window")),
    (("P", "Space"), N_("Cine play / pause")),
    (("W",), N_("Window/level tool")),
    (("D", "A"), N_("Distance / angle measurement")),
    (("E", "O"), N_("Ellipse / rectangle region of interest")),
    (("Shift+A", "T"), N_("Arrow / text note (double-click a note to edit it)")),
    (("Del",), N_("Remove the selected measurement, arrow or note")),
    (("Shift+O",), N_("The file's overlays and presentation state on / off")),
    (("K",), N_("Keep a key image of the shown frame")),
    (("S",), N_("Synchronised scrolling on / off")),
    (("L",), N_("Reference lines on / off")),
    (("Tab",), N_("Next viewport")),
    (("M",), N_("MPR: axial, coronal and sagittal reformats of the series with a crosshair; again to leave")),
    (("B", "Shift+B"), N_("MPR: thicker / thinner slab of the active reformat")),
    (("X",), N_("MPR: slab mode average, MIP or MinIP")),
    (("[", "]"), N_("MPR: turn the other planes around the active one (5° left / right)")),
    (("N",), N_("MPR: straight planes again (no oblique)")),
    (("Ctrl+T",), N_("The DICOM tags of the active viewport's image")),
    (("F2", "Del"), N_("A key image in the case navigator: new caption / remove")),
)
