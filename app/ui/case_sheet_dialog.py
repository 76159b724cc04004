"""Case ▸ Case sheet…: what a case says about its patient, its referral, the patient's consent
and its documents, completed or corrected by the secretary or the reviewer (a plain-CD case
has none of it until then). The values come from app.dossier.case_sheet.sheet_view; Save
hands the changed fields to the window (app/ui/case_sheet_controller.py), which runs
update_case and reclassify off the GUI thread and shows their refusal here, in words.

A field that came from the signed package is shown read-only, marked "from the package": the
sender signed it, and the case keeps what the sender said (a wrong value is corrected by the
sender). The consent stays editable: the patient's decision may change, and each change is
recorded with its date and by whom."""

from __future__ import annotations

from pathlib import Path
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QMenu, QPlainTextEdit, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

from app.ui.add_documents_dialog import is_document
from app.ui.case_documents_table import CaseDocumentsTable
from app.ui.date_field import DateLineEdit, date_placeholder, shown_date
from app.core.i18n import _
from app.core.locale_format import locale_for
from app.dossier.national_number import number_label

SEXES = ("", "F", "M", "O", "U")
PERSON_ROLES = ("referring_physician", "treating_physician", "general_practitioner")
CONSENT_ROLES = ("patient", "treating_physician", "referring_physician", "general_practitioner")
PERSON_FIELDS = ("name", "organisation", "email")


