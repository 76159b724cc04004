"""The opinion form in its dock with its validation panel, and the autosave of its draft:
at most `AUTOSAVE_MS` after a change, on every case switch and on close. A form template
that cannot be loaded leaves a plain notes field that keeps the draft, so that no word is
ever lost. Above the form, beside Preview and Sign: the language the opinion letter is
written in (kept in the draft as its `language`, app/signoff/language.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QApplication, QComboBox, QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from app.core.formatting import format_date
from app.core.i18n import LANGUAGE_NAMES, LANGUAGES, _, interface_language, language_of, ngettext
from app.signoff.language import opinion_language
from app.ui.form_widget import DraftAutosaver, OpinionFormWidget
from app.ui.validation_widget import ValidationPanelWidget

AUTOSAVE_MS = 1000  # plus the write itself: a draft is on disk within 2 s of a keystroke
NOTES_LINK = "notes"


def notes_response(text: str) -> dict:
    """The draft of the plain notes field, as a QuestionnaireResponse."""
    return {"resourceType": "QuestionnaireResponse", "status": "in-progress",
            "item": [{"linkId": NOTES_LINK, "answer": [{"valueString": text}]}]}


def notes_text(response: dict | None) -> str:
    for item in (response or {}).get("item", []):
        if item.get("linkId") == NOTES_LINK:
            return "".join(a.get("valueString", "") for a in item.get("answer", []))
    return ""


class NotesFormWidget(QWidget):
    """Stands in for the opinion form: one text field, the same small interface."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = QLabel(_("The opinion form is not available here; your notes are kept as a draft."), self)
        self.notice.setWordWrap(True)
        self.edit = QPlainTextEdit(self)
        self.edit.setPlaceholderText(_("Opinion notes…"))
        self.edit.textChanged.connect(self.changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.edit, 1)

    def set_response(self, response: dict | None) -> None:
        self.edit.blockSignals(True)
        self.edit.setPlainText(notes_text(response))
        self.edit.blockSignals(False)

    def response(self) -> dict:
        return notes_response(self.edit.toPlainText())

    def focus_item(self, link_id: str | None = None) -> None:
        self.edit.setFocus()

    def set_read_only(self, read_only: bool, reason: str = "") -> None:
        self.edit.setReadOnly(read_only)


TEMPLATE = "second-opinion"


@dataclass
class FormSetup:
    """The form of one case, prepared off the GUI thread: its questionnaire (None: the
    template could not be loaded, see `error`) and the response to show."""

    questionnaire: object | None
    response: dict | None
    error: str | None = None


def prepare_form(record: dict, draft: dict | None, read=None) -> FormSetup:
    """Qt-free: the template bound to the case and the draft (or a new, pre-filled response;
    `read`: the codes of the documents opened, ticked as reviewed, app/opinion/prefill.py)."""
    from app.opinion.prefill import bind, new_response
    from app.opinion.profile import load_profile
    from app.opinion.questionnaire import load_template

    try:
        questionnaire = bind(load_template(TEMPLATE), record)
        if draft is not None and draft.get("resourceType") == "QuestionnaireResponse" and not _is_notes(draft):
            return FormSetup(questionnaire, draft)
        try:
            profile = load_profile()
        except Exception:  # noqa: BLE001 - no profile yet: the reviewer fields start empty
            profile = None
        return FormSetup(questionnaire, new_response(questionnaire, record, profile, read))
    except Exception as exc:  # noqa: BLE001 - a broken template: notes still keep the words
        return FormSetup(None, draft, str(exc) or type(exc).__name__)


def _is_notes(response: dict) -> bool:
    return [i.get("linkId") for i in response.get("item", [])] == [NOTES_LINK]


