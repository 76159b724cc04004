"""The language machinery of app/core/i18n.py and app/core/locale_format.py: which language
the OS locale means, a reader's language that holds on one thread only, and CLDR dates and
decimals per reader."""

from __future__ import annotations

import threading

import pytest

from app.core import i18n
from app.core.locale_format import format_date, format_decimal


@pytest.mark.parametrize("environ, language", [
    ({"LANG": "nl_BE.UTF-8"}, "nl"), ({"LANG": "nl_NL.UTF-8"}, "nl"), ({"LANG": "fr_BE.UTF-8"}, "fr"),
    ({"LANG": "fr_FR.UTF-8"}, "fr"), ({"LANG": "de_DE.UTF-8"}, "en"), ({"LANG": "C.UTF-8"}, "en"), ({}, "en"),
    ({"LC_ALL": "fr_BE.UTF-8", "LANG": "nl_BE.UTF-8"}, "fr"),  # LC_ALL before LANG, as gettext reads them
    ({"LANGUAGE": "de:nl", "LANG": "fr_BE.UTF-8"}, "nl"),  # LANGUAGE's first known language
])
def test_the_os_locale_chooses_the_language(environ, language):
    assert i18n.system_language(environ) == language


def test_a_tag_names_its_language_and_region():
    assert i18n.language_of("fr-BE") == "fr" and i18n.region_of("fr-BE") == "BE"
    assert i18n.language_of("nl_NL.UTF-8") == "nl" and i18n.region_of("nl_NL.UTF-8") == "NL"
    assert i18n.language_of("de") is None and i18n.language_of("") is None and i18n.region_of("nl") is None


def test_a_readers_language_holds_inside_its_block_and_on_its_thread_only(interface_language):
    interface_language("en")
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def letter():
        with i18n.in_language("fr-BE"):
            seen["letter"] = i18n.current_language()
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=letter)
    worker.start()
    inside.wait(10)
    seen["window"] = i18n.current_language()  # while the letter is being written
    release.set()
    worker.join(10)
    assert seen == {"letter": "fr", "window": "en"}
    assert i18n.current_language() == "en"


def test_the_interface_language_env_wins_and_unknown_falls_back(monkeypatch):
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "fr")
    assert i18n.set_interface_language("nl") == "fr"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert i18n.set_interface_language("system") == "en"
    assert i18n.set_interface_language("nl") == "nl"


@pytest.mark.parametrize("tag, short, long", [
    ("nl-BE", "04/11/2026", "4 november 2026"), ("nl-NL", "04-11-2026", "4 november 2026"),
    ("fr-BE", "04/11/2026", "4 novembre 2026"), ("en", "04/11/2026", "4 November 2026"),
])
def test_dates_as_the_reader_writes_them(tag, short, long):
    assert format_date("2026-11-04", "short", tag) == short
    assert format_date("20261104", "long", tag) == long
    with i18n.in_language(tag):  # the reader's region reaches the formatting without a tag
        assert format_date("2026-11-04") == short


def test_decimals_and_what_is_not_a_date():
    assert format_decimal(9.8, 1, "nl") == "9,8" and format_decimal(9.8, 1, "fr-BE") == "9,8"
    assert format_decimal(9.8, 1, "en") == "9.8"
    assert format_date(None) == "" and format_date("unknown") == "unknown"
