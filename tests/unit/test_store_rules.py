"""The data folder's rules within one process (docs/store.md): the sweep spares what a live
import holds, the audit log's keyed anchor tells a crash from tampering, a damaged case
never hides the others, and a case id prefix is plain text."""

import json
import os
import subprocess
import sys

import pytest

from app.cli import main
from app.store.audit import AuditLog
from app.store.store import CaseNotFound, CaseStore
from tests.unit.store_cds import unique_cd


def secondo(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def import_cd(capsys, tmp_path, name="cd") -> str:
    rc, out, err = secondo(capsys, "import", unique_cd(tmp_path / name), "--json")
    assert rc == 0, err
    return json.loads(out)["case_id"]


def verify(capsys):
    rc, out, err = secondo(capsys, "audit", "--verify", "--json")
    return rc, json.loads(out)


class TestSweep:
    def test_a_staging_folder_held_by_a_live_process_survives_another_open(self, isolated_home):
        with CaseStore.open(isolated_home) as importing:
            import_id, staging = importing.new_staging()
            (staging / "part.sov").write_bytes(b"x")
            with CaseStore.open(isolated_home):  # as a second process would: it sweeps
                pass
            held = subprocess.run([sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR);"
                                   "fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
                                   str(importing.staging_root / f"{import_id}.lock")], capture_output=True)
            assert held.returncode != 0, "the import's lock is not held against other processes"
            assert (staging / "part.sov").exists()
            importing.release_staging(import_id)
        with CaseStore.open(isolated_home) as store:  # now nobody holds it: swept
            assert list(store.staging_root.iterdir()) == []

    def test_an_unreferenced_vault_folder_nobody_holds_is_removed(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            (store.vault.root / "deadbeef").mkdir()
            (store.vault.root / "deadbeef" / "x.sov").write_bytes(b"x")
        with CaseStore.open(isolated_home) as store:
            assert list(store.vault.root.iterdir()) == []
            assert list(store.staging_root.iterdir()) == []

    def test_a_published_but_uncommitted_folder_is_spared_while_its_import_lives(self, isolated_home):
        with CaseStore.open(isolated_home) as importing:
            import_id, staging = importing.new_staging()
            os.replace(staging, importing.vault.root / import_id)  # as publishing() does before its commit
            with CaseStore.open(isolated_home):
                pass
            assert (importing.vault.root / import_id).is_dir()
            importing.release_staging(import_id)
        with CaseStore.open(isolated_home) as store:
            assert not (store.vault.root / import_id).exists()


class TestAuditAnchor:
    def test_an_import_is_audited_in_the_transaction_of_its_case(self, tmp_path, capsys, isolated_home):
        case_id = import_cd(capsys, tmp_path)
        with CaseStore.open(isolated_home) as store:
            (entry,) = store.audit.entries()
            assert (entry["action"], entry["case"]) == ("import", case_id)
            seq, digest, mac = store.index.db.execute("SELECT seq, hash, mac FROM audit_anchor").fetchone()
            assert (seq, digest) == (1, entry["hash"]) and len(mac) == 64
        assert verify(capsys) == (0, {"ok": True, "entries": 1, "problem": None})

    def test_a_line_written_but_never_committed_is_removed_not_reported(self, tmp_path, capsys, isolated_home):
        import_cd(capsys, tmp_path)
        with CaseStore.open(isolated_home) as store:
            with pytest.raises(RuntimeError), store.index.transaction():
                store.audit.append("open", "x")  # the line is on disk, then the transaction fails
                raise RuntimeError
            assert len(store.audit.path.read_text().splitlines()) == 2
        assert verify(capsys) == (0, {"ok": True, "entries": 1, "problem": None})
        with CaseStore.open(isolated_home) as store:
            assert len(store.audit.path.read_text().splitlines()) == 1
            assert store.audit.append("open", "y")["seq"] == 2
        assert verify(capsys)[1]["entries"] == 2

    @pytest.mark.parametrize("cut", [1, 40, -2])
    def test_a_torn_last_line_is_repaired_and_the_next_import_goes_on(self, tmp_path, capsys, isolated_home, cut):
        import_cd(capsys, tmp_path, "a")
        with CaseStore.open(isolated_home) as store:
            with pytest.raises(RuntimeError), store.index.transaction():
                store.audit.append("open", "x")
                raise RuntimeError
            data = store.audit.path.read_bytes()
            first_end = data.index(b"\n") + 1
            store.audit.path.write_bytes(data[:first_end + (cut if cut > 0 else len(data) - first_end + cut)])
        second = import_cd(capsys, tmp_path, "b")
        assert verify(capsys) == (0, {"ok": True, "entries": 2, "problem": None})
        with CaseStore.open(isolated_home) as store:
            assert [e["case"] for e in store.audit.entries()][-1] == second

    def test_deleting_the_log_and_its_head_is_tampering(self, tmp_path, capsys, isolated_home):
        import_cd(capsys, tmp_path)
        (isolated_home / "audit.log").unlink()
        (isolated_home / "audit.head").unlink(missing_ok=True)
        rc, result = verify(capsys)
        assert rc == 3 and not result["ok"] and "cut off" in result["problem"]

    def test_a_forged_or_deleted_anchor_is_tampering(self, tmp_path, capsys, isolated_home):
        import_cd(capsys, tmp_path)
        with CaseStore.open(isolated_home) as store:
            store.index.db.execute("UPDATE audit_anchor SET seq = 0")
        rc, result = verify(capsys)
        assert rc == 3 and "altered" in result["problem"]
        with CaseStore.open(isolated_home) as store:
            store.index.db.execute("DELETE FROM audit_anchor")
        rc, result = verify(capsys)
        assert rc == 3 and "anchor is gone" in result["problem"]

    def test_a_whole_line_cut_off_the_end_is_still_caught(self, tmp_path, capsys, isolated_home):
        import_cd(capsys, tmp_path, "a")
        import_cd(capsys, tmp_path, "b")
        log = isolated_home / "audit.log"
        log.write_bytes(log.read_bytes().splitlines(keepends=True)[0])
        rc, result = verify(capsys)
        assert rc == 3 and "cut off" in result["problem"]

    @pytest.mark.parametrize("garbage", [b"not json\n", b"[1, 2]\n", b'{"seq": "1"}\n', b"\xff\xfe\n"])
    def test_lines_that_are_not_entries_give_one_line_not_a_traceback(self, capsys, isolated_home, garbage):
        with CaseStore.open(isolated_home):
            pass
        (isolated_home / "audit.log").write_bytes(garbage)
        rc, out, err = secondo(capsys, "audit", "--verify")
        assert rc == 3 and err.count("\n") == 1 and err.startswith("secondo: ")
        rc, out, err = secondo(capsys, "audit")
        assert rc == 0 and err == ""

    def test_a_head_file_that_is_not_json_is_reported(self, capsys, isolated_home):
        log = AuditLog(isolated_home / "audit.log")
        isolated_home.mkdir(parents=True, exist_ok=True)
        log.append("open", "c1")
        log.head_path.write_bytes(b"{garbage")
        check = log.verify()
        assert not check.ok and "audit.head" in check.problem
        rc, out, err = secondo(capsys, "audit", "--verify")
        assert rc == 3 and err.startswith("secondo: ") and err.count("\n") == 1


class TestDamagedCase:
    def test_one_damaged_case_is_listed_as_such_and_the_others_normally(self, tmp_path, capsys, isolated_home):
        good = import_cd(capsys, tmp_path, "a")
        bad = import_cd(capsys, tmp_path, "b")
        with CaseStore.open(isolated_home) as store:
            record = store.index.case(bad)["record"]
        (isolated_home / "vault" / record).unlink()
        rc, out, err = secondo(capsys, "cases", "--json")
        assert rc == 0, err
        listed = {c["case_id"]: c for c in json.loads(out)}
        assert listed[good]["damaged"] is None and listed[good]["patient"]["family_name"]
        assert "missing" in listed[bad]["damaged"]
        rc, out, err = secondo(capsys, "cases")
        assert rc == 0 and "DAMAGED" in out and good[:8] in out


class TestResolveCase:
    @pytest.mark.parametrize("ref", ["%%%%", "____", "%", "_a_b", "%' OR 1=1 --"])
    def test_wildcards_match_nothing(self, tmp_path, capsys, isolated_home, ref):
        case_id = import_cd(capsys, tmp_path)
        with CaseStore.open(isolated_home) as store:
            with pytest.raises(CaseNotFound):
                store.resolve_case(ref)
            assert store.resolve_case(case_id[:6]) == case_id


class TestIndexTransactions:
    def test_two_threads_on_one_connection_take_turns(self, isolated_home):
        import threading

        with CaseStore.open(isolated_home) as store:
            inside, events = threading.Event(), []

            def first():
                with store.index.transaction():
                    inside.set()
                    threading.Event().wait(0.3)  # the other thread tries meanwhile
                    events.append("first left")

            def second():
                inside.wait(60)
                try:
                    with store.index.transaction():
                        events.append("second entered")
                except Exception as exc:  # noqa: BLE001 - any failure is the finding
                    events.append(f"second failed: {exc}")

            threads = [threading.Thread(target=first), threading.Thread(target=second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert events == ["first left", "second entered"]
