"""The image viewer: JPEG, PNG and multi-page TIFF decoded by Pillow (viewers.image.model),
painted on a canvas in a scroll area with page navigation, zoom (fit, 1:1, in/out) and
rotation by quarter turns. Problems are shown in the viewer, never in a dialog.

Given the document's text (`set_document_text`), a scanned page whose words were recognised
gets a text layer (viewers.text_layer_widget): words to select and copy, and the hits of a
search (`show_hit`) highlighted over the image.

Registers itself for image/* in the viewer registry when imported.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QAction, QImage, QKeySequence, QPainter, QTransform
from PySide6.QtWidgets import (QLabel, QScrollArea, QSizePolicy, QStackedWidget, QToolBar, QVBoxLayout,
                               QWidget)

from app.core.errors import BadInputError
from app.core.page_text import DocumentText
from viewers import base
from viewers.text_layer_widget import PlacedPage, TextLayer
from viewers.image.model import ImageDecodeError, ImagePages
from viewers.message_widget import message_label
from app.core.i18n import _, ngettext

ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.02, 16.0


def to_qimage(page) -> QImage:
    """A QImage that owns a copy of the pixels of a Pillow image in mode L or RGB."""
    if page.mode == "L":
        return QImage(page.tobytes(), page.width, page.height, page.width, QImage.Format.Format_Grayscale8).copy()
    rgb = page if page.mode == "RGB" else page.convert("RGB")
    return QImage(rgb.tobytes(), rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()


class _Canvas(QWidget):
    """Paints one image at a scale; its size is the scaled image's size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.scale = 1.0

    def set_image(self, image: QImage, scale: float) -> None:
        self.image, self.scale = image, scale
        self.resize(QSize(max(1, round(image.width() * scale)), max(1, round(image.height() * scale))))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt
        painter = QPainter(self)
        painter.fillRect(event.rect(), Qt.GlobalColor.white)
        if not self.image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 4)
            painter.drawImage(QRectF(self.rect()), self.image)
        painter.end()


