"""The outgoing dialog's choices for the selected recipient: the form they get (a Second-O
package, a protected PDF, a .p7m for their certificate, a CD for their PACS, paper), and the
controls that form takes (encryption and medium, key images, the letters' language, the
destination, the passphrase sheet's folder, the organisation identity's passphrase). A form
that is not available for the recipient is shown disabled, with its reason (`case_desk`'s
row["forms"]). Only widgets: the dialog builds the request and runs the work."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QWidget)

from app.core.formatting import format_date
from app.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, language_of, ngettext

FORM_LABELS = {"sodp": N_("Second-O package (.sodp)"), "pdf": N_("Protected PDF (opens in any PDF reader)"),
               "p7m": N_("Encrypted for their certificate (.p7m)"), "pdi": N_("CD for their PACS (DICOM, IHE PDI)"),
               "paper": N_("Paper")}
FORM_NAMES = {"sodp": N_("Second-O package"), "pdf": N_("Protected PDF"), "p7m": N_("Encrypted .p7m"),
              "pdi": N_("PACS disc"), "paper": N_("Paper")}  # short, for the table
MEDIUM_LABELS = {"file": N_("One file"), "folder": N_("CD-ready folder"), "iso": N_("ISO image, ready to burn")}
MEDIA_OF = {"sodp": ("file", "folder", "iso"), "pdi": ("folder", "iso")}  # the others: one file, or paper
PAPER = N_("Printed on paper")
MAKE_LABELS = {"sodp": N_("&Make package"), "pdf": N_("&Make the protected PDF"), "p7m": N_("&Make the .p7m file"),
               "pdi": N_("&Make the PACS disc"), "paper": N_("P&rint on paper…")}
KEY_IMAGE_FORMS = ("sodp", "pdi")
SHEET_FORMS = ("sodp", "pdf")  # a generated passphrase on its own sheet (sodp: without a certificate)


def form_name(form: str | None, medium: str | None = None) -> str:
    """A shipment's form in a few words; one stored before forms existed reads as a package."""
    if form in MEDIUM_LABELS:  # "file", "folder", "iso": a Second-O package on that medium
        form, medium = "sodp", form
    name = _(FORM_NAMES[form]) if form in FORM_NAMES else str(form or "")
    if form in MEDIA_OF and medium in MEDIUM_LABELS and medium != "file":
        return _("{form}, {medium}").format(form=name, medium=_(MEDIUM_LABELS[medium]))
    return name


