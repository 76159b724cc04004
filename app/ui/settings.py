"""What the window remembers between sessions (QSettings in the data folder): geometry and
dock layout, splitter sizes, the last case open, the folder of the last export."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from app.store import paths

FILE_NAME = "ui-settings.ini"


class WindowSettings:
    """Layout, a case id and a folder: no patient data is kept here."""

    def __init__(self, folder=None) -> None:
        folder = folder or paths.data_dir()
        self.qsettings = QSettings(str(folder / FILE_NAME), QSettings.Format.IniFormat)

    def restore_window(self, window) -> bool:
        """True when a saved layout was restored."""
        geometry = self.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            window.restoreGeometry(geometry)
        state = self.qsettings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            return bool(window.restoreState(state))
        return False

    def save_window(self, window) -> None:
        self.qsettings.setValue("window/geometry", window.saveGeometry())
        self.qsettings.setValue("window/state", window.saveState())

    def restore_splitter(self, name: str, splitter) -> None:
        state = self.qsettings.value(f"splitters/{name}")
        if isinstance(state, QByteArray) and not state.isEmpty():
            splitter.restoreState(state)

    def save_splitter(self, name: str, splitter) -> None:
        self.qsettings.setValue(f"splitters/{name}", splitter.saveState())

    @property
    def last_case(self) -> str | None:
        value = self.qsettings.value("session/last_case")
        return str(value) if value else None

    @last_case.setter
    def last_case(self, case_id: str | None) -> None:
        self.qsettings.setValue("session/last_case", case_id or "")

    @property
    def export_folder(self) -> str | None:
        """The folder the last export went to (the next one starts there)."""
        value = self.qsettings.value("files/export_folder")
        return str(value) if value else None

    @export_folder.setter
    def export_folder(self, folder: str | None) -> None:
        self.qsettings.setValue("files/export_folder", folder or "")

    def sync(self) -> None:
        self.qsettings.sync()
