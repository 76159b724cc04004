"""The page a viewer shows in place of its content when it cannot show it: one label, the
same look in every viewer (found by tests and the window as `viewerMessage`)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def message_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("viewerMessage")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet("font-size: 15px; color: #444; padding: 24px;")
    return label
