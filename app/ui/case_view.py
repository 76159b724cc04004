"""The case view: the navigator on the left, the documents and series in tabs in the middle
(two tab panes side by side when split). Viewers come from the registry by media type;
bytes are decrypted off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from app.store.drafts import DraftStore
from app.store.opinions import SignedOpinionStore
from app.ui.case_key_images import KeyImageEditing
from app.ui.case_read_state import CaseReadState
from app.ui.case_sheet_strip import CaseSheetStripWidget
from app.ui.case_view_texts import CaseViewTexts, document_key
from app.ui.dossier_search_widget import DossierSearchWidget
from app.ui.form_dock import FormSetup, prepare_form
from app.ui.document_identity_flags import DocumentIdentityFlags
from app.ui.navigator_widget import THUMB, header_and_navigator
from app.ui.task_runner import TaskRunner
from app.ui.text_jobs import load_texts
from viewers import base
from viewers.documents import load_failure
from app.core.i18n import _

CACHE_MB = 512


@dataclass
class CaseData:
    """Everything a case view shows, read off the GUI thread."""

    case_id: str
    view: dict
    documents: list[dict]  # the record's documents, with their "blob"
    series: dict = field(default_factory=dict)  # series_uid -> SeriesModel
    draft: dict | None = None
    draft_error: str | None = None
    draft_saved_at: datetime | None = None  # local time of the shown draft's last save
    form: FormSetup | None = None
    opinions: list = field(default_factory=list)  # the signed opinions (app.store.opinions.SignedOpinion)
    key_images: list = field(default_factory=list)  # kept with the case: the form shows them at once
    presentation: object = None  # the case's presentation states (viewers.dicom.presentation.PresentationIndex)
    missing: list[str] = field(default_factory=list)  # what the case still lacks to be signed
    read: dict = field(default_factory=dict)  # the documents opened: {document code: first opened, UTC}
    texts: dict = field(default_factory=dict)  # doc id -> DocumentText kept (app/store/texts.py)
    texts_missing: list[str] = field(default_factory=list)  # doc ids whose text is still to be read


#: What opening a case needs that the worklist does not (Qt-free modules only), imported by
#: `preload_case_modules` on a worker while the user looks at the list.
CASE_MODULES = ("numpy", "app.dossier.case_view", "app.dossier.case_record", "app.dossier.case_sheet",
                "app.dossier.manifest_signature", "app.dossier.case_documents", "viewers.dicom.series",
                "viewers.dicom.sources", "viewers.dicom.pixels", "app.signoff.signing", "app.outgoing.package")


def preload_case_modules(token=None) -> None:
    """Qt-free, for a worker: import CASE_MODULES (pydicom, pyHanko, the letters) so that the
    first case opens without waiting for them; stops at `token`'s cancel."""
    import importlib

    for name in CASE_MODULES:
        if token is not None:
            token.check()
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a part that cannot load: the case view says so when it needs it
            pass


def register_viewers() -> None:
    """On the GUI thread: the viewers' widgets registered (viewers/base.py)."""
    from viewers import register_widget  # noqa: F401 - registers the PDF, image and text viewers
    from viewers.dicom import widget as dicom_widget  # noqa: F401 - registers the DICOM series viewer


def viewer_for(kind: str):
    """The viewer of `kind` (viewers/base.py); the viewers register themselves when first
    asked for, on the GUI thread, so the window starts without them (pdfium, pydicom)."""
    register_viewers()
    return base.viewer_for(kind)


