"""The plain-text viewer: a read-only QPlainTextEdit with a monospace option and search.
Problems are shown in the viewer, never in a dialog.

Registers itself for text/* in the viewer registry when imported.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QKeySequence, QTextCursor, QTextDocument
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QStackedWidget, QToolBar, QVBoxLayout, QWidget

from app.core.errors import BadInputError
from viewers import base
from viewers.text.model import decode_text
from viewers.message_widget import message_label
from app.core.i18n import _


class TextViewerWidget(QWidget):
    """`show_document(data, title)` shows a text file; `show_error(reason)` a centred message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.problem: str | None = None
        self.encoding = ""
        self.editor = QPlainTextEdit(self)
        self.editor.setReadOnly(True)
        self.editor.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                            | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self._proportional = self.editor.font()
        self.message = message_label(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.editor)
        self.stack.addWidget(self.message)
        self.toolbar = QToolBar(self)
        self.monospace_action = self.toolbar.addAction(_("Monospace"))
        self.monospace_action.setCheckable(True)
        self.monospace_action.toggled.connect(self.set_monospace)
        self.wrap_action = self.toolbar.addAction(_("Wrap lines"))
        self.wrap_action.setCheckable(True)
        self.wrap_action.setChecked(True)
        self.wrap_action.toggled.connect(lambda on: self.editor.setLineWrapMode(
            QPlainTextEdit.LineWrapMode.WidgetWidth if on else QPlainTextEdit.LineWrapMode.NoWrap))
        self.toolbar.addSeparator()
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(_("Search"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMaximumWidth(220)
        self.search_box.returnPressed.connect(self.find_next)
        self.toolbar.addWidget(self.search_box)
        self.previous_hit_action = self.toolbar.addAction(_("Previous match"), self.find_previous)
        self.previous_hit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.FindPrevious))
        self.next_hit_action = self.toolbar.addAction(_("Next match"), self.find_next)
        self.next_hit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.FindNext))
        for action in (self.previous_hit_action, self.next_hit_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.status_label = QLabel(self)
        self.toolbar.addWidget(self.status_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.stack, 1)

    def show_document(self, data: bytes, title: str = "") -> bool:
        self.title = title
        try:
            text, self.encoding = decode_text(data)
        except BadInputError as exc:
            self.show_error(str(exc))
            return False
        self.problem = None
        self.editor.setPlainText(text)
        self.editor.moveCursor(QTextCursor.MoveOperation.Start)
        self.status_label.setText(self.encoding.upper().replace("-SIG", ""))
        self.stack.setCurrentWidget(self.editor)
        self.toolbar.setEnabled(True)
        return True

    def show_error(self, reason: str) -> None:
        self.problem = reason
        self.editor.clear()
        self.message.setText(reason)
        self.stack.setCurrentWidget(self.message)
        self.toolbar.setEnabled(False)

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_monospace(self, on: bool) -> None:
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont) if on else self._proportional)
        if self.monospace_action.isChecked() != on:
            self.monospace_action.setChecked(on)

    def search(self, text: str) -> bool:
        self.search_box.setText(text)
        self.editor.moveCursor(QTextCursor.MoveOperation.Start)
        return self.find_next()

    def _find(self, backward: bool) -> bool:
        needle = self.search_box.text()
        if not needle:
            self.status_label.setText(self.encoding.upper())
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        found = self.editor.find(needle, flags)
        if not found:  # wrap around
            self.editor.moveCursor(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
            found = self.editor.find(needle, flags)
        self.status_label.setText("" if found else _("No match"))
        return found

    def find_next(self) -> bool:
        return self._find(False)

    def find_previous(self) -> bool:
        return self._find(True)


def register() -> base.ViewerEntry:
    return base.register("text", ("text/plain", "text/*"), TextViewerWidget)


register()
