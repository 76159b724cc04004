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


def test_a_damaged_draft_falls_back_to_the_previous_good_version(isolated_home):
    with CaseStore.open(isolated_home) as store:
        drafts = DraftStore(store)
        drafts.save("case1", {"v": 1})
        drafts.save("case1", {"v": 2})
        assert drafts.load_recovering("case1") == ({"v": 2}, None)
        data = bytearray(drafts.path("case1").read_bytes())
        data[-3] ^= 1
        drafts.path("case1").write_bytes(bytes(data))
        draft, notice = drafts.load_recovering("case1")
        assert draft == {"v": 1} and "previous version is shown" in notice
        drafts.save("case1", {"v": 3})  # the damaged one never replaces the good previous
        assert drafts.load_recovering("case1") == ({"v": 3}, None)
        drafts.path("case1").write_bytes(b"garbage")
        assert drafts.load_recovering("case1")[0] == {"v": 1}


def test_no_draft_at_all_and_a_damaged_only_draft(isolated_home):
    with CaseStore.open(isolated_home) as store:
        drafts = DraftStore(store)
        assert drafts.load_recovering("case1") == (None, None)
        drafts.save("case1", {"v": 1})
        drafts.path("case1").write_bytes(b"garbage")
        draft, notice = drafts.load_recovering("case1")
        assert draft is None and "starts afresh" in notice


def test_saved_at_is_the_local_time_of_the_last_save(isolated_home):
    import os
    from datetime import datetime, timezone

    with CaseStore.open(isolated_home) as store:
        drafts = DraftStore(store)
        assert drafts.saved_at("c1") is None
        drafts.save("c1", RESPONSE)
        os.utime(drafts.path("c1"), (1_700_000_000, 1_700_000_000))
        saved = drafts.saved_at("c1")
        assert saved is not None and saved.utcoffset() is not None
        assert saved == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
        assert drafts.saved_at("c1", previous=True) is None  # one save: no previous version yet