def load_case(store, case_id: str, cache) -> CaseData:
    """Qt-free work for the store runner: the case, its series models and its draft."""
    from app.dossier.case_sheet import missing_for_signing
    from app.dossier.case_view import case_json
    from viewers.dicom.series import SeriesModel
    from viewers.dicom.sources import series_from_case

    record = store.record(case_id)
    texts, texts_missing = load_texts(store, case_id, record)
    view = case_json(store, case_id, record, texts)  # each document's identity checked in its text
    documents = record["documents"]
    series = {}
    foreign = {s["study_uid"] for s in view.get("studies", []) if s["identity"]["status"] == "mismatch"}
    for study, summary, refs, loader in series_from_case(store, case_id, record=record):
        series[summary.series_uid] = SeriesModel(refs, loader, cache=cache)
        series[summary.series_uid].other_patient = study.study_uid in foreign
    data = CaseData(case_id, view, documents, series)
    try:
        from viewers.dicom.presentation_sources import presentation_states_from_case
        data.presentation = presentation_states_from_case(store, case_id, record=record)
    except Exception:  # noqa: BLE001 - a presentation state never keeps the images closed
        data.presentation = None
    drafts = DraftStore(store)
    data.draft, data.draft_error = drafts.load_recovering(case_id)
    if data.draft is not None:
        data.draft_saved_at = drafts.saved_at(case_id, previous=data.draft_error is not None)
    opinions = SignedOpinionStore(store)
    data.opinions = opinions.list(case_id)
    if data.opinions and data.draft is None:
        # Signed, but no draft (it could not be written or read): the signed text, locked, so
        # that an addendum starts from what was signed and not from an empty form.
        data.draft = opinions.response(case_id, data.opinions[-1].number)
    try:
        from app.store.annotations import AnnotationStore
        data.key_images = AnnotationStore(store).key_images(case_id)
    except Exception:  # noqa: BLE001 - damaged annotations must not keep the case closed
        data.key_images = []
    try:
        from app.store.annotations import AnnotationStore
        data.read = AnnotationStore(store).read_documents(case_id)
    except Exception:  # noqa: BLE001 - damaged annotations must not keep the case closed
        data.read = {}
    data.texts, data.texts_missing = texts, texts_missing
    data.form = prepare_form(record, data.draft, read=set(data.read))
    data.missing = missing_for_signing(record)
    return data


