"""The reader of a letter: its language for the words (app.core.i18n.in_language) and its full
tag for dates, so that a reader tagged 'nl-NL' reads '01-01-1970' and a Belgian '01/01/1970'
(in_language keeps only the language)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from app.core.i18n import in_language
from app.core.locale_format import format_date

_tag: ContextVar[str | None] = ContextVar("secondo_letter_reader_tag", default=None)


@contextmanager
def reader(language: str | None) -> Iterator[str]:
    """Write for the reader of `language` (a code or BCP 47 tag, None for the current language)
    inside the block: `_()` answers in their language, `reader_date` writes their dates."""
    with in_language(language) as chosen:
        token = _tag.set(language or None)
        try:
            yield chosen
        finally:
            _tag.reset(token)


def reader_date(value: str | date | None, style: str = "short") -> str:
    """A date as the current letter's reader writes it: 'short' for tables (01/01/1970, in the
    Netherlands 01-01-1970), 'long' for the letter's date ('4 november 2026')."""
    return format_date(value, style, tag=_tag.get())


def reader_tag() -> str | None:
    """The tag the current letter was asked for ('nl-NL'), None when none was given."""
    return _tag.get()
