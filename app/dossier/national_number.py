"""Patients' national numbers, checked the way their registers compute them: the Belgian
rijksregisternummer / numéro de registre national (11 digits, mod 97, with the rule for
people born from 2000 on) and the Dutch burgerservicenummer (9 digits, the 11-proof)."""

from __future__ import annotations

from datetime import date
import re

from app.core.errors import BadInputError
from app.core.i18n import _

BELGIAN = "national-register"  # the system name app/dossier/SODP.md uses
DUTCH = "nl-bsn"
_SEPARATORS = re.compile(r"[\s.\-/]")


def _belgian_ok(digits: str) -> bool:
    body, check = int(digits[:9]), int(digits[9:])
    return check in (97 - body % 97, 97 - (2_000_000_000 + body) % 97)


def _bsn_ok(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0 and digits != "000000000"


def _belgian_birth(digits: str) -> tuple[int, int, int] | None:
    """(year, month, day) the number encodes for a person with a known birth date; None for a
    bis number or an unknown date (month or day 00)."""
    yy, mm, dd = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    if not (1 <= mm <= 12 and dd):
        return None
    body = int(digits[:9])
    century = 2000 if int(digits[9:]) == 97 - (2_000_000_000 + body) % 97 else 1900
    return century + yy, mm, dd


def parse(text: str, birth_date: str | None = None) -> dict:
    """{"system", "value"} for a valid number (digits only); BadInputError naming what is
    wrong. `birth_date` (ISO), when known, must agree with a Belgian number's date part."""
    digits = _SEPARATORS.sub("", text or "")
    if not digits.isdigit() or len(digits) not in (8, 9, 11):
        raise BadInputError(_("The national number must be a Belgian national register number (11 digits) or a "
                              "Dutch BSN (9 digits)."))
    if len(digits) == 11:
        if not _belgian_ok(digits):
            raise BadInputError(_("The national register number is not valid: its check digits do not match; "
                                  "check it against the identity card."))
        encoded = _belgian_birth(digits)
        if encoded and birth_date:
            born = date.fromisoformat(birth_date)
            if (born.year, born.month, born.day) != encoded:
                raise BadInputError(_("The national register number does not match the birth date; check both."))
        return {"system": BELGIAN, "value": digits}
    digits = digits.zfill(9)
    if not _bsn_ok(digits):
        raise BadInputError(_("The BSN is not valid: it fails the 11-proof; check it against the identity "
                              "document."))
    return {"system": DUTCH, "value": digits}
