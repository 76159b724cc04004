"""Drafts: encrypted at rest, replaced atomically, read back as written."""

import pytest

from app.store.drafts import DraftStore
from app.store.store import CaseStore
from app.store.vault import StoredFileError

RESPONSE = {"resourceType": "QuestionnaireResponse", "status": "in-progress",
            "item": [{"linkId": "summary", "answer": [{"valueString": "Gaëlle Dœns, DEMO: 9 mm nodule"}]}]}


def test_a_draft_round_trips_encrypted(isolated_home):
    with CaseStore.open(isolated_home) as store:
        drafts = DraftStore(store)
        assert drafts.load("case1") is None
        drafts.save("case1", RESPONSE)
        assert drafts.load("case1") == RESPONSE
        raw = drafts.path("case1").read_bytes()
        assert b"nodule" not in raw and "Gaëlle".encode() not in raw
        assert [p.name for p in drafts.folder.iterdir()] == ["case1.sov"]  # no temp file left


def test_a_failed_save_keeps_the_previous_draft(isolated_home, monkeypatch):
    with CaseStore.open(isolated_home) as store:
        drafts = DraftStore(store)
        drafts.save("case1", RESPONSE)

        def crash(*args, **kwargs):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr("app.core.files.os.fsync", crash)
        with pytest.raises(Exception, match="disk is full"):
            drafts.save("case1", {"status": "new"})
        monkeypatch.undo()
        assert drafts.load("case1") == RESPONSE
        assert [p.name for p in drafts.folder.iterdir()] == ["case1.sov"]


def test_a_draft_altered_at_rest_is_reported(isolated_home):
    with CaseStore.open(isolated_home) as store:
        drafts = DraftStore(store)
        drafts.save("case1", RESPONSE)
        data = bytearray(drafts.path("case1").read_bytes())
        data[-5] ^= 1
        drafts.path("case1").write_bytes(bytes(data))
        with pytest.raises(StoredFileError):
            drafts.load("case1")
