"""The workstation window: it wires the worklist, the case view, the form dock, imports,
settings and shortcuts together, and holds no business logic of its own."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QStackedWidget

from app.store.drafts import DraftStore
from app.ui.add_documents_dialog import is_document
from app.ui.case_read_state import tick_reviewed
from app.ui.case_removal_controller import CaseRemovalController
from app.ui.case_sheet_controller import CaseSheetController
from app.ui.case_view import CACHE_MB, CaseData, CaseViewWidget, load_case, preload_case_modules, register_viewers
from app.ui.form_dock import FormDockWidget
from app.ui.import_dialog import ImportController, importable
from app.ui.language_menu import LanguageMenu
from app.ui.opinion_controller import OpinionController
from app.ui.screen_fit import fit_to_screen
from app.ui.settings import WindowSettings
from app.ui.shortcuts import KeyboardDialog, make_action
from app.ui.task_runner import TaskRunner, user_message
from app.ui.text_jobs import attach_text_jobs
from app.ui.worklist_widget import WorklistWidget, load_summaries, load_to_send
from app.core.i18n import _


GRACE_MS = 250  # on close: how long cancelled work may take to stop before the window says it waits


#: How long after the worklist is shown the case view's modules are loaded on a worker.
PRELOAD_AFTER_MS = 1500


class MainWindow(QMainWindow):
    """`MainWindow(store)`; `open_case(case_id)`; `caseShown(case_id)` once a case is on screen."""

    caseShown = Signal(str)
    casesLoaded = Signal(int)
    closing = Signal()  # the close has begun: work is stopping, nothing new is taken
    restartRequested = Signal()  # Settings ▸ Language ▸ Restart now: start again once closed

    def __init__(self, store, *, credentials: list = (), roots: list | None = None) -> None:
        super().__init__()
        from viewers.dicom.cache import MiB, FrameCache

        self.setWindowTitle(_("Second-O Workstation"))
        self.resize(1400, 900)
        self.setAcceptDrops(True)
        self.store = store
        self.runner = TaskRunner(self)  # reads and decodes
        # The one writer (and index reader); on close its writes are waited for, not cancelled.
        self.store_runner = TaskRunner(self, max_threads=1, cancel_on_close=False)
        self._closing = self._closed = False
        self._preload_planned = False
        self.restart_available = False  # set by app_main.run_gui, which can start the window again
        self.cache = FrameCache(CACHE_MB * MiB)
        self.drafts = DraftStore(store)
        self.settings = WindowSettings(store.home)
        self.worklist = WorklistWidget(self)
        self.case_view = CaseViewWidget(store, self.runner, self.store_runner, self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.worklist)
        self.pages.addWidget(self.case_view)
        self.setCentralWidget(self.pages)
        self.form = FormDockWidget(self.save_draft, self)
        self.form_dock = QDockWidget(_("Opinion"), self)
        self.form_dock.setObjectName("opinion-dock")
        self.form_dock.setWidget(self.form)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.form_dock)
        self.form_dock.hide()
        self.importer = ImportController(store, self.store_runner, self, credentials, roots)
        self.importer.imported.connect(self._imported)
        self.importer.openRequested.connect(self.open_case)
        self.opinion = OpinionController(self, store, self.store_runner, self.form, self.case_view)
        self.case_sheet = CaseSheetController(self, store, self.store_runner, lambda: self.form.case_id)
        self.case_sheet.changed.connect(self._case_changed)
        self.case_view.strip.completeRequested.connect(lambda: self.case_sheet.open())
        self.worklist.caseActivated.connect(self.open_case)
        self.worklist.sendRequested.connect(self.show_outgoing)
        self.removal = CaseRemovalController(self)
        self.case_view.keyImagesChanged.connect(self.form.set_key_images)
        self.case_view.documentShown.connect(lambda title: self.statusBar().showMessage(title, 4000))
        self.case_view.read_state.message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.case_view.read_state.firstRead.connect(lambda case_id, code: tick_reviewed(self.form, case_id, code))
        self.text_jobs = attach_text_jobs(self)  # the documents' text read in the background
        self._build_menus()
        self._dock_sized = self.settings.restore_window(self)
        self.fit_to_screen()
        self.settings.restore_splitter("case", self.case_view)
        self.form_dock.hide()  # shown with a case
        self._full_screen_from = None
        self.refresh_cases()

    # -- menus and shortcuts -------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        file_menu.addAction(make_action(self, "import", _("&Import package or ISO…"),
                                        self.importer.choose_and_import))
        file_menu.addAction(_("Import &folder…"), lambda: self.importer.choose_and_import(folder=True))
        file_menu.addAction(_("Add &documents…"), lambda: self.case_sheet.add_documents())
        file_menu.addSeparator()
        file_menu.addAction(_("Open a signed &PDF to check…"), self.open_pdf_file)
        file_menu.addSeparator()
        file_menu.addAction(make_action(self, "quit", _("&Quit"), self.close))
        view = self.menuBar().addMenu(_("&View"))
        view.addAction(make_action(self, "worklist", _("&Worklist"), self.show_worklist))
        view.addAction(make_action(self, "next_document", _("&Next document"),
                                   lambda: self.case_view.next_item(1)))
        view.addAction(make_action(self, "previous_document", _("&Previous document"),
                                   lambda: self.case_view.next_item(-1)))
        view.addAction(make_action(self, "next_unread", _("Next &unread document"),
                                   self.case_view.read_state.next_unread))
        view.addAction(make_action(self, "split", _("&Side by side"), self.case_view.toggle_split))
        view.addAction(_("Compare with p&rior"), lambda: self.case_view.compare_with_prior())
        view.addAction(make_action(self, "timeline", _("&Timeline"), lambda: (
            self.case_view.show_timeline() if self.pages.currentWidget() is self.case_view else None)))
        view.addAction(make_action(self, "find", _("Fin&d in the document"), self.case_view.focus_search))
        view.addAction(make_action(self, "search_dossier", _("Search the d&ossier…"), self.search_dossier))
        view.addSeparator()
        view.addAction(make_action(self, "focus_form", _("Fo&cus the form"), self.focus_form))
        view.addAction(make_action(self, "toggle_form", _("Show/hide the &form"), self.toggle_form))
        view.addAction(make_action(self, "full_screen_viewer", _("Full-screen &viewer"),
                                   self.toggle_full_screen_viewer))
        case_menu = self.menuBar().addMenu(_("&Case"))
        case_menu.addAction(make_action(self, "case_sheet", _("Case &sheet…"), lambda: self.case_sheet.open()))
        case_menu.addAction(_("Add &documents…"), lambda: self.case_sheet.add_documents())
        opinion = self.menuBar().addMenu(_("&Opinion"))
        self.preview_action = make_action(self, "preview", _("&Preview"), self.opinion.preview)
        self.sign_action = make_action(self, "sign", _("&Sign…"), self.opinion.sign)
        opinion.addAction(self.preview_action)
        opinion.addAction(self.sign_action)
        self.addendum_action = opinion.addAction(_("New &addendum"), self.opinion.new_addendum)
        opinion.addSeparator()
        self.open_signed_action = opinion.addAction(_("&Open the signed opinion"), self.opinion.open_signed)
        self.export_action = opinion.addAction(_("&Export the signed opinion…"), self.opinion.export_signed)
        self.print_action = opinion.addAction(_("P&rint the signed opinion…"), self.opinion.print_signed)
        opinion.addAction(_("Se&nd to the recipients…"), lambda: self.show_outgoing())
        self.form.actionsChanged.connect(self._update_opinion_actions)
        self._update_opinion_actions()
        settings_menu = self.menuBar().addMenu(_("&Settings"))
        settings_menu.addAction(_("&Reviewer and letterhead…"), self.show_letterhead)
        settings_menu.addAction(_("&Address book…"), self.show_address_book)
        settings_menu.addAction(_("&Trusted issuers…"), self.show_trust)
        settings_menu.addSeparator()
        self.language_menu = LanguageMenu(self.store.home, self, self.request_restart,
                                          lambda: self.restart_available)
        settings_menu.addMenu(self.language_menu)
        help_menu = self.menuBar().addMenu(_("&Help"))
        help_menu.addAction(make_action(self, "keyboard", _("&Keyboard…"), self.show_keyboard))

    def request_restart(self) -> None:
        """Close as the user would (layout, drafts and work in flight saved or waited for), then
        start again, where the starter can (app_main.run_gui); otherwise only the close."""
        self.restartRequested.emit()
        self.close()

    def fit_to_screen(self) -> None:
        """No larger than the screen's free area (a 1024x700 laptop, a 2x scaled display): the
        default size and a size saved on a bigger screen are both cut down."""
        fit_to_screen(self)

    def _update_opinion_actions(self) -> None:
        """The Opinion menu offers what the open case allows: Preview and Sign while the opinion
        is a draft, New addendum once it is signed, the signed opinion once there is one."""
        form = self.form
        editable = form.case_id is not None and form.form is not None and not form.busy and not form.locked
        self.preview_action.setEnabled(editable)
        self.sign_action.setEnabled(editable)
        self.addendum_action.setEnabled(form.case_id is not None and form.locked and not form.busy)
        self.open_signed_action.setEnabled(form.case_id is not None and bool(form.opinions))
        self.export_action.setEnabled(form.case_id is not None and bool(form.opinions))
        self.print_action.setEnabled(form.case_id is not None and bool(form.opinions))

    def show_keyboard(self) -> KeyboardDialog:
        dialog = KeyboardDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_pdf_file(self, path: str | None = None) -> None:
        """Any PDF from disk in a tab of the case view, its signatures checked as `secondo verify` does."""
        from PySide6.QtWidgets import QFileDialog

        if path is None:
            path, _filter = QFileDialog.getOpenFileName(self, _("Open a signed PDF"), "",
                                                        _("PDF documents (*.pdf);;All files (*)"))
            if not path:
                return
        target = Path(path)

        def read(token, progress) -> bytes:
            try:
                return target.read_bytes()
            except OSError as exc:
                from app.core.errors import BadInputError
                raise BadInputError(_("Cannot read {path}: {reason}").format(
                    path=target, reason=exc.strerror or exc)) from None

        def shown(data: bytes) -> None:
            self.pages.setCurrentWidget(self.case_view)
            self.case_view.open_pdf(f"file:{target}", target.name, data)

        self.runner.run(read, success=shown, failure=self._case_failed)

    def show_outgoing(self, case_id: str | None = None):
        """The outgoing dialog for `case_id` (default: the open case, else the worklist's selection)."""
        from app.ui.outgoing_dialog import OutgoingDialog

        case_id = case_id or self.form.case_id or self.worklist.selected_case()
        if case_id is None:
            return None
        dialog = OutgoingDialog(self.store, self.store_runner, case_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.packaged.connect(lambda _role: self.refresh_cases())
        dialog.sent.connect(lambda _role: self.refresh_cases())
        self.outgoing_dialog = dialog
        dialog.open()
        return dialog

    def show_address_book(self):
        from app.ui.address_book_dialog import AddressBookDialog

        dialog = AddressBookDialog(self.store, self.store_runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_trust(self):
        from app.ui.trust_dialog import TrustDialog

        dialog = TrustDialog(self.store, self.store_runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_letterhead(self):
        from app.ui.letterhead_dialog import LetterheadDialog

        dialog = LetterheadDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def search_dossier(self) -> None:
        """Ctrl+Shift+F: the search over every document of the open case."""
        if self.form.case_id is not None:
            self.pages.setCurrentWidget(self.case_view)
            self.case_view.open_search()

    def focus_form(self) -> None:
        if self.form.case_id is not None:
            self.form_dock.show()
            self.form_dock.raise_()
            self.form.focus_form()

    def toggle_form(self) -> None:
        if self.form.case_id is not None:
            self.form_dock.setVisible(not self.form_dock.isVisible())

    def toggle_full_screen_viewer(self) -> None:
        """F11: the viewer alone on the whole screen; F11 again puts everything back."""
        if self._full_screen_from is None:
            self._full_screen_from = (self.isFullScreen(), self.form_dock.isVisible(),
                                      self.case_view.widget(0).isVisible())
            self.form_dock.hide()
            self.case_view.widget(0).hide()
            self.menuBar().hide()
            self.statusBar().hide()
            self.showFullScreen()
        else:
            was_full, form_visible, navigator_visible = self._full_screen_from
            self._full_screen_from = None
            self.form_dock.setVisible(form_visible)
            self.case_view.widget(0).setVisible(navigator_visible)
            self.menuBar().show()
            self.statusBar().show()
            if not was_full:
                self.showNormal()

    # -- worklist and cases --------------------------------------------------------------------

    def refresh_cases(self) -> None:
        store = self.store
        self.store_runner.run(lambda token, progress: load_summaries(store), success=self._cases_loaded,
                              cancel_on_close=True)

    def _cases_loaded(self, summaries: list[dict]) -> None:
        self.worklist.set_cases(summaries)
        self.casesLoaded.emit(len(summaries))
        if not self._preload_planned:  # once the list is shown, and the user reads it: the case view's modules
            self._preload_planned = True
            QTimer.singleShot(PRELOAD_AFTER_MS, self._preload_case_modules)
        pending = [s["case_id"] for s in summaries if "to_send" in s and s["to_send"] is None]
        if pending and not self._closing:  # who is still to be sent a signed opinion: after the list is shown
            store = self.store
            self.store_runner.run(lambda token, progress: load_to_send(store, pending, token),
                                  success=self.worklist.set_to_send, cancel_on_close=True)

    def _preload_case_modules(self) -> None:
        if self._closing:
            return
        self.runner.run(lambda token, progress: preload_case_modules(token),
                        success=lambda _none: None if self._closing else register_viewers(), cancel_on_close=True)

    def show_worklist(self) -> None:
        """The worklist alone: the form of the case left is saved and put away, so that no
        patient's opinion stays beside the list of every case."""
        self.form_dock.hide()
        self.form.clear()
        self.pages.setCurrentWidget(self.worklist)

    def open_case(self, case_id: str) -> None:
        self.form.flush()  # the draft of the case we leave, before anything else
        if self.form.case_id not in (None, case_id):
            self.show_worklist()  # never the form of one case over another's documents
        self.statusBar().showMessage(_("Opening the case…"))
        store, cache = self.store, self.cache
        self.store_runner.run(lambda token, progress: load_case(store, case_id, cache),
                              success=self._show_case, failure=self._case_failed, cancel_on_close=True)

    def open_case_ref(self, ref: str) -> None:
        """Open the case whose id (or unambiguous prefix) is `ref`."""
        store = self.store
        self.store_runner.run(lambda token, progress: store.resolve_case(ref), success=self.open_case,
                              failure=self._case_failed, cancel_on_close=True)

    def take_hand_over(self, message) -> None:
        """Another start on this data folder (app/ui/single_instance.py): come to the front,
        then import its files as if they were dropped here, or open its case."""
        if self._closing:
            return
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()
        files = [Path(f) for f in message.files]
        if files:
            self.importer.start(files)
        elif message.case:
            self.open_case_ref(message.case)

    def _show_case(self, data: CaseData) -> None:
        self.case_view.show_case(data)
        self.form.set_case(data.case_id, data.form, data.draft_error, data.opinions, data.draft_saved_at)
        self.form.set_key_images(data.key_images)
        self.pages.setCurrentWidget(self.case_view)
        self.form_dock.show()
        if not self._dock_sized:  # the first time only: later the user's own width is kept
            self._dock_sized = True
            # A narrow screen (1024 wide) keeps most of its width for the documents and images.
            self.resizeDocks([self.form_dock], [max(300, self.width() // 4)], Qt.Orientation.Horizontal)
            self.case_view.setSizes([min(320, max(220, self.width() // 5)), self.width()])
        self.settings.last_case = data.case_id
        self.worklist.select_case(data.case_id)
        self.statusBar().clearMessage()
        self.caseShown.emit(data.case_id)

    def _case_failed(self, error: BaseException) -> None:
        self.statusBar().clearMessage()
        QMessageBox.warning(self, _("Open case"), user_message(error, self))

    def _case_changed(self, case_id: str) -> None:
        """The case sheet saved, or documents were added: the worklist, and the case if open."""
        self.refresh_cases()
        if case_id == self.form.case_id and not self._closing:
            self.open_case(case_id)

    def _imported(self, case_id: str) -> None:
        if self._closing:
            return
        self.refresh_cases()
        self.open_case(case_id)

    def save_draft(self, case_id: str, response: dict) -> None:
        drafts, store = self.drafts, self.store

        def save(token, progress) -> bool:
            drafts.save(case_id, response)
            return store.mark_in_review(case_id)

        self.store_runner.run(save, success=lambda changed: changed and self.refresh_cases(),
                              failure=self._draft_failed)

    def _draft_failed(self, error: BaseException) -> None:
        self.statusBar().showMessage(_("The draft could not be saved: {reason}").format(
            reason=user_message(error, self)))

    # -- drag and drop -------------------------------------------------------------------------

    def _dropped_paths(self, event) -> list[Path]:
        if not event.mimeData().hasUrls():
            return []
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        return [p for p in paths if importable(p)]

    def _dropped_documents(self, event) -> list[Path]:
        """Documents (PDF, images, text) dropped while a case is open: added to that case."""
        if self.pages.currentWidget() is not self.case_view or self.form.case_id is None:
            return []
        if not event.mimeData().hasUrls():
            return []
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        return [p for p in paths if is_document(p)]

    def dragEnterEvent(self, event) -> None:
        if self._dropped_paths(event) or self._dropped_documents(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = self._dropped_paths(event)
        documents = self._dropped_documents(event)
        if paths:
            event.acceptProposedAction()
            self.importer.start(paths)
        elif documents:
            event.acceptProposedAction()
            self.case_sheet.add_documents(documents)

    # -- closing -------------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        """Cancel what can stop (imports, reads), let the writes in flight finish (drafts,
        signing), and close only once no worker is left: the store is closed after this."""
        if not self._closing:
            self._closing = True
            self.closing.emit()
            self.settings.save_window(self)
            self.settings.save_splitter("case", self.case_view)
            self.settings.sync()
            pending = self.form.response_if_dirty()
            if pending is not None:
                self.save_draft(*pending)  # the last words: queued behind the work in flight, waited for
            self.importer.stop()
            for runner in (self.runner, self.store_runner):
                runner.stop()
                runner.pool.waitForDone(GRACE_MS)  # most work stops at once; the rest is waited for below
        busy = self.runner.busy + self.store_runner.busy
        if busy:
            event.ignore()
            self._wait_to_close(busy)
            return
        if not self._closed:
            self._closed = True
            self.case_view.clear_case()
        super().closeEvent(event)

    def _wait_to_close(self, busy: list) -> None:
        """Say what the close waits for, keep the user's hands off, close again when done."""
        if self.centralWidget().isEnabled():
            for part in (self.centralWidget(), self.menuBar(), self.form_dock):
                part.setEnabled(False)
            for runner in (self.runner, self.store_runner):
                runner.drained.connect(self._close_when_drained)
        importing = self.importer.task is not None and self.importer.task in busy
        self.statusBar().show()
        self.statusBar().showMessage(_("Closing: waiting for the import to stop…") if importing
                                     else _("Closing: waiting for the work in progress to finish…"))

    def _close_when_drained(self) -> None:
        if not self._closed and not (self.runner.busy or self.store_runner.busy):
            self.close()

    def shutdown(self) -> None:
        """After the event loop (however it ended): stop the workers and wait for them all,
        without a time limit, so that nothing uses the store once it is closed."""
        self._closing = True
        for runner in (self.runner, self.store_runner):
            runner.stop()
            runner.pool.waitForDone()
