"""Which documents of the open case the reviewer has read: a document is read once a viewer
has shown it (`document_shown`, after `show_document` succeeded), or when marked so from the
navigator's context menu, which also marks it unread again. Unread documents are bold with a
dot in the navigator and each group says how many it has left; View ▸ Next unread document
opens the next one in the navigator's order. The state is kept per case, encrypted, with the
case's annotations (app/store/annotations.py `read_documents`), written on the store's writer.

A document read for the first time is ticked in the form's "Documents reviewed"
(`tick_reviewed`), never unticked: what the reviewer ticked or unticked by hand stays, and a
signed (read-only) form is never changed. Imaging series are not documents: they have no read
state (the form lists their studies, ticked from the start)."""

from __future__ import annotations

from datetime import datetime, timezone
import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QMenu, QTreeWidgetItem

from app.core.i18n import _, ngettext

log = logging.getLogger(__name__)

DOT = "● "


def document_code(doc: dict, n: int) -> str:
    """The key of a document's read state: its code in the form's documents checklist."""
    from app.opinion.prefill import document_code as code  # the form's rule, loaded with the case

    return code(doc, n)


class CaseReadState(QObject):
    """For a CaseViewWidget `view`: `set_case(data)` after each `navigator.set_case`;
    `document_shown(n)`, `mark_read(n)`, `mark_unread(n)`, `next_unread()`."""

    firstRead = Signal(str, str)  # case id, document code: read for the first time
    changed = Signal()  # the read state of the case shown changed
    message = Signal(str)  # a line for the status bar

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.navigator = view.navigator
        self.read: dict[str, str] = {}  # document code -> first opened (ISO 8601, UTC)
        self.menu: QMenu | None = None
        self.navigator.customContextMenuRequested.connect(self._menu_at)
        self.navigator.installEventFilter(self)  # the menu key: the current document's menu
        # The navigator filled again (another view of the case, new identity flags): marked again
        # once it is whole.
        self.navigator.model().modelReset.connect(lambda: QTimer.singleShot(0, self, self.paint))

    # -- state ---------------------------------------------------------------------------------

    @property
    def documents(self) -> list[dict]:
        return self.view.data.documents if self.view.data is not None else []

    def code(self, n: int) -> str:
        return document_code(self.documents[n], n)

    def is_read(self, n: int) -> bool:
        return 0 <= n < len(self.documents) and self.code(n) in self.read

    def unread(self) -> list[int]:
        """The unread documents, as indexes into the case's documents."""
        return [n for n in range(len(self.documents)) if not self.is_read(n)]

    def set_case(self, data) -> None:
        self.read = dict(getattr(data, "read", None) or {}) if data is not None else {}
        self.paint()

    def document_shown(self, n: int) -> None:
        """A viewer showed document `n`: read from now on (kept, and ticked in the form the
        first time)."""
        self.mark_read(n)

    def mark_read(self, n: int) -> bool:
        if self.view.data is None or not 0 <= n < len(self.documents) or self.is_read(n):
            return False
        code, case_id = self.code(n), self.view.data.case_id
        when = datetime.now(timezone.utc)
        self.read[code] = when.isoformat(timespec="seconds")
        self.view.data.read = dict(self.read)
        self.paint()
        self._write(lambda store: store.mark_read(case_id, [code], when))
        self.changed.emit()
        self.firstRead.emit(case_id, code)
        return True

    def mark_unread(self, n: int) -> bool:
        """Unread again (the form keeps what it lists: the reviewer unticks by hand)."""
        if self.view.data is None or not self.is_read(n):
            return False
        code, case_id = self.code(n), self.view.data.case_id
        del self.read[code]
        self.view.data.read = dict(self.read)
        self.paint()
        self._write(lambda store: store.mark_unread(case_id, [code]))
        self.changed.emit()
        return True

    def next_unread(self) -> int | None:
        """Open the next unread document after the one shown, in the navigator's order (round
        the end); None, with a message, when every document is read."""
        order = self.view._order  # documents and series, as the navigator lists them
        if self.view.data is None or not order:
            return None
        unread = set(self.unread())
        if not unread:
            self.message.emit(_("Every document of this case has been read."))
            return None
        start = self.view._position + 1 if 0 <= self.view._position < len(order) else 0
        following = (order[(start + i) % len(order)] for i in range(len(order)))
        n = next((int(value) for kind, value in following if kind == "document" and value in unread), None)
        if n is None:  # an unread document the navigator does not list: none, in practice
            n = min(unread)
        self.view.open_document(n)
        return n

    def _write(self, work) -> None:
        from app.store.annotations import AnnotationStore

        store = self.view.store

        def failed(error: BaseException) -> None:
            log.warning("the read state could not be kept: %s", type(error).__name__)
            self.message.emit(_("Which documents were read could not be kept."))

        self.view.store_runner.run(lambda token, progress: work(AnnotationStore(store)), failure=failed)

    # -- the navigator -------------------------------------------------------------------------

    def paint(self) -> None:
        """Unread documents bold with a dot; each group's header with its unread count."""
        groups: dict[int, tuple[QTreeWidgetItem, str, int]] = {}
        documents = self.documents
        for n, item in enumerate(getattr(self.navigator, "document_items", None) or []):
            if item is None or n >= len(documents):
                continue
            unread = not self.is_read(n)
            _mark(item, unread)
            parent = item.parent()
            if parent is not None:
                kind = documents[n].get("kind") or "other"
                _group, _kind, count = groups.get(id(parent), (parent, kind, 0))
                groups[id(parent)] = (parent, kind, count + unread)
        for group, kind, count in groups.values():
            label = self.navigator.kind_labels.get(kind, kind)
            if count:
                # TRANSLATORS: a group of documents in the case navigator, with how many of them were
                # not opened yet: "Referral letters (3, 2 unread)".
                group.setText(0, ngettext("{kind} ({count}, {n} unread)", "{kind} ({count}, {n} unread)", count)
                              .format(kind=label, count=group.childCount(), n=count))
            else:
                # TRANSLATORS: a group of documents in the case navigator: "Referral letters (2)".
                group.setText(0, _("{kind} ({count})").format(kind=label, count=group.childCount()))

    def eventFilter(self, watched, event) -> bool:
        if watched is self.navigator and event.type() == QEvent.Type.ContextMenu \
                and event.reason() == QContextMenuEvent.Reason.Keyboard:
            item = self.navigator.currentItem()
            if self._document_of(item) is not None:
                self._menu_at(self.navigator.visualItemRect(item).center(), item)
                if self.menu is not None:
                    self.menu.setActiveAction(self.menu.actions()[0])  # Enter takes it
                return True
        return False

    def _document_of(self, item: QTreeWidgetItem | None) -> int | None:
        target = item.data(0, self.navigator.series_role) if item is not None else None
        return int(target[1]) if target and target[0] == "document" else None

    def _menu_at(self, pos, item: QTreeWidgetItem | None = None) -> None:
        item = item or self.navigator.itemAt(pos)
        n = self._document_of(item)
        if n is None:
            return
        menu = QMenu(self.navigator)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.is_read(n):
            menu.addAction(_("Mark as unread"), lambda: self.mark_unread(n))
        else:
            menu.addAction(_("Mark as read"), lambda: self.mark_read(n))
        self.menu = menu
        menu.popup(self.navigator.viewport().mapToGlobal(pos))


