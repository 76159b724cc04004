"""The Qt user interface; the only part of `app` that imports PySide6."""

from viewers import qt_runtime  # noqa: F401 - works around a PySide6 6.12 reference leak; see there
