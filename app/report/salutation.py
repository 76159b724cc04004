"""The salutation of a letter from the addressee's name and, when known, title or sex:
"Dear Dr Janssens," for a physician, "Dear Ms Test," for a patient recorded as female,
"Dear Test Patient," when nothing says how to address them."""

from __future__ import annotations

import re

from app.core.i18n import _, in_language

# Titles written before a name, as they are written in a salutation.
_TITLES = {"dr": "Dr", "dr.": "Dr", "prof": "Prof.", "prof.": "Prof.", "professor": "Prof.",
           "mr": "Mr", "mr.": "Mr", "ms": "Ms", "ms.": "Ms", "mrs": "Mrs", "mrs.": "Mrs",
           "dhr.": "Mr", "mevr.": "Ms", "m.": "Mr", "mme": "Ms"}
_PHYSICIAN_ROLES = ("treating_physician", "referring_physician", "general_practitioner")


def _readable(name: str) -> str:
    """A name as it is written in a sentence: 'TEST' → 'Test' (capitals only when all are)."""
    return " ".join(part.capitalize() if part.isupper() and len(part) > 1 else part for part in name.split())


def _split(name: str) -> tuple[str, str]:
    """(the first title written in `name`, its family name): 'Dr. A. van den Berg (DEMO)' →
    ('Dr', 'van den Berg'); a first given name before the family name is left out."""
    words = re.sub(r"\([^)]*\)", " ", name).split()
    titles = []
    while words and words[0].lower() in _TITLES:
        titles.append(_TITLES[words.pop(0).lower()])
    while len(words) > 1 and re.fullmatch(r"(\w\.)+-?(\w\.)*|\w", words[0]):  # initials
        words.pop(0)
    if len(words) > 1 and words[0][:1].isupper() and words[1][:1].isupper() or len(words) > 2:
        words.pop(0)  # a given name
    return (titles[0] if titles else ""), " ".join(words)


def salutation(name: str, *, role: str = "", title: str = "", family_name: str = "",
               given_names: str = "", language: str | None = None) -> str:
    """'Dear Dr Janssens,': `title` (Dr, Prof., Ms, Mr...) if given, else one written in the
    name; physicians' roles default to Dr. A patient (`family_name` given) without a title is
    'Dear Given Family,'. `language`: the addressee's language, a code or BCP 47 tag ('nl',
    'fr-BE'); None writes in the current language."""
    with in_language(language):
        return _salutation(name, role=role, title=title, family_name=family_name, given_names=given_names)


def _salutation(name: str, *, role: str, title: str, family_name: str, given_names: str) -> str:
    if not family_name and "," in name:  # a clinical label, 'FAMILY, Given'
        family_name, given_names = (part.strip() for part in name.split(",", 1))
    if family_name:
        family = _readable(family_name)
        if title:
            return _("Dear {title} {name},").format(title=title, name=family)
        full = " ".join(x for x in (_readable(given_names), family) if x)
        return _("Dear {name},").format(name=full)
    written_title, family = _split(name or "")
    title = title or written_title or ("Dr" if role in _PHYSICIAN_ROLES else "")
    if family and title:
        return _("Dear {title} {name},").format(title=title, name=_readable(family))
    if name.strip():
        return _("Dear {name},").format(name=_readable(re.sub(r"\([^)]*\)", " ", name).strip()))
    return _("Dear Sir or Madam,")
