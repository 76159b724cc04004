"""The salutation and the closing of a letter, in the addressee's language and in the register
of a Belgian or Dutch medical letter, from the addressee's name, role, title and sex.

The rule:
- Who is addressed: a *colleague* (a physician's role, or the title Dr or Prof.), a *person*
  (a patient, anyone else named), or *nobody known* (no name at all).
- English and Dutch greet by title and family name: "Dear Dr Janssens," / "Geachte dokter
  Janssens,", "Dear Prof. Peeters," / "Geachte professor Peeters,", a patient "Dear Ms Test,"
  / "Geachte mevrouw Test," (their full name when no title says how: "Geachte Patient Test,");
  a colleague without a name "Geachte collega,"; nobody "Geachte mevrouw, geachte heer,".
- French never writes the name in the salutation: a colleague is "Chère Consœur," or
  "Cher Confrère," when their sex is known, else "Docteur," (or "Professeur,"), a person
  "Madame," / "Monsieur," / "Madame, Monsieur," when the sex is not known.
- Closings: to a colleague "Met collegiale groeten," / "Bien confraternellement,"; to anyone
  else "Met vriendelijke groeten," / "Veuillez agréer, Madame, l'expression de mes
  salutations distinguées." (the closing repeats the salutation's Madame, Monsieur or both);
  English keeps "Yours sincerely,".
Whether a language writes the name is the one rule kept in code (`_GREETS_BY_NAME`); every
wording is a message of the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

from app.core.i18n import _, in_language, pgettext

# Titles written before a name, as they are written in a salutation.
_TITLES = {"dr": "Dr", "dr.": "Dr", "prof": "Prof.", "prof.": "Prof.", "professor": "Prof.",
           "mr": "Mr", "mr.": "Mr", "ms": "Ms", "ms.": "Ms", "mrs": "Mrs", "mrs.": "Mrs",
           "dhr.": "Mr", "dhr": "Mr", "mevr.": "Ms", "mevr": "Ms", "m.": "Mr", "mme": "Ms", "mme.": "Ms",
           "mevrouw": "Ms", "madame": "Ms", "monsieur": "Mr", "de heer": "Mr"}
_FEMALE_TITLES, _MALE_TITLES = {"Ms", "Mrs"}, {"Mr"}
_PHYSICIAN_TITLES = {"Dr", "Prof."}
_PHYSICIAN_ROLES = ("treating_physician", "referring_physician", "general_practitioner")
# French greets without the name ("Madame,", "Cher Confrère,"); English and Dutch with it.
_GREETS_BY_NAME = {"en": True, "nl": True, "fr": False}


@dataclass(frozen=True)
class Addressee:
    """Who a letter greets: `kind` colleague | person | nobody, the title as written in a
    salutation (Dr, Prof., Ms, Mr), the family name as read in a sentence, the full name for a
    person without a title, and the sex when known ('F', 'M', else '')."""

    kind: str
    title: str = ""
    family: str = ""
    full_name: str = ""
    sex: str = ""


def _readable(name: str) -> str:
    """A name as it is written in a sentence: 'TEST' → 'Test' (capitals only when all are)."""
    return " ".join(part.capitalize() if part.isupper() and len(part) > 1 else part for part in name.split())


def _split(name: str) -> tuple[list[str], str]:
    """(the titles written in `name`, its family name): 'Dr. A. van den Berg (DEMO)' →
    (['Dr'], 'van den Berg'); a first given name before the family name is left out."""
    words = re.sub(r"\([^)]*\)", " ", name).split()
    titles = []
    while words and words[0].lower() in _TITLES:
        titles.append(_TITLES[words.pop(0).lower()])
    while len(words) > 1 and re.fullmatch(r"(\w\.)+-?(\w\.)*|\w", words[0]):  # initials
        words.pop(0)
    if len(words) > 1 and words[0][:1].isupper() and words[1][:1].isupper() or len(words) > 2:
        words.pop(0)  # a given name
    return titles, " ".join(words)


def _sex(sex: str, titles: list[str]) -> str:
    if str(sex or "").upper() in ("F", "M"):
        return str(sex).upper()
    if any(t in _FEMALE_TITLES for t in titles):
        return "F"
    if any(t in _MALE_TITLES for t in titles):
        return "M"
    return ""


def addressee(name: str, *, role: str = "", title: str = "", family_name: str = "", given_names: str = "",
              sex: str = "") -> Addressee:
    """Who `name` is for a salutation: `title` (Dr, Prof., Ms, Mr...) if given, else one written
    in the name; physicians' roles are colleagues (Dr). A patient's `family_name` and
    `given_names`, when given, win over the label 'FAMILY, Given'."""
    title = _TITLES.get(title.strip().lower(), title.strip())
    if not family_name and "," in name:  # a clinical label, 'FAMILY, Given'
        family_name, given_names = (part.strip() for part in name.split(",", 1))
    if family_name:
        titles = [title] if title else []
        family = _readable(family_name)
        full = " ".join(x for x in (_readable(given_names), family) if x)
    else:
        titles, family = _split(name or "")
        titles = [title] + titles if title else titles
        full = _readable(re.sub(r"\([^)]*\)", " ", name or "").strip())
        family = _readable(family)
    colleague = role in _PHYSICIAN_ROLES or any(t in _PHYSICIAN_TITLES for t in titles)
    shown = next((t for t in titles if t in _PHYSICIAN_TITLES), "") if colleague else (titles[0] if titles else "")
    if colleague:
        return Addressee("colleague", shown or "Dr", family if name.strip() or family_name else "", "",
                         _sex(sex, titles))
    if not full:
        return Addressee("nobody", sex=_sex(sex, titles))
    return Addressee("person", shown, family, full, _sex(sex, titles))


def _named(who: Addressee) -> str:
    if who.kind == "colleague" and who.family:
        if who.title == "Prof.":
            # TRANSLATORS: salutation to a professor by family name (nl "Geachte professor {name},")
            return pgettext("salutation to a professor", "Dear Prof. {name},").format(name=who.family)
        # TRANSLATORS: salutation to a physician by family name (nl "Geachte dokter {name},")
        return pgettext("salutation to a physician", "Dear Dr {name},").format(name=who.family)
    if who.kind == "colleague":
        # TRANSLATORS: salutation to a physician whose name is not known (nl "Geachte collega,")
        return pgettext("salutation to a physician", "Dear Colleague,")
    if who.kind == "person" and who.family and who.sex == "F":
        # TRANSLATORS: salutation to a woman by family name (nl "Geachte mevrouw {name},")
        return pgettext("salutation to a woman", "Dear Ms {name},").format(name=who.family)
    if who.kind == "person" and who.family and who.sex == "M":
        # TRANSLATORS: salutation to a man by family name (nl "Geachte heer {name},")
        return pgettext("salutation to a man", "Dear Mr {name},").format(name=who.family)
    if who.kind == "person":
        # TRANSLATORS: salutation by the full name when nothing says how to address the person
        return _("Dear {name},").format(name=who.full_name)
    return _("Dear Sir or Madam,")


def _unnamed(who: Addressee) -> str:
    if who.kind == "colleague" and who.sex == "F":
        # TRANSLATORS: salutation to a female physician by a physician, without her name (fr "Chère Consœur,")
        return pgettext("salutation to a female colleague", "Dear Colleague,")
    if who.kind == "colleague" and who.sex == "M":
        # TRANSLATORS: salutation to a male physician by a physician, without his name (fr "Cher Confrère,")
        return pgettext("salutation to a male colleague", "Dear Colleague,")
    if who.kind == "colleague" and who.title == "Prof.":
        # TRANSLATORS: salutation to a professor whose sex is not known, without the name (fr "Professeur,")
        return pgettext("salutation to a professor", "Dear Professor,")
    if who.kind == "colleague":
        # TRANSLATORS: salutation to a physician whose sex is not known, without the name (fr "Docteur,")
        return pgettext("salutation to a physician", "Dear Doctor,")
    if who.sex == "F":
        # TRANSLATORS: salutation to a woman without her name (fr "Madame,")
        return pgettext("salutation to a woman", "Dear Madam,")
    if who.sex == "M":
        # TRANSLATORS: salutation to a man without his name (fr "Monsieur,")
        return pgettext("salutation to a man", "Dear Sir,")
    return _("Dear Sir or Madam,")


def salutation(name: str, *, role: str = "", title: str = "", family_name: str = "",
               given_names: str = "", sex: str = "", language: str | None = None) -> str:
    """The salutation of a letter to `name` (see the module docstring): 'Dear Dr Janssens,',
    'Geachte dokter Janssens,', 'Cher Confrère,'. `title` (Dr, Prof., Ms, Mr...) if given, else
    one written in the name; physicians' roles default to Dr. A patient (`family_name` given)
    without a title is 'Dear Given Family,'. `sex` ('F', 'M') when known. `language`: the
    addressee's language, a code or BCP 47 tag ('nl', 'fr-BE'); None writes in the current
    language."""
    who = addressee(name, role=role, title=title, family_name=family_name, given_names=given_names, sex=sex)
    with in_language(language) as chosen:
        return _named(who) if _GREETS_BY_NAME.get(chosen, True) else _unnamed(who)


def closing(name: str = "", *, role: str = "", title: str = "", family_name: str = "", given_names: str = "",
            sex: str = "", language: str | None = None) -> str:
    """The closing line of a letter to the same addressee as `salutation` (same arguments):
    'Met collegiale groeten,' to a colleague, 'Veuillez agréer, Madame, l'expression de mes
    salutations distinguées.' to a patient in French."""
    who = addressee(name, role=role, title=title, family_name=family_name, given_names=given_names, sex=sex)
    with in_language(language):
        return _closing(who)


def colleague_closing(language: str | None = None) -> str:
    """The closing of a letter to a physician: 'Met collegiale groeten,', 'Bien confraternellement,'."""
    with in_language(language):
        return _closing(Addressee("colleague"))


def _closing(who: Addressee) -> str:
    if who.kind == "colleague":
        # TRANSLATORS: closing of a letter to a physician (nl "Met collegiale groeten,", fr "Bien confraternellement,")
        return pgettext("closing to a colleague", "Yours sincerely,")
    if who.sex == "F":
        # TRANSLATORS: closing of a letter to a woman, not a physician (fr "Veuillez agréer, Madame, ...")
        return pgettext("closing to a woman", "Yours sincerely,")
    if who.sex == "M":
        # TRANSLATORS: closing of a letter to a man, not a physician (fr "Veuillez agréer, Monsieur, ...")
        return pgettext("closing to a man", "Yours sincerely,")
    # TRANSLATORS: closing of a letter to someone whose sex is not known (fr "Veuillez agréer, Madame, Monsieur, ...")
    return pgettext("closing to a person", "Yours sincerely,")
