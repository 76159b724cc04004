"""Kept case summaries (app/store/summaries.py, app/dossier/case_summaries.py): a list of the
cases decrypts no case record; the summary follows every change of the case; a missing, stale
or moved summary is made again from the record; a data folder from before them opens; nothing
of the patient is in the index in clear; `cases --json` prints what it printed before."""

import json

import pytest

from app.cli import main
from app.dossier import case_sheet
from app.dossier.case_view import case_summaries, case_summary, damaged_summary
from app.store.case_removal import archived_cases, delete_case, set_archived
from app.store.store import CaseStore
from app.store.vault import Vault
from tests.calls import recorded_calls
from tests.unit.store_cds import unique_cd


def secondo(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out


def import_cd(capsys, tmp_path, name: str) -> str:
    return json.loads(secondo(capsys, "import", unique_cd(tmp_path / name), "--json"))["case_id"]


@pytest.fixture
def two_cases(tmp_path, capsys, isolated_home):
    return [import_cd(capsys, tmp_path, "a"), import_cd(capsys, tmp_path, "b")]


@pytest.fixture
def reads(monkeypatch):
    """The case records decrypted (Vault.read_json calls), by blob."""
    return recorded_calls(monkeypatch, Vault, "read_json", lambda vault, ref: ref)


def from_records(store: CaseStore, include_archived: bool = True) -> list[dict]:
    """The summaries as they were made before they were kept: every record decrypted."""
    archived = archived_cases(store)
    out = []
    for row in store.index.cases():
        if row["id"] in archived and not include_archived:
            continue
        try:
            summary = case_summary(store, row)
        except Exception as exc:  # noqa: BLE001 - as case_summaries lists a damaged case
            summary = damaged_summary(row, exc)
        summary["archived"] = row["id"] in archived
        out.append(summary)
    return out


def kept_rows(store: CaseStore) -> dict:
    return {r[0]: r for r in store.index.db.execute("SELECT case_id, record, stamp, data FROM case_summaries")}


class TestNoRecordDecrypted:
    def test_the_list_decrypts_no_record_once_summaries_are_kept(self, two_cases, isolated_home, reads):
        with CaseStore.open(isolated_home) as store:
            listed = case_summaries(store, include_archived=True)
            assert reads == []
            reads_before = list(reads)
            assert listed == from_records(store)
            assert len(reads) > len(reads_before)  # the comparison did decrypt: the counter counts

    def test_the_import_keeps_the_summary_in_its_transaction(self, two_cases, isolated_home):
        with CaseStore.open(isolated_home) as store:
            kept = kept_rows(store)
            assert set(kept) == set(two_cases)
            for case_id in two_cases:
                assert kept[case_id][1] == store.index.case(case_id)["record"]

    def test_cases_json_is_byte_identical_to_the_summaries_made_from_records(self, two_cases, capsys,
                                                                           isolated_home, reads):
        with CaseStore.open(isolated_home) as store:
            set_archived(store, two_cases[1], True)
            store.set_status(two_cases[0], "in_review")
        kept = secondo(capsys, "cases", "--json", "--all")
        assert reads == []
        with CaseStore.open(isolated_home) as store:
            expected = from_records(store)
        from app.commands.output import print_json

        print_json(expected)
        assert kept == capsys.readouterr().out
        reads.clear()
        assert "TEST" in secondo(capsys, "cases").upper() and reads == []  # the text list too


class TestFollowsEveryChange:
    def test_status_sign_archive_and_sheet_edit(self, two_cases, isolated_home, reads):
        case_id = two_cases[0]
        with CaseStore.open(isolated_home) as store:
            def check():
                reads.clear()
                listed = {s["case_id"]: s for s in case_summaries(store, include_archived=True)}
                assert reads == []  # each change kept its summary current: nothing was made again
                assert list(listed.values()) == from_records(store)
                return listed[case_id]

            assert store.mark_in_review(case_id) and check()["status"] == "in_review"
            store.mark_signed(case_id)
            assert check()["status"] == "signed"
            store.set_status(case_id, "sent")
            assert check()["status"] == "sent"
            set_archived(store, case_id, True)
            assert check()["archived"] is True
            assert case_id not in {s["case_id"] for s in case_summaries(store)}
            set_archived(store, case_id, False)
            assert check()["archived"] is False
            case_sheet.update_case(store, case_id, {"patient": {"family_name": "Renamed", "birth_date": "1970-01-01"},
                                                    "referral": {"question": "A new DEMO question?"}})
            summary = check()
            assert summary["patient"]["family_name"] == "Renamed" and summary["question"] == "A new DEMO question?"

    def test_delete_removes_the_kept_summary(self, two_cases, isolated_home):
        with CaseStore.open(isolated_home) as store:
            delete_case(store, two_cases[0])
            assert set(kept_rows(store)) == {two_cases[1]}
            assert [s["case_id"] for s in case_summaries(store)] == [two_cases[1]]


class TestMadeAgain:
    def test_a_missing_summary_is_made_from_the_record_once_and_kept(self, two_cases, isolated_home, reads):
        with CaseStore.open(isolated_home) as store:
            store.index.db.execute("DELETE FROM case_summaries WHERE case_id = ?", (two_cases[0],))
            assert case_summaries(store) == from_records(store)
            reads.clear()
            case_summaries(store)
            assert reads == []
            assert set(kept_rows(store)) == set(two_cases)

    def test_a_stale_summary_is_not_shown(self, two_cases, isolated_home, reads):
        first, second = two_cases
        with CaseStore.open(isolated_home) as store:
            before = {s["case_id"]: s for s in case_summaries(store)}
            old = kept_rows(store)[first]
            case_sheet.update_case(store, first, {"referral": {"question": "Changed DEMO question?"}})
            # an older writer (or a crash of one) left the summary of the previous record
            store.index.db.execute("UPDATE case_summaries SET record = ?, stamp = ?, data = ? WHERE case_id = ?",
                                   (old[1], old[2], old[3], first))
            reads.clear()
            listed = {s["case_id"]: s for s in case_summaries(store)}
            assert listed[first]["question"] == "Changed DEMO question?" != before[first]["question"]
            assert reads == [store.index.case(first)["record"]]

    def test_a_summary_moved_to_another_case_does_not_open(self, two_cases, isolated_home):
        first, second = two_cases
        with CaseStore.open(isolated_home) as store:
            kept = kept_rows(store)
            # the second's encrypted summary, relabelled as the first's (its record and stamp)
            store.index.db.execute("UPDATE case_summaries SET data = ? WHERE case_id = ?", (kept[second][3], first))
            listed = {s["case_id"]: s for s in case_summaries(store)}
            assert listed == {s["case_id"]: s for s in from_records(store, include_archived=False)}

    def test_a_record_removed_at_rest_is_listed_as_damaged(self, two_cases, isolated_home):
        with CaseStore.open(isolated_home) as store:
            (isolated_home / "vault" / store.index.case(two_cases[1])["record"]).unlink()
            listed = {s["case_id"]: s for s in case_summaries(store)}
            assert "missing" in listed[two_cases[1]]["damaged"] and listed[two_cases[0]]["damaged"] is None

    def test_a_record_rewritten_at_rest_is_read_again(self, two_cases, isolated_home):
        with CaseStore.open(isolated_home) as store:
            path = isolated_home / "vault" / store.index.case(two_cases[1])["record"]
            data = bytearray(path.read_bytes())
            data[-5] ^= 1
            path.write_bytes(bytes(data))
            listed = {s["case_id"]: s for s in case_summaries(store)}
            assert listed[two_cases[1]]["damaged"] and listed[two_cases[0]]["damaged"] is None


class TestOldDataFolder:
    def test_a_data_folder_from_before_summaries_lists_and_keeps_them(self, two_cases, capsys, isolated_home,
                                                                       reads):
        with CaseStore.open(isolated_home) as store:
            expected = from_records(store, include_archived=False)
            store.index.db.execute("DROP TABLE case_summaries")  # as every folder made before them
        reads.clear()
        listed = json.loads(secondo(capsys, "cases", "--json"))
        assert listed == json.loads(json.dumps(expected))
        assert len(reads) == 2  # the first start after the upgrade makes them: one decrypt per case
        reads.clear()
        assert json.loads(secondo(capsys, "cases", "--json")) == listed and reads == []


class TestNothingInClear:
    def test_the_index_holds_no_name_or_question_in_clear(self, two_cases, isolated_home):
        with CaseStore.open(isolated_home) as store:
            case_sheet.update_case(store, two_cases[0], {"referral": {"question": "Is the DEMO lesion benign?"}})
            listed = case_summaries(store)
            store.index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = b"".join(p.read_bytes() for p in isolated_home.glob("index.sqlite3*"))
        asked = next(s for s in listed if s["case_id"] == two_cases[0])
        values = [asked["question"]] + [s["patient"][k] for s in listed for k in ("family_name", "birth_date")]
        assert all(values) and asked["question"] == "Is the DEMO lesion benign?"
        for value in values:
            assert value.encode() not in raw and value.replace("-", "").encode() not in raw
