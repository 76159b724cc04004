"""The PDF viewer's share of the document's text: the text layer over its pages and
`show_hit`, mixed into `PdfViewerWidget`. QPdfView selects no text: once the document's text
is known, the words of recognised (image-only) pages and of pages with a real text layer
(whose boxes `app.dossier.pdf_text` read with the rotation applied) are selectable.

A page with a real text layer is searched by QtPdf itself (the viewer's search field, its
highlights and next/previous). A page recognised by OCR has no text for QtPdf: the
`TextLayer` is laid over the view's viewport and told where each such page is drawn. QPdfView
does not publish its pages' geometry, so `page_rect` lays the pages out as QPdfView does
(its documentLayout: pages one below the other, centred, `pageSpacing` apart inside the
`documentMargins`, at the zoom mode's size, one point being logicalDpi / 72 pixels at zoom 1),
minus the scroll bars' values.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, QSizeF, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtPdfWidgets import QPdfView

from app.core.i18n import _
from app.core.page_text import LAYER, OCR, DocumentText, query_terms
from viewers import text_selection as ts
from viewers.text_layer_widget import PlacedPage, TextLayer

HIT_MARGIN_PT = 36  # points above a hit left visible when it is scrolled to


class PdfTextLayerMixin:
    """Needs the PdfViewerWidget's `view`, `document`, `search_model` and its search."""

    def _build_text_layer(self) -> None:
        self.text_layer = TextLayer(self.view.viewport(), self._placed_pages, (OCR, LAYER))
        self._pending_hit: tuple[int, str] | None = None
        self._layout_key: tuple | None = None
        self._layout: list[QRectF] = []
        self.view.viewport().installEventFilter(self)
        for bar in (self.view.horizontalScrollBar(), self.view.verticalScrollBar()):
            bar.valueChanged.connect(self.text_layer.update)
        self.view.zoomFactorChanged.connect(self.text_layer.update)
        self.view.zoomModeChanged.connect(self.text_layer.update)
        self.copy_action = QAction(_("Copy"), self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.triggered.connect(self.text_layer.copy)
        self.select_all_action = QAction(_("Select all text of this page"), self)
        self.select_all_action.setShortcut(QKeySequence.StandardKey.SelectAll)
        self.select_all_action.triggered.connect(lambda: self.text_layer.select_all(self.current_page() + 1))
        for action in (self.copy_action, self.select_all_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setEnabled(False)
            self.addAction(action)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self.text_layer.setGeometry(self.view.viewport().rect())
        return super().eventFilter(watched, event)

    def _update_text_actions(self) -> None:
        if not hasattr(self, "text_layer"):
            return
        shown = self.problem is None and self.page_count() > 0
        has_text = shown and self.text_layer.page(self.current_page() + 1) is not None
        self.copy_action.setEnabled(has_text)
        self.select_all_action.setEnabled(has_text)

    # --- the text ------------------------------------------------------------------------------

    def set_document_text(self, text: DocumentText | None) -> None:
        """The document's text: its recognised pages become selectable (before or after
        `show_document`)."""
        self.text_layer.set_text(text)
        self._update_text_actions()

    def show_hit(self, page: int, query: str) -> list[QRectF]:
        """Show page `page` (1-based) with the hits of `query` highlighted: QtPdf's search on a
        page with a text layer (the search field shows the query), the text layer's yellow on a
        recognised page; the first hit scrolled into view. Until the PDF is shown the hit
        waits. The text layer's hit rectangles (in the viewport), empty for QtPdf's."""
        if self.page_count() == 0:
            self._pending_hit = (page, query)
            return []
        self._pending_hit = None
        index = max(0, min(page, self.page_count())) - 1
        self.text_layer.clear()
        known = self.text_layer.text.page(index + 1) if self.text_layer.text is not None else None
        recognised = known is not None and known.source == OCR
        if not recognised and self._pdf_hit(index, query):
            return []
        boxes = self.text_layer.highlight(index + 1, query, known)
        if boxes:
            if self.search_box.text():
                self.search("")
            self._reveal(index, boxes[0])
        else:
            self.go_to_page(index)
        return self.text_layer.hit_rects()

    def _pdf_hit(self, index: int, query: str) -> bool:
        """QtPdf's search for `query` (else its longest word) and its first hit on page `index`."""
        for text in dict.fromkeys([query.strip(), *query_terms(query)[:1]]):
            if not text:
                continue
            self.search(text)
            on_page = self.search_model.resultsOnPage(index)
            if on_page:
                before = sum(len(self.search_model.resultsOnPage(p)) for p in range(index))
                self.view.setCurrentSearchResultIndex(before)
                size = self.document.pagePointSize(index)
                rects = on_page[0].rectangles() or [QRectF(on_page[0].location(), QSizeF(1, 1))]
                first = rects[0]
                self._reveal(index, (first.left() / size.width(), first.top() / size.height(),
                                     first.right() / size.width(), first.bottom() / size.height()))
                self._update_hits()
                return True
        return False

    def _reveal(self, index: int, box: ts.Box) -> None:
        """Page `index` shown with `box` (page fractions) in view, a little room above it. QPdfView
        jumps to a page's top only, and may widen its scroll range after a zoom: the scroll bars
        are set now and once more when the events in hand are done."""
        self.view.pageNavigator().jump(index, QPointF(), self.view.zoomFactor() if self._custom_zoom() else 0)
        self._scroll_to(index, box)
        QTimer.singleShot(0, self, lambda: self._scroll_to(index, box))
        self._update_navigation()

    def _scroll_to(self, index: int, box: ts.Box) -> None:
        layout = self._page_layout()
        if not 0 <= index < len(layout):
            return
        page, viewport = layout[index], self.view.viewport().size()
        left, right = page.left() + box[0] * page.width(), page.left() + box[2] * page.width()
        top = page.top() + box[1] * page.height()
        margin = HIT_MARGIN_PT * page.height() / max(1.0, self.document.pagePointSize(index).height())
        horizontal, vertical = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        vertical.setValue(round(max(0.0, top - margin)))
        if left < horizontal.value() or right > horizontal.value() + viewport.width():
            horizontal.setValue(round(max(0.0, (left + right - viewport.width()) / 2)))

    def clear_hits(self) -> bool:
        """Esc: the highlights (QtPdf's and the text layer's) and the selection go."""
        self._pending_hit = None
        had = self.text_layer.clear() or bool(self.search_box.text())
        if self.search_box.text():
            self.search("")
        return had

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt
        if event.key() == Qt.Key.Key_Escape and self.clear_hits():
            event.accept()
            return
        super().keyPressEvent(event)

    # --- where the pages are -------------------------------------------------------------------

    def _placed_pages(self) -> list[PlacedPage]:
        text = self.text_layer.text
        if text is None or self.page_count() == 0:
            return []
        numbers = {p.number for p in text.pages if ts.selectable(p, self.text_layer.sources)}
        numbers |= set(self.text_layer.highlights)
        viewport = QRectF(self.view.viewport().rect())
        placed = []
        for number in sorted(numbers):
            page = text.page(number)
            rect = self.page_rect(number - 1)
            if page is not None and rect is not None and rect.intersects(viewport):
                placed.append(PlacedPage(page, rect))
        return placed

    def page_rect(self, index: int) -> QRectF | None:
        """Where page `index` (from 0) is drawn in the view's viewport, as QPdfView lays it out."""
        layout = self._page_layout()
        if not 0 <= index < len(layout):
            return None
        return layout[index].translated(-self.view.horizontalScrollBar().value(),
                                        -self.view.verticalScrollBar().value())

    def _page_layout(self) -> list[QRectF]:
        view, viewport = self.view, self.view.viewport().size()
        margins, spacing = view.documentMargins(), view.pageSpacing()
        key = (view.zoomMode(), view.zoomFactor(), viewport.width(), viewport.height(), self.page_count(),
               margins.left(), margins.top(), margins.right(), spacing, view.pageMode())
        if key == self._layout_key:
            return self._layout
        screen = QGuiApplication.primaryScreen()
        resolution = (screen.logicalDotsPerInch() if screen is not None else 96.0) / 72.0
        count = self.page_count()
        single = view.pageMode() == QPdfView.PageMode.SinglePage
        pages = [self.current_page()] if single else list(range(count))
        sizes: dict[int, QSize] = {}
        for page in pages:
            points = self.document.pagePointSize(page)
            natural = QSizeF(points.width() * resolution, points.height() * resolution)
            if view.zoomMode() == QPdfView.ZoomMode.Custom:
                size = (natural * view.zoomFactor()).toSize()
            elif view.zoomMode() == QPdfView.ZoomMode.FitToWidth:
                size = natural.toSize()
                factor = (viewport.width() - margins.left() - margins.right()) / max(1, size.width())
                size = size * factor
            else:  # FitInView
                room = QSize(viewport.width() - margins.left() - margins.right(), viewport.height() - spacing)
                size = natural.toSize().scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
            sizes[page] = size
        total_width = max((s.width() for s in sizes.values()), default=0) + margins.left() + margins.right()
        rects = [QRectF() for _ in range(count)]
        y = margins.top()
        for page in pages:
            size = sizes[page]
            x = (max(total_width, viewport.width()) - size.width()) // 2
            rects[page] = QRectF(x, y, size.width(), size.height())
            y += size.height() + spacing
        self._layout_key, self._layout = key, rects
        return rects
