"""Preview, Sign, New addendum, open and export a signed opinion: the window's opinion actions.
Each slot reads the form, runs a service of app.signoff.signing on the store's one writer
thread, and shows the result (a PDF tab, the locked form, a message); nothing here renders
or signs by itself."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from app.core.errors import IdentityError
from app.core.file_names import readable_file_name
from app.core.tasks import CancelToken
from app.opinion.questionnaire import get_answers, missing_required, set_answer
from app.signing.secrets import remembered_passphrase
from app.signing.settings import PKCS12, load_signing_settings, save_signing_settings
from app.store.opinions import SignedOpinionStore
from app.ui.sign_dialog import SignDialog
from app.ui.task_runner import user_message
from app.core.i18n import _

PREVIEW_KEY = "opinion:preview"


def opinion_key(number: int) -> str:
    return f"opinion:{number}"


class OpinionController(QObject):
    """Wires the form dock's requests to the services. `signed(case_id, number)` after a signature."""

    signed = Signal(str, int)
    previewShown = Signal(str)
    failed = Signal(str)  # the message shown to the user

    def __init__(self, window, store, store_runner, form_dock, case_view) -> None:
        super().__init__(window)
        self.window, self.store, self.store_runner = window, store, store_runner
        self.dock, self.case_view = form_dock, case_view
        self.dialog: SignDialog | None = None
        self.progress: QProgressDialog | None = None
        self.print_preview = None  # the last print preview opened (kept alive while shown)
        form_dock.previewRequested.connect(self.preview)
        form_dock.signRequested.connect(self.sign)
        form_dock.addendumRequested.connect(self.new_addendum)
        form_dock.openSignedRequested.connect(self.open_signed)
        form_dock.defaultLanguageWanted.connect(self.find_default_language)

    # -- helpers -------------------------------------------------------------------------------

    def _form(self):
        form = self.dock.form
        return form if form is not None and hasattr(form, "questionnaire") else None

    def _warn(self, title: str, text: str) -> None:
        self.failed.emit(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _title(self, number: int) -> str:
        return _("Addendum {n} (signed)").format(n=number) if number else _("Opinion (signed)")

    # -- the letter's language ------------------------------------------------------------------

    def find_default_language(self, case_id: str) -> None:
        """The case's draft names no language: the one of the opinion it adds to, else the
        treating physician's (dossier, then address book), else the interface's, read on the
        store's thread and handed to the form."""
        store = self.store

        def work(token, progress):
            from app.outgoing.address_book import AddressBook
            from app.outgoing.languages import FROM_ADDRESS_BOOK, FROM_DOSSIER, default_opinion_language

            signed = SignedOpinionStore(store).language(case_id)
            if signed:
                return signed, _("As the signed opinion.")
            found = default_opinion_language(store.record(case_id), AddressBook(store))
            why = {FROM_DOSSIER: _("Default: the treating physician's language, as the dossier gives it."),
                   FROM_ADDRESS_BOOK: _("Default: the treating physician's language, from the address book.")}
            return found.tag, why.get(found.source, _("Default: the interface language (the treating physician's "
                                                      "is not known)."))

        self.store_runner.run(work, success=lambda found: self.dock.set_default_language(case_id, *found),
                              failure=lambda _error: None, cancel_on_close=True)

    # -- preview -------------------------------------------------------------------------------

    def preview(self) -> None:
        from app.signoff.signing import preview_opinion  # pyHanko and the letters: at first use
        form, case_id = self._form(), self.dock.case_id
        if form is None or case_id is None:
            return
        response, store = self.dock.response(), self.store
        self.window.statusBar().showMessage(_("Rendering the preview…"))
        self.store_runner.run(lambda token, progress: preview_opinion(store, case_id, response).pdf,
                              success=lambda pdf: self._show_preview(case_id, pdf),
                              failure=lambda error: self._failed(_("Preview"), error), cancel_on_close=True)

    def _show_preview(self, case_id: str, pdf: bytes) -> None:
        self.window.statusBar().clearMessage()
        if case_id != self.dock.case_id:
            return
        self.case_view.open_pdf(PREVIEW_KEY, _("Preview (not signed)"), pdf,
                                unsigned_note=_("Preview, NOT signed: the letter as it will be signed, from "
                                                      "the form as it is now."))
        self.previewShown.emit(case_id)

    # -- sign ----------------------------------------------------------------------------------

    def sign(self) -> None:
        from app.signoff.signing import IncompleteOpinionError  # pyHanko and the letters: at first use
        form, case_id = self._form(), self.dock.case_id
        if form is None or case_id is None or self.dock.busy:
            return
        if self.dock.locked:
            self._warn(_("Sign"), _("This opinion is signed already. To change it, start a new "
                                                "addendum."))
            return
        lacking = self.case_view.data.missing if self.case_view.data is not None else []
        if lacking:  # the case itself is incomplete: the sheet, not a failure at the end
            text = _("Complete the case sheet before signing: {missing}.").format(missing="; ".join(lacking))
            self.failed.emit(text)
            self.window.case_sheet.open(case_id, text)
            return
        response = self.dock.response()
        missing = missing_required(form.questionnaire, response)
        if missing:
            form.focus_item(missing[0][0])
            self._warn(_("Sign"), str(IncompleteOpinionError(missing)))
            return
        self.dock.flush()
        self._ask(case_id, response, load_signing_settings())

    def _what(self, case_id: str) -> str:
        number = len(self.dock.opinions)
        patient = self.case_view.header.patient_text()
        what = _("Addendum {n} to the opinion").format(n=number) if number else _("The second opinion")
        return f"{what} — {patient}" if patient else what

    def _ask(self, case_id: str, response: dict, settings, error: str = "", name_check=None) -> None:
        dialog = SignDialog(settings, self._what(case_id), remembered=lambda path: remembered_passphrase(Path(path)),
                            error=error, name_check=name_check, language=response.get("language"),
                            parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._start(case_id, response, dialog))
        self.dialog = dialog
        dialog.open()

    def _start(self, case_id: str, response: dict, dialog: SignDialog) -> None:
        settings, secret, remember = dialog.settings(), dialog.secret(), dialog.remember()
        self.dialog = None
        if dialog.certificate_name_chosen and self.dock.form is not None:
            set_answer(self.dock.form.questionnaire, response, "reviewer-name", dialog.certificate_name_chosen)
            self.dock.form.set_response(response)
            self.dock.form.changed.emit()
        elif settings.kind == PKCS12 and dialog.name_check is None:
            self._check_name(case_id, response, settings, secret, remember)
            return
        self._sign(case_id, response, settings, secret, remember)

    def _check_name(self, case_id: str, response: dict, settings, secret, remember) -> None:
        """Before a PKCS#12 signs: is the letter signed under the certificate's name? If not,
        the dialog again with the warning, the passphrase kept, and "Use the certificate's name"."""
        letter = next((str(v) for v in get_answers(response, "reviewer-name") if str(v).strip()), "")

        def work(token, progress):
            from app.signing.certificate_checks import certificate_person_name, name_mismatch
            from app.signing.identities import load_pkcs12

            path = Path(settings.identity_path)
            passphrase = secret if secret is not None else remembered_passphrase(path) or ""
            certificate = load_pkcs12(path, passphrase).certificate
            return name_mismatch(letter, certificate), certificate_person_name(certificate)

        def checked(result) -> None:
            warning, issued_to = result
            if warning is None:
                self._sign(case_id, response, settings, secret, remember)
            else:
                self._ask(case_id, response, settings, name_check=(warning, issued_to, secret))

        self.store_runner.run(work, success=checked,
                              failure=lambda error: self._sign_failed(case_id, response, settings, error))

    def _sign(self, case_id: str, response: dict, settings, secret, remember) -> None:
        from app.signoff.signing import STEPS, sign_with_settings  # pyHanko and the letters: at first use
        try:
            save_signing_settings(settings)  # the choice, never the secret
        except Exception:  # noqa: BLE001 - an unwritable settings file must not stop the signature
            pass
        self.dock.set_busy(True)
        progress = QProgressDialog(_("Signing the opinion…"), _("Cancel"), 0, STEPS, self.window)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        progress.setValue(0)
        self.progress = progress
        store = self.store
        # Our own token, not the task's: once the signature is kept its result must arrive
        # even if Cancel was pressed a moment too late.
        cancel = CancelToken()
        progress.canceled.connect(cancel.cancel)
        self.store_runner.run(
            lambda _token, report: sign_with_settings(store, case_id, response, settings, secret, remember=remember,
                                                      progress=report, token=cancel),
            success=lambda result: self._signed(case_id, result),
            failure=lambda error: self._sign_failed(case_id, response, settings, error),
            progress=lambda done, total: (progress.setMaximum(total), progress.setValue(done)),
            cancelled=lambda _error: self._end_progress())

    def _end_progress(self) -> None:
        self.dock.set_busy(False)
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _signed(self, case_id: str, result) -> None:
        self._end_progress()
        self.window.refresh_cases()
        if case_id == self.dock.case_id:
            if self.dock.form is not None:
                self.dock.form.set_response(result.response)
            self.dock.set_opinions(self.dock.opinions + [result.opinion], locked=True)
            self.case_view.open_pdf(opinion_key(result.opinion.number), self._title(result.opinion.number),
                                    result.pdf)
        self.window.statusBar().showMessage(_("Signed by {signer}; the case is Signed.").format(
            signer=result.opinion.signer), 8000)
        self.signed.emit(case_id, result.opinion.number)

    def _sign_failed(self, case_id: str, response: dict, settings, error: BaseException) -> None:
        from app.signoff.signing import IncompleteOpinionError  # pyHanko and the letters: at first use
        self._end_progress()
        if isinstance(error, IdentityError) and not isinstance(error, IncompleteOpinionError):
            self._ask(case_id, response, settings, error=user_message(error, self))  # ask again, nothing kept
            return
        self._failed(_("Sign"), error)

    def _failed(self, title: str, error: BaseException) -> None:
        self.window.statusBar().clearMessage()
        self._warn(title, user_message(error, self))

    # -- addenda, signed opinions --------------------------------------------------------------

    def new_addendum(self) -> None:
        """The signed text becomes a new draft for the next addendum; the signed one stays."""
        from app.signoff.signing import start_addendum  # pyHanko and the letters: at first use
        form, case_id = self._form(), self.dock.case_id
        if form is None or case_id is None or not self.dock.locked:
            return
        draft = start_addendum(form.response())
        self.dock.set_opinions(self.dock.opinions, locked=False)
        form.set_response(draft)
        self.window.save_draft(case_id, draft)
        self.dock.focus_form()

    def open_signed(self, number: int | None = None) -> None:
        case_id = self.dock.case_id
        if case_id is None or not self.dock.opinions:
            return
        number = self.dock.opinions[-1].number if number is None else number
        store = self.store
        self.store_runner.run(lambda token, progress: SignedOpinionStore(store).pdf(case_id, number),
                              success=lambda pdf: self.case_view.open_pdf(opinion_key(number), self._title(number),
                                                                          pdf),
                              failure=lambda error: self._failed(_("Open the signed opinion"), error))

    def print_signed(self) -> None:
        """The latest signed opinion in a print preview (app/ui/pdf_print.py), byte for byte as signed."""
        case_id = self.dock.case_id
        if case_id is None or not self.dock.opinions:
            return
        number, store = self.dock.opinions[-1].number, self.store

        def show(pdf: bytes) -> None:
            from app.ui.pdf_print import preview_and_print
            try:
                self.print_preview = preview_and_print(self.window, pdf, self._title(number))
            except Exception as error:  # noqa: BLE001 - said in words, nothing else changes
                self._failed(_("Print"), error)

        self.store_runner.run(lambda token, progress: SignedOpinionStore(store).pdf(case_id, number), success=show,
                              failure=lambda error: self._failed(_("Print"), error))

    def export_path(self, case_id: str, opinion) -> str:
        """Where the export dialog starts: the folder of the last export, else the user's
        documents; a name a person can read ("Second opinion - Test Patient - 2026-12-02.pdf")."""
        folder = self.window.settings.export_folder
        if not folder or not Path(folder).is_dir():
            folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) \
                or str(Path.home())
        data = self.case_view.data
        patient = (data.view.get("patient") or {}) if data is not None and data.case_id == case_id else {}
        name = " ".join(p for p in (patient.get("given_names"), patient.get("family_name")) if p)
        what = (_("Addendum {n}").format(n=opinion.number) if opinion.number
                else _("Second opinion"))
        stem = " - ".join(p for p in (what, name, (opinion.signed_at or "")[:10]) if p)
        return str(Path(folder) / readable_file_name(stem, ".pdf", fallback=_("Second opinion")))

    def export_signed(self, path: str | None = None) -> None:
        """Write the latest signed opinion to a file, byte for byte; audited as an export."""
        from app.signoff.signing import export_signed_opinion  # pyHanko and the letters: at first use
        case_id = self.dock.case_id
        if case_id is None or not self.dock.opinions:
            self._warn(_("Export"), _("The case has no signed opinion yet."))
            return
        number = self.dock.opinions[-1].number
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self.window, _("Export the signed opinion"),
                                                        self.export_path(case_id, self.dock.opinions[-1]),
                                                        _("PDF documents (*.pdf)"))
            if not path:
                return
            self.window.settings.export_folder = str(Path(path).parent)
        store, target = self.store, Path(path)
        self.store_runner.run(lambda token, progress: export_signed_opinion(store, case_id, target, number),
                              success=lambda _number: self.window.statusBar().showMessage(
                                  _("Exported to {path}").format(path=target), 8000),
                              failure=lambda error: self._failed(_("Export"), error))
