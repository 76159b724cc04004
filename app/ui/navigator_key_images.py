"""The case's key images as the last group of the case navigator: a thumbnail and the
caption each; activated, the image's slice is shown; a context menu, F2 (new caption) and
Del (remove) change them. What a change does is the case view's (callbacks)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QMenu, QTreeWidgetItem

from app.core.i18n import _, ngettext
from app.ui.navigator_widget import DOC_ROLE, THUMB, NavigatorWidget

GROUP_ROLE = Qt.ItemDataRole.UserRole + 9  # marks the group's own top-level item (+3, +4: compare_navigator)
KIND = "key_image"


class NavigatorKeyImages(QObject):
    """`set_key_images(images)` (after every `navigator.set_case`); `rename(id)`, `remove(id)`
    and `show(id)` are called with a key image's id."""

    def __init__(self, navigator: NavigatorWidget, *, rename: Callable[[str], object],
                 remove: Callable[[str], object], show: Callable[[str], object]) -> None:
        super().__init__(navigator)
        self.navigator = navigator
        self._rename, self._remove, self._show = rename, remove, show
        self.items: dict[str, QTreeWidgetItem] = {}
        navigator.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        navigator.customContextMenuRequested.connect(self._menu_at)
        navigator.itemActivated.connect(self._activated)
        navigator.itemClicked.connect(self._activated)
        navigator.installEventFilter(self)
        self.menu: QMenu | None = None

    def set_key_images(self, images: list) -> None:
        nav = self.navigator
        for i in reversed(range(nav.topLevelItemCount())):
            if nav.topLevelItem(i).data(0, GROUP_ROLE):
                nav.takeTopLevelItem(i)
        self.items = {}
        if not images:
            return
        group = QTreeWidgetItem(nav, [ngettext("Key image ({n})", "Key images ({n})", len(images)).format(
            n=len(images))])
        group.setData(0, GROUP_ROLE, True)
        for image in images:
            item = QTreeWidgetItem(group, [image.caption or _("(no caption)")])
            item.setData(0, DOC_ROLE, (KIND, image.id))
            item.setToolTip(0, "\n".join(filter(None, (image.caption, image.measurements,
                                                       _("F2: new caption; Del: remove")))))
            pixmap = QPixmap()
            if image.png and pixmap.loadFromData(image.png):
                item.setIcon(0, QIcon(pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation)))
            self.items[image.id] = item
        group.setExpanded(True)

    def current_id(self) -> str | None:
        item = self.navigator.currentItem()
        target = item.data(0, DOC_ROLE) if item is not None else None
        return str(target[1]) if target and target[0] == KIND else None

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, DOC_ROLE)
        if target and target[0] == KIND:
            self._show(str(target[1]))

    def _menu_at(self, pos) -> None:
        item = self.navigator.itemAt(pos)
        target = item.data(0, DOC_ROLE) if item is not None else None
        if not target or target[0] != KIND:
            return
        self.navigator.setCurrentItem(item)
        image_id = str(target[1])
        menu = QMenu(self.navigator)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(_("Show the image"), lambda: self._show(image_id))
        menu.addAction(_("Change the caption…") + "\tF2", lambda: self._rename(image_id))
        menu.addAction(_("Remove the key image…") + "\tDel", lambda: self._remove(image_id))
        self.menu = menu
        menu.popup(self.navigator.viewport().mapToGlobal(pos))

    def eventFilter(self, watched, event) -> bool:
        if watched is self.navigator and event.type() == QEvent.Type.KeyPress and not event.modifiers():
            image_id = self.current_id()
            if image_id is not None and event.key() == Qt.Key.Key_F2:
                self._rename(image_id)
                return True
            if image_id is not None and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self._remove(image_id)
                return True
        return False
