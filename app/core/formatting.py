"""Dates and names the way Belgian and Dutch clinicians write them: 01-01-1970, TEST, Patient."""

from datetime import date


def format_date(value: str | None) -> str:
    """'1970-01-01' or DICOM '19700101' → '01-01-1970'; anything else unchanged ('' for None)."""
    if not value:
        return ""
    text = value[:10]
    try:
        parsed = date.fromisoformat(text) if "-" in text else date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return value
    return parsed.strftime("%d-%m-%Y")


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
