"""Key images changed from the case view: a new caption, removal (after a confirmation), or
the image's slice shown again. The case's list is one list for the viewer, the navigator
and the form (`CaseViewWidget.keyImagesChanged`); the store is written off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox

from app.core.i18n import _
from app.core.key_images import KeyImage
from app.ui.navigator_key_images import NavigatorKeyImages


class KeyImageEditing(QObject):
    """For a CaseViewWidget `view`: `rename(id[, caption])`, `remove(id[, confirmed])`,
    `show(id)`. `caption_prompt(image)` and `confirm_removal(image)` replace the dialogs
    (tests)."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.group = NavigatorKeyImages(view.navigator, rename=self.rename, remove=self.remove, show=self.show)
        self.caption_prompt: Callable[[KeyImage], str | None] | None = None
        self.confirm_removal: Callable[[KeyImage], bool] | None = None
        view.keyImagesChanged.connect(self._changed)

    def images(self) -> list[KeyImage]:
        if self.view.dicom is not None:
            return list(self.view.dicom.key_images)
        return list(self.view.data.key_images) if self.view.data is not None else []

    def _find(self, image_id: str) -> KeyImage | None:
        return next((k for k in self.images() if k.id == image_id), None)

    def _changed(self, images: list) -> None:
        if self.view.data is not None:
            self.view.data.key_images = list(images)
        self.group.set_key_images(images)

    def _publish(self, images: list[KeyImage], select: str | None = None) -> None:
        if self.view.dicom is not None:
            self.view.dicom.key_images = list(images)
        self.view.keyImagesChanged.emit(list(images))  # the navigator (_changed) and the form
        item = self.group.items.get(select) if select is not None else None
        if item is not None:
            self.view.navigator.setCurrentItem(item)

    def _write(self, work: Callable[[object], object]) -> None:
        from app.store.annotations import AnnotationStore

        data = self.view.data
        if data is None:
            return
        store, case_id = AnnotationStore(self.view.store), data.case_id
        self.view._store_write(lambda: work(store) if case_id else None)

    def rename(self, image_id: str, caption: str | None = None) -> bool:
        """Give key image `image_id` a new caption (asked when not given); False when the
        user cancels or there is no such key image."""
        image = self._find(image_id)
        if image is None:
            return False
        if caption is None:
            caption = self._ask_caption(image)
            if caption is None:
                return False
        caption = caption.strip()
        if caption == image.caption:
            return False
        case_id = self.view.data.case_id
        self._publish([replace(k, caption=caption) if k.id == image_id else k for k in self.images()], image_id)
        self._write(lambda store: store.set_caption(case_id, image_id, caption))
        return True

    def remove(self, image_id: str, confirmed: bool = False) -> bool:
        """Remove key image `image_id` from the case, after a confirmation unless `confirmed`."""
        image = self._find(image_id)
        if image is None or not (confirmed or self._confirm(image)):
            return False
        case_id = self.view.data.case_id
        self._publish([k for k in self.images() if k.id != image_id])
        self._write(lambda store: store.delete_key_image(case_id, image_id))
        return True

    def show(self, image_id: str) -> bool:
        """The key image's series in the active viewport, on its slice."""
        image = self._find(image_id)
        data = self.view.data
        if image is None or data is None or image.series_uid not in data.series:
            return False
        self.view.open_series(image.series_uid)
        if self.view.dicom is None:
            return False
        model = data.series[image.series_uid]
        n = model.index_of(image.slice_key) if image.slice_key is not None else None
        if n is not None:
            self.view.dicom.active.set_index(n)
        item = self.group.items.get(image_id)
        if item is not None:  # opening the series selected its line: F2 and Del stay for the key image
            self.view.navigator.setCurrentItem(item)
        return True

    def _ask_caption(self, image: KeyImage) -> str | None:
        if self.caption_prompt is not None:
            return self.caption_prompt(image)
        text, ok = QInputDialog.getText(self.view, _("Key image caption"), _("What this image shows:"),
                                        QLineEdit.EchoMode.Normal, image.caption)
        return text if ok else None

    def _confirm(self, image: KeyImage) -> bool:
        if self.confirm_removal is not None:
            return self.confirm_removal(image)
        answer = QMessageBox.question(
            self.view, _("Remove the key image"),
            _("Remove the key image “{caption}” from the case? An opinion signed already keeps its copy.").format(
                caption=image.caption or _("(no caption)")),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes
