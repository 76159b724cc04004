"""Send the signed opinion: the case's consented recipients (no one else is ever offered), for
each what was packaged and sent, and for the chosen one: encryption (their certificate or a
generated passphrase on its own sheet), output (file, CD folder, ISO image), key images, the
language of the cover letter, passphrase sheet and README (the recipient's, or one chosen), the
destination; "Make package" and "Mark as sent". The work runs on the store's writer thread
(app.outgoing.package); this dialog only reads and shows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QRadioButton, QScrollArea, QStyle, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.core.formatting import format_date
from app.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, language_of, ngettext
from app.outgoing.desk import case_desk
from app.outgoing.dispatch import CHANNELS, channel_label
from app.ui.form_items import date_pattern
from app.ui.outgoing_result import OutgoingResultWidget
from app.ui.screen_fit import fit_to_screen
from app.ui.task_runner import guarded, user_message

FORMS = (("file", N_("Encrypted file (.sodp)")), ("folder", N_("CD-ready folder")),
         ("iso", N_("ISO image, ready to burn")))


class OutgoingDialog(QDialog):
    """`OutgoingDialog(store, store_runner, case_id)`; `packaged(role)` and `sent(role)` after the work."""

    packaged = Signal(str)
    sent = Signal(str)
    loaded = Signal()
    failed = Signal(str)

    def __init__(self, store, store_runner, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Send the signed opinion"))
        self.store, self.runner, self.case_id = store, store_runner, case_id
        self.desk: dict | None = None
        self.last_result = None
        self.progress_dialog = None
        self.header = QLabel(_("Reading the case…"))
        self.header.setWordWrap(True)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels([_("Recipient"), _("Name"), _("Address"),
                                              _("Encryption"), _("Sent")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # The address never narrower than its name (a long language beside a long status): the table scrolls.
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance(_("Address"))
                                     + 4 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin))
        self.table.setWordWrap(True)
        self.table.itemSelectionChanged.connect(self._selected)
        self.consent_note = QLabel(_("Only the recipients the patient consented to are listed."))
        self.consent_note.setStyleSheet("color: #555;")

        self.use_certificate = QRadioButton()
        self.use_passphrase = QRadioButton(_("A generated passphrase, printed on a separate sheet to send by "
                                                   "another channel"))
        self.certificate_button = QPushButton(_("Certificate file…"))
        self.certificate_button.setToolTip(_("Import the recipient's encryption certificate (PEM or DER) "
                                                   "into the address book"))
        self.certificate_button.clicked.connect(lambda _checked=False: self._import_certificate())
        cert_row = QHBoxLayout()
        cert_row.addWidget(self.use_certificate, 1)
        cert_row.addWidget(self.certificate_button)
        self.form_box = QComboBox()
        for value, label in FORMS:
            self.form_box.addItem(_(label), value)
        self.key_images = QCheckBox()
        self.letter_language = QComboBox()
        self.letter_language.setObjectName("letter-language")
        self.letter_language.addItem(_("The recipient's language"), "")
        for code in LANGUAGES:
            self.letter_language.addItem(LANGUAGE_NAMES[code], code)  # each language named in itself
        self.letter_language.setToolTip(_("The language of the cover letter, the passphrase sheet and the disc's "
                                          "README; the signed opinion stays as signed"))
        self.destination = QLineEdit(str(Path.home() / "Second-O outgoing"))
        browse = QPushButton(_("Browse…"))
        browse.clicked.connect(self._browse)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.destination, 1)
        dest_row.addWidget(browse)
        self.sheet_folder = QLineEdit()
        self.sheet_folder.setPlaceholderText(_("beside the package; better: a folder that does not travel "
                                                     "with it"))
        self.org_passphrase = QLineEdit()
        self.org_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.org_remember = QCheckBox(_("remember in the OS keyring"))
        org_row = QHBoxLayout()
        org_row.addWidget(self.org_passphrase, 1)
        org_row.addWidget(self.org_remember)
        self._show_remembered()
        self.make_button = QPushButton(_("Make package"))
        self.make_button.setObjectName("make-package")
        self.make_button.clicked.connect(self.make_package)
        package_box = QGroupBox(_("Package for the selected recipient"))
        form = QFormLayout(package_box)
        form.addRow(_("Encryption:"), cert_row)
        form.addRow("", self.use_passphrase)
        form.addRow(_("Output:"), self.form_box)
        form.addRow(_("Key images:"), self.key_images)
        form.addRow(_("Letters in:"), self.letter_language)
        form.addRow(_("Destination:"), dest_row)
        form.addRow(_("Passphrase sheet to:"), self.sheet_folder)
        form.addRow(_("Organisation identity passphrase:"), org_row)
        form.addRow("", self.make_button)

        self.channel = QComboBox()
        for value in CHANNELS:
            self.channel.addItem(_(channel_label(value)), value)
        self.sent_on = QDateEdit(QDate.currentDate())
        self.sent_on.setCalendarPopup(True)
        self.sent_on.setDisplayFormat(date_pattern())  # as the reader writes a date: 04/11/2026 in Belgium
        self.sent_button = QPushButton(_("Mark as sent"))
        self.sent_button.setObjectName("mark-sent")
        self.sent_button.clicked.connect(self.mark_sent)
        sent_box = QGroupBox(_("Sent"))
        sent_row = QHBoxLayout(sent_box)
        sent_row.addWidget(QLabel(_("Channel:")))
        sent_row.addWidget(self.channel)
        sent_row.addWidget(QLabel(_("Date:")))
        sent_row.addWidget(self.sent_on)
        sent_row.addStretch(1)
        sent_row.addWidget(self.sent_button)

        self.result_box = OutgoingResultWidget(store, store_runner, case_id, self)
        self.result_box.failed.connect(self._failed_text)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        body = QWidget()
        content = QVBoxLayout(body)
        content.setContentsMargins(0, 0, 0, 0)
        content.addWidget(self.header)
        content.addWidget(self.table, 1)
        content.addWidget(self.consent_note)
        content.addWidget(package_box)
        content.addWidget(sent_box)
        content.addWidget(self.message)
        content.addWidget(self.result_box)
        self.table.setMinimumHeight(110)
        self.scroll = QScrollArea()  # a small screen (1024x700, or 2x scaled) scrolls instead of cutting off
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(buttons)
        self.resize(900, 640)
        self._fit_width()
        self._set_enabled(False)
        self.reload()

    # -- loading -------------------------------------------------------------------------------

    def reload(self) -> None:
        store, case_id = self.store, self.case_id
        self.runner.run(lambda token, progress: case_desk(store, case_id), success=guarded(self, self._show),
                        failure=guarded(self, self._failed))

    def _show(self, desk: dict) -> None:
        selected = self.selected_role()
        self.desk = desk
        opinion = desk["opinion"]
        if opinion is None:
            self.header.setText(_("<b>Not signed yet.</b> Nothing can be sent before the opinion is signed."))
        else:
            what = _("Addendum {n}").format(n=opinion.number) if opinion.number else _("The opinion")
            self.header.setText(_("<b>{what}</b>, signed on {date} by {signer} ({pages}).").format(
                what=what, date=format_date(opinion.signed_at[:10]), signer=opinion.signer,
                pages=ngettext("{n} page", "{n} pages", opinion.pages).format(n=opinion.pages)))
        rows = desk["recipients"]
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            recipient = row["recipient"]
            details = row["certificate_details"]
            encryption = (_("Certificate of {name}").format(name=details["name"]) if details
                          else _("Passphrase (no certificate)"))
            if details and details["problem"]:
                encryption = _("Certificate unusable: {problem}").format(problem=details["problem"])
            sent = [s for s in row["shipments"] if s.sent]
            made = [s for s in row["shipments"] if not s.sent]
            if sent:
                state = _("Sent {date} ({channel}) by {who}").format(
                    date=format_date(sent[-1].sent_on), channel=_(channel_label(sent[-1].channel)),
                    who=sent[-1].sent_by)
            elif made:
                state = _("Packaged {date}, not sent yet").format(date=format_date(made[-1].made_at[:10]))
            else:
                state = _("To send") if row["addressed"] else _("Not addressed in the opinion")
            if row["to_send"] and sent:
                state = _("{state} — the latest opinion still to send").format(state=state)
            values = [row["label"], recipient.name, ", ".join(
                [recipient.organisation, *recipient.address_lines] if recipient.organisation
                else recipient.address_lines) or _("(no address: add it in the address book)"), encryption, state]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value if c != 3 or not details else details["subject"])
                item.setData(Qt.ItemDataRole.UserRole, row["role"])
                if c == 4 and row["to_send"]:
                    item.setForeground(Qt.GlobalColor.darkBlue)
                self.table.setItem(r, c, item)
        self.key_images.setText(ngettext("add the case's key image", "add the case's {n} key images", desk["key_images"]).format(
            n=desk["key_images"]))
        self.key_images.setEnabled(desk["key_images"] > 0)
        roles = [row["role"] for row in rows]
        self.table.selectRow(roles.index(selected) if selected in roles else 0)
        self._selected()
        self._fit_width()  # the recipient's certificate and the table's rows are known only now
        self.loaded.emit()

    def _fit_width(self) -> None:
        """As wide as the longest row needs (Dutch and French rows are longer than English ones),
        so that nothing hides behind a horizontal scroll bar unless the screen is too narrow."""
        margins = self.layout().contentsMargins()
        needed = (self.scroll.widget().minimumSizeHint().width() + margins.left() + margins.right()
                  + self.scroll.verticalScrollBar().sizeHint().width() + 2 * self.scroll.frameWidth())
        if needed > self.width():
            self.resize(needed, self.height())
        fit_to_screen(self)

    def _failed(self, error: BaseException) -> None:
        text = user_message(error, self)
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;")
        self.failed.emit(text)

    # -- the selected recipient ----------------------------------------------------------------

    def selected_role(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _row(self) -> dict | None:
        role = self.selected_role()
        if self.desk is None or role is None:
            return None
        return next((r for r in self.desk["recipients"] if r["role"] == role), None)

    def _selected(self) -> None:
        row = self._row()
        self._set_enabled(row is not None and self.desk is not None and self.desk["opinion"] is not None)
        if row is None:
            return
        details = row["certificate_details"]
        usable = details is not None and not details["problem"]
        self.use_certificate.setText(_("Their certificate: {name} (valid to {end})").format(
            name=details["name"], end=format_date(details["not_after"][:10]))
                                     if details else _("Their certificate (none in the address book yet)"))
        self.use_certificate.setEnabled(usable)
        (self.use_certificate if usable else self.use_passphrase).setChecked(True)
        self._show_recipient_language(row)
        self.sent_button.setEnabled(any(not s.sent for s in row["shipments"]))

    def _show_recipient_language(self, row: dict) -> None:
        """The first choice names the language the selected recipient's letters get by default."""
        from app.outgoing.languages import recipient_language

        opinion = self.desk["opinion"] if self.desk is not None else None
        tag = recipient_language(row["recipient"], None, opinion.language if opinion is not None else None)
        name = LANGUAGE_NAMES.get(language_of(tag) or "", tag)
        self.letter_language.setItemText(0, _("The recipient's language: {language}").format(language=name))
        if row["role"] != getattr(self, "_language_role", None):  # a choice is for one recipient
            self._language_role = row["role"]
            self.letter_language.setCurrentIndex(0)

    def _show_remembered(self) -> None:
        from app.signing.secrets import remembered_passphrase
        from app.signing.settings import load_signing_settings

        path = load_signing_settings().organisation_identity
        try:
            remembered = bool(path) and remembered_passphrase(Path(path)) is not None
        except Exception:  # noqa: BLE001 - an unreadable identity file: it will be reported on use
            remembered = False
        self.org_passphrase.setPlaceholderText(_("(remembered in the OS keyring)") if remembered
                                               else _("passphrase of the organisation identity"))

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.make_button, self.form_box, self.use_passphrase, self.certificate_button,
                       self.destination, self.letter_language):
            widget.setEnabled(enabled)
        if not enabled:
            self.sent_button.setEnabled(False)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Destination"), self.destination.text())
        if folder:
            self.destination.setText(folder)

    def _import_certificate(self, path: str | None = None) -> None:
        from app.ui.address_book_dialog import import_certificate_for

        row = self._row()
        if row is None:
            return
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(self, _("Encryption certificate"), "",
                                                        _("Certificates (*.pem *.crt *.cer *.der);;All files (*)"))
            if not path:
                return
        import_certificate_for(self, self.store, self.runner, row["recipient"], row["contact_id"], Path(path),
                               done=self.reload, failed=self._failed)

    # -- the work ------------------------------------------------------------------------------

    def make_package(self) -> None:
        from app.outgoing.package import OutgoingRequest, make_outgoing
        from app.signing.secrets import open_identity
        from app.signing.settings import load_signing_settings

        row = self._row()
        if row is None or self.desk is None or self.desk["opinion"] is None:
            return
        organisation = load_signing_settings().organisation_identity
        if not organisation:
            self._failed_text(_("Choose the organisation identity that signs outgoing packages first "
                                      "(Settings ▸ Reviewer and letterhead)."))
            return
        request = OutgoingRequest(row["role"], self.form_box.currentData(),
                                  certificate=row["certificate"] if self.use_certificate.isChecked() else None,
                                  key_images=self.key_images.isChecked() and self.key_images.isEnabled(),
                                  recipient=row["recipient"], language=self.letter_language.currentData() or None)
        sheet_folder = self.sheet_folder.text().strip()
        if sheet_folder and not self.use_certificate.isChecked():
            folder = Path(sheet_folder).expanduser()
            if not folder.is_absolute():
                self._failed_text(_("The folder for the passphrase sheet must be a full path."))
                return
            request.sheet_path = folder / f"passphrase-sheet-{self.case_id[:8]}-{row['role'].replace('_', '-')}.pdf"
        passphrase = self.org_passphrase.text() or None
        remember = self.org_remember.isChecked() and passphrase is not None
        destination = self.destination.text().strip()
        out_dir = Path(destination).expanduser() if destination else None
        if out_dir is None or not out_dir.is_absolute():
            self._failed_text(_("Choose the destination folder (a full path, e.g. on the CD writer's disk)."))
            return
        store, case_id = self.store, self.case_id
        self.make_button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText(_("Making the package…"))

        from PySide6.QtWidgets import QProgressDialog

        from app.core.tasks import CancelToken

        progress_dialog = QProgressDialog(_("Making the package…"), _("Cancel"), 0, 4, self)
        progress_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        progress_dialog.setMinimumDuration(300)
        progress_dialog.setAutoClose(False)
        cancel = CancelToken()  # ours: a package finished a moment before Cancel still reports back
        progress_dialog.canceled.connect(cancel.cancel)
        self.progress_dialog = progress_dialog

        def work(token, progress):
            from app.signing.secrets import remember_passphrase

            identity = open_identity(Path(organisation), passphrase=passphrase)
            if remember:
                remember_passphrase(Path(organisation), passphrase)
            return make_outgoing(store, case_id, request, identity, out_dir, progress=progress, token=cancel)

        def finished() -> None:
            progress_dialog.canceled.disconnect()
            progress_dialog.close()
            progress_dialog.deleteLater()
            self.progress_dialog = None
            self.make_button.setEnabled(True)

        def cancelled(_error) -> None:
            finished()
            self.message.setText(_("Cancelled: nothing was written."))

        self.runner.run(work, success=guarded(self, lambda result: (finished(), self._made(result))),
                        failure=guarded(self, lambda e: (finished(), self._failed(e))),
                        progress=guarded(self, lambda done, total: progress_dialog.setValue(done)),
                        cancelled=guarded(self, cancelled))

    def _failed_text(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;")
        self.failed.emit(text)

    def _made(self, result) -> None:
        self.last_result = result
        lines = [_("Package written: {path}").format(path=result.output),
                 _("Cover letter to print: {path}").format(path=result.cover_letter)]
        if result.passphrase_sheet is not None:
            lines.append(_("Passphrase sheet — send it apart from the package: {path}").format(
                path=result.passphrase_sheet))
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText("\n".join(lines))
        self.result_box.show_result(result, result.shipment.opinion_number)
        QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(self.result_box))  # once laid out
        self.packaged.emit(result.shipment.role)
        self.reload()

    def mark_sent(self) -> None:
        from app.outgoing.package import mark_sent

        role = self.selected_role()
        if role is None:
            return
        channel, on = self.channel.currentData(), self.sent_on.date().toString("yyyy-MM-dd")
        store, case_id = self.store, self.case_id
        self.runner.run(lambda token, progress: mark_sent(store, case_id, role, channel, on=on),
                        success=guarded(self, lambda shipment: (self.sent.emit(role), self.reload())),
                        failure=guarded(self, self._failed))
