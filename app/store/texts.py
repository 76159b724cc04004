"""The text of each document of a case (PDF text layers, OCR, plain text), kept encrypted.

Layout under the data folder:
    texts/CASE/DOC.sov      one document's `DocumentText` JSON, under the vault key

Extracting a text (OCR above all) is slow, so it is done once and kept: the search, the
identity check inside documents and the viewers' text layers read it back. Each file is
replaced atomically (temp file, fsync, rename): two processes keeping the same text at once
(the window and `secondo search`) leave one complete version, the last one written. Nothing
of a text is ever written in clear, and no index of it is kept: the search is built in
memory (`app.dossier.search`). Deleting a case removes its folder with the rest of its files
(`app.store.case_removal`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from app.core.errors import BadInputError, SecondoError
from app.core.i18n import _
from app.core.page_text import DocumentText
from app.store.locks import texts_lock
from app.store.paths import safe_case_id
from app.store.store import CaseNotFound, CaseStore

FOLDER = "texts"
_DOC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
_EXTRACTOR = re.compile(rb'"extractor":\s*(\d+)')


class TextStore:
    """Per case, per document, the document's text, encrypted under the vault key."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.folder = store.home / FOLDER
        self.folder.mkdir(exist_ok=True, mode=0o700)

    def _lock(self):
        """One write (or removal) at a time, also against another process."""
        return texts_lock(self.store.home)

    def case_folder(self, case_id: str) -> Path:
        return self.folder / safe_case_id(case_id)

    def path(self, case_id: str, doc_id: str) -> Path:
        if not isinstance(doc_id, str) or not _DOC_ID.fullmatch(doc_id):
            raise BadInputError(_("The document id is not a valid identifier."))
        return self.case_folder(case_id) / f"{doc_id}.sov"

    # -- reading ---------------------------------------------------------------------------

    def load(self, case_id: str, doc_id: str) -> DocumentText | None:
        """The kept text of the document, or None when none is kept (or it cannot be read:
        a text damaged at rest is extracted again rather than stopping the case)."""
        path = self.path(case_id, doc_id)
        if not path.exists():
            return None
        try:
            return DocumentText.from_json(json.loads(self.store.vault.read_file(path).decode("utf-8")))
        except (SecondoError, ValueError, KeyError, TypeError, IndexError):
            return None

    def load_all(self, case_id: str) -> dict[str, DocumentText]:
        """{document id: its text} for every text kept for the case."""
        texts: dict[str, DocumentText] = {}
        for doc_id in self.kept(case_id):
            text = self.load(case_id, doc_id)
            if text is not None:
                texts[doc_id] = text
        return texts

    def kept(self, case_id: str) -> list[str]:
        """The ids of the documents whose text is kept, sorted."""
        folder = self.case_folder(case_id)
        if not folder.is_dir():
            return []
        return sorted(p.name[:-4] for p in folder.iterdir()
                      if p.name.endswith(".sov") and _DOC_ID.fullmatch(p.name[:-4]))

    def extractor(self, case_id: str, doc_id: str) -> int | None:
        """Which extractor version made the kept text (None: none kept, or unreadable). Reads
        only the file's first encrypted chunk when that says it, not the whole text."""
        path = self.path(case_id, doc_id)
        if not path.exists():
            return None
        try:
            chunks = self.store.vault.file_chunks(path)
            first = next(chunks, b"")
            getattr(chunks, "close", lambda: None)()  # the file closed now, not at its collection
        except SecondoError:
            return None
        found = _EXTRACTOR.search(first[:200])
        if found:
            return int(found.group(1))
        text = self.load(case_id, doc_id)
        return text.extractor if text is not None else None

    # -- writing ---------------------------------------------------------------------------

    def save(self, case_id: str, doc_id: str, text: DocumentText) -> None:
        """Keep `text` as the document's text (replacing what was kept)."""
        path = self.path(case_id, doc_id)
        data = json.dumps(text.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        with self._lock():
            # A case deleted while its text was read (the deletion holds this lock while it
            # removes the case from the index): nothing is written for it.
            if self.store.index.case(case_id) is None:
                raise CaseNotFound(_("There is no case {ref} on this workstation.").format(ref=case_id))
            path.parent.mkdir(exist_ok=True, mode=0o700)
            self.store.vault.replace_bytes(path, data)

    def forget(self, case_id: str, doc_id: str) -> None:
        """Remove one document's kept text (its key material first)."""
        from app.store.case_removal import destroy

        with self._lock():
            destroy([self.path(case_id, doc_id)])

    def forget_case(self, case_id: str) -> None:
        """Remove every kept text of the case, their key material overwritten first."""
        from app.store.case_removal import destroy

        folder = self.case_folder(case_id)
        with self._lock():
            destroy([folder])
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
