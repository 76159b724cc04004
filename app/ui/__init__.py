"""The Qt user interface; the only part of `app` that imports PySide6."""

from viewers import qt_runtime

qt_runtime.install()  # before any Qt call of the UI: a PySide6 6.12 reference leak (see there)
