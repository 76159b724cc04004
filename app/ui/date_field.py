"""A date typed the way clinicians write it (dd/mm/yyyy, also dd-mm-yyyy or dd.mm.yyyy),
kept as ISO 8601; an empty field means no date. Used by the case sheet and the add-documents
dialog."""

from __future__ import annotations

from datetime import date
import re

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QLineEdit, QWidget
from app.core.i18n import _

_DAY_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def parse_date(text: str) -> str | None:
    """'31/12/1970' → '1970-12-31'; '' → None; ValueError when it is not a real date."""
    if not text.strip():
        return None
    found = _DAY_MONTH_YEAR.match(text)
    if found is None:
        raise ValueError(text)
    day, month, year = (int(g) for g in found.groups())
    return date(year, month, day).isoformat()


def shown_date(value: str | None) -> str:
    """ISO 'YYYY-MM-DD' (or a longer timestamp) → 'dd/mm/yyyy'; anything else unchanged."""
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


class DateLineEdit(QLineEdit):
    """A line edit for one date: `iso()` is the ISO date or None; `valid()` says whether
    what is typed is a real date (or nothing)."""

    def __init__(self, value: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(shown_date(value), parent)
        self.setPlaceholderText(_("dd/mm/yyyy"))
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
