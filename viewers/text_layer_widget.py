"""The text layer over scanned pages: recognised words made selectable and search hits
highlighted, drawn over the page images of the image viewer and the image-only pages of
the PDF viewer.

`TextLayer` is a transparent child laid over the widget that paints the pages. Its host
says where the pages are (`placed`: for each page shown, its `PageText`, the rectangle it
occupies in the layer and its quarter turns), so the layer follows zoom, scroll and
rotation exactly: the words' boxes are page fractions. Over a page with recognised text the
pointer is an I-beam; a drag selects words in reading order (viewers.text_selection);
Ctrl+C and the context menu copy them, Ctrl+A selects the page; `highlight` marks the
words a search hits in translucent yellow until another search or Esc (`clear`).
Where there is no recognised page, mouse events pass through to the host.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPainterPath
from PySide6.QtWidgets import QMenu, QWidget

from app.core.i18n import _
from app.core.page_text import OCR, DocumentText, PageText, Word, highlight_boxes
from viewers import text_selection as ts

HIT_FILL = QColor(255, 221, 0, 110)  # translucent yellow: the word stays readable
HIT_EDGE = QColor(230, 170, 0, 200)
SELECTION_FILL = QColor(51, 119, 255, 90)  # like a PDF reader's selection
DRAG_THRESHOLD = 3  # pixels before a press becomes a drag


@dataclass(frozen=True)
class PlacedPage:
    """A page shown: its text, where it is in the layer (pixels), its clockwise quarter turns."""

    page: PageText
    rect: QRectF
    rotation: int = 0


class TextLayer(QWidget):
    """Selection and search highlights over the pages that `placed()` reports."""

    def __init__(self, parent: QWidget, placed: Callable[[], list[PlacedPage]],
                 sources: tuple[str, ...] = (OCR,)) -> None:
        super().__init__(parent)
        self._placed = placed
        self.sources = sources  # the pages whose words are selectable, by where their text came from
        self.text: DocumentText | None = None
        self.highlights: dict[int, list[ts.Box]] = {}  # page number -> hit boxes (page fractions)
        self.selection: ts.Selection | None = None
        self._ordered: dict[int, list[Word]] = {}
        self._press: QPointF | None = None
        self._dragging = False
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    # --- state --------------------------------------------------------------------------------

    def set_text(self, text: DocumentText | None) -> None:
        """The document's text; the selection is dropped, the highlights stay."""
        self.text = text
        self._ordered = {}
        self.selection = None
        self.update()

    def page(self, number: int) -> PageText | None:
        """Page `number` (1-based) when it has a text layer (positioned words of `sources`)."""
        page = self.text.page(number) if self.text is not None else None
        return page if ts.selectable(page, self.sources) else None

    def ordered(self, page: PageText) -> list[Word]:
        if page.number not in self._ordered:
            self._ordered[page.number] = ts.reading_order(page)
        return self._ordered[page.number]

    def highlight(self, number: int, query: str, page: PageText | None = None) -> list[ts.Box]:
        """Mark the words of page `number` that a search for `query` hits (replacing any
        earlier search's); the boxes, as page fractions. `page` when the text comes from
        elsewhere than this layer's document text."""
        page = page or self.page(number)
        boxes = highlight_boxes(page, query) if page is not None and page.words else []
        self.highlights = {number: boxes} if boxes else {}
        self.update()
        return boxes

    def clear(self) -> bool:
        """Drop the highlights and the selection; whether there was any."""
        had = bool(self.highlights) or self.selection is not None
        self.highlights = {}
        self.selection = None
        self.update()
        return had

    def select_all(self, number: int) -> bool:
        page = self.page(number)
        self.selection = ts.select_all(page) if page is not None else None
        self.update()
        return self.selection is not None

    def selected_text(self) -> str:
        if self.selection is None:
            return ""
        page = self.page(self.selection.page)
        return self.selection.text(page, self.ordered(page)) if page is not None else ""

    def copy(self) -> bool:
        """The selected text to the clipboard; False when nothing is selected."""
        text = self.selected_text()
        if text:
            QGuiApplication.clipboard().setText(text)
        return bool(text)

    # --- geometry -----------------------------------------------------------------------------

    def placed(self) -> list[PlacedPage]:
        return [p for p in self._placed() if ts.selectable(p.page, self.sources) or p.page.number in self.highlights]

    @staticmethod
    def box_rect(placed: PlacedPage, box: ts.Box) -> QRectF:
        """Where `box` (fractions of the unturned page) is in the layer."""
        left, top, right, bottom = ts.turn_box(box, placed.rotation)
        r = placed.rect
        return QRectF(r.left() + left * r.width(), r.top() + top * r.height(),
                      (right - left) * r.width(), (bottom - top) * r.height())

    def hit_rects(self) -> list[QRectF]:
        """The highlighted words' rectangles in the layer, for the pages shown."""
        return [self.box_rect(p, box) for p in self.placed() for box in self.highlights.get(p.page.number, [])]

    def selection_rects(self) -> list[QRectF]:
        """The selection as drawn: one band per line of selected words."""
        if self.selection is None:
            return []
        for p in self.placed():
            if p.page.number == self.selection.page:
                words = self.selection.words(self.ordered(p.page))
                return [self.box_rect(p, band) for band in ts.line_bands(words)]
        return []

    def _page_point(self, point: QPointF) -> tuple[PlacedPage, float, float] | None:
        """The selectable page under `point` and the point as fractions of that page."""
        for p in self.placed():
            if ts.selectable(p.page, self.sources) and p.rect.contains(point) and p.rect.width() > 0 and p.rect.height() > 0:
                x = (point.x() - p.rect.left()) / p.rect.width()
                y = (point.y() - p.rect.top()) / p.rect.height()
                x, y = ts.unturn_point(x, y, p.rotation)
                return p, x, y
        return None

    def _aspect(self, p: PlacedPage) -> float:
        w, h = p.rect.width(), p.rect.height()
        if p.rotation % 180:
            w, h = h, w
        return h / w if w else 1.0

    def _word_under(self, point: QPointF) -> tuple[PlacedPage, int] | None:
        found = self._page_point(point)
        if found is None:
            return None
        p, x, y = found
        slack = 2.0 / max(1.0, min(p.rect.width(), p.rect.height()))  # two pixels around a word
        index = ts.word_at(self.ordered(p.page), x, y, slack)
        return (p, index) if index is not None else None

    # --- painting -----------------------------------------------------------------------------

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt
        hits, selected = self.hit_rects(), self.selection_rects()
        if not hits and not selected:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(HIT_EDGE)
        painter.setBrush(HIT_FILL)
        for rect in hits:
            painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), 2, 2)
        if selected:  # one shape: where two lines' bands overlap the tint is not doubled
            shape = QPainterPath()
            shape.setFillRule(Qt.FillRule.WindingFill)
            for rect in selected:
                shape.addRect(rect)
            painter.fillPath(shape, SELECTION_FILL)
        painter.end()

    # --- mouse --------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt
        found = self._page_point(event.position())
        if event.button() != Qt.MouseButton.LeftButton or found is None:
            event.ignore()
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._press, self._dragging = event.position(), False
        event.accept()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt
        point = event.position()
        if self._press is None:
            if self._word_under(point) is not None:
                self.setCursor(Qt.CursorShape.IBeamCursor)
            else:
                self.unsetCursor()
            event.ignore()
            return
        if not self._dragging and (point - self._press).manhattanLength() < DRAG_THRESHOLD:
            return
        self._dragging = True
        self._drag_to(point)
        event.accept()

    def _drag_to(self, point: QPointF) -> None:
        start = self._page_point(self._press) if self._press is not None else None
        if start is None:
            return
        p, x0, y0 = start
        ordered = self.ordered(p.page)
        anchor = ts.nearest_word(ordered, x0, y0, self._aspect(p))
        rect = p.rect
        inside = QPointF(min(max(point.x(), rect.left()), rect.right() - 0.01),
                         min(max(point.y(), rect.top()), rect.bottom() - 0.01))
        end = self._page_point(inside)
        if anchor is None or end is None:
            return
        cursor = ts.nearest_word(ordered, end[1], end[2], self._aspect(p))
        self.selection = ts.Selection(p.page.number, anchor, anchor if cursor is None else cursor)
        self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt
        if self._press is None:
            event.ignore()
            return
        if self._dragging:
            self._drag_to(event.position())
        elif self.selection is not None:
            self.selection = None  # a click drops the selection
            self.update()
        self._press, self._dragging = None, False
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt
        found = self._word_under(event.position())
        if found is None:
            event.ignore()
            return
        p, index = found
        self.selection = ts.Selection(p.page.number, index, index)
        self._press = None
        self.update()
        event.accept()

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt
        found = self._page_point(QPointF(event.pos()))
        if found is None:
            event.ignore()
            return
        menu = self.context_menu(found[0].page.number)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def context_menu(self, number: int) -> QMenu:
        """Copy and Select all, for the page `number` under the pointer."""
        menu = QMenu(self)
        copy = menu.addAction(_("Copy"), self.copy)
        copy.setEnabled(bool(self.selected_text()))
        menu.addAction(_("Select all text of this page"), lambda: self.select_all(number))
        return menu

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt
        self.unsetCursor()
        super().leaveEvent(event)