class ImageViewerWidget(QWidget):
    """`show_document(data, title)` shows an image; `show_error(reason)` a centred message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.problem: str | None = None
        self.pages: ImagePages | None = None  # decoded a page at a time
        self._page_image = QImage()  # the current page, unrotated
        self.page = 0
        self.rotation = 0  # degrees clockwise: 0, 90, 180, 270
        self.fit = True
        self.scale = 1.0
        self._shown = QImage()
        self.canvas = _Canvas()
        self.text_layer = TextLayer(self.canvas, self._placed_pages)
        self._pending_hit: tuple[int, str] | None = None
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.canvas)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setStyleSheet("QScrollArea { background: #5a5a5a; border: none; }")
        self.scroll.viewport().setStyleSheet("background: #5a5a5a;")
        self.scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFocusProxy(self.scroll)  # the keyboard's way in: PgUp/PgDn, Ctrl+A, Ctrl+C, Esc
        self.message = message_label(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.scroll)
        self.stack.addWidget(self.message)
        self.toolbar = QToolBar(self)
        self._build_toolbar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.stack, 1)
        self._build_text_actions()
        self._set_enabled(False)

    def _action(self, text: str, slot, shortcut=None):
        action = self.toolbar.addAction(text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)  # its keys work wherever the focus is in the viewer, not only in the toolbar
        return action

    def _build_toolbar(self) -> None:
        self.previous_action = self._action(_("Previous page"), self.previous_page, QKeySequence.StandardKey.MoveToPreviousPage)
        self.page_label = QLabel(self)
        self.page_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(self.page_label)
        self.next_action = self._action(_("Next page"), self.next_page, QKeySequence.StandardKey.MoveToNextPage)
        self.toolbar.addSeparator()
        self.zoom_out_action = self._action(_("Zoom out"), self.zoom_out, QKeySequence.StandardKey.ZoomOut)
        self.zoom_in_action = self._action(_("Zoom in"), self.zoom_in, QKeySequence.StandardKey.ZoomIn)
        self.fit_action = self._action(_("Fit"), self.fit_to_window)
        self.actual_size_action = self._action(_("1:1"), self.actual_size)
        self.toolbar.addSeparator()
        self.rotate_left_action = self._action(_("Rotate left"), lambda: self.rotate(-90))
        self.rotate_right_action = self._action(_("Rotate right"), lambda: self.rotate(90))

    def _build_text_actions(self) -> None:
        """Ctrl+C and Ctrl+A for the recognised text: active only while a page shows some."""
        self.copy_action = QAction(_("Copy"), self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.triggered.connect(self.text_layer.copy)
        self.select_all_action = QAction(_("Select all text of this page"), self)
        self.select_all_action.setShortcut(QKeySequence.StandardKey.SelectAll)
        self.select_all_action.triggered.connect(lambda: self.text_layer.select_all(self.page + 1))
        for action in (self.copy_action, self.select_all_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setEnabled(False)
            self.addAction(action)

    def _set_enabled(self, enabled: bool) -> None:
        for action in self.toolbar.actions():
            action.setEnabled(enabled)
        self._update_text_actions()

    def _update_text_actions(self) -> None:
        has_text = self.problem is None and bool(self.pages) and self.text_layer.page(self.page + 1) is not None
        self.copy_action.setEnabled(has_text)
        self.select_all_action.setEnabled(has_text)

    # --- document ------------------------------------------------------------------------------

    def show_document(self, data: bytes, title: str = "") -> bool:
        """Decode and show the image in `data`; False (and a message in the viewer) if it cannot."""
        self.title = title
        try:
            pages = ImagePages(data)
        except BadInputError as exc:
            self.pages = None
            self.show_error(str(exc))
            return False
        self.problem = None
        self.pages = pages
        self.page, self.rotation, self.fit = 0, 0, True
        self._page_image = QImage()
        self.stack.setCurrentWidget(self.scroll)
        self._set_enabled(True)
        self._refresh()
        if self._pending_hit is not None:
            self.show_hit(*self._pending_hit)
        return True

    def show_error(self, reason: str) -> None:
        self.problem = reason
        self.pages = None
        self._page_image = self._shown = QImage()
        self.message.setText(reason)
        self.stack.setCurrentWidget(self.message)
        self._set_enabled(False)
        self.page_label.setText("")

    def page_count(self) -> int:
        return len(self.pages) if self.pages is not None else 0

    # --- recognised text -------------------------------------------------------------------------

    def set_document_text(self, text: DocumentText | None) -> None:
        """The document's text: its recognised pages become selectable (before or after
        `show_document`; this viewer keeps it for the document it shows)."""
        self.text_layer.set_text(text)
        self._update_text_actions()

    def show_hit(self, page: int, query: str) -> list[QRectF]:
        """Show page `page` (1-based) with every hit of `query` on it highlighted, the first
        scrolled into view; the highlights stay until another search or Esc. Before the
        image is shown, the hit waits for it. The hits' rectangles on the canvas."""
        if not self.pages:
            self._pending_hit = (page, query)
            return []
        self._pending_hit = None
        self.go_to_page(page - 1)
        self.text_layer.highlight(self.page + 1, query)
        rects = self.text_layer.hit_rects()
        if rects:
            first = rects[0]
            self.scroll.ensureVisible(round(first.center().x()), round(first.center().y()),
                                      round(first.width() / 2) + 60, round(first.height() / 2) + 60)
        return rects

    def clear_hits(self) -> bool:
        """Drop the search highlights and the selection (Esc)."""
        self._pending_hit = None
        return self.text_layer.clear()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt
        if event.key() == Qt.Key.Key_Escape and self.clear_hits():
            event.accept()
            return
        super().keyPressEvent(event)

    def _placed_pages(self) -> list[PlacedPage]:
        page = self.text_layer.text.page(self.page + 1) if self.text_layer.text is not None and self.pages else None
        return [PlacedPage(page, QRectF(self.canvas.rect()), self.rotation)] if page is not None else []

    def shown_image(self) -> QImage:
        """The current page as shown: rotated, unscaled."""
        return self._shown

    # --- navigation, zoom, rotation -------------------------------------------------------------

    def go_to_page(self, page: int) -> None:
        if self.pages:
            page = max(0, min(page, len(self.pages) - 1))
            if page != self.page:
                self.page, self._page_image = page, QImage()
            self._refresh()

    def next_page(self) -> None:
        self.go_to_page(self.page + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.page - 1)

    def rotate(self, degrees: int) -> None:
        self.rotation = (self.rotation + degrees) % 360
        self._refresh()

    def set_zoom(self, scale: float) -> None:
        self.fit = False
        self.scale = max(ZOOM_MIN, min(ZOOM_MAX, scale))
        self._place()

    def zoom_in(self) -> None:
        self.set_zoom(self.scale * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.scale / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit_to_window(self) -> None:
        self.fit = True
        self._place()

    def _fit_scale(self) -> float:
        if self._shown.isNull():
            return 1.0
        area = self.scroll.viewport().size()
        return max(ZOOM_MIN, min((area.width() - 8) / self._shown.width(), (area.height() - 8) / self._shown.height()))

    def _refresh(self) -> None:
        if not self.pages:
            return
        count = len(self.pages)
        label = _("Page {page} of {count}").format(page=self.page + 1, count=count) if count > 1 else ""
        if self.pages.left_out:
            label = ngettext("Page {page} of {count} ({n} more page not shown)",
                             "Page {page} of {count} ({n} more pages not shown)", self.pages.left_out).format(
                page=self.page + 1, count=count, n=self.pages.left_out)
        self.page_label.setText(label)
        if self._page_image.isNull():
            try:
                self._page_image = to_qimage(self.pages.page(self.page))
            except ImageDecodeError as exc:  # one damaged page: said in its place, the others still shown
                self._page_problem(str(exc))
                return
        self.stack.setCurrentWidget(self.scroll)
        image = self._page_image
        self._shown = image.transformed(QTransform().rotate(self.rotation)) if self.rotation else image
        self.previous_action.setEnabled(self.page > 0)
        self.next_action.setEnabled(self.page < count - 1)
        self.previous_action.setVisible(count > 1)
        self.next_action.setVisible(count > 1)
        self.text_layer.selection = None
        self._update_text_actions()
        self._place()

    def _page_problem(self, reason: str) -> None:
        self._shown = QImage()
        self.message.setText(reason)
        self.stack.setCurrentWidget(self.message)
        self.previous_action.setEnabled(self.page > 0)
        self.next_action.setEnabled(self.page < len(self.pages or ()) - 1)
        self.text_layer.selection = None
        self._update_text_actions()

    def _place(self) -> None:
        if self._shown.isNull():
            return
        if self.fit:
            self.scale = self._fit_scale()
        self.canvas.set_image(self._shown, self.scale)
        self.text_layer.setGeometry(self.canvas.rect())
        self.text_layer.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt
        super().resizeEvent(event)
        if self.fit:
            self._place()


def register() -> base.ViewerEntry:
    return base.register("image", ("image/jpeg", "image/png", "image/tiff", "image/*"), ImageViewerWidget)


register()
