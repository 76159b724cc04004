"""Search the dossier (Ctrl+Shift+F): a panel at the top of the case view's left column, over
the navigator, as an IDE's "find in files" sits beside the files: a query field (searching
as one types), how many hits in how many documents, and the hits: the document's title, the
page ("p. 2") and the words around the hit, the hit in bold. Enter, Return or a double click
opens the document at that page with the hit highlighted (`hitActivated`); Down goes from the
field into the hits, Esc closes the panel. The search itself is `app.dossier.search`
(`SearchIndex`, case- and accent-insensitive), in memory, never written anywhere."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QKeyEvent, QPalette, QTextDocument
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolButton, QVBoxLayout,
                               QWidget)

from app.core.i18n import _, ngettext

DEBOUNCE_MS = 200
LIMIT = 200
HIT_ROLE = Qt.ItemDataRole.UserRole + 1
HTML_ROLE = Qt.ItemDataRole.UserRole + 2


def snippet_html(snippet: str, spans) -> str:
    """The snippet as rich text, each hit span in bold, everything else escaped."""
    out, at = [], 0
    for start, end in sorted(spans or []):
        start, end = max(start, at), min(end, len(snippet))
        if start >= end:
            continue
        out.append(escape(snippet[at:start]))
        out.append("<b>" + escape(snippet[start:end]) + "</b>")
        at = end
    out.append(escape(snippet[at:]))
    return "".join(out).replace("\n", " ")


def hit_html(hit) -> str:
    # TRANSLATORS: the page of a search hit, under the document's title: "p. 2".
    page = _("p. {page}").format(page=hit.page) if hit.page else ""
    title = escape(hit.title or hit.path or _("Document"))
    head = f"<b>{title}</b>" + (f" &nbsp;· {escape(page)}" if page else "")
    return f"{head}<br>{snippet_html(hit.snippet or '', hit.snippet_spans)}"


def count_text(hits: list, limited: bool) -> str:
    documents = len({h.document_id for h in hits})
    where = ngettext("{n} document", "{n} documents", documents).format(n=documents)
    if limited:
        # TRANSLATORS: {documents} is "4 documents" (or "1 document").
        return ngettext("The first {hits} hit, in {documents}", "The first {hits} hits, in {documents}",
                        len(hits)).format(hits=len(hits), documents=where)
    # TRANSLATORS: {documents} is "4 documents" (or "1 document").
    return ngettext("{hits} hit in {documents}", "{hits} hits in {documents}", len(hits)).format(
        hits=len(hits), documents=where)


def _laid_out(html: str, font, width: int) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(font)
    doc.setDocumentMargin(3)
    doc.setHtml(html)
    doc.setTextWidth(max(80, width))
    return doc


class HitDelegate(QStyledItemDelegate):
    """Draws a hit's rich text (title, page, snippet with the hit in bold), wrapped to the width."""

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        doc = _laid_out(index.data(HTML_ROLE) or "", opt.font, opt.rect.width())
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        painter.save()
        painter.translate(opt.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, opt.rect.width(), opt.rect.height()))
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        width = opt.widget.viewport().width() if opt.widget is not None else 300
        doc = _laid_out(index.data(HTML_ROLE) or "", opt.font, width)
        return QSize(width, int(doc.size().height()) + 2)


