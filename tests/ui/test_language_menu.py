"""Settings ▸ Language: the choice is kept in the data folder's ui-settings.ini, the window says
it applies at the next start (in the new language), and the next start speaks it, Qt's own
buttons included."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from app.core import i18n
from app.store.store import CaseStore
from app.ui import app_main
from app.ui.language_settings import install_language, save_language, saved_language
from app.ui.main_window import MainWindow


@pytest.fixture
def empty_store(isolated_home):
    store = CaseStore.open(Path(isolated_home))
    yield store
    store.close()


@pytest.fixture
def os_locale(monkeypatch):
    """No SECONDO_LANGUAGE: the OS locale (LANG) decides, as on a user's computer. Qt's words
    and QLocale go back to English after the test."""
    for name in ("SECONDO_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)

    def use(lang: str) -> None:
        monkeypatch.setenv("LANG", lang)
    before = QLocale()
    yield use
    monkeypatch.setenv("SECONDO_LANGUAGE", "en")
    install_language(QApplication.instance(), "en")
    QLocale.setDefault(before)


def cancel_text() -> str:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    text = buttons.button(QDialogButtonBox.StandardButton.Cancel).text()
    buttons.deleteLater()
    return text.replace("&", "")


def language_menu(window: MainWindow):
    settings = next(a.menu() for a in window.menuBar().actions() if a.menu() and a.text() == "&Settings")
    return next(a.menu() for a in settings.actions() if a.menu() is window.language_menu)


def test_the_menu_offers_the_languages_named_in_themselves_system_first(qtbot, empty_store):
    window = MainWindow(empty_store)
    qtbot.addWidget(window)
    menu = language_menu(window)
    texts = [a.text() for a in menu.actions()]
    assert texts[1:] == ["&Nederlands", "&Français", "&English"]
    assert texts[0].startswith("&System (")
    assert all(a.isCheckable() for a in menu.actions())
    assert [a.isChecked() for a in menu.actions()] == [True, False, False, False]  # nothing kept yet


def test_a_choice_is_kept_said_in_the_new_language_and_spoken_at_the_next_start(qtbot, empty_store,
                                                                                  isolated_home, os_locale):
    os_locale("en_GB.UTF-8")
    window = MainWindow(empty_store)
    qtbot.addWidget(window)
    window.language_menu.actions_by_choice["fr"].trigger()
    assert saved_language(isolated_home) == "fr"
    assert "[interface]\nlanguage=fr" in (isolated_home / "ui-settings.ini").read_text()
    box = window.language_menu.message_box
    assert isinstance(box, QMessageBox)
    french, english = box.text().split("\n\n")
    assert french == "À partir de son prochain démarrage, Second-O sera en français."
    assert english == "From its next start, Second-O will be in French."  # and in the window's language
    assert [b.text() for b in box.buttons()] == ["OK"]  # no restart where nothing can start the window again
    box.close()
    assert i18n.interface_language() == "en"  # the window keeps its language until the next start

    app_main.application()  # the next start, before any widget
    assert i18n.interface_language() == "fr"
    assert QLocale().name() == "fr_BE"
    assert cancel_text() == "Annuler"  # Qt's own buttons speak French too
    again = MainWindow(empty_store)
    qtbot.addWidget(again)
    assert [a.text() for a in again.menuBar().actions()][0] == "&Fichier"
    assert again.language_menu.actions_by_choice["fr"].isChecked()


def test_restart_now_closes_the_window_and_asks_for_a_new_start(qtbot, empty_store, os_locale):
    os_locale("en_GB.UTF-8")
    window = MainWindow(empty_store)
    qtbot.addWidget(window)
    window.restart_available = True
    window.show()
    window.language_menu.actions_by_choice["nl"].trigger()
    box = window.language_menu.message_box
    restart = next(b for b in box.buttons() if b.text() == "Nu herstarten")
    assert {b.text() for b in box.buttons()} == {"Nu herstarten", "Later"}
    with qtbot.waitSignal(window.restartRequested, timeout=5000):
        restart.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)


def test_the_command_to_start_again_opens_the_window_without_the_files_of_the_first_start():
    command = app_main.restart_command()
    assert command[-1] == "gui"
    assert not any(arg.endswith((".iso", ".zip", ".pdf")) for arg in command)


@pytest.mark.parametrize(("lang", "language", "locale", "cancel"), [
    ("fr_BE.UTF-8", "fr", "fr_BE", "Annuler"),
    ("nl_NL.UTF-8", "nl", "nl_NL", "Annuleren"),
    ("de_DE.UTF-8", "en", "en_GB", "Cancel"),
])
def test_without_a_choice_the_window_follows_the_os_locale(qapp, os_locale, lang, language, locale, cancel):
    os_locale(lang)
    app_main.application()
    assert i18n.interface_language() == language
    assert QLocale().name() == locale
    assert cancel_text() == cancel


def test_in_dutch_the_file_menu_and_qt_buttons_read_dutch(qtbot, empty_store, os_locale, isolated_home):
    os_locale("en_GB.UTF-8")
    save_language(isolated_home, "nl")
    app_main.application()
    window = MainWindow(empty_store)
    qtbot.addWidget(window)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert list(menus)[:2] == ["&Bestand", "Bee&ld"]
    assert [a.text() for a in menus["&Bestand"].actions() if a.text()][-1] == "&Afsluiten"
    assert cancel_text() == "Annuleren"
    headers = [window.worklist.model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(window.worklist.model.columnCount())]
    assert headers[:3] == ["Patiënt", "Geboren", "Datum dossier"]


def test_secondo_language_overrides_the_saved_choice(qapp, isolated_home, os_locale, monkeypatch):
    os_locale("fr_BE.UTF-8")
    save_language(isolated_home, "fr")
    monkeypatch.setenv("SECONDO_LANGUAGE", "nl")
    app_main.application()
    assert i18n.interface_language() == "nl"
    assert cancel_text() == "Annuleren"


def test_the_keys_help_lists_the_window_and_form_keys_in_dutch(qtbot, interface_language):
    from app.ui.shortcuts import FORM_KEYS, SHORTCUTS, KeyboardDialog

    interface_language("nl")
    dialog = KeyboardDialog()
    qtbot.addWidget(dialog)
    rows = dialog.rows()
    window_rows = [(action, where) for _keys, action, where in rows[:len(SHORTCUTS)]]
    assert ("Terug naar de werklijst", "Venster") in window_rows
    english = {text for _keys, text in SHORTCUTS.values()} | {text for _keys, text in FORM_KEYS}
    assert not english & {action for _keys, action, _where in rows[:len(SHORTCUTS) + len(FORM_KEYS)]}


def test_restart_now_starts_a_new_window_only_once_this_one_let_go_of_the_data_folder(qapp, monkeypatch):
    from types import SimpleNamespace

    from app.ui.single_instance import SingleInstance

    started: list = []

    def window_asking_for_a_restart(instance, message, prompt, exit_when_shown, restart):
        restart.append(True)  # what the window's restartRequested does
        return 0

    def popen(command, **kwargs):
        free = SingleInstance(instance_home[0])
        started.append((command, free.acquire()))  # the data folder is free for the new start
        free.release()
        return SimpleNamespace(pid=0)

    instance_home: list = []
    monkeypatch.setattr(app_main, "_run_window",
                        lambda instance, *a: instance_home.append(instance.home) or window_asking_for_a_restart(instance, *a))
    monkeypatch.setattr(app_main.subprocess, "Popen", popen)
    assert app_main.run_gui(SimpleNamespace(files=[], case=None)) == 0
    assert started == [(app_main.restart_command(), True)]
