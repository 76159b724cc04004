"""Key images: the dialog that asks for a caption, and the PNG of the current view with its
window and measurements burned in (the picture that goes into the opinion PDF)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from app.core.i18n import _

PREVIEW_SIZE = 320


def png_bytes(image: QImage) -> bytes:
    """`image` encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ValueError("PNG encoding failed")
    buffer.close()
    return bytes(data.data())


class KeyImageDialog(QDialog):
    """Shows the picture that will be kept and asks for its caption."""

    def __init__(self, image: QImage, caption: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Key image"))
        preview = QLabel(self)
        preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        preview.setPixmap(QPixmap.fromImage(image).scaled(
            PREVIEW_SIZE, PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        self.caption_edit = QLineEdit(caption, self)
        self.caption_edit.setPlaceholderText(_("What this image shows, e.g. 9 mm nodule right lower lobe"))
        self.caption_edit.setMinimumWidth(PREVIEW_SIZE)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Keep key image"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(preview)
        layout.addWidget(QLabel(_("Caption:"), self))
        layout.addWidget(self.caption_edit)
        layout.addWidget(buttons)

    @property
    def caption(self) -> str:
        return self.caption_edit.text().strip()
