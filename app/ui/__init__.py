"""The Qt user interface; the only part of `app` that imports PySide6."""
