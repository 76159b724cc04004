"""A date typed the way the reader writes it: the day, month and year in the order of the
interface language's locale (Babel's CLDR short date: 31/12/1970 in Belgium, 31-12-1970 in the
Netherlands, 12/31/1970 in the United States), any of / - . as separator, also ISO 1970-12-31;
kept as ISO 8601; an empty field means no date. Used by the case sheet and the add-documents
dialog."""

from __future__ import annotations

from datetime import date
import re

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QLineEdit, QWidget
from app.core.i18n import _, pgettext
from app.core.locale_format import format_date, short_date_pattern

_THREE_NUMBERS = re.compile(r"^\s*(\d{1,4})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{1,4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def field_order() -> str:
    """The order of day, month and year in the current language's short date: 'dmy' or 'mdy'
    (or 'ymd')."""
    pattern = short_date_pattern()
    seen = [c for c in re.sub(r"'[^']*'", "", pattern) if c in "dMy"]
    order = "".join(dict.fromkeys(seen)).replace("M", "m")
    return order if sorted(order) == sorted("dmy") else "dmy"


def date_placeholder() -> str:
    """What the empty field shows: 'dd/mm/jjjj' in Dutch, 'jj/mm/aaaa' in French."""
    parts = {"d": pgettext("date field placeholder, the day", "dd"),
             "m": pgettext("date field placeholder, the month", "mm"),
             "y": pgettext("date field placeholder, the year", "yyyy")}
    separator = next((c for c in format_date("1970-12-31", "short") if not c.isdigit()), "/")
    return separator.join(parts[c] for c in field_order())


def parse_date(text: str) -> str | None:
    """'31/12/1970' (in the locale's order) → '1970-12-31'; '' → None; ValueError when it is not
    a real date."""
    if not text.strip():
        return None
    iso = _ISO.match(text)
    if iso is not None:
        year, month, day = (int(g) for g in iso.groups())
        return date(year, month, day).isoformat()
    found = _THREE_NUMBERS.match(text)
    if found is None:
        raise ValueError(text)
    values = dict(zip(field_order(), found.groups()))
    if len(values["y"]) != 4:
        raise ValueError(text)
    return date(int(values["y"]), int(values["m"]), int(values["d"])).isoformat()


def shown_date(value: str | None) -> str:
    """ISO 'YYYY-MM-DD' (or a longer timestamp) → the locale's short date ('31/12/1970');
    anything else unchanged."""
    if not value:
        return ""
    try:
        parsed = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return format_date(parsed, "short")


class DateLineEdit(QLineEdit):
    """A line edit for one date: `iso()` is the ISO date or None; `valid()` says whether
    what is typed is a real date (or nothing)."""

    def __init__(self, value: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(shown_date(value), parent)
        self.setPlaceholderText(date_placeholder())
        self.setToolTip(_("A date such as {example}").format(example=shown_date("1970-12-31")))
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9./\- ]{0,12}"), self))
        self.setMaximumWidth(140)

    def valid(self) -> bool:
        try:
            parse_date(self.text())
        except ValueError:
            return False
        return True

    def iso(self) -> str | None:
        """The ISO date, or None when empty or not a real date (see `valid`)."""
        try:
            return parse_date(self.text())
        except ValueError:
            return None