def thumbnail_pixels(frame):
    """Qt-free: the rendered frame (a numpy array), subsampled to about twice the thumbnail size."""
    import numpy as np  # with the images, not at the window's start

    from viewers.dicom.pixels import render

    h, w = frame.modality.shape[:2]
    step = max(1, min(h, w) // (2 * THUMB))
    return np.ascontiguousarray(render(frame)[::step, ::step])


class CaseViewWidget(QSplitter):
    """`show_case(data)`; `open_document(n)`, `open_series(uid)`, `next_item(+1/-1)`."""

    _thumbnailReady = Signal(str, object)  # series uid, uint8 pixels (from a model's worker)
    documentShown = Signal(str)  # the tab title
    keyImagesChanged = Signal(list)  # the case's key images, for the form
    textsChanged = Signal(dict)  # every text of the case known now: doc id -> DocumentText

    def __init__(self, store, runner: TaskRunner, store_runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.store, self.runner, self.store_runner = store, runner, store_runner
        self.data: CaseData | None = None
        self.dicom = None
        self.images = None  # the "Images" tab (case_images_widget.py): the viewer and its tag browser
        left, self.header, self.navigator = header_and_navigator(self)
        self.search_panel = DossierSearchWidget(left)  # Ctrl+Shift+F, above the navigator
        self.search_panel.hide()
        left.layout().insertWidget(2, self.search_panel, 1)
        self.search_panel.closed.connect(lambda: self.current_tabs.setFocus())
        self.texts = CaseViewTexts(self, self.search_panel, runner)
        self.key_image_editing = KeyImageEditing(self)
        self.read_state = CaseReadState(self)  # which documents were opened (case_read_state.py)
        self.addWidget(left)
        right = QWidget(self)
        self.strip = CaseSheetStripWidget(right)
        self.panes = QSplitter(Qt.Orientation.Horizontal, right)
        self.tabs = [QTabWidget(self.panes), QTabWidget(self.panes)]
        for tabs in self.tabs:
            tabs.setTabsClosable(True)
            tabs.setDocumentMode(True)
            tabs.tabCloseRequested.connect(lambda i, t=tabs: self._close_tab(t, i))
        self.tabs[1].hide()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.strip)
        column.addWidget(self.panes, 1)
        self.addWidget(right)
        self.setStretchFactor(0, 0)
        self.setStretchFactor(1, 1)
        self.setSizes([320, 1000])
        self.navigator.documentActivated.connect(self.open_document)
        self.navigator.seriesActivated.connect(self.open_series)
        self.navigator.compareRequested.connect(self.compare_with_prior)
        self.identity_flags = DocumentIdentityFlags(self)  # documents checked again as their texts arrive
        self._thumbnailReady.connect(self._set_thumbnail)
        self._order: list[tuple[str, object]] = []
        self._position = -1
        self._images: list = []  # keeps thumbnail pixels alive with their QImage

    # -- the case ------------------------------------------------------------------------------

    def show_case(self, data: CaseData) -> None:
        self.clear_case()
        self.data = data
        self.header.set_case(data.view)
        self.navigator.set_case(data.view)
        self.key_image_editing.group.set_key_images(data.key_images)
        self.read_state.set_case(data)
        self.strip.set_missing(data.missing)
        # Next document follows the navigator as the reviewer reads it (grouped by kind, then the
        # images); whatever the tree does not list comes last, in the case's order.
        shown = [(kind, value) for kind, value in self.navigator.reading_order()
                 if (kind == "document" and 0 <= int(value) < len(data.documents))  # type: ignore[call-overload]
                 or (kind == "series" and value in data.series)]
        rest = [("document", n) for n in range(len(data.documents))] + [("series", uid) for uid in data.series]
        self._order = list(dict.fromkeys(shown + rest))
        for uid, model in data.series.items():
            self._request_thumbnail(uid, model)
        self.texts.show_case(data)

    def clear_case(self) -> None:
        for tabs in self.tabs:
            while tabs.count():
                widget = tabs.widget(0)
                tabs.removeTab(0)
                widget.deleteLater()
        self.dicom = self.images = None
        if self.data is not None:
            for model in self.data.series.values():
                model.close(timeout=0)
        self.data = None
        self.texts.clear()
        self.strip.set_missing([])
        self._position = -1

    @property
    def current_tabs(self) -> QTabWidget:
        return self.tabs[1] if self.tabs[1].isVisible() else self.tabs[0]

    def toggle_split(self) -> None:
        """Two panes side by side; new documents open in the right one while split."""
        self.tabs[1].setVisible(not self.tabs[1].isVisible())
        if not self.tabs[1].isVisible():
            while self.tabs[1].count():
                widget, title = self.tabs[1].widget(0), self.tabs[1].tabText(0)
                self.tabs[1].removeTab(0)
                self.tabs[0].addTab(widget, title)
        else:
            self.panes.setSizes([1, 1])

    # -- documents -----------------------------------------------------------------------------

    def open_document(self, n: int) -> None:
        if self.data is None or not 0 <= n < len(self.data.documents):
            return
        self._position = self._order.index(("document", n))
        self.navigator.select_document(n)
        doc = self.data.documents[n]
        key = document_key(doc, n)
        if self._focus_existing(key):
            if (shown := self.tab_for(key)) is not None and shown.property("secondo_shown"):
                self.read_state.document_shown(n)
                self.texts.give_text(shown, doc, key)  # a hit asked for in a document already open
            return
        title = doc.get("title") or doc.get("path") or _("Document")
        entry = viewer_for(doc.get("media_type") or "")
        tabs = self.current_tabs
        if entry is None:
            widget = self._message(_("No viewer for this document type ({type}).").format(
                type=doc.get("media_type") or _("unknown")))
            self._add_tab(tabs, widget, title, key)
            return
        widget = entry.factory(tabs)
        self._add_tab(tabs, widget, title, key)
        blob = doc.get("blob")
        vault = self.store.vault

        def shown(data, widget=widget):
            try:
                ok = widget.show_document(data, title)
            except Exception as exc:  # noqa: BLE001 - a viewer's failure stays in its tab
                failed(exc, widget)
            else:
                self.check_signature(widget, data)
                if ok is not False and self.data is not None and n < len(self.data.documents) \
                        and self.data.documents[n] is doc:
                    widget.setProperty("secondo_shown", True)
                    self.read_state.document_shown(n)  # read: the viewer shows it
                    self.texts.give_text(widget, doc, key)  # its text, the hit it was opened for
            self.documentShown.emit(title)

        def failed(error, widget=widget):
            reason = load_failure(error)
            if hasattr(widget, "show_error"):
                widget.show_error(reason)
            self.documentShown.emit(title)

        self.runner.run(lambda token, progress: vault.read_bytes(blob), success=shown, failure=failed)

    def set_texts(self, texts: dict) -> None:
        """Texts of the case's documents that were read (doc id -> DocumentText; the others
        are kept): the search is rebuilt, the open documents get theirs, `textsChanged`."""
        if self.texts.set_texts(texts) and self.data is not None:
            self.textsChanged.emit(dict(self.data.texts))

    def set_reading(self, documents: int) -> None:
        """How many documents' text the text job is still reading (0: none)."""
        self.search_panel.set_reading(documents)

    def open_search(self) -> None:
        """Ctrl+Shift+F: the search panel, the cursor in its field."""
        if self.data is not None:
            self.widget(0).show()
            self.search_panel.open_panel()

    def open_pdf(self, key: str, title: str, data: bytes, unsigned_note: str | None = None) -> QWidget | None:
        """Show PDF bytes that are not a dossier document (the opinion's preview, a signed
        opinion) in a tab of their own, reusing the tab of the same `key`."""
        entry = viewer_for("application/pdf")
        if entry is None:
            return None
        widget = self.tab_for(key)
        if widget is None:
            tabs = self.current_tabs
            widget = entry.factory(tabs)
            self._add_tab(tabs, widget, title, key)
        else:
            self._focus_existing(key)
        widget.show_document(data, title)
        if unsigned_note is not None and hasattr(widget, "set_signature_status"):
            widget.set_signature_status("unsigned", unsigned_note)
        else:
            self.check_signature(widget, data)
        self.documentShown.emit(title)
        return widget

    def check_signature(self, widget: QWidget, data: bytes) -> None:
        """For a signed PDF: check its signatures off the GUI thread and show the result above
        the pages (signer, time, intact, trusted, whole document), as `secondo verify` does."""
        if not hasattr(widget, "set_signature_status") or b"/ByteRange" not in data:
            return
        from app.signing.trust import trusted_signer_roots
        from app.signing.verify import status_line, verify_pdf_bytes

        widget.set_signature_status("checking", _("Checking the signature…"))
        data = bytes(data)
        widget.signed_bytes = data  # what "Trust this issuer…" offers, the document shown now
        if hasattr(widget, "signatureActionRequested") and not widget.property("secondo_trust_offer"):
            widget.setProperty("secondo_trust_offer", True)
            widget.signatureActionRequested.connect(lambda w=widget: self.trust_issuer(w))

        def done(result, widget=widget):
            state, line = result
            try:
                widget.set_signature_status(state, line, _("Trust this issuer…") if state == "untrusted" else "")
            except RuntimeError:
                pass  # the tab was closed meanwhile

        self.runner.run(lambda token, progress: status_line(verify_pdf_bytes(data, trusted_signer_roots())),
                        success=done)

    def trust_issuer(self, widget: QWidget) -> None:
        """The banner's "Trust this issuer…": the issuer's details, confirmed, trusted; then the
        signature is checked again."""
        from app.ui.trust_dialog import offer_issuer_trust

        data = widget.signed_bytes
        offer_issuer_trust(self, self.store, self.store_runner, data, lambda: self.check_signature(widget, data))

    def open_series(self, series_uid: str) -> None:
        if self.data is None or series_uid not in self.data.series:
            return
        self._position = self._order.index(("series", series_uid))
        self.navigator.select_series(series_uid)
        model = self.data.series[series_uid]
        if self.dicom is None:
            entry = viewer_for(base.DICOM_SERIES)
            if entry is None:
                return
            from app.ui.case_images_widget import CaseImagesWidget  # with the images (pydicom), not at the start

            tabs = self.current_tabs
            self.dicom = entry.factory(tabs)
            self.images = CaseImagesWidget(self.dicom, tabs)
            # In the navigator's reading order, so that 1x2 and 2x2 fill with the next series.
            self.dicom.set_series_list([self.data.series[uid] for kind, uid in self._order if kind == "series"])
            if hasattr(self.dicom, "attach_annotations"):
                from app.store.annotations import AnnotationStore
                try:
                    self.dicom.attach_annotations(AnnotationStore(self.store), self.data.case_id,
                                                  background=self._store_write)
                    self.dicom.key_images = list(self.data.key_images)  # with the edits still being written
                except Exception:  # noqa: BLE001 - damaged annotations must not keep the images closed
                    pass
            if self.data.presentation is not None and hasattr(self.dicom, "set_presentation_states"):
                self.dicom.set_presentation_states(self.data.presentation)
            if hasattr(self.dicom, "keyImageAdded"):
                self.dicom.keyImageAdded.connect(lambda _k: self.keyImagesChanged.emit(list(self.dicom.key_images)))
                self.keyImagesChanged.emit(list(self.dicom.key_images))
            self._add_tab(tabs, self.images, _("Images"), "dicom")
        else:
            self._focus_existing("dicom")
        self.dicom.show_series(model)
        self.documentShown.emit(_("Images"))

    def compare_with_prior(self, uid: str | None = None) -> bool:
        """View ▸ Compare with prior, or a study's or series' in the navigator (`uid`; default:
        the navigator's current item, else the series shown): it and its prior side by side."""
        from app.ui.compare_navigator import item_uid
        from app.dossier.priors import prior_pair

        if self.data is None:
            return False
        if uid is None:
            uid = item_uid(self.navigator.currentItem(), self.navigator.series_role)
        if uid is None and self.dicom is not None and self.dicom.active.series is not None:
            uid = self.dicom.active.series.series_uid
        pair = prior_pair(self.data.view.get("studies") or [], uid) if uid else None
        if pair is None or not all(p in self.data.series for p in pair):
            if self.dicom is not None:
                self.dicom.active.flash(_("No comparable prior study in this case"))
            return False
        current, prior = pair
        self.open_series(current)
        if self.dicom is None or not hasattr(self.dicom, "compare"):
            return False
        self.dicom.compare(self.data.series[current], self.data.series[prior])
        return True

    def focus_search(self) -> None:
        """Ctrl+F: the cursor into the search field of the shown document, when it has one (a PDF)."""
        shown = self.current_tabs.currentWidget()
        if shown is None:
            return
        viewer = shown if hasattr(shown, "focus_search") else next(
            (w for w in shown.findChildren(QWidget) if hasattr(w, "focus_search")), None)
        if viewer is not None:
            viewer.focus_search()

    def show_timeline(self) -> None:
        """View ▸ Timeline: the case's history on a time axis, in a tab (app/ui/timeline_widget.py)."""
        from app.ui.timeline_widget import show_timeline

        show_timeline(self)

    def open_target(self, target) -> None:
        """("document", n) or ("series", uid): open it."""
        kind, value = target
        if kind == "document":
            self.open_document(value)
        elif kind == "series":
            self.open_series(value)

    def next_item(self, step: int) -> None:
        """Open the next (+1) or previous (-1) document or series of the navigator."""
        if not self._order:
            return
        self._position = (self._position + step) % len(self._order)
        kind, value = self._order[self._position]
        if kind == "document":
            self.open_document(value)
        else:
            self.open_series(value)

    def _store_write(self, work) -> None:
        self.store_runner.run(lambda token, progress: work())

    def _message(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        return label

    def _add_tab(self, tabs: QTabWidget, widget: QWidget, title: str, key: str) -> None:
        widget.setProperty("secondo_key", key)
        short = title if len(title) <= 32 else title[:30] + "…"
        tabs.setCurrentIndex(tabs.addTab(widget, short))
        tabs.setTabToolTip(tabs.currentIndex(), title)
        if widget.focusProxy() is not None:  # Tab from the tab bar goes into the document, not past it
            QWidget.setTabOrder(tabs.tabBar(), widget.focusProxy())

    def tab_for(self, key: str) -> QWidget | None:
        for tabs in self.tabs:
            for i in range(tabs.count()):
                if tabs.widget(i).property("secondo_key") == key:
                    return tabs.widget(i)
        return None

    def _focus_existing(self, key: str) -> bool:
        for tabs in self.tabs:
            for i in range(tabs.count()):
                if tabs.widget(i).property("secondo_key") == key:
                    tabs.setCurrentIndex(i)
                    return True
        return False

    def _close_tab(self, tabs: QTabWidget, i: int) -> None:
        widget = tabs.widget(i)
        tabs.removeTab(i)
        if widget is self.images or widget is self.dicom:
            self.dicom = self.images = None
        widget.deleteLater()

    # -- thumbnails ----------------------------------------------------------------------------

    def _request_thumbnail(self, uid: str, model) -> None:
        from viewers.dicom.pixels import Frame

        def done(_n, result, uid=uid):
            if isinstance(result, Frame):
                try:
                    self._thumbnailReady.emit(uid, thumbnail_pixels(result))
                except RuntimeError:
                    pass  # the window is gone
        if len(model):
            model.request(len(model) // 2, done, viewport=("thumbnail", id(self)))

    def _set_thumbnail(self, uid: str, pixels) -> None:
        h, w = pixels.shape[:2]
        fmt = QImage.Format.Format_Grayscale8 if pixels.ndim == 2 else QImage.Format.Format_RGB888
        image = QImage(pixels.data, w, h, pixels.strides[0], fmt).scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        self.navigator.set_thumbnail(uid, QPixmap.fromImage(image))
