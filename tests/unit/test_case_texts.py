"""The kept texts of a case's documents (app/store/texts.py) and extracting what is missing
(app/dossier/case_texts.py): encrypted at rest, one document at a time so that a cancel
keeps what is done, a failed extraction kept with its problem until the extractor's version
grows, two writers at once leaving whole texts, and deleting a case removes them. The
extraction is faked here (its own tests are tests/unit/test_document_text.py); the real one,
OCR included, is tests/unit/test_search_command.py's."""

from __future__ import annotations

import threading

import pytest

from app.core.page_text import DocumentText, PageText, Word
from app.core.tasks import CancelToken, Cancelled
from app.dossier import document_text
from app.dossier.case_texts import ensure_texts, missing_texts, text_documents
from app.store.case_removal import delete_case
from app.store.store import CaseStore
from app.store.texts import TextStore
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures

CASE = "0123456789abcdef0123456789abcdef"
SECRET = "Gaëlle Testpatiënte, échocardiographie normale"


def sample(extractor: int = 1, problem: str | None = None) -> DocumentText:
    page = PageText(1, SECRET, "ocr", [Word("Gaëlle", 0, (0.1, 0.1, 0.2, 0.12))], 91.5)
    return DocumentText([page, PageText(2, "", "ocr", problem="The page is blank.")], problem, extractor)


def known(store: CaseStore, *case_ids: str) -> CaseStore:
    """`store` whose index also lists `case_ids` (a text is kept only for a case the index has)."""
    real = store.index.case
    store.index.case = lambda case_id: {"id": case_id} if case_id in case_ids else real(case_id)  # type: ignore[method-assign]
    return store


def all_bytes(home) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


class FakeExtraction:
    """Stands for document_text.extract_document_text: a text naming the media type, counting calls."""

    def __init__(self, monkeypatch, fail: set[str] = frozenset(), cancel_after: int | None = None,
                 token: CancelToken | None = None, gate: threading.Barrier | None = None) -> None:
        self.calls: list[str] = []
        self.fail, self.cancel_after, self.token, self.gate = fail, cancel_after, token, gate
        monkeypatch.setattr(document_text, "extract_document_text", self)

    def __call__(self, data: bytes, media_type: str, token=None, progress=None) -> DocumentText:
        self.calls.append(media_type)
        if self.gate is not None:
            self.gate.wait(timeout=30)
        if progress:
            progress(1, 1)
        if self.cancel_after is not None and len(self.calls) >= self.cancel_after and self.token is not None:
            self.token.cancel()
        if media_type in self.fail:
            return DocumentText([], "The image is damaged.", document_text.EXTRACTOR)
        return DocumentText([PageText(1, f"Echocardiografie {media_type} {len(data)}", "plain")], None,
                            document_text.EXTRACTOR)


