"""The keyboard shortcuts of the workstation, in one table, and the Help ▸ Keyboard dialog (F1)
that lists them with the image viewer's keys (viewers/dicom/keys.py) and the form's."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)
from app.core.i18n import N_, _

#: name -> (keys, description); the window binds a handler to each name.
SHORTCUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "next_document": (("Ctrl+PgDown", "Alt+Down"), N_("Next document or series")),
    "previous_document": (("Ctrl+PgUp", "Alt+Up"), N_("Previous document or series")),
    "next_unread": (("Ctrl+Shift+PgDown", "Alt+Shift+Down"), N_("Next unread document")),
    "focus_form": (("F6",), N_("Put the cursor in the opinion form")),
    "toggle_form": (("F7",), N_("Show or hide the opinion form")),
    "full_screen_viewer": (("F11",), N_("Viewer full screen (again to leave)")),
    "split": (("Ctrl+\\",), N_("Documents side by side")),
    "find": (("Ctrl+F",), N_("In the shown PDF: put the cursor in the search field (Enter: next match)")),
    "timeline": (("Ctrl+Shift+T",), N_("The case's timeline: its documents and studies on a time axis")),
    "search_dossier": (("Ctrl+Shift+F",), N_("Search every document of the case (Esc closes the search)")),
    "preview": (("Ctrl+Shift+P",), N_("Preview the opinion letter (not signed)")),
    "sign": (("Ctrl+Shift+S",), N_("Sign the opinion")),
    "import": (("Ctrl+O",), N_("Import a dossier package, folder or ISO")),
    "case_sheet": (("Ctrl+Shift+E",), N_("The case sheet: patient, question, consent, documents")),
    "worklist": (("Ctrl+L",), N_("Back to the worklist")),
    "keyboard": (("F1",), N_("This list")),
    "quit": (("Ctrl+Q",), N_("Quit the workstation")),
}

#: Keys of the opinion form (app/ui/form_repeat.py, app/ui/form_widget.py): listed, bound there.
FORM_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Tab", "Shift+Tab"), N_("Next / previous field")),
    (("Ctrl+Enter",), N_("In a repeated line or entry: add one after it")),
    (("Ctrl+Backspace", "Ctrl+Del"), N_("In an empty repeated line or entry: remove it")),
)

#: Keys of the case's timeline (app/ui/timeline_canvas_widget.py): listed, handled there.
TIMELINE_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Left", "Right"), N_("Previous / next item in time")),
    (("Up", "Down"), N_("The nearest item in the lane above / below")),
    (("Enter",), N_("Open the item; on a group of items: zoom in on them")),
    (("+", "-"), N_("Zoom in / out")),
    (("F",), N_("Fit: the whole history")),
)

#: Keys of the PDF and image viewers (viewers/image, viewers/pdf, viewers/text_layer_widget.py):
#: listed, handled there while the focus is in the document.
DOCUMENT_KEYS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("PgUp", "PgDown"), N_("Previous / next page")),
    (("Ctrl+A",), N_("On a scanned page: select its recognised text (a drag selects words)")),
    (("Ctrl+C",), N_("Copy the selected text")),
    (("Esc",), N_("Clear the search's highlights and the selection")),
)


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
    """Help ▸ Keyboard (F1): every key of the window, the opinion form, the timeline, the
    document viewers and the image viewer, in one table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from viewers.dicom.keys import VIEWER_KEYS

        self.setWindowTitle(_("Keyboard shortcuts"))
        rows = ([(keys, _(text), _("Window")) for keys, text in SHORTCUTS.values()]
                + [(keys, _(text), _("Opinion form"))
                   for keys, text in FORM_KEYS]
                + [(keys, _(text), _("Timeline"))
                   for keys, text in TIMELINE_KEYS]
                + [(keys, _(text), _("Documents"))
                   for keys, text in DOCUMENT_KEYS]
                + [(keys, _(text), _("Image viewer"))
                   for keys, text in VIEWER_KEYS])
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels([_("Keys"), _("Action"), _("Where")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (keys, description, where) in enumerate(rows):
            shown = [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) or k for k in keys]
            # TRANSLATORS: between two keys of one action in the keys help: "Ctrl+PgDown or Alt+Down".
            self.table.setItem(row, 0, QTableWidgetItem(_(" or ").join(shown)))
            self.table.setItem(row, 1, QTableWidgetItem(description))
            self.table.setItem(row, 2, QTableWidgetItem(where))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(640, 560)

    def rows(self) -> list[tuple[str, str, str]]:
        """(keys, action, where) of each line, as shown."""
        return [tuple(self.table.item(r, c).text() for c in range(3))  # type: ignore[misc]
                for r in range(self.table.rowCount())]