def national_number_label(value: str | None = None) -> str:
    """The national number's label as its reader names it (app.dossier.national_number): the
    Belgian rijksregisternummer / numéro de registre national or the Dutch BSN, by the number
    entered (11 or 9 digits), else by the region of the interface's locale; a generic name
    elsewhere."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11:
        country: str | None = "BE"
    elif len(digits) in (8, 9):
        country = "NL"
    else:
        territory = locale_for().territory
        country = territory if territory in ("BE", "NL") else None
    # TRANSLATORS: a form label made of a field's name; French puts a no-break space before the colon.
    return _("{field}:").format(field=number_label(country))


def _get(view: dict, path: str):
    value = view
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(str(v) for v in value)
    return str(value)


class CaseSheetDialog(QDialog):
    """`CaseSheetDialog(view, documents, reviewer="", contacts=())`: `view` is what
    sheet_view(record) returns, `documents` the record's documents, `contacts` the address
    book's. `saveRequested(changes, kinds)` on Save, with only the fields changed;
    `addDocumentsRequested(paths)` for Add documents… (empty: choose files) and dropped files."""

    saveRequested = Signal(dict, dict)
    addDocumentsRequested = Signal(list)

    def __init__(self, view: dict, documents: list[dict], reviewer: str = "", contacts: list = (),
                 message: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Case sheet"))
        self.setAcceptDrops(True)
        self.view, self.contacts = view, list(contacts)
        self.fields: dict[str, QWidget] = {}  # dotted path -> its widget, in reading order
        self._initial: dict[str, object] = {}
        self._extra: dict[str, dict] = {}  # role -> address-book fields the sheet does not show
        self.message = QLabel(self)
        self.message.setObjectName("case-sheet-message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet("#case-sheet-message { color: #8a1c1c; background: #fdecea; "
                                   "border: 1px solid #f5c2c0; border-radius: 3px; padding: 6px; }")
        self.show_message(message)

        page = QWidget(self)
        columns = QHBoxLayout(page)
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        left.addWidget(self._patient_box(page))
        left.addWidget(self._referral_box(page))
        left.addStretch(1)
        right.addWidget(self._consent_box(page, reviewer))
        right.addWidget(self._documents_box(page, documents), 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self._chain()
        self.resize(1180, 760)

    # -- sections ------------------------------------------------------------------------------

    def _note(self, path: str) -> str:
        source = (self.view.get("sources") or {}).get(path)
        if source == "package":
            return _("from the package")
        if source == "images":
            return _("from the images")
        return ""

    def _add(self, form: QFormLayout, label: str, path: str, widget: QWidget, locked_by_package: bool = True) -> None:
        """One row: `widget` for `path`, with its note ("from the package")."""
        note = self._bind(path, widget, label.rstrip(" :\u00a0"), locked_by_package)
        if note:
            row = QHBoxLayout()
            row.addWidget(widget, 1)
            hint = QLabel(note)
            hint.setStyleSheet("color: #5f6368; font-style: italic;")
            row.addWidget(hint)
            form.addRow(label, row)
        else:
            form.addRow(label, widget)

    def _bind(self, path: str, widget: QWidget, name: str, locked_by_package: bool = True) -> str:
        """`widget` shows the value of `path`, read-only when the package said it; its note."""
        value = _get(self.view, path)
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value or "")))
            self._initial[path] = widget.currentData()
        elif isinstance(widget, DateLineEdit):
            widget.setText(shown_date(value))
            self._initial[path] = widget.iso()
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(_text(value))
            self._initial[path] = widget.toPlainText()
        else:
            widget.setText(_text(value))
            self._initial[path] = widget.text()
        note = self._note(path)
        if (self.view.get("sources") or {}).get(path) == "images":
            self._initial[path] = None  # what the images say becomes the case's once saved
        if note == _("from the package") and locked_by_package:
            if isinstance(widget, QComboBox):
                widget.setEnabled(False)
            else:
                widget.setReadOnly(True)
        widget.setAccessibleName(name)
        if note:
            widget.setToolTip(note)
        self.fields[path] = widget
        return note

    def _patient_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox(_("Patient"), parent)
        form = QFormLayout(box)
        self._add(form, _("Family name:"), "patient.family_name", QLineEdit(box))
        self._add(form, _("Given names:"), "patient.given_names", QLineEdit(box))
        self._add(form, _("Birth date:"), "patient.birth_date", DateLineEdit(None, box))
        sex = QComboBox(box)
        for code, text in zip(SEXES, ("", _("Female"), _("Male"), _("Other"), _("Unknown"))):
            sex.addItem(text, code)
        self._add(form, _("Sex:"), "patient.sex", sex)
        national = QLineEdit(box)
        national.setPlaceholderText(_("Belgian national register number or Dutch BSN"))
        self._add(form, national_number_label(_get(self.view, "patient.national_number")),
                  "patient.national_number", national)
        self._add(form, _("Address:"), "patient.address_lines", self._text_box(box, 54))
        return box

    def _referral_box(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox(_("Referral"), parent)
        form = QFormLayout(box)
        self._add(form, _("Question:"), "referral.question", self._text_box(box, 70))
        self._add(form, _("Reason:"), "referral.reason", QLineEdit(box))
        self._add(form, _("Referral date:"), "referral.referral_date", DateLineEdit(None, box))
        titles = {"referring_physician": _("Referring physician"),
                  "treating_physician": _("Treating physician"),
                  "general_practitioner": _("General practitioner")}
        self.pick_buttons: dict[str, QPushButton] = {}
        for role in PERSON_ROLES:
            row = QHBoxLayout()
            notes = set()
            for name, label in zip(PERSON_FIELDS, (_("Name"), _("Organisation"), _("E-mail"))):
                edit = QLineEdit(box)
                edit.setPlaceholderText(label)
                # Long labels in another language must widen the sheet, never squeeze a field.
                edit.setMinimumWidth((12 if name == "name" else 8) * edit.fontMetrics().averageCharWidth())
                notes.add(self._bind(f"referral.{role}.{name}", edit,
                                     _("{role}: {field}").format(role=titles[role], field=label)))
                row.addWidget(edit, 3 if name == "name" else 2)
            pick = QPushButton(_("Address book…"), box)
            pick.setToolTip(_("Fill in this person from the address book"))
            pick.setAccessibleName(_("{role} from the address book").format(role=titles[role]))
            pick.setEnabled(bool(self.contacts))
            pick.clicked.connect(lambda _c=False, r=role, b=pick: self._pick_contact(r, b))
            self.pick_buttons[role] = pick
            row.addWidget(pick)
            # TRANSLATORS: a form label; French puts a space before the colon.
            heading = _("{role}:").format(role=titles[role])
            if _("from the package") in notes:
                heading = _("{role} (from the package):").format(role=titles[role])
            form.addRow(heading, row)
        return box

    def _consent_box(self, parent: QWidget, reviewer: str) -> QGroupBox:
        box = QGroupBox(_("Consent: who may receive the opinion"), parent)
        form = QFormLayout(box)
        labels = {"patient": _("The patient"), "treating_physician": _("The treating physician"),
                  "referring_physician": _("The referring physician"),
                  "general_practitioner": _("The general practitioner")}
        roles = _get(self.view, "consent.roles") or []
        self.consent_boxes: dict[str, QCheckBox] = {}
        for role in CONSENT_ROLES:
            check = QCheckBox(labels[role], box)
            check.setChecked(role in roles)
            self.consent_boxes[role] = check
            form.addRow(check)
        note = self._note("consent")
        if note:
            form.addRow(QLabel(_("As the package says; a change is recorded as the patient's new decision."),
                               box))
        self._initial["consent.roles"] = sorted(roles)
        self._add(form, _("Date of the patient's decision:"), "consent.decided_on", DateLineEdit(None, box),
                  locked_by_package=False)
        recorded_by = QLineEdit(box)
        self._add(form, _("Recorded by:"), "consent.recorded_by", recorded_by, locked_by_package=False)
        if not recorded_by.text():
            recorded_by.setText(reviewer)
        self._initial["consent.recorded_by"] = recorded_by.text()
        return box

    def _documents_box(self, parent: QWidget, documents: list[dict]) -> QGroupBox:
        box = QGroupBox(_("Documents"), parent)
        layout = QVBoxLayout(box)
        self.documents = CaseDocumentsTable(box)
        self.documents.set_documents(documents)
        self.add_button = QPushButton(_("Add documents…"), box)
        self.add_button.clicked.connect(lambda: self.addDocumentsRequested.emit([]))
        hint = QLabel(_("Drop PDF, image or text files here to add them to the case."), box)
        hint.setStyleSheet("color: #5f6368;")
        hint.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(hint, 1)
        layout.addWidget(self.documents, 1)
        layout.addLayout(row)
        return box

    @staticmethod
    def _text_box(parent: QWidget, height: int) -> QPlainTextEdit:
        edit = QPlainTextEdit(parent)
        edit.setTabChangesFocus(True)  # Tab leaves the field: the keyboard walks the sheet
        edit.setFixedHeight(height)
        return edit

    def _chain(self) -> None:
        """Tab order = reading order: patient, referral, consent, documents, Save."""
        chain: list[QWidget] = []
        for path, widget in self.fields.items():
            if path == "referral.referring_physician.name":
                break
            if not path.startswith("consent."):
                chain.append(widget)
        for role in PERSON_ROLES:
            chain.extend(self.fields[f"referral.{role}.{name}"] for name in PERSON_FIELDS)
            chain.append(self.pick_buttons[role])
        chain.extend(self.consent_boxes.values())
        chain += [self.fields["consent.decided_on"], self.fields["consent.recorded_by"]]
        chain += self.documents.combos + [self.add_button, self.save_button,
                                          self.buttons.button(QDialogButtonBox.StandardButton.Cancel)]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        self.focus_chain = chain

    # -- reading the form ----------------------------------------------------------------------

    def _value(self, path: str):
        widget = self.fields[path]
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, DateLineEdit):
            return widget.iso()
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        return widget.text().strip()

    def consent_roles(self) -> list[str]:
        return [role for role, check in self.consent_boxes.items() if check.isChecked()]

    def changes(self) -> dict:
        """The fields changed, in the shapes update_case takes: {"patient": {...},
        "referral": {..., role: {...}}, "consent": {...}}. Raises ValueError (its text is the
        sentence to show) when a date is not a real date."""
        for widget in self.fields.values():
            if isinstance(widget, DateLineEdit) and not widget.valid():
                widget.setFocus()
                raise ValueError(_("{field} is not a real date; write it as {pattern}.").format(
                    field=widget.accessibleName(), pattern=date_placeholder()))
        changes: dict = {}
        for path in self.fields:
            if path.startswith("consent.") or (self._value(path) or "") == (self._initial[path] or ""):
                continue
            if isinstance(self.fields[path], (QLineEdit, QPlainTextEdit)) and self.fields[path].isReadOnly():
                continue
            section, *rest = path.split(".")
            target = changes.setdefault(section, {})
            for part in rest[:-1]:
                target = target.setdefault(part, {})
            value = self._value(path)
            if path == "patient.address_lines":
                value = [line.strip() for line in str(value).splitlines() if line.strip()]
            target[rest[-1]] = value if value != "" else None
        for role, extra in self._extra.items():
            person = changes.setdefault("referral", {}).setdefault(role, {})
            person.update({k: v for k, v in extra.items() if v})
        consent_changed = (sorted(self.consent_roles()) != self._initial["consent.roles"]
                           or self._value("consent.decided_on") != self._initial["consent.decided_on"])
        if consent_changed:
            changes["consent"] = {"roles": self.consent_roles(), "decided_on": self._value("consent.decided_on"),
                                  "recorded_by": self._value("consent.recorded_by") or None}
        return changes

    # -- actions -------------------------------------------------------------------------------

    def save(self) -> None:
        try:
            changes = self.changes()
        except ValueError as exc:
            self.show_message(str(exc))
            return
        kinds = self.documents.kind_changes()
        if not changes and not kinds:
            self.accept()
            return
        self.saveRequested.emit(changes, kinds)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.add_button.setEnabled(not busy)

    def add_documents(self, documents: list[dict]) -> None:
        """Documents just added to the case: new rows; the tab order follows them."""
        self.documents.append_documents(documents)
        self._chain()

    def _pick_contact(self, role: str, button: QPushButton) -> None:
        menu = QMenu(self)
        for contact in self.contacts:
            text = contact.name + (f" — {contact.organisation}" if contact.organisation else "")
            menu.addAction(text, lambda c=contact: self.use_contact(role, c))
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        self._menu = menu

    def use_contact(self, role: str, contact) -> None:
        """Fill the person of `role` from an address-book contact (its address and registration
        go with it, unseen)."""
        for name, value in (("name", contact.name), ("organisation", contact.organisation)):
            widget = self.fields[f"referral.{role}.{name}"]
            if not widget.isReadOnly():
                widget.setText(value)
        self._extra[role] = {"address_lines": [line.strip() for line in contact.address.replace(", ", "\n").splitlines()
                                               if line.strip()]}

    # -- drops -------------------------------------------------------------------------------

    @staticmethod
    def _dropped(event) -> list[Path]:
        if not event.mimeData().hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in event.mimeData().urls()
                if u.isLocalFile() and is_document(Path(u.toLocalFile()))]

    def dragEnterEvent(self, event) -> None:
        if self._dropped(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = self._dropped(event)
        if paths:
            event.acceptProposedAction()
            self.addDocumentsRequested.emit(paths)