class TestTextStore:
    def test_a_text_survives_reopening_the_store(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            TextStore(known(store, CASE)).save(CASE, "d1", sample())
        with CaseStore.open(isolated_home) as store:
            texts = TextStore(store)
            again = texts.load(CASE, "d1")
            assert again is not None and again.to_json() == sample().to_json()
            assert texts.load(CASE, "other") is None
            assert set(texts.load_all(CASE)) == {"d1"} and texts.load_all("f" * 32) == {}
            assert texts.extractor(CASE, "d1") == 1 and texts.extractor(CASE, "other") is None

    def test_nothing_is_in_clear_at_rest(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            texts = TextStore(known(store, CASE, "f" * 32))
            texts.save(CASE, "d1", sample())
            files = [p for p in texts.folder.rglob("*") if p.is_file()]
        assert [p.relative_to(texts.folder).as_posix() for p in files] == [f"{CASE}/d1.sov"]
        assert oct((texts.folder / CASE).stat().st_mode & 0o777) == "0o700"
        raw = all_bytes(isolated_home)
        for clear in ("Gaëlle", "Testpatiënte", "échocardiographie", "normale", "blank"):
            assert clear.encode() not in raw and clear.encode("utf-16-le") not in raw

    def test_a_text_damaged_at_rest_counts_as_not_kept(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            texts = TextStore(known(store, CASE, "f" * 32))
            texts.save(CASE, "d1", sample())
            path = texts.path(CASE, "d1")
            raw = bytearray(path.read_bytes())
            raw[-20] ^= 0xFF
            path.write_bytes(bytes(raw))
            assert texts.load(CASE, "d1") is None and texts.load_all(CASE) == {}

    def test_ids_cannot_point_outside_the_folder(self, isolated_home):
        from app.core.errors import BadInputError

        with CaseStore.open(isolated_home) as store:
            texts = TextStore(store)
            for case_id, doc_id in (("../x", "d1"), (CASE, "../d1"), (CASE, "a/b"), (CASE, "")):
                with pytest.raises(BadInputError):
                    texts.save(case_id, doc_id, sample())

    def test_forget_case_removes_its_texts_only(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            texts = TextStore(known(store, CASE, "f" * 32))
            texts.save(CASE, "d1", sample())
            texts.save("f" * 32, "d1", sample())
            texts.forget_case(CASE)
            assert not texts.case_folder(CASE).exists() and texts.load_all(CASE) == {}
            assert set(texts.load_all("f" * 32)) == {"d1"}


    def test_no_text_is_kept_for_a_case_the_index_does_not_have(self, isolated_home):
        from app.store.store import CaseNotFound

        with CaseStore.open(isolated_home) as store:
            texts = TextStore(store)
            with pytest.raises(CaseNotFound):
                texts.save(CASE, "d1", sample())
            assert not texts.case_folder(CASE).exists()


class TestEnsureTexts:
    def test_a_case_deleted_while_its_texts_are_read_keeps_none(self, demo_store, monkeypatch):
        """The window's text job reads in the background while the user deletes the case:
        the deletion removes what was kept, and the text read after it is not written."""
        from app.store.store import CaseNotFound

        store, case_id = demo_store
        fake = FakeExtraction(monkeypatch)
        real = fake.__call__

        def deleting(data, media_type, token=None, progress=None):
            if len(fake.calls) == 1:  # the first text is kept; the case goes while the second is read
                delete_case(store, case_id, unsent_confirmed=True)
                # the claim on the document being read, named after the case, went with it
                assert not list((store.home / "locks").glob(f"text-{case_id}-*"))
            return real(data, media_type, token, progress)

        monkeypatch.setattr(document_text, "extract_document_text", deleting)
        with pytest.raises(CaseNotFound):
            ensure_texts(store, case_id)
        assert len(fake.calls) == 2
        assert not TextStore(store).case_folder(case_id).exists()
        assert not any(p.name == case_id for p in (store.home / "texts").iterdir())
        assert not [p for p in store.home.rglob("*") if case_id in str(p)]

    def test_every_document_is_read_once_and_kept(self, demo_store, monkeypatch):
        store, case_id = demo_store
        fake = FakeExtraction(monkeypatch)
        documents = text_documents(store.record(case_id))
        assert len(missing_texts(store, case_id)) == len(documents) >= 4
        seen: list[tuple[int, int]] = []
        texts = ensure_texts(store, case_id, progress=lambda done, total: seen.append((done, total)))
        assert set(texts) == {d["id"] for d in documents}
        assert len(fake.calls) == len(documents) and "image/tiff" in fake.calls
        assert seen == [(n, len(documents)) for n in range(len(documents) + 1)]
        assert missing_texts(store, case_id) == [] and missing_texts(store, case_id, texts=texts) == []
        again = ensure_texts(store, case_id)  # a second run reads nothing
        assert len(fake.calls) == len(documents)
        assert {k: v.to_json() for k, v in again.items()} == {k: v.to_json() for k, v in texts.items()}
        assert TextStore(store).load_all(case_id).keys() == texts.keys()

    def test_the_text_of_a_document_is_nowhere_in_clear(self, demo_store, monkeypatch, isolated_home):
        store, case_id = demo_store
        FakeExtraction(monkeypatch)
        ensure_texts(store, case_id)
        store.index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        raw = all_bytes(isolated_home).lower()
        assert b"echocardiografie" not in raw

    def test_a_cancel_keeps_the_documents_finished(self, demo_store, monkeypatch):
        store, case_id = demo_store
        token = CancelToken()
        fake = FakeExtraction(monkeypatch, cancel_after=2, token=token)
        documents = text_documents(store.record(case_id))
        with pytest.raises(Cancelled):
            ensure_texts(store, case_id, token=token)
        kept = TextStore(store).load_all(case_id)
        assert set(kept) == {d["id"] for d in documents[:2]}
        assert [d["id"] for d in missing_texts(store, case_id)] == [d["id"] for d in documents[2:]]
        fake.cancel_after = None
        texts = ensure_texts(store, case_id, token=CancelToken())
        assert set(texts) == {d["id"] for d in documents} and len(fake.calls) == len(documents)

    def test_a_failed_extraction_is_kept_until_the_extractor_grows(self, demo_store, monkeypatch):
        store, case_id = demo_store
        fake = FakeExtraction(monkeypatch, fail={"image/tiff"})
        texts = ensure_texts(store, case_id)
        [scan] = [d for d in text_documents(store.record(case_id)) if d["media_type"] == "image/tiff"]
        assert texts[scan["id"]].problem == "The image is damaged." and texts[scan["id"]].pages == []
        calls = len(fake.calls)
        ensure_texts(store, case_id)  # not tried again at the next open
        assert len(fake.calls) == calls
        monkeypatch.setattr(document_text, "EXTRACTOR", document_text.EXTRACTOR + 1)
        fake.fail = set()
        assert len(missing_texts(store, case_id)) == calls  # all of them, made by the older extractor
        texts = ensure_texts(store, case_id)
        assert texts[scan["id"]].problem is None and texts[scan["id"]].extractor == document_text.EXTRACTOR
        assert len(fake.calls) == 2 * calls

    def test_an_unreadable_stored_file_gives_a_problem_not_an_exception(self, demo_store, monkeypatch):
        store, case_id = demo_store
        FakeExtraction(monkeypatch)
        [scan] = [d for d in text_documents(store.record(case_id)) if d["media_type"] == "image/tiff"]
        (store.vault.root / scan["blob"]).unlink()
        texts = ensure_texts(store, case_id)
        assert "cannot be read" in texts[scan["id"]].problem
        assert all(t.problem is None for k, t in texts.items() if k != scan["id"])

    def test_two_readers_at_once_read_each_document_once(self, demo_store, monkeypatch):
        """The window's text job and `secondo search` at once: each document is read by one of
        them, the other waits for it and takes the kept text; both end with every text."""
        store, case_id = demo_store
        both_started = threading.Barrier(2)
        fake = FakeExtraction(monkeypatch)
        original = fake.__call__

        def slow(data, media_type, token=None, progress=None):
            if len(fake.calls) == 0:
                both_started.wait(timeout=30)  # the second reader is waiting for this document
            return original(data, media_type, token, progress)

        monkeypatch.setattr(document_text, "extract_document_text", slow)
        other = CaseStore.open(store.home)
        results: list[dict] = []
        errors: list[BaseException] = []

        def run(s: CaseStore, first: bool) -> None:
            try:
                if not first:
                    both_started.wait(timeout=30)
                results.append(ensure_texts(s, case_id))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(s, n == 0)) for n, s in enumerate((store, other))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        other.close()
        documents = text_documents(store.record(case_id))
        assert not errors and len(results) == 2
        assert len(fake.calls) == len(documents)  # none read twice
        assert results[0].keys() == results[1].keys() == {d["id"] for d in documents}
        kept = TextStore(store).load_all(case_id)
        assert {k: v.to_json() for k, v in kept.items()} == {k: v.to_json() for k, v in results[0].items()}
        assert not [p for p in TextStore(store).folder.rglob("*") if p.name.startswith(".")]
        assert not list((store.home / "locks").glob("text-*"))

    def test_a_reader_waiting_for_a_claimed_document_can_be_cancelled(self, demo_store, monkeypatch):
        from app.dossier.case_texts import _claim

        store, case_id = demo_store
        fake = FakeExtraction(monkeypatch)
        [first] = text_documents(store.record(case_id))[:1]
        held = _claim(TextStore(store), case_id, first["id"], None)  # another reader has it
        token = CancelToken()
        threading.Timer(0.3, token.cancel).start()
        try:
            with pytest.raises(Cancelled):
                ensure_texts(store, case_id, token=token)
        finally:
            held.release(remove=True)
        assert fake.calls == []

    def test_deleting_the_case_removes_its_texts(self, demo_store, monkeypatch):
        store, case_id = demo_store
        FakeExtraction(monkeypatch)
        ensure_texts(store, case_id)
        folder = TextStore(store).case_folder(case_id)
        assert any(folder.iterdir())
        delete_case(store, case_id)
        assert not folder.exists()


def test_a_scan_left_unread_for_want_of_tesseract_is_read_once_it_is_there(demo_store, monkeypatch):
    """The real extraction, Tesseract made missing: the PDFs' texts are kept, the scan's
    problem is shown but not kept, so the next run (Tesseract back) recognises it."""
    from app.dossier import ocr

    store, case_id = demo_store
    reason = "Text recognition is not available: the Tesseract program is not installed."
    monkeypatch.setattr(ocr, "_check", lambda: (None, reason))
    documents = text_documents(store.record(case_id))
    [scan] = [d for d in documents if d["media_type"] == "image/tiff"]
    texts = ensure_texts(store, case_id)
    assert texts[scan["id"]].problem == reason and texts[scan["id"]].pages == []
    assert set(TextStore(store).kept(case_id)) == {d["id"] for d in documents} - {scan["id"]}
    assert [d["id"] for d in missing_texts(store, case_id)] == [scan["id"]]
    assert all(texts[d["id"]].problem is None and texts[d["id"]].text for d in documents if d is not scan)
