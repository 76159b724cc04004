"""Every fixed text of the opinion letter, keyed by language, so that a per-language letter
template only adds a table here. English is the fallback for a missing language or key and
goes through gettext (`_()`), so a catalogue in resources/i18n also translates it."""

from __future__ import annotations

from app.core.i18n import _


def _english() -> dict[str, str]:
    # Built at call time so that the gettext catalogue in use applies.
    return {
        "title": _("Second opinion"),
        "addendum_title": _("Addendum {number} to the opinion of {date}"),
        "addendum_title_undated": _("Addendum {number} to the opinion"),
        "addendum_changes": _("This addendum changes the following sections of the signed opinion: {sections}. "
                              "The other sections are repeated unchanged."),
        "addendum_no_changes": _("This addendum repeats the signed opinion without changes to its sections."),
        "re": _("Re:"),
        "re_line": _("{patient}"),
        "date_line": _("Date: {date}"),
        "to": _("To"),
        "patient": _("Patient"),
        "name": _("Name"),
        "birth_date": _("Date of birth"),
        "identifier": _("Identifier"),
        "question": _("Question asked"),
        "documents": _("Documents reviewed"),
        "doc_title": _("Document"),
        "doc_date": _("Date"),
        "doc_author": _("Author"),
        "key_images": _("Key images"),
        "figure": _("Figure {n}."),
        "recipients": _("Copy to"),
        "closing": _("Yours sincerely,"),
        "registration": _("Registration no. {number}"),
        "phone": _("Tel. {phone}"),
        "page": _("Page {page} of {pages}"),
        "case": _("Case {ref}"),
        "demo": _("DEMO — not for clinical use"),
        "yes": _("Yes"),
        "no": _("No"),
        "attachment": _("The opinion form as FHIR QuestionnaireResponse (JSON)"),
    }


# Other languages: a complete or partial table per language code; missing keys fall back to English.
WORDING: dict[str, dict[str, str]] = {}


def word(key: str, language: str = "en", **values: object) -> str:
    """The text `key` in `language` (English when there is none), formatted with `values`."""
    table = WORDING.get(language) or {}
    text = table.get(key) or _english()[key]
    return text.format(**values) if values else text
