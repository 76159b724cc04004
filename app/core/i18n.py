"""Every user-visible string goes through here: gettext catalogues in resources/i18n
(`secondo.po` per language, made with Babel: scripts/i18n), English as the source language.

Two languages are in play at once:
- the *interface* language (the window, the CLI's human output, errors), chosen once at
  start-up: Settings ▸ Language in the window, the OS locale (LANGUAGE, LC_ALL,
  LC_MESSAGES, LANG) otherwise, as for any gettext program;
- a *reader's* language for what is printed for someone (the opinion letter, a cover letter,
  a passphrase sheet, a disc's README): `with in_language("fr"): ...` makes `_()` answer in
  French in that block, on that thread only (a context variable), so a letter rendered in a
  worker never changes the window's words.

Strings built at import time are marked with `N_()` and translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
import functools
import gettext
import os

from app.core.resources import resource_path

DOMAIN = "secondo"
SOURCE_LANGUAGE = "en"
#: The languages the interface and the letters are written in, English (the source) first.
LANGUAGES = ("en", "nl", "fr")
#: Each language named in itself, as a language menu shows it (never translated).
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "fr": "Français"}
#: A generated test language (tests/unit/pseudo_locale.py): every string wrapped and lengthened.
PSEUDO_LANGUAGE = "qps"
#: Overrides the interface language (a code of LANGUAGES, or "system"); for tests and support.
LANGUAGE_ENV = "SECONDO_LANGUAGE"

_state = {"interface": SOURCE_LANGUAGE}
_reader: ContextVar[str | None] = ContextVar("secondo_reader_language", default=None)
_reader_region: ContextVar[str | None] = ContextVar("secondo_reader_region", default=None)


def locale_dir() -> str:
    """Where the compiled catalogues are: <dir>/<lang>/LC_MESSAGES/secondo.mo."""
    return str(os.environ.get("SECONDO_LOCALE_DIR") or resource_path("i18n"))


@functools.cache
def translation(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (English, i.e. the source strings, when there is none)."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=locale_dir(), languages=[language], fallback=True)


def language_of(tag: str | None) -> str | None:
    """The language of LANGUAGES a BCP 47 tag or POSIX locale names ('nl-BE', 'fr_FR.UTF-8',
    'NL'), None when it names none of them ('de', '', 'C')."""
    if not tag:
        return None
    code = tag.replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    if code == PSEUDO_LANGUAGE:
        return PSEUDO_LANGUAGE
    return code if code in LANGUAGES else None


def region_of(tag: str | None) -> str | None:
    """The region of a tag or locale ('nl-BE' → 'BE', 'fr_FR.UTF-8' → 'FR'), None without one."""
    if not tag:
        return None
    parts = tag.replace("-", "_").split(".")[0].split("@")[0].split("_")
    return parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 else None


def system_locale(environ: Mapping[str, str] | None = None) -> str:
    """The OS locale as gettext reads it (LANGUAGE, then LC_ALL, LC_MESSAGES, LANG): 'nl_BE'."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        for candidate in value.split(":") if name == "LANGUAGE" else [value]:
            if language_of(candidate):
                return candidate.split(".")[0]
        if value and name != "LANGUAGE":  # the first of LC_ALL/LC_MESSAGES/LANG set decides
            break
    return "en"


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """nl for nl_BE or nl_NL, fr for fr_BE or fr_FR, English for anything else."""
    return language_of(system_locale(environ)) or SOURCE_LANGUAGE


def set_interface_language(language: str | None) -> str:
    """Make `language` ('nl', 'fr', 'en', 'system' or None for the OS locale; SECONDO_LANGUAGE
    overrides) the interface language of this process; returns the one in effect."""
    wanted = os.environ.get(LANGUAGE_ENV) or language
    _state["interface"] = (language_of(wanted) if wanted and wanted != "system" else None) or system_language()
    return _state["interface"]


def interface_language() -> str:
    return _state["interface"]


def current_language() -> str:
    """The language `_()` answers in here: a reader's inside `in_language`, else the interface's."""
    return _reader.get() or _state["interface"]


@contextmanager
def in_language(language: str | None) -> Iterator[str]:
    """Translate into `language` (a reader's; a tag like 'fr-BE' is fine: its region then
    decides the dates and numbers of app.core.locale_format) inside the block, on this thread;
    None or an unknown language keeps the current one."""
    chosen = language_of(language) or current_language()
    token = _reader.set(chosen)
    region_token = _reader_region.set(region_of(language) if language_of(language) else None)
    try:
        yield chosen
    finally:
        _reader_region.reset(region_token)
        _reader.reset(token)


def reader_region() -> str | None:
    """The region of the reader's tag inside `in_language("nl-NL")` ('NL'), None elsewhere."""
    return _reader_region.get()


def _(message: str) -> str:
    """`message` in the current language (English when the catalogue lacks it)."""
    return translation(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """`singular` or `plural` for the count `n`, in the current language ("1 study", "2 studies")."""
    return translation(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language where the same English word needs another
    translation in another place (`context` tells the translator which)."""
    return translation(current_language()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks `message` for the catalogue without translating it (a constant built at import
    time); translate it with `_()` where it is shown."""
    return message
