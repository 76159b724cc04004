"""The item widgets of the opinion form (app/ui/form_widget.py): a question with its editor
(and, for a repeating question, its lines), a display text and the key images. Each field's
keys (Ctrl+Enter, Ctrl+Backspace) are handled by app/ui/form_repeat.py."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractSpinBox, QCheckBox, QComboBox, QDateEdit, QDoubleSpinBox, QHBoxLayout, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.core.key_images import KeyImage
from app.core.locale_format import locale_for, short_date_pattern
from app.opinion.questionnaire import from_answer, prefill_source, to_answer
from app.core.i18n import _


#: The OpinionFormWidget (app/ui/form_widget.py) that holds the items; named so to keep the
#: modules free of an import cycle.
FormHost = QWidget
EMPTY_DATE = QDate(1900, 1, 1)
EMPTY_NUMBER = -999_999_999


class Node:
    """One item of the questionnaire on screen (a question, a display or a group instance).
    `item` is as shown (in the interface language), `stored` as the template writes it: what
    goes into the response (its text, its options' codes and English displays)."""

    def __init__(self, form: FormHost, item: dict) -> None:
        self.form, self.item, self.link_id = form, item, item["linkId"]
        template = getattr(form, "questionnaire", None)
        self.stored: dict = template.original.items.get(self.link_id, item) if template is not None else item
        self.row = QWidget()
        self.row.setObjectName(f"item-{self.link_id}")

    def to_items(self) -> list[dict]:
        return []

    def load(self, items: list[dict]) -> None:
        pass

    def nodes(self) -> Iterator[Node]:
        yield self

    def focus_target(self) -> QWidget:
        return self.row

    def set_read_only(self, read_only: bool) -> None:
        pass


def item_label(item: dict) -> QLabel:
    text = item.get("text") or item["linkId"]
    label = QLabel(f"{text} <span style='color:#b00020'>*</span>" if item.get("required") else text)
    label.setTextFormat(Qt.TextFormat.RichText if item.get("required") else Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class CheckList(QWidget):
    """A checklist with word-wrapped labels (long document titles stay readable)."""

    toggled = Signal()

    def __init__(self, options: list[dict], values: list) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.values, self.boxes = values, []
        for n, option in enumerate(options):
            text = option_label(option)
            line = QHBoxLayout()
            box = QCheckBox()
            box.setObjectName(f"option-{n}")
            box.setAccessibleName(text)
            label = QLabel(text)
            label.setWordWrap(True)
            label.mousePressEvent = lambda _event, b=box: b.isEnabled() and b.toggle()
            line.addWidget(box, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(label, 1)
            layout.addLayout(line)
            box.toggled.connect(self.toggled)
            self.boxes.append(box)


def date_pattern() -> str:
    """The current language's numeric date as a Qt display format ('dd/MM/yyyy' in Belgium,
    'dd-MM-yyyy' in the Netherlands): the pattern of locale_format's short dates."""
    return short_date_pattern()


def field_locale() -> QLocale:
    """Qt's locale for the current language and region: a decimal comma in nl and fr."""
    return QLocale(str(locale_for()))


def option_label(option: dict) -> str:
    """How an answer option reads on screen: its display (or code), or its string."""
    value = from_answer(option)
    return str(value.get("display") or value.get("code") or "") if isinstance(value, dict) else str(value)


class Question(Node):
    def __init__(self, form: FormHost, item: dict) -> None:
        super().__init__(form, item)
        self.kind = item["type"]
        layout = QVBoxLayout(self.row)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(3)
        if self.kind != "boolean":
            layout.addWidget(item_label(item))
        self.options = item.get("answerOption", []) or []
        stored = self.stored.get("answerOption", []) or []
        #: The value each option stores (the template's, not the translated one shown).
        self.values = [from_answer(o) for o in (stored if len(stored) == len(self.options) else self.options)]
        self.editors: list[QWidget] = []
        self.lines = QVBoxLayout()
        self.lines.setSpacing(3)
        layout.addLayout(self.lines)
        self.add_button = None
        if self.multi_line_repeats:
            self.add_button = QPushButton(_("Add"))
            self.add_button.setObjectName(f"add-{self.link_id}")
            self.add_button.setToolTip(_("Add a line (Ctrl+Enter in a line)"))
            self.add_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field
            self.add_button.clicked.connect(lambda: (self.add_line().setFocus(), form._edited()))
            layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.always_read_only = bool(item.get("readOnly"))
        self.add_line()
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
            editor = CheckList(self.options, self.values)
            editor.toggled.connect(form._edited)
        elif kind == "choice":
            editor = QComboBox()
            editor.addItem("", None)
            for option, value in zip(self.options, self.values):
                editor.addItem(option_label(option), value)
            if self.item.get("answerConstraint") == "optionsOrString":
                editor.setEditable(True)
                editor.editTextChanged.connect(form._edited)
            editor.currentIndexChanged.connect(form._edited)
        elif kind == "date":
            editor = QDateEdit()
            editor.setCalendarPopup(True)
            editor.setDisplayFormat(date_pattern())
            editor.setMinimumDate(EMPTY_DATE)
            editor.setSpecialValueText("—")
            editor.setDate(EMPTY_DATE)
            editor.dateChanged.connect(form._edited)
        elif kind == "integer":
            editor = QSpinBox()
            editor.setRange(EMPTY_NUMBER, 999_999_999)
            editor.setSpecialValueText("—")
            editor.setValue(EMPTY_NUMBER)
            editor.valueChanged.connect(form._edited)
        else:  # decimal
            editor = QDoubleSpinBox()
            editor.setDecimals(2)
            editor.setRange(EMPTY_NUMBER, 999_999_999)
            editor.setSpecialValueText("—")
            editor.setValue(EMPTY_NUMBER)
            editor.valueChanged.connect(form._edited)
        if isinstance(editor, (QAbstractSpinBox, QDateEdit)):
            editor.setLocale(field_locale())  # typed and shown as the reader writes: 9,8
        editor.setObjectName(f"field-{self.link_id}")
        return editor

    def add_line(self, after: QWidget | None = None) -> QWidget:
        """A new editor (for a repeating question: a new line, after `after` or last)."""
        editor = self._make_editor()
        line = QWidget()
        box = QHBoxLayout(line)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(editor, 1)
        if self.multi_line_repeats:
            remove = QPushButton("✕")
            remove.setToolTip(_("Remove this line (Ctrl+Backspace in an empty line)"))
            remove.setFixedWidth(28)
            remove.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            remove.clicked.connect(lambda: self.remove_line(editor))
            box.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)
            remove.setVisible(not self.form.read_only)
        if self.always_read_only:  # pre-filled facts (the patient): shown as text, not as a field
            editor.setProperty("fact", True)
            editor.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # selectable, not in the way of Tab
            if isinstance(editor, QLineEdit):
                editor.setFrame(False)
        position = self.editors.index(after) + 1 if after in self.editors else len(self.editors)
        self.lines.insertWidget(position, line)
        line.show()  # now, not at the layout's next turn: the new line takes the focus at once
        self.editors.insert(position, editor)
        self.form.keys.watch(editor)
        self.form.order_tabs()
        return editor

    def remove_line(self, editor: QWidget) -> None:
        """Remove a line of a repeating question (the last one left is emptied instead)."""
        if len(self.editors) == 1:
            self._set_value(editor, None)
        else:
            line = editor.parentWidget()
            self.editors.remove(editor)
            line.hide()
            line.setParent(None)
            line.deleteLater()
            self.form.order_tabs()
        self.form._edited()

    def is_empty(self, editor: QWidget) -> bool:
        return not self._values(editor) or (isinstance(editor, QCheckBox) and not editor.isChecked())

    def fields(self) -> list[QWidget]:
        """The widgets Tab stops at, in reading order."""
        return [w for e in self.editors for w in (e.boxes if isinstance(e, CheckList) else [e])]

    # values

    def _values(self, editor: QWidget) -> list:
        if isinstance(editor, QLineEdit):
            return [editor.text()] if editor.text().strip() else []
        if isinstance(editor, QPlainTextEdit):
            text = editor.toPlainText()
            return [text] if text.strip() else []
        if isinstance(editor, QCheckBox):
            return [editor.isChecked()]
        if isinstance(editor, CheckList):
            return [v for v, b in zip(editor.values, editor.boxes) if b.isChecked()]
        if isinstance(editor, QComboBox):
            data = editor.currentData()
            if editor.isEditable() and editor.currentText().strip() and editor.currentText() != editor.itemText(
                    editor.currentIndex()):
                return [editor.currentText()]
            if data is None:
                return [editor.currentText()] if editor.isEditable() and editor.currentText().strip() else []
            return [data]
        if isinstance(editor, QDateEdit):
            return [] if editor.date() == EMPTY_DATE else [editor.date().toString("yyyy-MM-dd")]
        if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            return [] if editor.value() == EMPTY_NUMBER else [editor.value()]
        return []

    def _set_value(self, editor: QWidget, value) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText("" if value is None else str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, CheckList):
            chosen = value or []
            for option_value, box in zip(editor.values, editor.boxes):
                box.setChecked(any(same_answer(option_value, v) for v in chosen))
        elif isinstance(editor, QComboBox):
            index = next((i for i in range(1, editor.count()) if value is not None
                          and same_answer(editor.itemData(i), value)), 0)
            editor.setCurrentIndex(index)
            if index == 0 and editor.isEditable():
                editor.setEditText("" if value is None else str(value))
        elif isinstance(editor, QDateEdit):
            picked = QDate.fromString(str(value)[:10], "yyyy-MM-dd") if value else EMPTY_DATE
            editor.setDate(picked if picked.isValid() else EMPTY_DATE)
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            editor.setValue(EMPTY_NUMBER if value is None else type(editor.value())(value))

    def to_items(self) -> list[dict]:
        values = [v for editor in self.editors for v in self._values(editor)]
        node = {"linkId": self.link_id}
        if self.stored.get("text"):
            node["text"] = self.stored["text"]
        if values:
            node["answer"] = [to_answer(self.item, v) for v in values]
        return [node]

    def load(self, items: list[dict]) -> None:
        values = [from_answer(a) for ri in items[:1] for a in ri.get("answer", []) or []]
        if isinstance(self.editors[0], CheckList):
            self._set_value(self.editors[0], values)
            return
        wanted = max(1, len(values)) if self.multi_line_repeats else 1
        while len(self.editors) > wanted:
            editor = self.editors.pop()
            line = self.lines.takeAt(self.lines.count() - 1).widget()
            line.hide()
            line.deleteLater()
        while len(self.editors) < wanted:
            self.add_line()
        for n, editor in enumerate(self.editors):
            self._set_value(editor, values[n] if n < len(values) else None)

    def focus_target(self) -> QWidget:
        editor = self.editors[0]
        return editor.boxes[0] if isinstance(editor, CheckList) and editor.boxes else editor

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


def same_answer(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.get("code") == b.get("code") and (not a.get("system") or not b.get("system")
                                                   or a["system"] == b["system"])
    return a == b


class Display(Node):
    def __init__(self, form: FormHost, item: dict) -> None:
        super().__init__(form, item)
        layout = QVBoxLayout(self.row)
        layout.setContentsMargins(0, 4, 0, 4)
        self.key_images = prefill_source(item) == "key_images"
        if self.key_images:
            layout.addWidget(item_label(item))
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
            empty = QLabel(_("No key images yet: add them from the image viewer."))
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
            text = image.caption or _("(no caption)")
            if image.measurements:
                text += f"\n{image.measurements}"
            caption = QLabel(text)
            caption.setObjectName("key-image-caption")
            caption.setWordWrap(True)
            box.addWidget(thumb)
            box.addWidget(caption, 1)
            self.images.addWidget(line)
