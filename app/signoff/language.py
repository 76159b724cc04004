"""The language an opinion letter is written in: kept in its QuestionnaireResponse as FHIR's
`language` (a BCP 47 tag such as "nl-BE"), chosen per case in the form before signing and
recorded with each signed opinion (app/store/opinions.py); an addendum starts from the signed
response, so it keeps its opinion's language unless the reviewer changes it."""

from __future__ import annotations

import copy

from app.core.i18n import N_, _, interface_language, language_of
from app.dossier.manifest import is_language_tag

#: The sentence the sign dialog shows, per letter language (whole sentences: "in Dutch" is
#: "en néerlandais" but "in het Nederlands").
WRITTEN_IN = {"en": N_("The opinion will be written in English."),
              "nl": N_("The opinion will be written in Dutch."),
              "fr": N_("The opinion will be written in French.")}


def opinion_language(response: dict | None) -> str | None:
    """The tag kept in the response, None when it has none (or not a BCP 47 tag)."""
    value = (response or {}).get("language")
    return value if is_language_tag(value) else None


def with_language(response: dict, tag: str | None) -> dict:
    """A copy of `response` to be written in `tag` (None: no language of its own)."""
    changed = copy.deepcopy(response)
    if tag:
        changed["language"] = tag
    else:
        changed.pop("language", None)
    return changed


def letter_language(response: dict | None, fallback: str | None = None) -> str:
    """The language of LANGUAGES the letter is rendered in: the response's, else `fallback`'s
    (e.g. the signed opinion an addendum adds to), else the interface's."""
    return language_of(opinion_language(response)) or language_of(fallback) or interface_language()


def written_in(tag: str | None) -> str:
    """"The opinion will be written in Dutch.", in the current language."""
    code = language_of(tag) or interface_language()
    return _(WRITTEN_IN.get(code, WRITTEN_IN["en"]))

