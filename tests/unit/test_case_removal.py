"""Archiving and deleting a case (app/store/case_removal.py, `secondo case archive|unarchive|
delete`): an archived case is off the lists until restored; a deleted one leaves no file, no
key and no row behind, audited by its id alone, and the other cases stay whole; a delete killed
at any point leaves the whole case or nothing of it, never a half case listed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.cli import main
from app.core.key_images import KeyImage
from app.dossier.importer import DossierImporter
from app.store.annotations import AnnotationStore
from app.store.case_removal import (UnsentOpinionError, archived_cases, delete_case, removal_plan, set_archived,
                                    _overwrite_header)
from app.store.drafts import DraftStore
from app.store.store import CaseStore
from app.store.vault import StoredFileError
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.unit.store_cds import unique_cd
from tests.unit.test_faults import (assert_audit_intact, audited, folder, killed_at,  # noqa: F401 - fixture
                                    whole_cases)


def sign(store, case_id, package) -> None:
    from app.opinion.prefill import bind, new_response
    from app.opinion.questionnaire import load_template
    from app.signoff.signing import sign_opinion
    from tests.unit.test_opinion_pdf import PROFILE, fill

    record = store.record(case_id)
    q = bind(load_template("second-opinion"), record)
    sign_opinion(store, case_id, fill(q, new_response(q, record, PROFILE)), package.reviewer_identity())


def case_files(store, case_id) -> list[Path]:
    """Every file of the case in the data folder, as the index and the stores name them."""
    db = store.index.db
    refs = [r[0] for r in db.execute("SELECT record FROM cases WHERE id = ?", (case_id,))]
    refs += [r[0] for r in db.execute("SELECT blob FROM documents WHERE case_id = ? UNION ALL "
                                      "SELECT blob FROM instances WHERE case_id = ?", (case_id, case_id))]
    folders = [store.vault.root / r[0] for r in db.execute("SELECT id FROM imports WHERE case_id = ?", (case_id,))]
    return [store.vault.root / ref for ref in refs] + [p for f in folders for p in f.rglob("*") if p.is_file()]


def walk(home: Path) -> list[Path]:
    return [Path(root, name) for root, _dirs, names in os.walk(home) for name in names]


@pytest.fixture
def two_cases(demo_store, tmp_path):
    store, case_id = demo_store
    other = DossierImporter(store, [], []).run([unique_cd(tmp_path / "cd")]).case_id
    return store, case_id, other


class TestArchive:
    def test_an_archived_case_is_off_the_list_until_restored(self, two_cases, capsys):
        store, case_id, other = two_cases
        assert set_archived(store, case_id, True) and not set_archived(store, case_id, True)
        assert archived_cases(store) == {case_id}
        assert main(["cases", "--json"]) == 0
        assert [c["case_id"] for c in json.loads(capsys.readouterr().out)] == [other]
        assert main(["cases", "--all", "--json"]) == 0
        listed = {c["case_id"]: c["archived"] for c in json.loads(capsys.readouterr().out)}
        assert listed == {case_id: True, other: False}
        assert main(["case", "unarchive", case_id[:8]]) == 0
        assert "back on the worklist" in capsys.readouterr().out
        assert archived_cases(store) == set()
        assert main(["case", "archive", case_id[:8]]) == 0
        assert archived_cases(store) == {case_id}
        actions = [(e["action"], e.get("case")) for e in store.audit.entries() if "archive" in e["action"]]
        assert actions == [("archive", case_id), ("unarchive", case_id), ("archive", case_id)]
        assert store.record(case_id)  # whole, only off the list


class TestDelete:
    def test_nothing_of_the_case_remains_and_the_others_stay_whole(self, two_cases, demo_package, tmp_path):
        store, case_id, other = two_cases
        sign(store, case_id, demo_package)
        DraftStore(store).save(case_id, {"resourceType": "QuestionnaireResponse", "item": []})
        AnnotationStore(store).add_key_image(case_id, KeyImage.new("Test key image", b"\x89PNG fake", None, None))
        set_archived(store, case_id, True)
        files = case_files(store, case_id)
        assert len(files) >= 3
        named = [p for p in walk(store.home) if case_id in str(p)]  # drafts, opinions, annotations
        assert len(named) >= 4
        # A hard link shares the file's bytes: it shows that the key material in the file itself
        # is destroyed, not only its name.
        link = tmp_path / "hard-link.sov"
        os.link(files[0], link)
        assert store.vault.read_file(link)

        plan = removal_plan(store, case_id)
        assert plan.signed_not_sent and plan.opinions == 1 and plan.key_images == 1 and plan.draft
        assert any("1 signed opinion" in line for line in plan.lines())
        with pytest.raises(UnsentOpinionError):
            delete_case(store, case_id)
        assert store.index.case(case_id) is not None  # asked again: nothing done yet
        delete_case(store, case_id, unsent_confirmed=True)

        remaining = walk(store.home)
        assert not [p for p in remaining if case_id in str(p)]
        assert not [p for p in files if p.exists()]
        with pytest.raises(StoredFileError):
            store.vault.read_file(link)
        for table, column in (("cases", "id"), ("imports", "case_id"), ("documents", "case_id"),
                              ("instances", "case_id"), ("archived", "case_id"), ("intents", "case_id")):
            assert store.index.db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?",  # noqa: S608
                                          (case_id,)).fetchone()[0] == 0, table
        last = store.audit.entries()[-1]
        assert last["action"] == "delete" and last["case"] == case_id
        assert not last.get("details") and not set(last) - {"seq", "time", "user", "action", "case", "details",
                                                            "prev", "hash"}, last  # the id alone
        assert store.audit.verify().ok
        assert store.record(other) and [r["id"] for r in store.index.cases()] == [other]
        from app.dossier.case_view import case_json
        assert case_json(store, other)["case_id"] == other

    @pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names an fd through /proc (Linux)")
    def test_each_overwritten_file_is_fsynced_and_the_machine_never_synced(self, two_cases, monkeypatch):
        store, case_id, _other = two_cases
        files = {p.resolve() for p in case_files(store, case_id)}
        synced, real_fsync = [], os.fsync

        def fsync(fd):
            synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
            real_fsync(fd)

        def no_sync():
            raise AssertionError("a delete syncs what it overwrote, not every program's data")

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "sync", no_sync)
        delete_case(store, case_id)
        assert files and files <= set(synced)  # every key header on disk before any file was removed

    def test_the_overwritten_header_cannot_be_read_by_the_vault_key(self, demo_store, tmp_path):
        store, case_id = demo_store
        blob = case_files(store, case_id)[0]
        copy = tmp_path / "copy.sov"
        copy.write_bytes(blob.read_bytes())
        size = copy.stat().st_size
        _overwrite_header(copy)
        assert copy.stat().st_size == size
        with pytest.raises(StoredFileError):
            store.vault.read_file(copy)


class TestDeleteCommand:
    def test_asks_for_yes_then_unsent_confirmation(self, two_cases, demo_package, capsys, monkeypatch):
        store, case_id, other = two_cases
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        assert main(["case", "delete", other[:8]]) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("secondo: ") and "--yes" in err[0]
        assert store.index.case(other) is not None
        assert main(["case", "delete", other[:8], "--yes", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["deleted"] is True
        assert store.index.case(other) is None

        sign(store, case_id, demo_package)
        assert main(["case", "delete", case_id, "--yes"]) == 3
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "never sent" in err[0] and "--even-unsent" in err[0]
        assert store.index.case(case_id) is not None
        assert main(["case", "delete", case_id, "--yes", "--even-unsent"]) == 0
        assert store.index.case(case_id) is None
        assert main(["case", "delete", case_id, "--yes"]) == 3  # gone
        assert "no case" in capsys.readouterr().err


DELETE_KILLS = [
    "app.store.audit:IndexAnchor.write:1:after",  # the rows deleted and audited, not committed
    "app.store.case_removal:destroy:1",  # committed, no file touched yet
    "app.store.case_removal:_overwrite_header:2:after",  # some key material destroyed, no file removed
    "shutil:rmtree:1:after",  # one vault folder removed
]


@pytest.mark.parametrize("point", DELETE_KILLS)
def test_a_delete_killed_leaves_the_whole_case_or_nothing(folder, capsys, point):  # noqa: F811 - fixture
    home = folder / "home"
    rc = main(["import", str(unique_cd(folder / "a", slices=2)), "--json"])
    assert rc == 0
    case_id = json.loads(capsys.readouterr().out)["case_id"]
    rc = main(["import", str(unique_cd(folder / "b", slices=2)), "--json"])
    other = json.loads(capsys.readouterr().out)["case_id"]
    with CaseStore.open(home) as store:
        DraftStore(store).save(case_id, {"resourceType": "QuestionnaireResponse", "item": []})
    killed_at(["case", "delete", case_id, "--yes"], point)
    assert_audit_intact(capsys)
    listed = whole_cases(capsys, home)  # reopened: what the kill left is finished or undone
    assert other in listed
    if case_id in listed:
        assert audited(home, "delete") == []
    else:
        assert len(audited(home, "delete")) == 1
        assert not [p for p in walk(home) if case_id in str(p)]
    rc = main(["case", "delete", case_id, "--yes"])
    capsys.readouterr()
    assert rc == (0 if case_id in listed else 3)
    assert whole_cases(capsys, home) == [other]
    assert not [p for p in walk(home) if case_id in str(p)]
