"""Shared fixtures: an isolated SECONDO_HOME and keyring for every test, and a test PKI."""

import os
from pathlib import Path

from hypothesis import settings
import keyring
import pytest

from app.core import i18n
from app.demo.pki import DEMO_PASSPHRASE, DemoPki, build_pki, write_pki
from app.signing.identities import KeyIdentity
from tests.memory_keyring import MemoryKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests read English whatever the machine's locale; a test of another language sets its own
# (the `interface_language` fixture, or SECONDO_LANGUAGE / LANG for a subprocess).
os.environ["SECONDO_LANGUAGE"] = "en"
# ... and its dates and numbers in the same form on every machine (an en_US locale would write
# 11/04/2026): the OS locale is neutral unless a test chooses one.
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_TIME", "LC_NUMERIC"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

# No test asserts wall-clock time: hypothesis's default 200 ms deadline per example would
# fail a sound property on a busy machine. Hang guards belong in the tests themselves.
settings.register_profile("secondo", deadline=None)
settings.load_profile("secondo")


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A test that switched the interface language leaves English behind it."""
    yield
    i18n.set_interface_language("en")


@pytest.fixture
def interface_language(monkeypatch):
    """Switch this process's interface language: `interface_language("nl")`."""
    def switch(language: str) -> str:
        monkeypatch.setenv("SECONDO_LANGUAGE", language)
        return i18n.set_interface_language(language)
    return switch


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own data folder and an empty in-memory keyring."""
    home = tmp_path / "secondo-home"
    monkeypatch.setenv("SECONDO_HOME", str(home))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield home
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def pki() -> DemoPki:
    return build_pki()


@pytest.fixture(scope="session")
def pki_files(pki, tmp_path_factory) -> dict[str, Path]:
    """root.pem and NAME.p12 / NAME.pem of the test PKI, passphrase DEMO_PASSPHRASE."""
    return write_pki(pki, tmp_path_factory.mktemp("pki"), DEMO_PASSPHRASE)


def key_identity(identity) -> KeyIdentity:
    return KeyIdentity(identity.certificate, identity.private_key, tuple(identity.chain))