class OutgoingFormBox(QGroupBox):
    """`show_row(row, opinion_language)` for the selected recipient; `form()`, `medium()`,
    `uses_certificate()`, `sheet_folder_text()`; `makeRequested` when Make is pressed,
    `certificateRequested` for "Certificate file…"."""

    makeRequested = Signal()
    certificateRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("For the selected recipient"), parent)
        self.row: dict | None = None
        self.unavailable: dict[str, str] = {}
        self.form_combo = QComboBox()
        self.form_combo.setObjectName("outgoing-form")
        for value, label in FORM_LABELS.items():
            self.form_combo.addItem(_(label), value)
        self.form_combo.currentIndexChanged.connect(lambda _index: self._follow_form())
        self.form_note = QLabel()  # the forms this recipient cannot get, and why
        self.form_note.setWordWrap(True)
        self.form_note.setStyleSheet("color: #555;")

        self.use_certificate = QRadioButton()
        self.use_passphrase = QRadioButton(_("A generated passphrase, printed on a separate sheet to send by "
                                             "another channel"))
        self.certificate_button = QPushButton(_("Certificate &file…"))
        self.certificate_button.setToolTip(_("Import the recipient's encryption certificate (PEM or DER) "
                                             "into the address book"))
        self.certificate_button.clicked.connect(lambda _checked=False: self.certificateRequested.emit())
        self.use_certificate.toggled.connect(lambda _on: self._follow_form())
        cert_row = QHBoxLayout()
        cert_row.addWidget(self.use_certificate, 1)
        cert_row.addWidget(self.certificate_button)
        self.medium_combo = QComboBox()
        self.medium_combo.setObjectName("outgoing-medium")
        self.key_images = QCheckBox()
        self._key_images = 0
        self.letter_language = QComboBox()
        self.letter_language.setObjectName("letter-language")
        self.letter_language.addItem(_("The recipient's language"), "")
        for code in LANGUAGES:
            self.letter_language.addItem(LANGUAGE_NAMES[code], code)  # each language named in itself
        self.letter_language.setToolTip(_("The language of the cover letter, the passphrase sheet and the disc's "
                                          "README; the signed opinion stays as signed"))
        self.destination = QLineEdit(str(Path.home() / "Second-O outgoing"))
        self.browse_button = QPushButton(_("&Browse…"))
        self.browse_button.clicked.connect(lambda _checked=False: self._browse())
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.destination, 1)
        dest_row.addWidget(self.browse_button)
        self.sheet_folder = QLineEdit()
        self.sheet_folder.setPlaceholderText(_("beside the package; better: a folder that does not travel "
                                               "with it"))
        self.org_passphrase = QLineEdit()
        self.org_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.org_remember = QCheckBox(_("remember in the OS &keyring"))
        for edit in (self.sheet_folder, self.org_passphrase):  # the whole hint shown, never "…"
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(edit.placeholderText() or _(
                "passphrase of the organisation identity")) + 16)
        org_row = QHBoxLayout()
        org_row.addWidget(self.org_passphrase, 1)
        org_row.addWidget(self.org_remember)
        self.pdi_note = QLabel(_("The PACS disc is not encrypted: the hospital's PACS must read it. Send it "
                                 "by a channel you trust (by hand, registered post)."))
        self.pdi_note.setWordWrap(True)
        self.pdi_note.setStyleSheet("color: #8a4b00;")
        self.make_button = QPushButton(_(MAKE_LABELS["sodp"]))
        self.make_button.setObjectName("make-package")
        self.make_button.clicked.connect(lambda _checked=False: self.makeRequested.emit())

        self.form = QFormLayout(self)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # a narrow screen: label above field
        self.form.addRow(_("F&orm:"), self.form_combo)
        self.form.addRow("", self.form_note)
        self.form.addRow(_("Encryption:"), cert_row)
        self.form.addRow("", self.use_passphrase)
        self.form.addRow(_("Me&dium:"), self.medium_combo)
        self.form.addRow(_("Key &images:"), self.key_images)
        self.form.addRow(_("&Letters in:"), self.letter_language)
        self.form.addRow(_("Des&tination:"), dest_row)
        self.form.addRow(_("Passphrase s&heet to:"), self.sheet_folder)
        self.form.addRow(_("Organisation identity pass&phrase:"), org_row)
        self.form.addRow("", self.pdi_note)
        self.form.addRow("", self.make_button)
        for field in (self.destination, self.org_passphrase):  # a row of a layout: its label's mnemonic goes here
            label = self.form.labelForField(_row_layout(self.form, field))
            if isinstance(label, QLabel):
                label.setBuddy(field)
        self._language_role: str | None = None
        self._usable = True
        self._follow_form()

    # -- what is chosen ------------------------------------------------------------------------

    def form_value(self) -> str:
        return self.form_combo.currentData()

    def medium(self) -> str:
        form = self.form_value()
        return self.medium_combo.currentData() if form in MEDIA_OF else "file"

    def uses_certificate(self) -> bool:
        """The package goes to the recipient's certificate (sodp with "their certificate", p7m)."""
        form = self.form_value()
        return form == "p7m" or (form == "sodp" and self.use_certificate.isChecked())

    def needs_sheet(self) -> bool:
        form = self.form_value()
        return form == "pdf" or (form == "sodp" and not self.use_certificate.isChecked())

    def choose_form(self, form: str) -> bool:
        """Select `form` when it is available for the recipient; False when it is not."""
        index = self.form_combo.findData(form)
        if index < 0 or form in self.unavailable:
            return False
        self.form_combo.setCurrentIndex(index)
        return True

    def choose_medium(self, medium: str) -> bool:
        index = self.medium_combo.findData(medium)
        if index >= 0:
            self.medium_combo.setCurrentIndex(index)
        return index >= 0

    # -- the selected recipient ----------------------------------------------------------------

    def show_row(self, row: dict, opinion_language: str | None) -> None:
        self.row = row
        details = row["certificate_details"]
        usable = details is not None and not details["problem"]
        self.use_certificate.setText(_("Their certificate: {name} (valid to {end})").format(
            name=details["name"], end=format_date(details["not_after"][:10]))
            if details and details.get("not_after") else _("Their certificate (none in the address book yet)"))
        self.use_certificate.setEnabled(usable)
        (self.use_certificate if usable else self.use_passphrase).setChecked(True)
        self.unavailable = {form: reason for form, reason in (row.get("forms") or {}).items() if reason}
        model = self.form_combo.model()
        for index in range(self.form_combo.count()):
            form = self.form_combo.itemData(index)
            reason = self.unavailable.get(form)
            if isinstance(model, QStandardItemModel):
                model.item(index).setEnabled(reason is None)
            self.form_combo.setItemData(index, reason or _(FORM_LABELS[form]), Qt.ItemDataRole.ToolTipRole)
        self.form_note.setText("\n".join(
            _("{form} is not available. {reason}").format(form=_(FORM_NAMES[form]), reason=reason)
            for form, reason in self.unavailable.items() if form in FORM_NAMES))
        self.form_note.setVisible(bool(self.unavailable))
        if row["role"] != self._language_role:  # a choice is for one recipient
            self._language_role = row["role"]
            self.letter_language.setCurrentIndex(0)
            self.form_combo.setCurrentIndex(self.form_combo.findData(self._first_choice(row)))
        elif self.form_value() in self.unavailable:
            self.form_combo.setCurrentIndex(self.form_combo.findData(self._first_choice(row)))
        self._show_recipient_language(row, opinion_language)
        self._follow_form()

    def _first_choice(self, row: dict) -> str:
        """The form last made for this recipient when it is still available; else for the patient
        the protected PDF (a patient has no Second-O workstation), for the others the package;
        else the first available."""
        shipped = [s.form if s.form in FORM_LABELS else "sodp" for s in row["shipments"]]
        preferred = [shipped[-1]] if shipped else []
        preferred += ["pdf"] if row["role"] == "patient" else []
        return next((form for form in [*preferred, *FORM_LABELS] if form not in self.unavailable), "sodp")

    def _show_recipient_language(self, row: dict, opinion_language: str | None) -> None:
        """The first choice names the language the selected recipient's letters get by default."""
        from app.outgoing.languages import recipient_language

        tag = recipient_language(row["recipient"], None, opinion_language)
        name = LANGUAGE_NAMES.get(language_of(tag) or "", tag)
        self.letter_language.setItemText(0, _("The recipient's language: {language}").format(language=name))

    def set_key_images(self, count: int) -> None:
        self.key_images.setText(ngettext("add the case's key image", "add the case's {n} key images", count).format(
            n=count) if count else _("The case has no key images yet (K in the image viewer keeps one)."))
        self._key_images = count
        self._follow_form()

    def set_enabled(self, enabled: bool) -> None:
        self._usable = enabled
        self._follow_form()

    # -- the controls follow the form ----------------------------------------------------------

    def _follow_form(self) -> None:
        usable = self._usable
        form = self.form_value()
        media = MEDIA_OF.get(form, ())
        chosen = self.medium_combo.currentData()
        self.medium_combo.blockSignals(True)
        self.medium_combo.clear()
        for medium in media:
            self.medium_combo.addItem(_(MEDIUM_LABELS[medium]), medium)
        if not media:  # shown, not chosen: what this form is written as
            self.medium_combo.addItem(_(PAPER) if form == "paper" else _(MEDIUM_LABELS["file"]), None)
        if chosen in media:
            self.medium_combo.setCurrentIndex(media.index(chosen))
        self.medium_combo.blockSignals(False)
        sodp = form == "sodp"
        states = {
            self.form_combo: usable,
            self.use_certificate: usable and sodp and bool(self.row and self.row["certificate_details"]
                                                         and not self.row["certificate_details"]["problem"]),
            self.use_passphrase: usable and sodp,
            self.certificate_button: usable and form in ("sodp", "p7m"),
            self.medium_combo: usable and bool(media),
            self.key_images: usable and form in KEY_IMAGE_FORMS and self._key_images > 0,
            self.letter_language: usable,
            self.destination: usable, self.browse_button: usable,
            self.sheet_folder: usable and self.needs_sheet(),
            self.org_passphrase: usable and sodp, self.org_remember: usable and sodp,  # it signs the package
            self.make_button: usable and form not in self.unavailable,
        }
        for widget, enabled in states.items():
            widget.setEnabled(enabled)
        self.pdi_note.setVisible(form == "pdi")
        self.make_button.setText(_(MAKE_LABELS.get(form, MAKE_LABELS["sodp"])))
        self.make_button.setToolTip(self.unavailable.get(form, ""))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Destination"), self.destination.text())
        if folder:
            self.destination.setText(folder)


def _row_layout(form: QFormLayout, field: QWidget):
    """The row layout of `form` that holds `field` (a line edit beside its button)."""
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        layout = item.layout() if item is not None else None
        if layout is not None and layout.indexOf(field) >= 0:
            return layout
    return field
