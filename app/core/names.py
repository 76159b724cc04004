"""Whether two spellings of a person's name are the same person's, tolerantly: titles
("Dr.", "Prof.", "MD"), a role in brackets ("(Signature)"), accents, case, punctuation and
word order do not count ("Dr. Anne-Marie Peeters" is "PEETERS, Anne Marie" and
"Anne-Marie Peeters (Signature)")."""

from __future__ import annotations

import re
import unicodedata

TITLES = frozenset({"dr", "drs", "prof", "professor", "doctor", "dokter", "docteur", "mr", "mrs", "ms", "mevr",
                    "dhr", "md", "phd", "msc", "bsc", "mme", "m", "pr", "ir", "med", "mag"})
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def name_words(name: str) -> list[str]:
    """The words of a name that identify the person: lowercase, unaccented, no titles."""
    text = _BRACKETS.sub(" ", unicodedata.normalize("NFKD", name or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().translate(_LETTERS)
    words = re.split(r"[^\w]+|_", text.replace("'", "").replace("’", ""))
    return [w for w in words if w and w not in TITLES]


def same_person(first: str, second: str) -> bool:
    """True when `first` and `second` name the same person: the same words in any order, or
    every word of the shorter one (at least a given name and a surname) in the longer one
    (a middle name written on one side only)."""
    a, b = name_words(first), name_words(second)
    if not a or not b:
        return False
    if sorted(a) == sorted(b) or "".join(sorted(a)) == "".join(sorted(b)):
        return True
    if "".join(a) in ("".join(b), "".join(reversed(b))):  # "Van der Berg" against "Vanderberg"
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 2 and all(longer.count(w) >= shorter.count(w) for w in shorter)
