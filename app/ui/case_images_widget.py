"""The case view's "Images" tab: the DICOM viewer with the tag browser of the active
viewport's image beside it (Ctrl+T, or the toolbar's tag button), as the standalone viewer
has it in a dock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSplitter, QWidget

from app.core.i18n import _
from viewers.dicom.tags_widget import DicomTagsWidget
from viewers.dicom.toolbar_icons_widget import viewer_icon

TAGS_WIDTH = 420


class CaseImagesWidget(QSplitter):
    """Holds `viewer` (a DicomViewerWidget) and `tags` (hidden until asked for). The tags
    follow the active viewport's shown image, read only while they are shown."""

    def __init__(self, viewer: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.viewer = viewer
        self.addWidget(viewer)
        self.tags = DicomTagsWidget(self)
        self.tags.setMinimumWidth(280)
        self.addWidget(self.tags)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)
        self.setChildrenCollapsible(False)
        self.tags.hide()
        self._pending = None
        self.tags_action = QAction(_("DICOM tags"), self)
        self.tags_action.setIcon(viewer_icon("tags"))
        key = QKeySequence("Ctrl+T")
        self.tags_action.setToolTip(_("The DICOM tags of the active viewport's image ({key})").format(
            key=key.toString(QKeySequence.SequenceFormat.NativeText)))
        self.tags_action.setCheckable(True)
        self.tags_action.setShortcut(key)
        self.tags_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.tags_action.toggled.connect(self.show_tags)
        self.addAction(self.tags_action)
        if hasattr(viewer, "add_toolbar_action"):
            viewer.add_toolbar_action("image", self.tags_action)
        viewer.currentDatasetChanged.connect(self._dataset)

    def show_tags(self, visible: bool) -> None:
        if self.tags_action.isChecked() != visible:
            self.tags_action.setChecked(visible)  # comes back here through toggled
            return
        if visible and self.tags.isHidden():
            self.tags.show()
            total = max(self.width(), 2 * TAGS_WIDTH)
            self.setSizes([total - TAGS_WIDTH, TAGS_WIDTH])
            self.tags.set_dataset(self._pending if self._pending is not None else self.viewer.active.dataset())
            self._pending = None
        elif not visible:
            self.tags.hide()

    def _dataset(self, dataset) -> None:
        if self.tags.isVisible():
            self.tags.set_dataset(dataset)
        else:
            self._pending = dataset  # building the tree waits until the tags are shown
