"""Dates and numbers the way a reader in Belgium or the Netherlands expects them, from Babel's
CLDR data (never a hand-made table): '4 november 2026', '4 novembre 2026', '9,8 mm'.

The language is the current one of app.core.i18n (a reader's inside `in_language`, else the
interface's); the region comes from the reader's tag ('nl-NL') or the OS locale when it names
the same language, else Belgium for nl and fr (our users' first country) and Britain for en.
"""

from __future__ import annotations

from datetime import date, datetime
import functools
import re

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from app.core import i18n

_DEFAULT_REGION = {"nl": "BE", "fr": "BE", "en": "GB"}


@functools.cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def locale_for(tag: str | None = None) -> Locale:
    """The Babel locale for `tag` ('fr-BE', 'nl', None for the current language)."""
    language = i18n.language_of(tag) or i18n.current_language()
    if language not in i18n.LANGUAGES:  # the pseudo-language formats as English
        language = i18n.SOURCE_LANGUAGE
    region = i18n.region_of(tag)
    if region is None and tag is None:  # inside in_language("nl-NL"): the reader's region
        region = i18n.reader_region()
    if region is None and i18n.language_of(i18n.system_locale()) == language:
        region = i18n.region_of(i18n.system_locale())
    region = region or _DEFAULT_REGION[language]
    try:
        return _locale(f"{language}_{region}")
    except (ValueError, LookupError):  # a region CLDR does not pair with the language
        return _locale(f"{language}_{_DEFAULT_REGION[language]}")


def parse_date(value: str | date | None) -> date | None:
    """'1970-01-01', DICOM '19700101' or an ISO timestamp → a date; None when it is none."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) >= 10 and text[4] == "-":
            return date.fromisoformat(text[:10])
        if len(text) >= 8 and text[:8].isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None
    return None


def format_date(value: str | date | None, style: str = "short", tag: str | None = None) -> str:
    """A date for reading: style 'short' (the numeric form of the locale, with a four-digit
    year: 04/11/2026, 04-11-2026), 'long' ('4 november 2026'); '' for none, the text as it was
    when it is not a date."""
    parsed = parse_date(value)
    if parsed is None:
        return "" if value in (None, "") else str(value)
    locale = locale_for(tag)
    if style == "short":
        return babel_dates.format_date(parsed, _short_pattern(locale), locale=locale)
    return babel_dates.format_date(parsed, style, locale=locale)


@functools.cache
def _short_pattern(locale: Locale) -> str:
    """The locale's short date pattern with the day and month on two digits and a four-digit
    year: a clinical date is never '4/11/26'."""
    pattern = re.sub(r"y+", "yyyy", locale.date_formats["short"].pattern)
    pattern = re.sub(r"(?<!d)d(?!d)", "dd", pattern)
    return re.sub(r"(?<!M)M(?!M)", "MM", pattern)


def format_datetime(value: datetime, tag: str | None = None) -> str:
    """A date and time to the minute: '04/11/2026 14:05'."""
    locale = locale_for(tag)
    time_text = babel_dates.format_time(value, "HH:mm", locale=locale)
    return f"{format_date(value.date(), 'short', tag)} {time_text}"


def short_date_pattern(tag: str | None = None) -> str:
    """The short date pattern `format_date` writes with ('dd/MM/yyyy' in Belgium, 'dd-MM-yyyy'
    in the Netherlands); its letters are also a Qt display format."""
    return _short_pattern(locale_for(tag))


def format_decimal(value: float, digits: int = 1, tag: str | None = None, grouping: bool = True) -> str:
    """A number with `digits` decimals and the locale's separator: 9.8 → '9,8' in nl and fr;
    thousands grouped ('1.234,5') unless `grouping` is False ('1234,5')."""
    locale = locale_for(tag)
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * digits if digits > 0 else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=locale, decimal_quantization=True)


def format_month(value: str | date | None, tag: str | None = None) -> str:
    """A month and its year, abbreviated the locale's way ('nov. 2026', 'nov 2026'); '' for none."""
    parsed = parse_date(value)
    if parsed is None:
        return ""
    locale = locale_for(tag)
    return babel_dates.format_skeleton("yMMM", parsed, locale=locale)
