"""Patients' national numbers, checked the way their registers compute them: the Belgian
rijksregisternummer / numéro de registre national (11 digits, mod 97, with the rule for
people born from 2000 on) and the Dutch burgerservicenummer (9 digits, the 11-proof)."""

from __future__ import annotations

from datetime import date
import re

from app.core.errors import BadInputError
from app.core.i18n import _, pgettext

BELGIAN = "national-register"  # the system name app/dossier/SODP.md uses
DUTCH = "nl-bsn"
#: The country whose register issues the numbers of a system.
COUNTRY_OF_SYSTEM = {BELGIAN: "BE", DUTCH: "NL"}
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


def country_of(system_or_country: str | None) -> str | None:
    """'BE' or 'NL' for a system name (BELGIAN, DUTCH) or a country code ('be', 'NL-x');
    None for anything else."""
    if not system_or_country:
        return None
    if system_or_country in COUNTRY_OF_SYSTEM:
        return COUNTRY_OF_SYSTEM[system_or_country]
    code = system_or_country.strip().replace("_", "-").split("-")[0].upper()
    return code if code in ("BE", "NL") else None


def number_name(system_or_country: str | None) -> str:
    """The number's name as a reader of the current language writes it inside a sentence:
    for Belgium 'rijksregisternummer' / 'numéro de registre national' / 'national register
    number', for the Netherlands 'burgerservicenummer (BSN)' / 'numéro BSN' / 'BSN', and a
    generic 'national number' when the country is unknown. `system_or_country` is an
    identifier's system (BELGIAN, DUTCH) or a country code ('BE', 'NL'). Use `number_label`
    for a field label or the start of a line."""
    country = country_of(system_or_country)
    if country == "BE":
        # TRANSLATORS: the Belgian national number's official name, lower case as inside a sentence
        return pgettext("national number name", "national register number")
    if country == "NL":
        # TRANSLATORS: the Dutch national number's name as a reader expects it (nl: "burgerservicenummer
        # (BSN)"), lower case as inside a sentence
        return pgettext("national number name", "BSN")
    # TRANSLATORS: a patient's national identification number when its country is not known
    return pgettext("national number name", "national number")


def number_label(system_or_country: str | None) -> str:
    """`number_name` with a capital first letter, for a field label or a line of a letter:
    'Rijksregisternummer', 'Numéro de registre national', 'BSN'."""
    name = number_name(system_or_country)
    return name[:1].upper() + name[1:]


def identifier_label(identifier: dict | None) -> str:
    """The label of a stored identifier {"system", "value"} ('Rijksregisternummer'); the
    generic one for None or an unknown system."""
    return number_label((identifier or {}).get("system"))
