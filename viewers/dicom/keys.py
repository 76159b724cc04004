"""The DICOM viewer's keys, as data: what Help ▸ Keyboard (F1) lists beside the window's own
shortcuts. The keys themselves are handled in viewport_input_widget.py (the viewport) and
widget.py (the viewer: tools, cine, key image, sync, viewports); docs/viewer.md says the same."""

from __future__ import annotations

#: (keys, what they do) in the order of docs/viewer.md.
VIEWER_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Down", "Up"), "Next / previous slice"),
    (("PgDown", "PgUp"), "Ten slices on / back"),
    (("Home", "End"), "First / last slice"),
    (("+", "-"), "Zoom in / out"),
    (("F",), "Fit the image to the viewport"),
    (("0",), "Actual size (1:1)"),
    (("R", "Shift+R"), "Rotate right / left"),
    (("H", "V"), "Flip horizontally / vertically"),
    (("I",), "Invert the greyscale"),
    (("Esc",), "Cancel a drawing, else reset the view"),
    (("1", "2", "3", "4", "5", "6", "7", "8"), "CT window presets (brain … bone)"),
    (("9",), "The file's own window; again: its next window"),
    (("P", "Space"), "Cine play / pause"),
    (("W",), "Window/level tool"),
    (("D", "A"), "Distance / angle measurement"),
    (("E", "O"), "Ellipse / rectangle region of interest"),
    (("Del",), "Remove the selected measurement"),
    (("K",), "Keep a key image of the shown frame"),
    (("S",), "Synchronised scrolling on / off"),
    (("Tab",), "Next viewport"),
)