class FormDockWidget(QWidget):
    """Holds the form of the open case; `save(case_id, response)` runs the (background) write.
    Above the form: Preview and Sign, and once signed a banner with the signed opinions and
    "New addendum"; the requests go out as signals (app.ui.opinion_controller does the work)."""

    saved = Signal(str)  # case id
    previewRequested = Signal()
    signRequested = Signal()
    addendumRequested = Signal()
    openSignedRequested = Signal(int)  # opinion number
    defaultLanguageWanted = Signal(str)  # case id: its draft names no language (the controller finds the default)
    languageChanged = Signal(str)  # the letter's language (BCP 47), whether chosen or the default
    actionsChanged = Signal()  # what can be done changed (signed, busy, items missing): the menus follow

    def __init__(self, save: Callable[[str, dict], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._save = save
        self.case_id: str | None = None
        self.form = None
        self.validation = None
        self.autosaver = None
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b26a00;")
        self.message.hide()
        self.opinions: list = []
        self.locked = False
        self.busy = False
        self.preview_button = QPushButton(_("Preview"), self)
        self.preview_button.setToolTip(_("The letter as it will be signed, unsigned (Ctrl+Shift+P)"))
        self.preview_button.clicked.connect(self.previewRequested)
        self.sign_button = QPushButton(_("Sign…"), self)
        self.sign_button.setObjectName("sign-button")
        self.sign_button.setToolTip(_("Sign the opinion as PAdES (Ctrl+Shift+S)"))
        self.sign_button.clicked.connect(self.signRequested)
        self.language: str | None = None  # the letter's language (BCP 47); None: no case
        self.language_chosen = False  # by the reviewer (or the draft), not merely the default
        self.language_box = QComboBox(self)
        self.language_box.setObjectName("opinion-language")
        for code in LANGUAGES:
            self.language_box.addItem(LANGUAGE_NAMES[code], code)  # each language named in itself
        self.language_box.activated.connect(self._language_activated)
        self.language_label = QLabel(_("Opinion &language:"), self)
        self.language_label.setBuddy(self.language_box)
        actions = QHBoxLayout()
        actions.setContentsMargins(8, 6, 8, 2)
        actions.addWidget(self.preview_button)
        actions.addWidget(self.sign_button)
        actions.addStretch(1)
        # A row of its own: beside the buttons it would widen the dock on a small screen.
        language_row = QHBoxLayout()
        language_row.setContentsMargins(8, 0, 8, 2)
        language_row.addWidget(self.language_label)
        language_row.addWidget(self.language_box)
        language_row.addStretch(1)
        self.banner = QFrame(self)
        self.banner.setObjectName("signed-banner")
        self.banner.setStyleSheet("#signed-banner { background: #e6f4ea; border: 1px solid #9fd3ad; border-radius: 3px; }")
        self.banner_text = QLabel(self.banner)
        self.banner_text.setWordWrap(True)
        self.banner_text.setOpenExternalLinks(False)
        self.banner_text.linkActivated.connect(lambda link: self.openSignedRequested.emit(int(link)))
        self.addendum_button = QPushButton(_("New addendum"), self.banner)
        self.addendum_button.setToolTip(_("Change the opinion: the signed one stays as it is, the change "
                                                "is a new addendum to sign"))
        self.addendum_button.clicked.connect(self.addendumRequested)
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 6, 8, 6)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.addendum_button)
        self.banner.hide()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(actions)
        self._layout.addLayout(language_row)
        self._layout.addWidget(self.banner)
        self._layout.addWidget(self.message)

    def set_case(self, case_id: str, setup: FormSetup, draft_error: str | None = None,
                 opinions: list = (), draft_saved_at: datetime | None = None) -> None:
        """Show the form of `case_id`; `draft_saved_at`: the shown draft's last save (the form
        says it was restored from then)."""
        self._drop_form()
        self.case_id = case_id
        notices = []
        if setup.questionnaire is not None:
            self.form = OpinionFormWidget(setup.questionnaire, self)
            if setup.response is not None:
                self.form.set_response(setup.response)
            self.form.set_draft_saved(draft_saved_at)
            self.validation = ValidationPanelWidget(self.form, self)
        else:
            self.form = NotesFormWidget(self)
            self.form.set_response(setup.response)
            if setup.error:
                notices.append(_("The opinion form cannot be shown ({reason}).").format(reason=setup.error))
        self._layout.addWidget(self.form, 1)
        if self.validation is not None:
            self.validation.setMaximumHeight(180)
            self._layout.addWidget(self.validation)
            self.validation.missing_changed.connect(lambda _n: self._update_actions())
        self.autosaver = DraftAutosaver(self.form, lambda response, case_id=case_id: self._saved(case_id, response),
                                        AUTOSAVE_MS)
        if draft_error:
            notices.append(draft_error)  # already worded for the user by the draft store
        self.message.setText("\n".join(notices))
        self.message.setVisible(bool(notices))
        from app.signoff.signing import is_locked
        own = opinion_language(setup.response)
        self._set_language(own or interface_language(), chosen=bool(own))
        self.set_opinions(list(opinions), locked=bool(opinions) and is_locked(setup.response))
        if own is None and setup.questionnaire is not None:
            self.defaultLanguageWanted.emit(case_id)

    # -- the letter's language ------------------------------------------------------------------

    def _set_language(self, tag: str | None, chosen: bool, source: str = "") -> None:
        self.language, self.language_chosen = tag, chosen
        index = self.language_box.findData(language_of(tag) or interface_language())
        self.language_box.setCurrentIndex(max(index, 0))
        tip = _("The language the opinion letter is written in; cover letters follow each recipient's "
                "language.")
        if not chosen and source:
            tip += "\n" + source
        self.language_box.setToolTip(tip)
        if tag:
            self.languageChanged.emit(tag)

    def set_default_language(self, case_id: str, tag: str, source: str = "") -> None:
        """The default found for `case_id` (the treating physician's language, else the
        interface's); ignored when the reviewer chose one meanwhile or another case is shown.
        It is saved with the draft's next save."""
        if case_id != self.case_id or self.language_chosen or self.form is None:
            return
        self._set_language(tag, chosen=False, source=source)

    def _language_activated(self, index: int) -> None:
        code = self.language_box.itemData(index)
        if not code or self.form is None or self.locked:
            return
        if language_of(self.language) == code and self.language_chosen:
            return
        # Keep the region of a default such as "nl-BE" when its language is the one chosen.
        tag = self.language if language_of(self.language) == code and self.language else code
        self._set_language(tag, chosen=True)
        if hasattr(self.form, "changed"):
            self.form.changed.emit()  # the draft is saved with it, like an answer

    def response(self) -> dict:
        """The form's response with the letter's language: what is saved, previewed and signed."""
        response = self.form.response()
        if self.language and response.get("resourceType") == "QuestionnaireResponse" \
                and response.get("status") not in ("completed", "amended"):
            response["language"] = self.language
        return response

    def _drop_form(self) -> None:
        """The shown form is saved, then removed with its validation panel."""
        self.flush()
        for widget in (self.form, self.validation):
            if widget is not None:
                self._layout.removeWidget(widget)
                widget.deleteLater()
        self.form = self.validation = self.autosaver = None

    def clear(self) -> None:
        """No case: the form of the case left is saved, then removed (the worklist shows none)."""
        self._drop_form()
        self.case_id = None
        self.language, self.language_chosen = None, False
        self.message.hide()
        self.set_opinions([], locked=False)

    # -- signed state --------------------------------------------------------------------------

    def set_opinions(self, opinions: list, locked: bool) -> None:
        """The case's signed opinions; `locked`: the form shows the signed one, read-only."""
        self.opinions, self.locked = list(opinions), locked
        if hasattr(self.form, "set_read_only"):
            latest = self.opinions[-1] if self.opinions else None
            reason = ""
            if latest is not None:
                reason = _("Signed on {date} by {signer}: this text can no longer be changed.").format(
                    date=format_date(latest.signed_at[:10]), signer=latest.signer)
            self.form.set_read_only(locked, reason)
        lines = []
        for opinion in self.opinions:
            what = _("Addendum {n}").format(n=opinion.number) if opinion.number else _("Opinion")
            lines.append(_('<a href="{n}">{what}</a> signed on {date} by {signer}').format(
                n=opinion.number, what=what, date=format_date(opinion.signed_at[:10]), signer=opinion.signer))
        if self.opinions and not locked:
            lines.append(_("<i>Addendum {n} in progress: sign it when it is ready.</i>").format(
                n=len(self.opinions)))
        self.banner_text.setText("<br>".join(lines))
        self.banner.setVisible(bool(self.opinions))
        self.addendum_button.setVisible(locked)
        if self.validation is not None:
            self.validation.setVisible(not locked)  # nothing left to fill in a signed opinion
        self._update_actions()

    def set_busy(self, busy: bool) -> None:
        """While signing: nothing can be typed or clicked here."""
        self.busy = busy
        if self.form is not None:
            self.form.setEnabled(not busy)
        self._update_actions()

    @property
    def missing(self) -> list:
        return list(self.validation.missing) if self.validation is not None else []

    def _update_actions(self) -> None:
        has_form = self.validation is not None and not self.busy
        self.preview_button.setEnabled(has_form and not self.locked)  # the signed letter opens instead
        self.language_box.setEnabled(has_form and not self.locked)  # a signed letter keeps its language
        self.sign_button.setEnabled(has_form and not self.locked and not self.missing)
        if self.locked:
            self.sign_button.setToolTip(_("Signed. Start a new addendum to change the opinion."))
        elif self.missing:
            self.sign_button.setToolTip(ngettext("{n} required item is still empty (see below).",
                                                "{n} required items are still empty (see below).",
                                                len(self.missing)).format(n=len(self.missing)))
        else:
            self.sign_button.setToolTip(_("Sign the opinion as PAdES (Ctrl+Shift+S)"))
        self.actionsChanged.emit()

    def _saved(self, case_id: str, response: dict) -> None:
        if self.language and case_id == self.case_id and response.get("status") not in ("completed", "amended") \
                and not _is_notes(response):
            response = dict(response, language=self.language)
        self._save(case_id, response)
        self.saved.emit(case_id)

    @property
    def dirty(self) -> bool:
        return self.autosaver is not None and self.autosaver.dirty

    def flush(self) -> None:
        """Save the draft now if it changed since the last save."""
        if self.autosaver is not None:
            self.autosaver.flush()

    def response_if_dirty(self) -> tuple[str, dict] | None:
        """(case id, response) when there are unsaved changes; they count as saved after this."""
        if not self.dirty:
            return None
        self.autosaver.timer.stop()
        self.autosaver.dirty = False
        return self.case_id, self.response()

    def set_key_images(self, images: list) -> None:
        if self.form is not None and hasattr(self.form, "set_key_images"):
            self.form.set_key_images(images)

    def focus_form(self) -> None:
        """The cursor into the first field that takes it."""
        if self.form is None:
            return
        if hasattr(self.form, "nodes"):
            # The first field one types in: not a pre-filled fact such as the patient.
            if self.form.focus_item(None) and QApplication.focusWidget() is not None \
                    and self.form.isAncestorOf(QApplication.focusWidget()):
                return
            for node in self.form.nodes():
                if getattr(node, "link_id", None) and self.form.focus_item(node.link_id) \
                        and QApplication.focusWidget() is not None and self.form.isAncestorOf(QApplication.focusWidget()):
                    return
            return
        self.form.focus_item(None)
