"""The vault passphrase in the window (no OS keyring): a wrong or too short one is asked again
with the reason, three tries in all; the third refusal says so in a message box and the start
ends with exit 3 and one line; a new vault asks twice; the dialog names the data folder."""

from __future__ import annotations


import keyring
from keyring.backends import fail
import pytest

from app.cli import main
from app.store.keys import VaultLockedError
from app.store.store import CaseStore
from app.ui import vault_passphrase_dialog as vault
from app.ui.vault_passphrase_dialog import VaultPassphraseDialog, VaultPrompt
from tests.ui.gui_run import run_gui_until_shown

RIGHT = "test-vault-passphrase"


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def locked_home(isolated_home, no_keyring):
    CaseStore.open(isolated_home, prompt=lambda is_new: RIGHT).close()
    return isolated_home


@pytest.fixture
def answers(monkeypatch):
    """Typed answers in turn; records the reasons the dialog showed and the final message."""
    seen: dict = {"reasons": [], "locked": [], "typed": []}

    def ask(home, is_new, reason):
        seen["reasons"].append(reason)
        return seen["typed"].pop(0)

    monkeypatch.setattr(vault, "ask_passphrase", ask)
    monkeypatch.setattr(vault, "show_locked", lambda home, message: seen["locked"].append((home, message)))
    return seen


def test_wrong_then_too_short_then_right_opens_the_window(qtbot, locked_home, answers):
    from app.ui.main_window import MainWindow

    answers["typed"] = [("wrong-passphrase", ""), ("short", ""), (RIGHT, "")]
    shown = []

    def opened(window) -> None:
        shown.append(window)
        window.close()

    assert run_gui_until_shown(MainWindow, opened) == 0
    assert shown
    assert answers["reasons"] == ["", "The passphrase is wrong. Two tries left.", "At least 8 characters. One try left."]
    assert answers["locked"] == []


def test_three_wrong_tries_end_with_a_message_and_exit_3(qtbot, locked_home, answers, capsys):
    answers["typed"] = [("wrong-passphrase", "")] * 3
    assert main(["gui"]) == 3
    err = capsys.readouterr().err
    assert err == "secondo: The vault passphrase was refused three times; Second-O closes.\n"
    ((home, message),) = answers["locked"]
    assert home == locked_home and "three times" in message
    assert len(answers["reasons"]) == 3


def test_quitting_the_dialog_keeps_the_folder_locked(qtbot, locked_home, answers, capsys):
    answers["typed"] = [None]
    assert main(["gui"]) == 3
    assert capsys.readouterr().err == "secondo: No vault passphrase given; the data folder stays locked.\n"
    assert answers["locked"] == []


def test_a_new_vault_asks_twice_and_says_why_a_try_was_refused(tmp_path):
    typed = [("short", "short"), ("long-enough-1", "long-enough-2"), (RIGHT, RIGHT)]
    reasons: list[str] = []
    prompt = VaultPrompt(tmp_path, ask=lambda home, is_new, reason: reasons.append(reason) or typed.pop(0),
                         locked=lambda home, message: None)
    assert prompt(True) == RIGHT
    assert reasons == ["", "At least 8 characters. Two tries left.", "The two passphrases differ. One try left."]
    prompt = VaultPrompt(tmp_path, ask=lambda home, is_new, reason: ("wrong-passphrase", ""), locked=lambda h, m: None)
    for _ in range(2):
        prompt.refused("The passphrase is wrong.")
    with pytest.raises(VaultLockedError, match="three times"):
        prompt.refused("The passphrase is wrong.")


def test_the_dialog_names_the_data_folder_and_how_to_choose_another(qtbot, tmp_path):
    dialog = VaultPassphraseDialog(tmp_path / "data", True, "The two passphrases differ. One try left.")
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.error)))
    assert str(tmp_path / "data") in texts and "SECONDO_HOME" in texts
    assert dialog.error.text() == "The two passphrases differ. One try left." and not dialog.error.isHidden()
    assert not dialog.again.isHidden()  # a new vault: asked twice
    opening = VaultPassphraseDialog(tmp_path / "data", False)
    qtbot.addWidget(opening)
    assert opening.again.isHidden() and opening.error.isHidden()
