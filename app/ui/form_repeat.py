"""Groups of the opinion form and their repetition: a group, a repeating group's instances,
and the keys that add and remove repeated lines and instances without leaving the keyboard:
Ctrl+Enter adds a line (or an instance) after the focused one and moves into it;
Ctrl+Backspace or Ctrl+Delete in an empty line (or a wholly empty instance) removes it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QGroupBox, QPushButton, QVBoxLayout, QWidget

from app.ui.form_items import Display, FormHost, Node, Question, item_label
from app.core.i18n import _


ADD_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
REMOVE_KEYS = (Qt.Key.Key_Backspace, Qt.Key.Key_Delete)


class Group(Node):
    """One instance of a group; `remove` is given for the instances of a repeating group."""

    def __init__(self, form: FormHost, item: dict, remove: Callable[[Group], None] | None = None) -> None:
        super().__init__(form, item)
        layout = QVBoxLayout(self.row)
        layout.setContentsMargins(0, 4, 0, 4)
        self.box = QGroupBox(item.get("text", ""))
        self.box.setObjectName(f"group-{self.link_id}")
        layout.addWidget(self.box)
        inner = QVBoxLayout(self.box)
        self.children = [form._node(child) for child in item["item"]]
        for child in self.children:
            inner.addWidget(child.row)
        self.remove_button = None
        if remove is not None:
            self.remove_button = QPushButton(_("Remove"))
            self.remove_button.setToolTip(_("Remove this entry (Ctrl+Backspace in an empty entry)"))
            self.remove_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.remove_button.clicked.connect(lambda: remove(self))
            inner.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)

    def nodes(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.nodes()

    def to_items(self) -> list[dict]:
        node = {"linkId": self.link_id}
        if self.stored.get("text"):
            node["text"] = self.stored["text"]
        node["item"] = [ri for child in self.children for ri in child.to_items()]
        return [node]

    def load(self, items: list[dict]) -> None:
        inner = items[0].get("item", []) if items else []
        for child in self.children:
            child.load([ri for ri in inner if ri.get("linkId") == child.link_id])

    def focus_target(self) -> QWidget:
        for child in self.children:
            if not isinstance(child, Display) and not child.row.isHidden():
                return child.focus_target()
        return self.box

    def is_empty(self) -> bool:
        return all(q.is_empty(e) for q in self.nodes() if isinstance(q, Question) and not q.always_read_only
                   for e in q.editors)

    def set_read_only(self, read_only: bool) -> None:
        for child in self.children:
            child.set_read_only(read_only)
        if self.remove_button is not None:
            self.remove_button.setVisible(not read_only)


class GroupSet(Node):
    """A repeating group: its instances, with Add and Remove."""

    def __init__(self, form: FormHost, item: dict) -> None:
        super().__init__(form, item)
        layout = QVBoxLayout(self.row)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addWidget(item_label(item))
        self.instances_layout = QVBoxLayout()
        layout.addLayout(self.instances_layout)
        self.instances: list[Group] = []
        # TRANSLATORS: the button under a repeating group of the opinion form ("Add: Findings per region")
        self.add_button = QPushButton(_("Add: {group}").format(group=item.get("text", "")))
        self.add_button.setObjectName(f"add-{self.link_id}")
        self.add_button.setToolTip(_("Add an entry (Ctrl+Enter in an entry)"))
        self.add_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.add_button.clicked.connect(lambda: self.add_entry())
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._add()

    def _add(self, after: Group | None = None) -> Group:
        group = Group(self.form, self.item, self.remove_entry)
        group.set_read_only(self.form.read_only)
        position = self.instances.index(after) + 1 if after in self.instances else len(self.instances)
        self.instances.insert(position, group)
        self.instances_layout.insertWidget(position, group.row)
        group.row.show()  # now, not at the layout's next turn: the new entry takes the focus at once
        self._renumber()
        self.form.order_tabs()
        return group

    def _renumber(self) -> None:
        for n, group in enumerate(self.instances, 1):
            # TRANSLATORS: the title of the n-th entry of a repeating group of the opinion form
            group.box.setTitle(_("Entry {n}").format(n=n))

    def add_entry(self, after: Group | None = None) -> Group:
        """A new instance (after `after`, else last), with the cursor in its first field."""
        group = self._add(after)
        self.form._refresh_enabled()
        group.focus_target().setFocus()
        self.form._edited()
        return group

    def remove_entry(self, group: Group) -> None:
        self.instances.remove(group)
        group.row.hide()
        group.row.setParent(None)
        group.row.deleteLater()
        self._renumber()
        self.form.order_tabs()
        self.form._edited()

    def nodes(self) -> Iterator[Node]:
        yield self
        for group in self.instances:
            yield from group.nodes()

    def to_items(self) -> list[dict]:
        return [ri for group in self.instances for ri in group.to_items()]

    def load(self, items: list[dict]) -> None:
        while len(self.instances) > len(items):
            group = self.instances.pop()
            group.row.hide()
            group.row.setParent(None)
            group.row.deleteLater()
        while len(self.instances) < len(items):
            self._add()
        for group, ri in zip(self.instances, items):
            group.load([ri])

    def focus_target(self) -> QWidget:
        return self.instances[0].focus_target() if self.instances else self.add_button

    def set_read_only(self, read_only: bool) -> None:
        self.add_button.setVisible(not read_only)
        for group in self.instances:
            group.set_read_only(read_only)




class RowKeys(QObject):
    """The form's keys in its fields (an event filter on each): Ctrl+Enter adds a line or an
    entry after the focused one, Ctrl+Backspace/Ctrl+Delete removes an empty one."""

    def __init__(self, form: FormHost) -> None:
        super().__init__(form)
        self.form = form

    def watch(self, editor: QWidget) -> None:
        for widget in [editor, *editor.findChildren(QWidget)]:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or self.form.read_only:
            return False
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier or event.key() not in ADD_KEYS + REMOVE_KEYS:
            return False
        place = self.form.place_of(watched)
        if place is None:
            return False
        question, editor, entries, entry = place
        if event.key() in ADD_KEYS:
            if question.multi_line_repeats:
                question.add_line(after=editor).setFocus(Qt.FocusReason.TabFocusReason)
                self.form._edited()
                return True
            if entries is not None:
                entries.add_entry(after=entry)
                return True
            return False
        if question.multi_line_repeats and len(question.editors) > 1 and question.is_empty(editor):
            index = question.editors.index(editor)
            question.remove_line(editor)
            question.editors[max(0, index - 1)].setFocus(Qt.FocusReason.BacktabFocusReason)
            return True
        if entries is not None and entry is not None and len(entries.instances) > 1 and entry.is_empty():
            index = entries.instances.index(entry)
            entries.remove_entry(entry)
            entries.instances[max(0, index - 1)].focus_target().setFocus(Qt.FocusReason.BacktabFocusReason)
            return True
        return False
