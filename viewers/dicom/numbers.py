"""Numbers on a viewer's overlays and measurements in the reader's convention (Babel's CLDR data,
for the locale app.core.locale_format picks): '9,8 mm' and 'L -12,5' in nl and fr, '9.8 mm' in
English, without grouping."""

from __future__ import annotations

import math

from babel import numbers as babel_numbers

from app.core.locale_format import format_decimal, locale_for


def fixed(value: float, digits: int = 1) -> str:
    """`value` with exactly `digits` decimals and no grouping ('9,8', '2531,2': a measurement is
    read digit by digit, and a group dot would read as a decimal point to an English reader);
    never '-0,0' for a value that rounds to 0."""
    number = round(float(value), digits)
    return format_decimal(0.0 if number == 0 else number, digits, grouping=False)


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
