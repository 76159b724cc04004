"""The case view's side of the documents' text: the texts of the case shown (read with the
case, then given by the text job, app/ui/text_jobs.py), the search index rebuilt on the
runner whenever texts arrive (one build at a time; texts that arrive meanwhile make one
more), each shown document given its text (`set_document_text`) and the hit it was opened
for (`show_hit`), and the search panel (app/ui/dossier_search_widget.py)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from app.ui.dossier_search_widget import DossierSearchWidget

log = logging.getLogger(__name__)


def build_index(entries: list):
    """Qt-free, for a worker: the search index of [(document entry, DocumentText)]."""
    from app.dossier.search import SearchIndex

    return SearchIndex(entries)


def unreadable(text) -> bool:
    """Whether a document's kept text says it could not be read (a corrupt scan, a PDF that
    does not open, a page too large), with no word of it to search."""
    if text.problem:
        return True
    return bool(text.pages) and all(p.problem and not p.text.strip() for p in text.pages)


def document_key(doc: dict, n: int) -> str:
    """The case view's tab key of document `n`."""
    return f"document:{doc.get('id') or n}"


class CaseViewTexts(QObject):
    """Owned by the case view (`view.texts`); `view.data` is the case shown."""

    def __init__(self, view, panel: DossierSearchWidget, runner) -> None:
        super().__init__(view)
        self.view, self.panel, self.runner = view, panel, runner
        self.entries: list | None = None  # waiting for the build in flight to end
        self.building = False
        self.generation = 0  # a case shown since: the build's result is dropped
        self.hits: dict[str, tuple[int, str]] = {}  # tab key -> (page, query) to show once loaded
        panel.hitActivated.connect(lambda hit, query: self.open_hit(hit.document_id, hit.page, query))

    # -- the case ------------------------------------------------------------------------------

    def show_case(self, data) -> None:
        self.panel.set_reading(len(data.texts_missing))
        self.rebuild()

    def clear(self) -> None:
        self.generation += 1
        self.entries, self.building = None, False
        self.hits.clear()
        self.panel.clear()

    def set_texts(self, texts: dict) -> bool:
        data = self.view.data
        if data is None or not texts:
            return False
        data.texts.update(texts)
        data.texts_missing = [d for d in data.texts_missing if d not in texts]
        for n, doc in enumerate(data.documents):
            key = document_key(doc, n)
            widget = self.view.tab_for(key)
            if str(doc.get("id")) in texts and widget is not None and widget.property("secondo_shown"):
                self.give_text(widget, doc, key)
        self.rebuild()
        return True

    # -- documents -----------------------------------------------------------------------------

    def open_hit(self, doc_id: str, page: int, query: str) -> None:
        data = self.view.data
        if data is None:
            return
        n = next((i for i, d in enumerate(data.documents) if str(d.get("id")) == str(doc_id)), None)
        if n is None:
            return
        self.hits[document_key(data.documents[n], n)] = (page, query)
        self.view.open_document(n)

    def give_text(self, widget: QWidget, doc: dict, key: str) -> None:
        """Once a document is shown: its text (a scan's selectable words), then a hit asked for."""
        data = self.view.data
        text = data.texts.get(str(doc.get("id"))) if data is not None else None
        try:
            if text is not None and hasattr(widget, "set_document_text"):
                widget.set_document_text(text)
            hit = self.hits.pop(key, None)
            if hit is not None and hasattr(widget, "show_hit"):
                widget.show_hit(*hit)
        except RuntimeError:
            pass  # the tab was closed meanwhile
        except Exception:  # noqa: BLE001 - the document stays shown without its text layer
            log.warning("a viewer refused the document's text", exc_info=True)

    # -- the index -----------------------------------------------------------------------------

    def rebuild(self) -> None:
        data = self.view.data
        if data is None:
            return
        by_id = {str(d.get("id")): n for n, d in enumerate(data.documents)}
        self.entries = [(data.documents[by_id[doc_id]], text)
                        for doc_id, text in sorted(data.texts.items(), key=lambda e: by_id.get(e[0], 0))
                        if doc_id in by_id]
        self.panel.set_unreadable(sum(1 for _doc, text in self.entries if unreadable(text)))
        if not self.building:
            self._build()

    def _build(self) -> None:
        entries, self.entries, generation = self.entries, None, self.generation
        if entries is None:
            self.building = False
            return
        self.building = True

        def built(index, generation=generation) -> None:
            if generation == self.generation:
                self.panel.set_index(index)
                self._build()

        def failed(error, generation=generation) -> None:
            log.error("the search index could not be built", exc_info=error)
            if generation == self.generation:
                self._build()

        self.runner.run(lambda token, progress: build_index(entries), success=built, failure=failed)
