"""The identity check inside documents in the case view: when the case's texts arrive
(`CaseViewWidget.textsChanged`, the background text job), the documents are checked again
(`app.dossier.document_identity`, on the store's runner) and the navigator redraws the
documents' flags and the identity line in place (the read state's marks kept)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class DocumentIdentityFlags(QObject):
    """`texts_changed(texts)` (on the case view's `textsChanged`): the case view's documents
    checked again against `texts` (doc id -> DocumentText); `changed` once the view's checks
    are the new ones (the timeline's marks follow); `checked` counts them (for tests)."""

    changed = Signal()

    def __init__(self, case_view) -> None:
        super().__init__(case_view)
        self.case_view = case_view
        self.checked = 0
        case_view.textsChanged.connect(self.texts_changed)

    def texts_changed(self, texts: dict) -> None:
        data = self.case_view.data
        if data is None:
            return
        case_id, store = data.case_id, self.case_view.store

        def work(token, progress):
            from app.dossier.document_identity import recheck

            return recheck(store.record(case_id), texts)

        def done(result) -> None:
            from app.dossier.document_identity import apply_checks

            current = self.case_view.data
            if current is None or current.case_id != case_id:
                return  # another case opened meanwhile
            apply_checks(current.view, *result)
            self.case_view.navigator.update_documents(current.view)
            read_state = getattr(self.case_view, "read_state", None)
            if read_state is not None:
                read_state.paint()  # the unread marks on the lines just written
            self.checked += 1
            self.changed.emit()

        # A record that cannot be read now keeps the flags shown; the case's opening said why.
        self.case_view.store_runner.run(work, success=done, failure=lambda exc: None)
