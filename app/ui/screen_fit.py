"""Windows and dialogs no larger than the screen they are on (a 1024x700 laptop, a display
scaled 2x): their default or remembered size is cut down to the screen's free area."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

FRAME = (16, 40)  # room left for the window manager's frame and title bar (width, height)


def fit_to_screen(widget: QWidget) -> None:
    """Shrink `widget` to the free area of its screen, and put it back on it if it was off."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    limit_w = area.width() - (FRAME[0] if widget.isWindow() and widget.parent() is not None else 0)
    limit_h = area.height() - (FRAME[1] if widget.isWindow() and widget.parent() is not None else 0)
    width, height = min(widget.width(), limit_w), min(widget.height(), limit_h)
    if (width, height) != (widget.width(), widget.height()):
        widget.resize(width, height)
    if widget.parent() is None and not area.contains(widget.geometry().topLeft()):
        widget.move(area.topLeft())
