"""The PDF viewer: QtPdf's QPdfView on a QBuffer over the decrypted bytes, with page
navigation, zoom, fit width / fit page and text search. Pages are painted on white.

Problems are shown in the viewer (`show_error`), never in a dialog. Registers itself for
application/pdf in the viewer registry when imported.

Given the document's text (`set_document_text`), image-only pages that were recognised (OCR)
get the text layer of viewers.text_layer_widget over them; `show_hit` highlights a search's
hits with QtPdf's own search on pages with a real text layer, with the text layer on
recognised pages.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMargins, QModelIndex, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QStackedWidget,
                               QStyle, QToolBar, QVBoxLayout, QWidget)

from app.core.i18n import _, ngettext
from viewers import base
from viewers.pdf.page_text_widget import PdfTextLayerMixin
from viewers.pdf import model
from viewers.message_widget import message_label

ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.1, 8.0
PAGE_SPACING = 12
BACKDROP = "#5a5a5a"  # around the pages; the pages themselves are white


class PdfViewerWidget(PdfTextLayerMixin, QWidget):
    """`show_document(data, title)` shows a PDF; `show_error(reason)` a centred message."""

    signatureActionRequested = Signal()  # the button of the signature banner (e.g. "Trust this issuer…")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.problem: str | None = None
        self._bytes = QByteArray()
        self._buffer: QBuffer | None = None
        self.document = QPdfDocument(self)
        self.search_model = QPdfSearchModel(self)
        self.search_model.setDocument(self.document)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setSearchModel(self.search_model)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(PAGE_SPACING)  # FitInView leaves exactly one spacing of height:
        self.view.setDocumentMargins(QMargins(12, PAGE_SPACING // 2, 12, PAGE_SPACING // 2))  # so fit page shows it whole
        palette = self.view.palette()  # QPdfView fills its backdrop with the Dark role, pages white
        palette.setColor(QPalette.ColorRole.Dark, QColor(BACKDROP))
        self.view.setPalette(palette)
        self.setFocusProxy(self.view)  # the keyboard's way in: PgUp/PgDn, Ctrl+A, Ctrl+C, Esc
        self.message = message_label(self)
        self.notice = QLabel(self)  # a thin banner above the pages: "appears incomplete"
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #fff3cd; color: #5c4400; padding: 4px 8px;")
        self.notice.hide()
        self.signature_bar = QFrame(self)  # the signature status, set by the window (it holds the trust list)
        self.signature_bar.setObjectName("signatureBar")
        self.signature = QLabel(self.signature_bar)
        self.signature.setObjectName("signatureStatus")
        self.signature.setWordWrap(True)
        self.signature.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signature_action = QPushButton(self.signature_bar)
        self.signature_action.clicked.connect(self.signatureActionRequested.emit)
        self.signature_action.hide()
        bar_layout = QHBoxLayout(self.signature_bar)
        bar_layout.setContentsMargins(0, 0, 6, 0)
        bar_layout.addWidget(self.signature, 1)
        bar_layout.addWidget(self.signature_action)
        self.signature_bar.hide()
        self.signature_state: str | None = None
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.message)
        self.toolbar = QToolBar(self)
        # The search beside the toolbar, not in it: when a long (French, Dutch) toolbar runs out of
        # room its last tools go into », never the search field that Ctrl+F puts the cursor in.
        self.search_bar = QToolBar(self)
        self._build_toolbar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bars = QHBoxLayout()
        bars.setContentsMargins(0, 0, 0, 0)
        bars.setSpacing(0)
        bars.addWidget(self.toolbar, 1)
        bars.addWidget(self.search_bar)
        layout.addLayout(bars)
        layout.addWidget(self.signature_bar)
        layout.addWidget(self.notice)
        layout.addWidget(self.stack, 1)
        self.view.pageNavigator().currentPageChanged.connect(self._page_changed)
        self.search_model.countChanged.connect(self._update_hits)
        self.view.currentSearchResultIndexChanged.connect(self._update_hits)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self._apply_search)
        self._build_text_layer()
        self._set_enabled(False)

    # --- toolbar ---------------------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, bar: QToolBar | None = None):
        action = (bar or self.toolbar).addAction(text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)  # its keys work wherever the focus is in the viewer, not only in the toolbar
            action.setToolTip(f"{text} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
        return action

    def _build_toolbar(self) -> None:
        self.previous_action = self._action(_("Previous page"), self.previous_page, QKeySequence.StandardKey.MoveToPreviousPage)
        self.page_box = QSpinBox(self)
        self.page_box.setMinimum(1)
        self.page_box.setKeyboardTracking(False)
        self.page_box.valueChanged.connect(lambda value: self.go_to_page(value - 1))
        self.toolbar.addWidget(self.page_box)
        self.page_label = QLabel(self)
        self.toolbar.addWidget(self.page_label)
        self.next_action = self._action(_("Next page"), self.next_page, QKeySequence.StandardKey.MoveToNextPage)
        self.toolbar.addSeparator()
        self.zoom_out_action = self._action(_("Zoom out"), self.zoom_out, QKeySequence.StandardKey.ZoomOut)
        self.zoom_in_action = self._action(_("Zoom in"), self.zoom_in, QKeySequence.StandardKey.ZoomIn)
        self.fit_width_action = self._action(_("Fit width"), self.fit_width)
        self.fit_page_action = self._action(_("Fit page"), self.fit_page)
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(_("Search"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMaximumWidth(160)
        # Never squeezed below its placeholder by a long toolbar ("Rechercher" beside "Résultat précédent").
        placeholder = self.search_box.fontMetrics().horizontalAdvance(self.search_box.placeholderText())
        self.search_box.setMinimumWidth(min(160, placeholder + 48))  # room for the frame and the clear button
        self.search_box.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_box.returnPressed.connect(self.next_hit)
        self.search_bar.addWidget(self.search_box)
        self.previous_hit_action = self._action(_("Previous match"), self.previous_hit, QKeySequence.StandardKey.FindPrevious,
                                                self.search_bar)
        self.next_hit_action = self._action(_("Next match"), self.next_hit, QKeySequence.StandardKey.FindNext,
                                            self.search_bar)
        # Arrows, their words in the tooltip: "Résultat précédent" would take the room of two zoom tools.
        self.search_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.previous_hit_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowUp))
        self.next_hit_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowDown))
        self.hits_label = QLabel(self)
        self.search_bar.addWidget(self.hits_label)

    def focus_search(self) -> None:
        """The cursor into the search field (the window's Ctrl+F)."""
        if self.search_box.isEnabled():
            self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.search_box.selectAll()

    def _set_enabled(self, enabled: bool) -> None:
        for child in self.toolbar.actions() + self.search_bar.actions():
            child.setEnabled(enabled)
        for child in (self.page_box, self.search_box):
            child.setEnabled(enabled)
        self._update_text_actions()

    # --- document ----------------------------------------------------------------------------

    def show_document(self, data: bytes, title: str = "") -> bool:
        """Show the PDF in `data`; False (and a message in the viewer) when it cannot be shown."""
        self.title = title
        self._close_document()
        pages_hint, problem = model.pdf_info(data)
        if problem == model.not_a_pdf():
            self.show_error(problem)
            return False
        self._bytes = QByteArray(bytes(data))
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        status = self.document.status()
        if status != QPdfDocument.Status.Ready or self.document.pageCount() < 1:
            error = self.document.error()
            if error == QPdfDocument.Error.IncorrectPassword or problem == model.encrypted():
                self.show_error(model.encrypted())
            else:
                self.show_error(model.damaged_or_encrypted())
            self._close_document()
            return False
        self.problem = None
        if problem:  # QtPdf repaired what it could (e.g. a truncated file): say so, show the rest
            self.notice.setText(_("This PDF appears damaged or incomplete: pages may be missing."))
            self.notice.show()
        count = self.document.pageCount()
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(count)
        self.page_box.setValue(1)
        self.page_box.blockSignals(False)
        self.page_label.setText(_("of {pages}").format(pages=count))
        self.stack.setCurrentWidget(self.view)
        self._set_enabled(True)
        self.fit_width()
        self.view.pageNavigator().jump(0, QPointF(), 0)
        self._update_navigation()
        if self.search_box.text():
            self._apply_search()
        self._update_text_actions()
        if self._pending_hit is not None:
            self.show_hit(*self._pending_hit)
        return True

    SIGNATURE_STYLES = {
        "valid": "background: #e6f4ea; color: #0d5223; border-bottom: 1px solid #9fd3ad;",
        "untrusted": "background: #fff3cd; color: #5c4400; border-bottom: 1px solid #e8d28a;",
        "invalid": "background: #fde7e9; color: #8a1020; border-bottom: 1px solid #f1a7b0; font-weight: bold;",
        "checking": "background: #eef1f5; color: #333; border-bottom: 1px solid #c9d1db;",
        "unsigned": "background: #fff3cd; color: #5c4400; border-bottom: 1px solid #e8d28a;",
    }

    def set_signature_status(self, state: str | None, text: str = "", action: str = "") -> None:
        """The banner above the pages: "valid", "untrusted", "invalid", "checking" or "unsigned"
        with its text, and a button labelled `action` (signatureActionRequested) when given;
        None hides it."""
        self.signature_state = state
        if state is None:
            self.signature_bar.hide()
            return
        style = self.SIGNATURE_STYLES.get(state, "")
        self.signature_bar.setStyleSheet(f"#signatureBar {{ {style} }}")
        self.signature.setStyleSheet(re.sub(r"border-bottom:[^;]*;", "", style) + " padding: 5px 10px;")
        self.signature.setText(text)
        self.signature_action.setText(action)
        self.signature_action.setVisible(bool(action))
        self.signature_bar.show()

    def show_error(self, reason: str) -> None:
        """A centred message instead of the pages (a damaged, encrypted or unreadable document)."""
        self.problem = reason
        self.notice.hide()
        self.message.setText(reason)
        self.stack.setCurrentWidget(self.message)
        self._set_enabled(False)

    def _close_document(self) -> None:
        self.text_layer.selection = None
        self.text_layer.highlights = {}
        self._layout_key = None
        self.notice.hide()
        self.search_model.setSearchString("")
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None
        self._bytes = QByteArray()

    def page_count(self) -> int:
        return self.document.pageCount() if self.problem is None else 0

    # --- navigation --------------------------------------------------------------------------

    def current_page(self) -> int:
        """The page shown, from 0."""
        return self.view.pageNavigator().currentPage()

    def go_to_page(self, page: int) -> None:
        if self.page_count() == 0:
            return
        page = max(0, min(page, self.page_count() - 1))
        self.view.pageNavigator().jump(page, QPointF(), self.view.zoomFactor() if self._custom_zoom() else 0)
        self._update_navigation()

    def next_page(self) -> None:
        self.go_to_page(self.current_page() + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.current_page() - 1)

    def _page_changed(self, _page: int) -> None:
        self._update_navigation()

    def _update_navigation(self) -> None:
        self.text_layer.update()
        self._update_text_actions()
        page, count = self.current_page(), self.page_count()
        self.page_box.blockSignals(True)
        self.page_box.setValue(page + 1)
        self.page_box.blockSignals(False)
        self.previous_action.setEnabled(page > 0)
        self.next_action.setEnabled(page < count - 1)

    # --- zoom ------------------------------------------------------------------------------------

    def _custom_zoom(self) -> bool:
        return self.view.zoomMode() == QPdfView.ZoomMode.Custom

    def zoom_factor(self) -> float:
        """The scale shown: 1.0 is the page at its printed size (on a 96 dpi screen)."""
        if self._custom_zoom() or self.page_count() == 0:
            return self.view.zoomFactor()
        size = self.document.pagePointSize(self.current_page())  # points; QPdfView shows 1 pt = 96/72 px at zoom 1
        margins = self.view.documentMargins()
        viewport = self.view.viewport().size()
        width = (viewport.width() - margins.left() - margins.right()) / (size.width() * 96 / 72)
        if self.view.zoomMode() == QPdfView.ZoomMode.FitToWidth:
            return width
        height = (viewport.height() - self.view.pageSpacing()) / (size.height() * 96 / 72)  # as QPdfView does
        return min(width, height)

    def set_zoom(self, factor: float) -> None:
        page = self.current_page()
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(ZOOM_MIN, min(ZOOM_MAX, factor)))
        self.view.pageNavigator().jump(page, QPointF(), 0)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom_factor() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom_factor() / ZOOM_STEP)

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def fit_page(self) -> None:
        page = self.current_page()
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.view.pageNavigator().jump(page, QPointF(), 0)

    # --- search ----------------------------------------------------------------------------------

    def search(self, text: str) -> None:
        """Highlight every match of `text`; next_hit()/previous_hit() walk through them."""
        self.search_box.setText(text)
        self._search_timer.stop()
        self._apply_search()

    def _apply_search(self) -> None:
        self.search_model.setSearchString(self.search_box.text().strip())
        self.view.setCurrentSearchResultIndex(-1)
        self._update_hits()

    def hit_count(self) -> int:
        return self.search_model.rowCount(QModelIndex())

    def current_hit(self) -> int:
        return self.view.currentSearchResultIndex()

    def _go_to_hit(self, index: int) -> None:
        count = self.hit_count()
        if count == 0:
            self._update_hits()
            return
        index %= count
        self.view.setCurrentSearchResultIndex(index)
        link = self.search_model.resultAtIndex(index)
        self.view.pageNavigator().jump(link.page(), link.location(), self.view.zoomFactor() if self._custom_zoom() else 0)
        self._update_hits()

    def next_hit(self) -> None:
        if self.search_model.searchString() != self.search_box.text().strip():
            self._apply_search()
        self._go_to_hit(self.current_hit() + 1)

    def previous_hit(self) -> None:
        self._go_to_hit(self.current_hit() - 1 if self.current_hit() >= 0 else -1)

    def _update_hits(self, *_args) -> None:
        text, count = self.search_model.searchString(), self.hit_count()
        if not text:
            self.hits_label.setText("")
        elif count == 0:
            self.hits_label.setText(_("No match"))
        elif self.current_hit() < 0:
            self.hits_label.setText(ngettext("{n} match", "{n} matches", count).format(n=count))
        else:
            self.hits_label.setText(_("{index} of {count}").format(index=self.current_hit() + 1, count=count))
        enabled = count > 0 and self.problem is None
        self.next_hit_action.setEnabled(enabled)
        self.previous_hit_action.setEnabled(enabled)


def register() -> base.ViewerEntry:
    return base.register("pdf", ("application/pdf",), PdfViewerWidget)


register()
