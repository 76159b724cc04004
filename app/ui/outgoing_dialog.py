"""Send the signed opinion: the case's consented recipients (no one else is ever offered), for
each what was made in which form and what was sent, and for the chosen one the form they get
(app/ui/outgoing_form_box.py) and "Make" / "Mark as sent". Before making: a PACS disc says it
is not encrypted, a passphrase sheet bound for the output's own disc asks. The work runs on
the store's writer thread (app.outgoing.package); this dialog only reads and shows, and
prints the letters written for printing (app/ui/outgoing_result.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog,
                               QFrame, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton,
                               QScrollArea, QStyle, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.core.formatting import format_date
from app.core.i18n import _, ngettext
from app.outgoing.desk import case_desk
from app.outgoing.dispatch import CHANNELS, channel_label
from app.ui.form_items import date_pattern
from app.ui.outgoing_form_box import OutgoingFormBox, form_name
from app.ui.outgoing_result import OutgoingResultWidget
from app.ui.screen_fit import fit_to_screen
from app.ui.task_runner import guarded, user_message

COLUMNS = ("recipient", "name", "address", "encryption", "sent", "form")


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
        self.question: QMessageBox | None = None  # the question asked before making, while it is open
        self.header = QLabel(_("Reading the case…"))
        self.header.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([_("Recipient"), _("Name"), _("Address"), _("Encryption"), _("Sent"),
                                              _("Form")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the next control
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(COLUMNS.index("address"), QHeaderView.ResizeMode.Stretch)
        # The address never narrower than its name (a long language beside a long status): the table scrolls.
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance(_("Address"))
                                     + 4 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin))
        self.table.setWordWrap(True)
        self.table.itemSelectionChanged.connect(self._selected)
        self.consent_note = QLabel(_("Only the recipients the patient consented to are listed."))
        self.consent_note.setStyleSheet("color: #555;")

        self.form_box = OutgoingFormBox(self)
        self.form_box.makeRequested.connect(self.make_package)
        self.form_box.certificateRequested.connect(lambda: self._import_certificate())
        self.form_box.form_combo.currentIndexChanged.connect(lambda _i: QTimer.singleShot(0, guarded(self, self._fit_width)))
        # the form's controls, as the dialog's callers and tests have known them
        box = self.form_box
        self.use_certificate, self.use_passphrase = box.use_certificate, box.use_passphrase
        self.certificate_button, self.key_images, self.letter_language = (box.certificate_button, box.key_images,
                                                                          box.letter_language)
        self.destination, self.sheet_folder = box.destination, box.sheet_folder
        self.org_passphrase, self.org_remember, self.make_button = box.org_passphrase, box.org_remember, box.make_button
        self._show_remembered()

        self.channel = QComboBox()
        for value in CHANNELS:
            self.channel.addItem(_(channel_label(value)), value)
        self.sent_on = QDateEdit(QDate.currentDate())
        self.sent_on.setCalendarPopup(True)
        self.sent_on.setDisplayFormat(date_pattern())  # as the reader writes a date: 04/11/2026 in Belgium
        self.sent_button = QPushButton(_("Mark as s&ent"))
        self.sent_button.setObjectName("mark-sent")
        self.sent_button.clicked.connect(self.mark_sent)
        sent_box = QGroupBox(_("Sent"))
        sent_row = QHBoxLayout(sent_box)
        channel_label_ = QLabel(_("&Channel:"))
        channel_label_.setBuddy(self.channel)
        date_label = QLabel(_("D&ate:"))
        date_label.setBuddy(self.sent_on)
        for widget in (channel_label_, self.channel, date_label, self.sent_on):
            sent_row.addWidget(widget)
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
        content.addWidget(self.form_box)
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
        self.resize(960, 820)  # cut down to a smaller screen, which then scrolls
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
            self._show_row(r, row)
        self.form_box.set_key_images(desk["key_images"])
        roles = [row["role"] for row in rows]
        self.table.selectRow(roles.index(selected) if selected in roles else 0)
        self._selected()
        self._fit_width()  # the recipient's certificate and the table's rows are known only now
        self.loaded.emit()

    def _show_row(self, r: int, row: dict) -> None:
        recipient = row["recipient"]
        details = row["certificate_details"]
        encryption = (_("Certificate of {name}").format(name=details["name"]) if details
                      else _("Passphrase (no certificate)"))
        if details and details["problem"]:
            encryption = _("Certificate unusable: {problem}").format(problem=details["problem"])
        shipments = row["shipments"]
        sent = [s for s in shipments if s.sent]
        made = [s for s in shipments if not s.sent]
        if sent:
            state = _("Sent {date} ({channel}) by {who}").format(
                date=format_date(sent[-1].sent_on), channel=_(channel_label(sent[-1].channel)), who=sent[-1].sent_by)
        elif made:
            state = _("Packaged {date}, not sent yet").format(date=format_date(made[-1].made_at[:10]))
        else:
            state = _("To send") if row["addressed"] else _("Not addressed in the opinion")
        if row["to_send"] and sent:
            state = _("{state} — the latest opinion still to send").format(state=state)
        forms = list(dict.fromkeys(form_name(s.form, s.medium) for s in shipments))
        history = "\n".join(
            (_("{form}: sent {date} ({channel})").format(form=form_name(s.form, s.medium),
                                                        date=format_date(s.sent_on),
                                                        channel=_(channel_label(s.channel)))
             if s.sent else _("{form}: made {date}, not sent yet").format(
                form=form_name(s.form, s.medium), date=format_date(s.made_at[:10])))
            for s in shipments)
        address = ", ".join([recipient.organisation, *recipient.address_lines] if recipient.organisation
                            else recipient.address_lines) or _("(no address: add it in the address book)")
        values = {"recipient": row["label"], "name": recipient.name, "address": address, "encryption": encryption,
                  "form": ", ".join(forms) or "—", "sent": state}
        tips = {"encryption": details["subject"] if details else encryption, "form": history or _("Nothing made yet")}
        for c, column in enumerate(COLUMNS):
            item = QTableWidgetItem(values[column])
            item.setToolTip(tips.get(column, values[column]))
            item.setData(Qt.ItemDataRole.UserRole, row["role"])
            if column == "sent" and row["to_send"]:
                item.setForeground(Qt.GlobalColor.darkBlue)
            self.table.setItem(r, c, item)

    def _fit_width(self) -> None:
        """As wide as the longest row needs (Dutch and French rows are longer than English ones),
        so that nothing hides behind a horizontal scroll bar unless the screen is too narrow."""
        margins = self.layout().contentsMargins()
        body = self.scroll.widget()  # its preferred width: the form's labels beside their fields where there is room
        needed = (max(body.sizeHint().width(), body.minimumSizeHint().width()) + margins.left() + margins.right()
                  + self.scroll.verticalScrollBar().sizeHint().width() + 2 * self.scroll.frameWidth())
        if needed > self.width():
            self.resize(needed, self.height())
        fit_to_screen(self)

    def _failed(self, error: BaseException) -> None:
        self._failed_text(user_message(error, self))

    def _failed_text(self, text: str) -> None:
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
        if row is None or self.desk is None:
            return
        opinion = self.desk["opinion"]
        self.form_box.show_row(row, opinion.language if opinion is not None else None)
        self.sent_button.setEnabled(any(not s.sent for s in row["shipments"]))

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
        self.form_box.set_enabled(enabled)
        if not enabled:
            self.sent_button.setEnabled(False)

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

    def build_request(self):
        """The request for the selected recipient as the form box says, with the destination
        folder; None (and a message) when something is missing."""
        from app.outgoing.package import OutgoingRequest

        row = self._row()
        if row is None or self.desk is None or self.desk["opinion"] is None:
            return None
        box = self.form_box
        form = box.form_value()
        if form in box.unavailable:
            self._failed_text(box.unavailable[form])
            return None
        certificate = row["certificate"] if box.uses_certificate() else None
        if box.uses_certificate() and certificate is None:
            self._failed_text(_("Import the recipient's certificate first (Certificate file…)."))
            return None
        request = OutgoingRequest(row["role"], form=form, medium=box.medium(), certificate=certificate,
                                  key_images=box.key_images.isChecked() and box.key_images.isEnabled(),
                                  recipient=row["recipient"], language=self.letter_language.currentData() or None)
        sheet_folder = self.sheet_folder.text().strip()
        if sheet_folder and box.needs_sheet():
            folder = Path(sheet_folder).expanduser()
            if not folder.is_absolute():
                self._failed_text(_("The folder for the passphrase sheet must be a full path."))
                return None
            request.sheet_path = folder / f"passphrase-sheet-{self.case_id[:8]}-{row['role'].replace('_', '-')}.pdf"
        destination = self.destination.text().strip()
        out_dir = Path(destination).expanduser() if destination else None
        if out_dir is None or not out_dir.is_absolute():
            self._failed_text(_("Choose the destination folder (a full path, e.g. on the CD writer's disk)."))
            return None
        return request, out_dir

    def make_package(self) -> None:
        """Make what the form box says for the selected recipient, after the questions its form
        asks (a PACS disc is not encrypted; a passphrase sheet on the output's own disc)."""
        from app.signing.settings import load_signing_settings

        built = self.build_request()
        if built is None:
            return
        request, out_dir = built
        organisation = load_signing_settings().organisation_identity
        if request.form == "sodp" and not organisation:
            self._failed_text(_("Choose the organisation identity that signs outgoing packages first "
                                "(Settings ▸ Reviewer and letterhead)."))
            return

        def check_sheet() -> None:
            if request.sheet_path is None:
                self._run(request, out_dir)
                return
            from app.outgoing.media import sheet_on_same_medium

            sheet = request.sheet_path
            self.runner.run(lambda token, progress: sheet_on_same_medium(sheet, out_dir),
                            success=guarded(self, lambda same: self._ask_sheet(request, out_dir) if same
                                            else self._run(request, out_dir)),
                            failure=guarded(self, self._failed))

        if request.form == "pdi":
            self._ask(_("The disc for the PACS is not encrypted: anyone who holds it can read the opinion and "
                        "the images, as the hospital's PACS must. Send it by a channel you trust."),
                      _("Make the disc"), _("Cancel"), check_sheet)
        else:
            check_sheet()

    def _ask_sheet(self, request, out_dir: Path) -> None:
        def another_folder() -> None:
            folder = QFileDialog.getExistingDirectory(self, _("Passphrase sheet to:"), self.sheet_folder.text())
            if folder:
                self.sheet_folder.setText(folder)
                self.make_package()
            else:
                self.sheet_folder.setFocus()

        self._ask(_("The passphrase sheet would travel with the package on the same disc: whoever finds one "
                    "finds both. Send the sheet by another way, from a folder that does not go with the "
                    "package."), _("Continue"), _("Choose another folder"), lambda: self._run(request, out_dir),
                  another_folder)

    def _ask(self, text: str, yes: str, no: str, then, otherwise=None) -> None:
        """A question before making, answered later (the dialog's event loop runs on)."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.windowTitle(), text, QMessageBox.StandardButton.NoButton,
                          self)
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes_button)

        def answered(button) -> None:
            self.question = None
            if button is yes_button:
                then()
            elif otherwise is not None:
                otherwise()

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.question = box
        box.open()

    def _run(self, request, out_dir: Path) -> None:
        """The work on the store's thread, with progress and Cancel."""
        from PySide6.QtWidgets import QProgressDialog

        from app.core.tasks import CancelToken
        from app.outgoing.package import make_outgoing
        from app.signing.secrets import open_identity
        from app.signing.settings import load_signing_settings
        from app.store.opinions import SignedOpinionStore

        organisation = load_signing_settings().organisation_identity if request.form == "sodp" else None
        passphrase = self.org_passphrase.text() or None
        remember = self.org_remember.isChecked() and passphrase is not None
        store, case_id = self.store, self.case_id
        self.make_button.setEnabled(False)
        self.message.setStyleSheet("")
        working = _("Making the package…") if request.form != "paper" else _("Writing the cover letter…")
        self.message.setText(working)
        progress_dialog = QProgressDialog(working, _("Cancel"), 0, 4, self)
        progress_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        progress_dialog.setMinimumDuration(300)
        progress_dialog.setAutoClose(False)
        cancel = CancelToken()  # ours: a package finished a moment before Cancel still reports back
        progress_dialog.canceled.connect(cancel.cancel)
        self.progress_dialog = progress_dialog

        def work(token, progress):
            from app.signing.secrets import remember_passphrase

            identity = None
            if organisation:
                identity = open_identity(Path(organisation), passphrase=passphrase)
                if remember:
                    remember_passphrase(Path(organisation), passphrase)
            result = make_outgoing(store, case_id, request, identity, out_dir, progress=progress, token=cancel)
            # paper: the opinion goes to the printer with its cover letter, read here, not on the GUI thread
            pdf = SignedOpinionStore(store).pdf(case_id, result.shipment.opinion_number) \
                if request.form == "paper" else None
            return result, pdf

        def finished() -> None:
            progress_dialog.canceled.disconnect()
            progress_dialog.close()
            progress_dialog.deleteLater()
            self.progress_dialog = None
            self.form_box.set_enabled(True)

        def cancelled(_error) -> None:
            finished()
            self.message.setText(_("Cancelled: nothing was written."))

        self.runner.run(work, success=guarded(self, lambda made: (finished(), self._made(*made))),
                        failure=guarded(self, lambda e: (finished(), self._failed(e))),
                        progress=guarded(self, lambda done, total: progress_dialog.setValue(done)),
                        cancelled=guarded(self, cancelled))

    def _made(self, result, paper_pdf: bytes | None = None) -> None:
        self.last_result = result
        lines = []
        if result.output is not None:
            lines.append(_("Written for the recipient: {path}").format(path=result.output))
        lines.append(_("Cover letter to print: {path}").format(path=result.cover_letter))
        if result.passphrase_sheet is not None:
            lines.append(_("Passphrase sheet — send it apart from the package: {path}").format(
                path=result.passphrase_sheet))
        lines.extend(getattr(result, "warnings", None) or [])
        if paper_pdf is not None:
            lines.append(_("Print the cover letter and the signed opinion, then mark them sent."))
        self.message.setStyleSheet("color: #1b5e20;" if not getattr(result, "warnings", None) else "color: #8a4b00;")
        self.message.setText("\n".join(str(line) for line in lines))
        self.result_box.show_result(result, result.shipment.opinion_number)
        QTimer.singleShot(0, guarded(self, lambda: (self._fit_width(), self.scroll.ensureWidgetVisible(self.result_box))))
        if paper_pdf is not None:
            self.result_box.print_paper(paper_pdf)
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
