"""The keyboard shortcuts of the workstation, in one table, and the Help ▸ Keyboard dialog
that lists them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Shortcuts", text)


#: name -> (keys, description); the window binds a handler to each name.
SHORTCUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "next_document": (("Ctrl+PgDown", "Alt+Down"), "Next document or series"),
    "previous_document": (("Ctrl+PgUp", "Alt+Up"), "Previous document or series"),
    "focus_form": (("F6",), "Put the cursor in the opinion form"),
    "toggle_form": (("F7",), "Show or hide the opinion form"),
    "full_screen_viewer": (("F11",), "Viewer full screen (again to leave)"),
    "split": (("Ctrl+\\",), "Documents side by side"),
    "preview": (("Ctrl+Shift+P",), "Preview the opinion letter (not signed)"),
    "sign": (("Ctrl+Shift+S",), "Sign the opinion"),
    "import": (("Ctrl+O",), "Import a dossier package, folder or ISO"),
    "worklist": (("Ctrl+L",), "Back to the worklist"),
    "keyboard": (("F1",), "This list"),
}


def make_action(parent: QWidget, name: str, text: str, handler: Callable[[], None]) -> QAction:
    """An action for shortcut `name`, with all its keys, active in the whole window."""
    keys, _description = SHORTCUTS[name]
    action = QAction(text, parent)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: handler())
    parent.addAction(action)
    return action


class KeyboardDialog(QDialog):
    """Help ▸ Keyboard: every shortcut and what it does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.table = QTableWidget(len(SHORTCUTS), 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (keys, description) in enumerate(SHORTCUTS.values()):
            shown = [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys]
            self.table.setItem(row, 0, QTableWidgetItem(self.tr(" or ").join(shown)))
            self.table.setItem(row, 1, QTableWidgetItem(_tr(description)))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 360)
