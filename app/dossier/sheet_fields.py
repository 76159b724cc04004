"""The checks of one value a user typed (a case sheet field, an added document's title or
date): whole-sentence errors naming the field, never repeating the value."""

from __future__ import annotations

from datetime import date
import re

from app.core.errors import BadInputError
from app.core.i18n import _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_field(value: object, label: str, limit: int = 200) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInputError(_("{field} must be text.").format(field=label))
    value = value.strip()
    if len(value) > limit or _CONTROL.search(value):
        raise BadInputError(_("{field} is too long or holds control characters; shorten it.").format(field=label))
    return value or None


def date_field(value: object, label: str) -> str | None:
    text = text_field(value, label, 10)
    if text is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        parsed = date.fromisoformat(text)
    except ValueError:
        raise BadInputError(_("{field} is not a date: write it as YYYY-MM-DD, for example 1970-01-01.").format(
            field=label)) from None
    if parsed > date.today():
        raise BadInputError(_("{field} is in the future; check it.").format(field=label))
    if parsed.year < 1890:
        raise BadInputError(_("{field} is too far in the past; check it.").format(field=label))
    return text
