"""Numbers on a viewer's overlays and measurements in the reader's convention (Babel's CLDR data
through app.core.locale_format): '9,8 mm' and 'L -12,5' in nl and fr, '9.8 mm' in English."""

from __future__ import annotations

import math

from babel import numbers as babel_numbers

from app.core.locale_format import format_decimal, locale_for


def fixed(value: float, digits: int = 1) -> str:
    """`value` with exactly `digits` decimals ('9,8'); never '-0,0' for a value that rounds to 0."""
    text = format_decimal(value, digits)
    if text.startswith(("-", "\u2212")) and round(abs(value), digits) == 0:
        return text[1:]
    return text


def trimmed(value: float, digits: int = 2) -> str:
    """`value` with at most `digits` decimals and no grouping ('1500', '40,25', '-0' → '0'),
    as a window's width and level are read; '' for a value that is not a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(number):
        return ""
    number = round(number, digits)
    if number == 0:
        number = 0.0
    pattern = "0" + ("." + "#" * digits if digits > 0 else "")
    return babel_numbers.format_decimal(number, format=pattern, locale=locale_for(), decimal_quantization=True)
