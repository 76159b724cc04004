"""The texts of a case's documents: which are not kept yet, and extracting and keeping them.

`ensure_texts` extracts (`app.dossier.document_text`: PDF text layers, OCR of scans, plain
text) the text of each document whose text is not kept (`app.store.texts.TextStore`), or
was kept by an older extractor, one document at a time, keeping each as soon as it is done:
a cancel (or a crash) loses at most the document in hand. A document whose extraction
failed is kept with its problem, so it is not tried again at every open, until the
extractor's version grows; but a scan left unread because Tesseract is not installed is
not kept, so that it is recognised once Tesseract is there. It runs in a worker (the
window's text job) or a command (`secondo search`), never on the GUI thread. Two at once
(the window and a command) do not read a document twice: each document is claimed
(`locks/text-CASE-DOC.lock`) while it is read, and whoever waited for it takes the text the
other kept. Each text is replaced whole: a crash leaves the previous text or the new one,
never half.
"""

from __future__ import annotations

from collections.abc import Callable
import time

from app.core.errors import SecondoError
from app.core.i18n import _
from app.core.page_text import DocumentText
from app.core.tasks import CancelToken, Cancelled, Progress
from app.dossier import case_summaries, document_text
from app.store.locks import HeldLock
from app.store.store import CaseStore
from app.store.texts import TextStore

#: page_progress(document entry, done pages, total pages): within the document in hand.
PageProgress = Callable[[dict, int, int], None]
#: How often a document claimed by another reader is looked at again (seconds).
CLAIM_POLL = 0.2


def text_documents(record: dict) -> list[dict]:
    """The case's documents that have a text to look for (each has an id and a stored file)."""
    return [d for d in record.get("documents", []) if d.get("id") and d.get("blob")]


def missing_texts(store: CaseStore, case_id: str, record: dict | None = None,
                  texts: dict[str, DocumentText] | None = None) -> list[dict]:
    """The record's documents whose text is not kept yet, or was kept by an older extractor,
    in the record's order. `texts`: the case's kept texts when the caller has them already
    (TextStore.load_all), else only each kept text's version is read."""
    record = record if record is not None else store.record(case_id)
    current = document_text.EXTRACTOR
    if texts is not None:
        return [d for d in text_documents(record)
                if d["id"] not in texts or texts[d["id"]].extractor < current]
    kept = TextStore(store)
    have = set(kept.kept(case_id))
    missing = []
    for doc in text_documents(record):
        version = kept.extractor(case_id, doc["id"]) if doc["id"] in have else None
        if version is None or version < current:
            missing.append(doc)
    return missing


def ensure_texts(store: CaseStore, case_id: str, token: CancelToken | None = None,
                 progress: Progress | None = None, record: dict | None = None,
                 page_progress: PageProgress | None = None) -> dict[str, DocumentText]:
    """Extract and keep the texts `missing_texts` names; {document id: text} of every
    document of the case that has one kept. `progress(done, total)` counts documents;
    `page_progress` the pages of the document in hand. `Cancelled` (from `token`) leaves the
    documents finished so far kept. When texts were kept, the case's kept summary is made
    again (`case_summaries.refresh`): its identity counts a document naming another patient."""
    record = record if record is not None else store.record(case_id)
    kept = TextStore(store)
    texts = kept.load_all(case_id)
    missing = missing_texts(store, case_id, record, texts)
    total = len(missing)
    if progress:
        progress(0, total)
    kept_now = 0
    try:
        for done, doc in enumerate(missing):
            if token is not None:
                token.check()
            texts[doc["id"]] = _read_and_keep(store, kept, case_id, doc, token, page_progress)
            kept_now += 1
            if progress:
                progress(done + 1, total)
    finally:
        if kept_now:  # the worklist's identity column counts a document naming another patient
            case_summaries.refresh(store, case_id, texts)
    wanted = {d["id"] for d in text_documents(record)}
    return {doc_id: text for doc_id, text in texts.items() if doc_id in wanted}


def _read_and_keep(store: CaseStore, kept: TextStore, case_id: str, doc: dict, token: CancelToken | None,
                   page_progress: PageProgress | None) -> DocumentText:
    """The document's text, read and kept by us, or by another reader while we waited."""
    claim = _claim(kept, case_id, doc["id"], token)
    try:
        current = kept.load(case_id, doc["id"])
        if current is not None and current.extractor >= document_text.EXTRACTOR:
            return current  # read by the other meanwhile
        text = extract(store, doc, token, page_progress)
        if not _recognition_missing(text):  # else read again once Tesseract is there
            kept.save(case_id, doc["id"], text)
        return text
    finally:
        claim.release(remove=True)


def _recognition_missing(text: DocumentText) -> bool:
    """Whether the text lacks something only because Tesseract is not installed here: such a
    text is not kept, so that the document is recognised once it is."""
    from app.dossier.ocr import ocr_unavailable

    reason = ocr_unavailable()
    return reason is not None and (text.problem == reason or any(p.problem == reason for p in text.pages))


def _claim(kept: TextStore, case_id: str, doc_id: str, token: CancelToken | None) -> HeldLock:
    """The hold on reading the document, waited for while another reader (a thread or a
    process) has it, the token checked meanwhile."""
    kept.path(case_id, doc_id)  # both ids checked: they name the lock file
    path = kept.store.home / "locks" / f"text-{case_id}-{doc_id}.lock"
    path.parent.mkdir(exist_ok=True, mode=0o700)
    while True:
        lock = HeldLock.acquire(path, wait=False)
        if lock is not None:
            return lock
        if token is not None:
            token.check()
        time.sleep(CLAIM_POLL)


def extract(store: CaseStore, doc: dict, token: CancelToken | None = None,
            page_progress: PageProgress | None = None) -> DocumentText:
    """The text of one document of the case; a document that cannot be read gives a text
    with its problem, never an exception (but `Cancelled`)."""
    def pages(done: int, total: int) -> None:
        if page_progress:
            page_progress(doc, done, total)

    try:
        data = store.vault.read_bytes(doc["blob"])
    except SecondoError as exc:
        return DocumentText([], _("The document cannot be read: {reason}").format(reason=exc),
                            document_text.EXTRACTOR)
    try:
        return document_text.extract_document_text(data, str(doc.get("media_type") or ""), token, pages)
    except Cancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - one unreadable document must not stop the others
        return DocumentText([], _("The text of the document could not be read ({reason}).").format(
            reason=type(exc).__name__), document_text.EXTRACTOR)