class DossierSearchWidget(QWidget):
    """`set_index(index)` (an `app.dossier.search.SearchIndex`, or None while it is built),
    `set_reading(n)` (documents whose text is still being read); `open_panel()` shows it with
    the cursor in the field; `hitActivated(hit, query)`, `closed()` on Esc."""

    hitActivated = Signal(object, str)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dossier-search")
        self.index = None
        self.reading = 0
        self.unreadable = 0  # documents whose text could not be read: the search does not see them
        self.query = ""  # of the hits shown
        self.hits: list = []
        self.field = QLineEdit(self)
        self.field.setPlaceholderText(_("Search the dossier"))
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName(_("Search every document of the case"))
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(_("Close the search (Esc)"))
        self.close_button.clicked.connect(self.close_panel)
        self.status = QLabel(self)
        self.status.setObjectName("dossier-search-status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.results = QListWidget(self)
        self.results.setObjectName("dossier-search-results")
        self.results.setItemDelegate(HitDelegate(self.results))
        self.results.setWordWrap(True)
        self.results.setUniformItemSizes(False)
        self.results.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.results.setResizeMode(QListWidget.ResizeMode.Adjust)  # hits wrap again to a new width
        self.results.setAccessibleName(_("Search hits"))
        self.results.itemActivated.connect(self._activated)  # Enter, Return, double click
        self.field.textChanged.connect(self._typed)
        self.field.returnPressed.connect(self._enter)
        self.field.installEventFilter(self)
        self.results.installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.field, 1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self._show_status()

    # -- what the case view gives --------------------------------------------------------------

    def set_index(self, index) -> None:
        """The case's search index (None: none yet); the query shown is searched again."""
        self.index = index
        if self.field.text().strip():
            self.search_now(keep_current=True)
        else:
            self._show_status()

    def set_reading(self, documents: int) -> None:
        self.reading = max(0, documents)
        self._show_status()

    def set_unreadable(self, documents: int) -> None:
        self.unreadable = max(0, documents)
        self._show_status()

    def clear(self) -> None:
        self.index, self.reading, self.unreadable, self.hits, self.query = None, 0, 0, [], ""
        self.field.blockSignals(True)
        self.field.clear()
        self.field.blockSignals(False)
        self.results.clear()
        self._show_status()

    # -- the panel -----------------------------------------------------------------------------

    def open_panel(self) -> None:
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def close_panel(self) -> None:
        self._timer.stop()
        self.hide()
        self.closed.emit()

    def _typed(self, _text: str) -> None:
        self._timer.start()

    def search_now(self, keep_current: bool = False) -> None:
        """Search the query in the field now (the debounce's end, Enter, a new index)."""
        self._timer.stop()
        query = self.field.text().strip()
        current = self.results.currentRow() if keep_current else -1
        self.query = query
        self.hits = self.index.search(query, limit=LIMIT) if (query and self.index is not None) else []
        self.results.clear()
        for hit in self.hits:
            item = QListWidgetItem()
            item.setData(HIT_ROLE, hit)
            item.setData(HTML_ROLE, hit_html(hit))
            # TRANSLATORS: what a screen reader says of a search hit: title, page, the words around it.
            item.setData(Qt.ItemDataRole.AccessibleTextRole, _("{title}, page {page}: {snippet}").format(
                title=hit.title or hit.path, page=hit.page, snippet=hit.snippet))
            self.results.addItem(item)
        if self.hits:
            self.results.setCurrentRow(min(max(current, 0), len(self.hits) - 1))
        self._show_status()

    def _show_status(self) -> None:
        lines = []
        if self.query:
            if self.hits:
                lines.append(count_text(self.hits, len(self.hits) >= LIMIT))
            elif self.index is not None or not self.reading:
                lines.append(_("No document contains “{query}”.").format(query=self.query))
        if self.reading:
            lines.append(ngettext("Still reading the text of {n} document…",
                                  "Still reading the text of {n} documents…", self.reading).format(n=self.reading))
        elif self.index is None and self.query:
            lines.append(_("Preparing the search…"))
        if self.unreadable:
            lines.append(ngettext("The text of {n} document could not be read: the search does not see it.",
                                  "The text of {n} documents could not be read: the search does not see them.",
                                  self.unreadable).format(n=self.unreadable))
        self.status.setText("\n".join(lines))
        self.status.setVisible(bool(lines))

    # -- keys ----------------------------------------------------------------------------------

    def _enter(self) -> None:
        """Enter in the field: the hits of what is typed now, the current (first) one opened."""
        if self._timer.isActive() or self.field.text().strip() != self.query:
            self.search_now()
        item = self.results.currentItem()
        if item is not None:
            self._activated(item)

    def _activated(self, item: QListWidgetItem) -> None:
        hit = item.data(HIT_ROLE)
        if hit is not None:
            self.hitActivated.emit(hit, self.query)

    def eventFilter(self, watched, event) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close_panel()
            return True
        if watched is self.field and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.results.count():
            if self._timer.isActive():
                self.search_now()
            self.results.setFocus(Qt.FocusReason.OtherFocusReason)
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)
            return True
        if watched is self.results and key == Qt.Key.Key_Up and self.results.currentRow() <= 0:
            self.field.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return False