def _mark(item: QTreeWidgetItem, unread: bool) -> None:
    """The dot before the item's text (whatever else changed it) and bold, or neither."""
    text = item.text(0)
    base = text[len(DOT):] if text.startswith(DOT) else text
    if text != (DOT + base if unread else base):
        item.setText(0, DOT + base if unread else base)
    font = item.font(0)
    font.setBold(unread)
    item.setFont(0, font)


def tick_reviewed(form_dock, case_id: str, code: str) -> bool:
    """Tick document `code` in the "Documents reviewed" checklist of `form_dock`'s form when it
    shows `case_id` and can be changed; the form's own change signal saves the draft. False when
    nothing was ticked (another case, a signed form, no such option, already ticked)."""
    from app.opinion.prefill import DOCUMENT_SYSTEM
    from app.opinion.questionnaire import prefill_source

    form = getattr(form_dock, "form", None)
    if form is None or form_dock.case_id != case_id or getattr(form_dock, "locked", False) \
            or getattr(form, "read_only", False) or not hasattr(form, "nodes"):
        return False
    for node in form.nodes():
        if prefill_source(node.item) != "documents" or not getattr(node, "editors", None):
            continue
        editor = node.editors[0]
        for value, box in zip(getattr(editor, "values", []), getattr(editor, "boxes", [])):
            if isinstance(value, dict) and value.get("code") == code and value.get("system") == DOCUMENT_SYSTEM:
                if box.isChecked() or not box.isEnabled():
                    return False
                box.setChecked(True)  # the checklist's toggled signal: the form changed, the draft is saved
                return True
    return False
