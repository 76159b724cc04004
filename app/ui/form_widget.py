"""The opinion form: a FHIR Questionnaire rendered as a scrollable form whose state is a
QuestionnaireResponse (app.opinion.questionnaire), and the draft autosaver.

    form = OpinionFormWidget(bind(load_template("second-opinion"), record))
    form.set_response(drafts.load(case_id) or new_response(form.questionnaire, record, profile))
    saver = DraftAutosaver(form, lambda r: runner.run(...save r...))

The form shows the interface language: it is built from `localized(questionnaire,
interface_language())`, which is its `questionnaire` (the texts shown, e.g. in the validation
panel), while the response it gives keeps the codes and English texts of the template
(app.opinion.questionnaire), whatever language it was filled in.

The widget only edits; saving, signing and the choice of template are the window's. It is
made for the keyboard: Tab goes from field to field in reading order (`order_tabs`), the
focused field is scrolled into view with a visible frame (`FOCUS_STYLE`), and repeated lines and
entries are added and removed with keys (app/ui/form_repeat.py). The item widgets are in
app/ui/form_items.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import copy
from datetime import datetime, timezone

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.core.i18n import _, interface_language
from app.core.key_images import KeyImage
from app.core.locale_format import format_date
from app.opinion.form_languages import localized
from app.opinion.questionnaire import Questionnaire, empty_response, enabled
from app.ui.form_items import Display, Node, Question
from app.ui.form_repeat import Group, GroupSet, RowKeys

#: Every kind of field shows where the cursor is: a blue frame (checkboxes: a tinted box).
FOCUS_STYLE = """
#form-body QLineEdit, #form-body QPlainTextEdit, #form-body QComboBox, #form-body QDateEdit,
#form-body QSpinBox, #form-body QDoubleSpinBox { border: 1px solid #9aa0a6; border-radius: 3px; padding: 2px;
  background: palette(base); }
#form-body QLineEdit:focus, #form-body QPlainTextEdit:focus, #form-body QComboBox:focus,
#form-body QDateEdit:focus, #form-body QSpinBox:focus, #form-body QDoubleSpinBox:focus {
  border: 2px solid #1a73e8; padding: 1px; }
#form-body QCheckBox { border: 2px solid transparent; border-radius: 3px; padding: 1px; }
#form-body QCheckBox:focus { border: 2px solid #1a73e8; background: #e8f0fe; }
#form-body *[fact="true"] { border: none; background: transparent; }
"""
FOCUS_MARGIN = 24  # pixels kept around the focused field when the form scrolls to it


class OpinionFormWidget(QWidget):
    """A questionnaire as a form. `changed` fires on every edit by the user (not on
    `set_response`). Items whose enableWhen does not hold are hidden, their answers kept."""

    changed = Signal()
    loaded = Signal()  # set_response replaced the content

    def __init__(self, questionnaire: Questionnaire, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: What the form shows: the template in the interface language (`.original`: as written).
        self.questionnaire = localized(questionnaire, interface_language())
        questionnaire = self.questionnaire
        self.read_only = False
        self._loading = False
        self._header = {k: v for k, v in empty_response(questionnaire.original).items() if k != "item"}
        self.keys = RowKeys(self)
        self.top: list[Node] = []
        self.draft_note = ""
        self.read_only_reason = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab stops at fields only
        outer.addWidget(self.scroll)
        body = QWidget()
        body.setObjectName("form-body")
        body.setStyleSheet(FOCUS_STYLE)
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
        self.order_tabs()
        self._refresh_enabled()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _node(self, item: dict) -> Node:
        if item["type"] == "group":
            return GroupSet(self, item) if item.get("repeats") else Group(self, item)
        if item["type"] == "display":
            return Display(self, item)
        return Question(self, item)

    def nodes(self) -> Iterator[Node]:
        for node in self.top:
            yield from node.nodes()

    # keyboard

    def fields(self) -> list[QWidget]:
        """The widgets Tab stops at, in reading order (hidden ones are passed over by Qt)."""
        return [w for n in self.nodes() if isinstance(n, Question) and not n.always_read_only for w in n.fields()]

    def order_tabs(self) -> None:
        """Tab follows the reading order, also through lines and entries added later (which
        Qt would otherwise put at the end of the chain)."""
        fields = self.fields()
        for first, second in zip(fields, fields[1:]):
            QWidget.setTabOrder(first, second)

    def place_of(self, widget: QObject) -> tuple[Question, QWidget, GroupSet | None, Group | None] | None:
        """(question, its editor, the repeating group and its entry) that hold `widget`."""
        def holds(editor: QWidget) -> bool:
            return editor is widget or (isinstance(widget, QWidget) and editor.isAncestorOf(widget))

        def search(nodes, entries: GroupSet | None, entry: Group | None):
            for node in nodes:
                if isinstance(node, GroupSet):
                    for group in node.instances:
                        found = search(group.children, node, group)
                        if found:
                            return found
                elif isinstance(node, Group):
                    found = search(node.children, entries, entry)
                    if found:
                        return found
                elif isinstance(node, Question):
                    editor = next((e for e in node.editors if holds(e)), None)
                    if editor is not None:
                        return node, editor, entries, entry
            return None
        return search(self.top, None, None)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The focused field is always on screen: the form scrolls to it, whatever moved the focus;
        once more after the layout's next turn, for a line or entry that was just added."""
        if new is not None and self.scroll.widget() is not None and self.scroll.widget().isAncestorOf(new):
            self.scroll.ensureWidgetVisible(new, FOCUS_MARGIN, FOCUS_MARGIN)
            QTimer.singleShot(0, self, self._show_focused)

    def _show_focused(self) -> None:
        focused = QApplication.focusWidget()
        if focused is not None and self.scroll.widget() is not None and self.scroll.widget().isAncestorOf(focused):
            self.scroll.widget().layout().activate()
            self.scroll.ensureWidgetVisible(focused, FOCUS_MARGIN, FOCUS_MARGIN)

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
            if isinstance(node, Display) and node.key_images:
                node.show_key_images(list(images))

    def set_read_only(self, read_only: bool, reason: str = "") -> None:
        """Read-only (a signed draft): fields can be read and copied, not changed."""
        self.read_only = read_only
        for node in self.top:
            node.set_read_only(read_only)
        self.read_only_reason = reason or _("Signed: this opinion can no longer be changed.")
        self._show_status()

    def set_draft_saved(self, saved_at: datetime | None, today: datetime | None = None) -> None:
        """Say in the status line that the form shows a draft restored from `saved_at` (an aware
        time, shown in its own zone: the local one from app/store/drafts.py; the date too when
        not today); None: a new form, nothing to say."""
        if saved_at is None:
            self.draft_note = ""
        else:
            today = (today or datetime.now(timezone.utc)).astimezone(saved_at.tzinfo)
            time = saved_at.strftime("%H:%M")
            if saved_at.date() != today.date():
                self.draft_note = _("Draft restored from {date} {time}.").format(
                    date=format_date(saved_at.date()), time=time)
            else:
                self.draft_note = _("Draft restored from {time}.").format(time=time)
        self._show_status()

    def _show_status(self) -> None:
        text = self.read_only_reason if self.read_only else self.draft_note
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def focus_item(self, link_id: str | None = None) -> bool:
        """Scroll to the first field of `link_id` and focus it; False when absent or hidden.
        With None: the first shown field that is not pre-filled read-only (for "focus form")."""
        if link_id is None:
            node = next((n for n in self.nodes() if isinstance(n, Question) and not n.always_read_only
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

    def _hidden(self, node: Node) -> bool:
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
