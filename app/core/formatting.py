"""Dates and names the way Belgian and Dutch clinicians write them: a date in the reader's
numeric form (01/01/1970 in Belgium, 01-01-1970 in the Netherlands), TEST, Patient."""

from datetime import date

from app.core import locale_format


def format_date(value: str | date | None) -> str:
    """'1970-01-01', an ISO timestamp or DICOM '19700101' in the current language's short
    form with a four-digit year (nl_BE and fr_BE '01/01/1970', nl_NL '01-01-1970', en
    '01/01/1970'; a reader's inside `in_language`); anything else unchanged ('' for None)."""
    if value is None or value == "":
        return ""
    return locale_format.format_date(value, "short")


def format_patient_name(family: str, given: str | None = None) -> str:
    """Family name in capitals first, as on a clinical label: 'TEST, Patient'."""
    return f"{family.upper()}, {given}" if given else family.upper()


def format_dicom_name(value: str | None) -> str:
    """A DICOM PN 'Family^Given^Middle' shown as 'FAMILY, Given Middle'."""
    if not value:
        return ""
    parts = [p for p in str(value).split("=")[0].split("^")]
    family = parts[0] if parts else ""
    given = " ".join(p for p in parts[1:3] if p)
    return format_patient_name(family, given or None)
