"""The case store: vault key in the keyring or under a passphrase, encrypted files at rest,
and the hash-chained audit log."""

import base64
import json

import keyring
from keyring.backends import fail
import pytest

from app.cli import main
from app.store.audit import AuditLog
from app.store.keys import VaultLockedError, keyring_usable
from app.store.store import CaseStore
from app.store.vault import StoredFileError
from tests.memory_keyring import MemoryKeyring


def prompt_with(passphrase):
    asked = []

    def prompt(is_new):
        asked.append(is_new)
        return passphrase
    prompt.asked = asked
    return prompt


class TestVaultKey:
    def test_the_keyring_holds_the_key_and_the_same_key_opens_again(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            assert store.key_source.kind == "keyring"
            key = store.vault.key
            store.vault.replace_bytes(isolated_home / "draft.sov", b"secret letter")
        with CaseStore.open(isolated_home) as store:
            assert store.vault.key == key
            assert store.vault.read_file(isolated_home / "draft.sov") == b"secret letter"
        stored = keyring.get_keyring()._secrets
        assert len(stored) == 1  # one entry, in the (test) keyring, nowhere on disk
        assert not (isolated_home / "vault-key.json").exists()

    def test_without_a_keyring_the_key_is_wrapped_under_a_passphrase(self, isolated_home):
        keyring.set_keyring(fail.Keyring())
        assert not keyring_usable()
        first = prompt_with("a long vault passphrase")
        with CaseStore.open(isolated_home, first) as store:
            assert store.key_source.kind == "passphrase" and store.key_source.created
            raw_key = store.vault.key.key
        assert first.asked == [True]
        wrapped = (isolated_home / "vault-key.json").read_text()
        assert raw_key.hex() not in wrapped and json.loads(wrapped)["kdf"] == "argon2id"
        assert base64.b64encode(raw_key).decode() not in wrapped
        again = prompt_with("a long vault passphrase")
        with CaseStore.open(isolated_home, again) as store:
            assert store.vault.key.key == raw_key and not store.key_source.created
        assert again.asked == [False]

    def test_a_wrong_vault_passphrase_is_refused(self, isolated_home):
        keyring.set_keyring(fail.Keyring())
        CaseStore.open(isolated_home, prompt_with("a long vault passphrase")).close()
        with pytest.raises(VaultLockedError, match="Wrong vault passphrase"):
            CaseStore.open(isolated_home, prompt_with("another passphrase"))

    def test_a_short_new_passphrase_is_refused(self, isolated_home):
        keyring.set_keyring(fail.Keyring())
        with pytest.raises(VaultLockedError, match="at least 8"):
            CaseStore.open(isolated_home, prompt_with("short"))

    def test_a_keyring_that_lost_the_key_does_not_silently_make_a_new_one(self, isolated_home):
        CaseStore.open(isolated_home).close()
        keyring.set_keyring(MemoryKeyring())
        with pytest.raises(VaultLockedError, match="not in this keyring"):
            CaseStore.open(isolated_home)


def _folder(store):
    folder = store.vault.root / "x"
    folder.mkdir(exist_ok=True)
    return folder


class TestVault:
    def test_each_file_has_its_own_key_and_salt(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            a = store.vault.write_bytes(_folder(store), b"same content")
            b = store.vault.write_bytes(_folder(store), b"same content")
            raw_a, raw_b = ((_folder(store) / n).read_bytes() for n in (a, b))
        assert raw_a != raw_b and b"same content" not in raw_a

    def test_a_file_altered_at_rest_is_reported(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            name = store.vault.write_bytes(_folder(store), b"x" * 5000)
            path = _folder(store) / name
            data = bytearray(path.read_bytes())
            data[-20] ^= 1
            path.write_bytes(bytes(data))
            with pytest.raises(StoredFileError, match="altered or damaged at rest"):
                store.vault.read_bytes(f"x/{name}")

    def test_a_missing_file_is_reported(self, isolated_home):
        with CaseStore.open(isolated_home) as store:
            with pytest.raises(StoredFileError, match="missing"):
                store.vault.read_bytes("x/nothing.sov")


class TestAuditLog:
    @pytest.fixture
    def log(self, tmp_path):
        log = AuditLog(tmp_path / "audit.log")
        for action in ("import", "open", "sign", "export", "package"):
            log.append(action, "case-1", note=action)
        return log

    def test_an_intact_log_verifies(self, log):
        check = log.verify()
        assert (check.ok, check.entries) == (True, 5)
        assert [e["action"] for e in log.entries()] == ["import", "open", "sign", "export", "package"]
        assert all(e["user"] and e["time"] for e in log.entries())

    def test_a_changed_line_breaks_the_chain(self, log):
        lines = log.path.read_text().splitlines()
        lines[2] = lines[2].replace('"sign"', '"open"')
        log.path.write_text("\n".join(lines) + "\n")
        check = log.verify()
        assert not check.ok and "line 3 was changed" in check.problem

    def test_a_removed_line_breaks_the_chain(self, log):
        lines = log.path.read_text().splitlines()
        del lines[1]
        log.path.write_text("\n".join(lines) + "\n")
        assert "does not follow" in log.verify().problem

    def test_reordered_lines_break_the_chain(self, log):
        lines = log.path.read_text().splitlines()
        lines[1], lines[2] = lines[2], lines[1]
        log.path.write_text("\n".join(lines) + "\n")
        assert not log.verify().ok

    def test_lines_cut_off_the_end_are_detected(self, log):
        lines = log.path.read_text().splitlines()
        log.path.write_text("\n".join(lines[:3]) + "\n")
        check = log.verify()
        assert not check.ok and "cut off the end" in check.problem

    def test_the_cli_verifies_and_exits_3_on_a_broken_chain(self, isolated_home, capsys):
        isolated_home.mkdir(parents=True, exist_ok=True)
        log = AuditLog(isolated_home / "audit.log")
        log.append("import", "c1")
        log.append("open", "c1")
        assert main(["audit", "--verify"]) == 0
        assert "2 entries" in capsys.readouterr().out
        log.path.write_text(log.path.read_text().replace('"c1"', '"c2"', 1))
        assert main(["audit", "--verify"]) == 3
        assert "broken" in capsys.readouterr().err
