"""The opinion form: a FHIR Questionnaire rendered as a scrollable form whose state is a
QuestionnaireResponse (app.opinion.questionnaire), and the draft autosaver.

    form = OpinionFormWidget(bind(load_template("second-opinion"), record))
    form.set_response(drafts.load(case_id) or new_response(form.questionnaire, record, profile))
    saver = DraftAutosaver(form, lambda r: runner.run(...save r...))

The widget only edits; saving, signing and the choice of template are the window's.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
from collections.abc import Iterator

from PySide6.QtCore import QDate, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractSpinBox, QCheckBox, QComboBox, QDateEdit, QDoubleSpinBox, QFrame, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QPlainTextEdit, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from app.core.key_images import KeyImage
from app.opinion.questionnaire import Questionnaire, empty_response, enabled, from_answer, prefill_source, to_answer

_EMPTY_DATE = QDate(1900, 1, 1)
_EMPTY_NUMBER = -999_999_999


class _Node:
    """One item of the questionnaire on screen (a question, a display or a group instance)."""

    def __init__(self, form: OpinionFormWidget, item: dict) -> None:
        self.form, self.item, self.link_id = form, item, item["linkId"]
        self.row = QWidget()
        self.row.setObjectName(f"item-{self.link_id}")

    def to_items(self) -> list[dict]:
        return []

    def load(self, items: list[dict]) -> None:
        pass

    def nodes(self) -> Iterator[_Node]:
        yield self

    def focus_target(self) -> QWidget:
        return self.row

    def set_read_only(self, read_only: bool) -> None:
        pass


def _label(item: dict) -> QLabel:
    text = item.get("text") or item["linkId"]
    label = QLabel(f"{text} <span style='color:#b00020'>*</span>" if item.get("required") else text)
    label.setTextFormat(Qt.TextFormat.RichText if item.get("required") else Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class _CheckList(QWidget):
    """A checklist with word-wrapped labels (long document titles stay readable)."""

    toggled = Signal()

    def __init__(self, options: list[dict]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.options, self.boxes = options, []
        for option in options:
            value = from_answer(option)
            text = value.get("display") or value.get("code") if isinstance(value, dict) else str(value)
            line = QHBoxLayout()
            box = QCheckBox()
            box.setAccessibleName(text)
            label = QLabel(text)
            label.setWordWrap(True)
            label.mousePressEvent = lambda _event, b=box: b.isEnabled() and b.toggle()
            line.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(label, 1)
            layout.addLayout(line)
            box.toggled.connect(self.toggled)
            self.boxes.append(box)


class _Question(_Node):
    def __init__(self, form: OpinionFormWidget, item: dict) -> None:
        super().__init__(form, item)
        self.kind = item["type"]
        layout = QVBoxLayout(self.row)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(3)
        if self.kind != "boolean":
            layout.addWidget(_label(item))
        self.options = item.get("answerOption", []) or []
        self.editors: list[QWidget] = []
        self.lines = QVBoxLayout()
        self.lines.setSpacing(3)
        layout.addLayout(self.lines)
        self.add_button = None
        if self.multi_line_repeats:
            self.add_button = QPushButton(form.tr("Add"))
            self.add_button.setObjectName(f"add-{self.link_id}")
            self.add_button.clicked.connect(lambda: (self._add_editor().setFocus(), form._edited()))
            layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._add_editor()
        self.always_read_only = bool(item.get("readOnly"))
        if self.always_read_only:  # pre-filled facts (the patient): shown as text, not as a field
            for editor in self.editors:
                if isinstance(editor, QLineEdit):
                    editor.setFrame(False)
                    editor.setStyleSheet("background: transparent")
        self.set_read_only(False)

    @property
    def multi_line_repeats(self) -> bool:
        return bool(self.item.get("repeats")) and self.kind in ("string", "text", "integer", "decimal", "date")

    def _make_editor(self) -> QWidget:
        form, kind = self.form, self.kind
        if kind == "string":
            editor = QLineEdit()
            editor.textEdited.connect(form._edited)
        elif kind == "text":
            editor = QPlainTextEdit()
            editor.setTabChangesFocus(True)
            lines = 2 if prefill_source(self.item) else 4  # pre-filled text is short
            editor.setFixedHeight(editor.fontMetrics().lineSpacing() * lines + 14)
            editor.textChanged.connect(form._edited)
        elif kind == "boolean":
            editor = QCheckBox(self.item.get("text") or self.link_id)
            editor.toggled.connect(form._edited)
        elif kind == "choice" and self.item.get("repeats"):
            editor = _CheckList(self.options)
            editor.toggled.connect(form._edited)
        elif kind == "choice":
            editor = QComboBox()
            editor.addItem("", None)
            for option in self.options:
                value = from_answer(option)
                editor.addItem(value.get("display") or value.get("code") if isinstance(value, dict) else str(value),
                               value)
            if self.item.get("answerConstraint") == "optionsOrString":
                editor.setEditable(True)
                editor.editTextChanged.connect(form._edited)
            editor.currentIndexChanged.connect(form._edited)
        elif kind == "date":
            editor = QDateEdit()
            editor.setCalendarPopup(True)
            editor.setDisplayFormat("dd-MM-yyyy")
            editor.setMinimumDate(_EMPTY_DATE)
            editor.setSpecialValueText("—")
            editor.setDate(_EMPTY_DATE)
            editor.dateChanged.connect(form._edited)
        elif kind == "integer":
            editor = QSpinBox()
            editor.setRange(_EMPTY_NUMBER, 999_999_999)
            editor.setSpecialValueText("—")
            editor.setValue(_EMPTY_NUMBER)
            editor.valueChanged.connect(form._edited)
        else:  # decimal
            editor = QDoubleSpinBox()
            editor.setDecimals(2)
            editor.setRange(_EMPTY_NUMBER, 999_999_999)
            editor.setSpecialValueText("—")
            editor.setValue(_EMPTY_NUMBER)
            editor.valueChanged.connect(form._edited)
        editor.setObjectName(f"field-{self.link_id}")
        return editor

    def _add_editor(self) -> QWidget:
        editor = self._make_editor()
        line = QWidget()
        box = QHBoxLayout(line)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(editor, 1)
        if self.multi_line_repeats:
            remove = QPushButton("✕")
            remove.setToolTip(self.form.tr("Remove"))
            remove.setFixedWidth(28)
            remove.clicked.connect(lambda: self._remove_editor(editor, line))
            box.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)
            remove.setVisible(not self.form.read_only)
        self.lines.addWidget(line)
        self.editors.append(editor)
        return editor

    def _remove_editor(self, editor: QWidget, line: QWidget) -> None:
        if len(self.editors) == 1:
            self._set_value(editor, None)
        else:
            self.editors.remove(editor)
            line.setParent(None)
            line.deleteLater()
        self.form._edited()

    # values

    def _values(self, editor: QWidget) -> list:
        if isinstance(editor, QLineEdit):
            return [editor.text()] if editor.text().strip() else []
        if isinstance(editor, QPlainTextEdit):
            text = editor.toPlainText()
            return [text] if text.strip() else []
        if isinstance(editor, QCheckBox):
            return [editor.isChecked()]
        if isinstance(editor, _CheckList):
            return [from_answer(o) for o, b in zip(editor.options, editor.boxes) if b.isChecked()]
        if isinstance(editor, QComboBox):
            data = editor.currentData()
            if editor.isEditable() and editor.currentText().strip() and editor.currentText() != editor.itemText(
                    editor.currentIndex()):
                return [editor.currentText()]
            if data is None:
                return [editor.currentText()] if editor.isEditable() and editor.currentText().strip() else []
            return [data]
        if isinstance(editor, QDateEdit):
            return [] if editor.date() == _EMPTY_DATE else [editor.date().toString("yyyy-MM-dd")]
        if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            return [] if editor.value() == _EMPTY_NUMBER else [editor.value()]
        return []

    def _set_value(self, editor: QWidget, value) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText("" if value is None else str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, _CheckList):
            chosen = value or []
            for option, box in zip(editor.options, editor.boxes):
                box.setChecked(any(_same(from_answer(option), v) for v in chosen))
        elif isinstance(editor, QComboBox):
            index = next((i for i in range(1, editor.count()) if value is not None
                          and _same(editor.itemData(i), value)), 0)
            editor.setCurrentIndex(index)
            if index == 0 and editor.isEditable():
                editor.setEditText("" if value is None else str(value))
        elif isinstance(editor, QDateEdit):
            date = QDate.fromString(str(value)[:10], "yyyy-MM-dd") if value else _EMPTY_DATE
            editor.setDate(date if date.isValid() else _EMPTY_DATE)
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            editor.setValue(_EMPTY_NUMBER if value is None else type(editor.value())(value))

    def to_items(self) -> list[dict]:
        values = [v for editor in self.editors for v in self._values(editor)]
        node = {"linkId": self.link_id}
        if self.item.get("text"):
            node["text"] = self.item["text"]
        if values:
            node["answer"] = [to_answer(self.item, v) for v in values]
        return [node]

    def load(self, items: list[dict]) -> None:
        values = [from_answer(a) for ri in items[:1] for a in ri.get("answer", []) or []]
        if isinstance(self.editors[0], _CheckList):
            self._set_value(self.editors[0], values)
            return
        wanted = max(1, len(values)) if self.multi_line_repeats else 1
        while len(self.editors) > wanted:
            editor = self.editors.pop()
            self.lines.takeAt(self.lines.count() - 1).widget().deleteLater()
        while len(self.editors) < wanted:
            self._add_editor()
        for n, editor in enumerate(self.editors):
            self._set_value(editor, values[n] if n < len(values) else None)

    def focus_target(self) -> QWidget:
        editor = self.editors[0]
        return editor.boxes[0] if isinstance(editor, _CheckList) and editor.boxes else editor

    def set_read_only(self, read_only: bool) -> None:
        read_only = read_only or self.always_read_only
        for editor in self.editors:
            if isinstance(editor, (QLineEdit, QPlainTextEdit)):
                editor.setReadOnly(read_only)  # text stays selectable
            elif isinstance(editor, QAbstractSpinBox):
                editor.setReadOnly(read_only)
                editor.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons if read_only
                                        else QAbstractSpinBox.ButtonSymbols.UpDownArrows)
            else:
                editor.setEnabled(not read_only)
        if self.add_button is not None:
            self.add_button.setVisible(not read_only)
            for n in range(self.lines.count()):
                line = self.lines.itemAt(n).widget()
                for button in line.findChildren(QPushButton):
                    button.setVisible(not read_only)


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.get("code") == b.get("code") and (not a.get("system") or not b.get("system")
                                                   or a["system"] == b["system"])
    return a == b


class _Display(_Node):
    def __init__(self, form: OpinionFormWidget, item: dict) -> None:
        super().__init__(form, item)
        layout = QVBoxLayout(self.row)
        layout.setContentsMargins(0, 4, 0, 4)
        self.key_images = prefill_source(item) == "key_images"
        if self.key_images:
            layout.addWidget(_label(item))
            self.images = QVBoxLayout()
            layout.addLayout(self.images)
            self.show_key_images([])
        else:
            label = QLabel(item.get("text", ""))
            label.setWordWrap(True)
            layout.addWidget(label)

    def show_key_images(self, images: list[KeyImage]) -> None:
        while self.images.count():
            widget = self.images.takeAt(0).widget()
            widget.hide()  # at once: the deferred delete may wait for the event loop
            widget.deleteLater()
        if not images:
            empty = QLabel(self.form.tr("No key images yet: add them from the image viewer."))
            empty.setObjectName("key-images-empty")
            empty.setStyleSheet("color: palette(placeholder-text); font-style: italic")
            empty.setWordWrap(True)
            self.images.addWidget(empty)
            return
        for image in images:
            line = QWidget()
            line.setObjectName("key-image")
            box = QHBoxLayout(line)
            box.setContentsMargins(0, 0, 0, 0)
            thumb = QLabel()
            pixmap = QPixmap()
            if image.png and pixmap.loadFromData(image.png):
                thumb.setPixmap(pixmap.scaled(72, 72, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation))
            thumb.setFixedSize(72, 72)
            thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
            thumb.setStyleSheet("background: black")
            text = image.caption or self.form.tr("(no caption)")
            if image.measurements:
                text += f"\n{image.measurements}"
            caption = QLabel(text)
            caption.setObjectName("key-image-caption")
            caption.setWordWrap(True)
            box.addWidget(thumb)
            box.addWidget(caption, 1)
            self.images.addWidget(line)


class _Group(_Node):
    """One instance of a group; `remove` is given for the instances of a repeating group."""

    def __init__(self, form: OpinionFormWidget, item: dict, remove: Callable[[_Group], None] | None = None) -> None:
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
            self.remove_button = QPushButton(form.tr("Remove"))
            self.remove_button.clicked.connect(lambda: remove(self))
            inner.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)

    def nodes(self) -> Iterator[_Node]:
        yield self
        for child in self.children:
            yield from child.nodes()

    def to_items(self) -> list[dict]:
        node = {"linkId": self.link_id}
        if self.item.get("text"):
            node["text"] = self.item["text"]
        node["item"] = [ri for child in self.children for ri in child.to_items()]
        return [node]

    def load(self, items: list[dict]) -> None:
        inner = items[0].get("item", []) if items else []
        for child in self.children:
            child.load([ri for ri in inner if ri.get("linkId") == child.link_id])

    def focus_target(self) -> QWidget:
        for child in self.children:
            if not isinstance(child, _Display) and not child.row.isHidden():
                return child.focus_target()
        return self.box

    def set_read_only(self, read_only: bool) -> None:
        for child in self.children:
            child.set_read_only(read_only)
        if self.remove_button is not None:
            self.remove_button.setVisible(not read_only)


class _GroupSet(_Node):
    """A repeating group: its instances, with Add and Remove."""

    def __init__(self, form: OpinionFormWidget, item: dict) -> None:
        super().__init__(form, item)
        layout = QVBoxLayout(self.row)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addWidget(_label(item))
        self.instances_layout = QVBoxLayout()
        layout.addLayout(self.instances_layout)
        self.instances: list[_Group] = []
        self.add_button = QPushButton(form.tr("Add: {0}").replace("{0}", item.get("text", "")))
        self.add_button.setObjectName(f"add-{self.link_id}")
        self.add_button.clicked.connect(self._add_clicked)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._add()

    def _add(self) -> _Group:
        group = _Group(self.form, self.item, self._remove)
        group.set_read_only(self.form.read_only)
        self.instances.append(group)
        self.instances_layout.addWidget(group.row)
        self._renumber()
        return group

    def _renumber(self) -> None:
        for n, group in enumerate(self.instances, 1):
            group.box.setTitle(self.form.tr("Entry %1").replace("%1", str(n)))

    def _add_clicked(self) -> None:
        group = self._add()
        self.form._refresh_enabled()
        group.focus_target().setFocus()
        self.form._edited()

    def _remove(self, group: _Group) -> None:
        self.instances.remove(group)
        group.row.setParent(None)
        group.row.deleteLater()
        self._renumber()
        self.form._edited()

    def nodes(self) -> Iterator[_Node]:
        yield self
        for group in self.instances:
            yield from group.nodes()

    def to_items(self) -> list[dict]:
        return [ri for group in self.instances for ri in group.to_items()]

    def load(self, items: list[dict]) -> None:
        while len(self.instances) > len(items):
            group = self.instances.pop()
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


class OpinionFormWidget(QWidget):
    """A questionnaire as a form. `changed` fires on every edit by the user (not on
    `set_response`). Items whose enableWhen does not hold are hidden, their answers kept."""

    changed = Signal()
    loaded = Signal()  # set_response replaced the content

    def __init__(self, questionnaire: Questionnaire, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.questionnaire = questionnaire
        self.read_only = False
        self._loading = False
        self._header = {k: v for k, v in empty_response(questionnaire).items() if k != "item"}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll)
        body = QWidget()
        body.setObjectName("form-body")
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(12, 8, 12, 12)
        title = QLabel(questionnaire.title)
        title.setObjectName("form-title")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        self.body.addWidget(title)
        self.status = QLabel()
        self.status.setObjectName("form-status")
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        self.body.addWidget(self.status)
        self.top = [self._node(item) for item in questionnaire.data.get("item", [])]
        for node in self.top:
            self.body.addWidget(node.row)
        self.body.addStretch(1)
        self.scroll.setWidget(body)
        self._refresh_enabled()

    def _node(self, item: dict) -> _Node:
        if item["type"] == "group":
            return _GroupSet(self, item) if item.get("repeats") else _Group(self, item)
        if item["type"] == "display":
            return _Display(self, item)
        return _Question(self, item)

    def nodes(self) -> Iterator[_Node]:
        for node in self.top:
            yield from node.nodes()

    # state

    def response(self) -> dict:
        response = copy.deepcopy(self._header)
        response["item"] = [ri for node in self.top for ri in node.to_items()]
        return response

    def set_response(self, response: dict) -> None:
        self._loading = True
        try:
            self._header = {k: copy.deepcopy(v) for k, v in response.items() if k != "item"}
            items = response.get("item", []) or []
            for node in self.top:
                node.load([ri for ri in items if ri.get("linkId") == node.link_id])
            for node in self.nodes():
                node.set_read_only(self.read_only)
        finally:
            self._loading = False
        self._refresh_enabled()
        self.loaded.emit()

    def set_key_images(self, images: list[KeyImage]) -> None:
        for node in self.nodes():
            if isinstance(node, _Display) and node.key_images:
                node.show_key_images(list(images))

    def set_read_only(self, read_only: bool, reason: str = "") -> None:
        """Read-only (a signed draft): fields can be read and copied, not changed."""
        self.read_only = read_only
        for node in self.top:
            node.set_read_only(read_only)
        self.status.setText(reason or self.tr("Signed: this opinion can no longer be changed."))
        self.status.setVisible(read_only)

    def focus_item(self, link_id: str | None = None) -> bool:
        """Scroll to the first field of `link_id` and focus it; False when absent or hidden.
        With None: the first shown field that is not pre-filled read-only (for "focus form")."""
        if link_id is None:
            node = next((n for n in self.nodes() if isinstance(n, _Question) and not n.always_read_only
                         and not self._hidden(n)), None)
        else:
            node = next((n for n in self.nodes() if n.link_id == link_id), None)
        if node is None or self._hidden(node):
            return False
        target = node.focus_target()
        self.scroll.ensureWidgetVisible(node.row, 20, 40)
        self.scroll.ensureWidgetVisible(target, 20, 40)
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def is_shown(self, link_id: str) -> bool:
        """Whether the item is displayed (enableWhen holds), whether or not the form is on screen."""
        node = next((n for n in self.nodes() if n.link_id == link_id), None)
        return node is not None and not self._hidden(node)

    def _hidden(self, node: _Node) -> bool:
        widget = node.row
        while widget is not None and widget is not self:
            if widget.isHidden():
                return True
            widget = widget.parentWidget()
        return False

    def _edited(self, *_args) -> None:
        if self._loading:
            return
        self._refresh_enabled()
        self.changed.emit()

    def _refresh_enabled(self) -> None:
        conditional = [n for n in self.nodes() if n.item.get("enableWhen")]
        if not conditional:
            return
        response = self.response()
        for node in conditional:
            node.row.setHidden(not enabled(self.questionnaire, response, node.link_id))


class DraftAutosaver(QObject):
    """Saves the form's response at most `delay_ms` after any unsaved change (the timer starts
    at the first change and is not pushed back by later ones, so steady typing is still saved
    every `delay_ms`), and at once on `flush()` (case switch, close). `save` receives the
    response; route it to a worker if it is slow."""

    saved = Signal()

    def __init__(self, widget: OpinionFormWidget, save: Callable[[dict], None], delay_ms: int = 1500) -> None:
        super().__init__(widget)
        self.widget, self.save, self.delay_ms = widget, save, delay_ms
        self.dirty = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.flush)
        widget.changed.connect(self._changed)

    @property
    def pending(self) -> bool:
        return self.dirty

    def _changed(self) -> None:
        self.dirty = True
        if not self.timer.isActive():
            self.timer.start(self.delay_ms)

    def flush(self) -> bool:
        """Save now if anything changed since the last save; True when it saved."""
        self.timer.stop()
        if not self.dirty:
            return False
        self.dirty = False
        self.save(self.widget.response())
        self.saved.emit()
        return True

    def discard(self) -> None:
        """Forget pending changes (the draft was replaced, e.g. another case was loaded)."""
        self.timer.stop()
        self.dirty = False
