"""What a document's text says of its patient, compared with the case's patient.

A letter about another patient slipped into a dossier is as dangerous as another patient's
images, so each document's text (`app.core.page_text.DocumentText`: PDF text layer, OCR,
plain text) is read for what it says of its patient, and compared by the images' rule
(`app.dossier.identity`, basis "document"):

- names in a patient context only: after a label at the start of a line ("Patiënt:",
  "Nom :", "Patient name:"), in a subject line ("Betreft:", "Concerne :", "Re:") when a
  title or a birth date goes with them, and after a title in the text ("mevrouw",
  "Madame", "Mrs", "de heer", "M."). Never a doctor's ("Dr.", "Prof."), nor the addressee's
  ("Geachte mevrouw ...,", "To: ..."), nor a relative's or a carer's ("her husband, Mr ...");
  a name after a label counts first, a title's name in the text only when no label names
  anyone, and then only when none of them is the case's patient (the others being people
  around the patient);
- birth dates only after a birth word ("born", "geboren op", "geb.", "°", "né(e) le",
  "date de naissance", "DOB"), in numeric or written forms of the three languages; a
  day/month order the other way round, or a two-digit year, still agrees. OCR noise in such a
  date (the letter O for zero, l or I for one) is read as the digit it stands for;
- Belgian national register numbers in their printed layout (70.01.01-000.00) or after a
  label ("rijksregisternummer", "NISS", "INSZ"...), and Dutch BSNs after theirs.

Values found stay in the check's data for the screen; messages name fields only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from app.core.page_text import OCR, DocumentText, fold_text
from app.dossier.identity import (MATCH, MISMATCH, NAME, NO_PATIENT, NO_TEXT, UNKNOWN, UNREADABLE, FieldCheck,
                                  IdentityResult, birth_check, document_result, expected_name, id_check,
                                  name_check)

# -- names ---------------------------------------------------------------------------------------

# Titles before a patient's name. English ones as written (lower case "ms" is milliseconds).
_TITLE = (r"(?:(?i:mevrouw|mevr\.?|mw\.|mejuffrouw|mej\.|mijnheer|meneer|dhr\.?|de\s+heer|madame|mme\.?|"
          r"mademoiselle|mlle\.?|monsieur|herr|frau)|Mrs\.?|Mr\.?|Ms\.?|Miss|MRS\.?|MR\.?|M\.)")
_TITLE_RE = re.compile(r"(?<![^\W\d_])" + _TITLE + r"(?=\s)")
# Labels that name the patient, at the start of a line (or of a table's cell), with a colon.
_NAME_LABEL = re.compile(
    r"(?:^|\t|\s{2,}|\|)\s*(?i:patient(?:e|'s)?(?:\s+name)?|pati[eë]nt(?:e|naam)?|naam(?:\s+(?:van\s+de\s+)?"
    r"pati[eë]nt(?:e)?)?|name(?:\s+of\s+(?:the\s+)?patient)?|full\s+name|nom(?:\s+du\s+patient(?:e)?|"
    r"\s+(?:et|&)\s+pr[eé]noms?)?|identit[eé](?:\s+du\s+patient(?:e)?)?)\s*:\s*")
# Subject lines: a name there counts only with a title, or with a birth date after it.
_SUBJECT_LABEL = re.compile(r"^\s*(?i:betreft|onderwerp|concerne|objet|re|ref|subject)\s*[:.]?\s+")
# Words between a subject label and the name ("Betreft: uw patiënte mevrouw ...").
_PATIENT_WORDS = re.compile(r"(?i:(?:uw|onze|de|votre|notre|la|le|your|our|the)\s+)?(?i:pati[eë]nte?|patiente?)"
                            r"\s*,?\s*")
# Lines addressing the reader: their names are the addressee's.
_ADDRESS_LINE = re.compile(r"^\s*(?:(?:dear|geachte|beste|cher|chere|bonjour|hello)\b|(?:to|aan|a|destinataire|attn|"
                           r"cc|kopie|copie)\s*:|t\.?a\.?v\b|ter attentie|a l'attention)", re.IGNORECASE)
_DOCTOR = frozenset({"dr", "dr.", "drs", "drs.", "prof", "prof.", "professor", "professeur", "dokter", "docteur",
                     "doctor", "collega", "collegue", "confrere", "consoeur", "colleague"})
# Words just before a title that make its name someone else's than the patient's.
_OTHERS = frozenset({
    "husband", "wife", "son", "daughter", "mother", "father", "brother", "sister", "partner", "nurse", "surgeon",
    "echtgenoot", "echtgenote", "man", "vrouw", "zoon", "dochter", "moeder", "vader", "broer", "zus", "zuster",
    "verpleegkundige", "chirurg", "huisarts", "mari", "epoux", "epouse", "femme", "fils", "fille", "mere", "pere",
    "frere", "soeur", "infirmier", "infirmiere", "chirurgien", "generaliste", "gp", "doctor", "dokter", "docteur",
    "dr", "prof", "collega", "collegue", "confrere", "colleague", "cc", "kopie", "copie"})
_PARTICLES = frozenset({"van", "de", "der", "den", "del", "della", "di", "da", "du", "des", "le", "la", "vanden",
                        "vander", "ter", "ten", "von", "d", "l", "dos", "het", "op"})
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'\u2019\-.]*(?:['\u2019\-][^\W\d_]+)*\.?")
_STOP_WORDS = frozenset({"dob", "geb", "born", "geboren", "ne", "nee", "date", "age", "agee", "aged", "leeftijd"})
_MAX_NAME_WORDS = 5


def _name_after(text: str) -> tuple[str | None, int]:
    """The name at the start of `text` and where it ends: capitalised words (particles
    between them), up to a comma, a bracket, a digit, a birth word or a lower-case word."""
    words: list[str] = []
    pending: list[str] = []
    position = end = 0
    while len(words) < _MAX_NAME_WORDS:
        gap = re.match(r"[ \t]*", text[position:])
        position += gap.end() if gap else 0
        m = _NAME_WORD.match(text, position)
        if m is None:
            break
        word = m.group(0)
        bare = fold_text(word.rstrip("."))
        if bare in _STOP_WORDS or bare in _DOCTOR:
            break
        if not word[0].isupper():
            if bare in _PARTICLES:
                pending.append(word)
                position = m.end()
                continue
            break
        if word.endswith(".") and len(word) > 2:  # a sentence's end, not an initial
            words.extend(pending + [word[:-1]])
            end = m.end()
            break
        words.extend(pending + [word])
        pending = []
        position = end = m.end()
    return " ".join(words) or None, end


def _first_word(text: str) -> str:
    m = _NAME_WORD.match(text.lstrip())
    return fold_text(m.group(0).rstrip(".")) if m else ""


def _titled_name(text: str) -> str | None:
    """A name after an optional title at the start of `text` (None for a doctor's)."""
    return _titled_name_end(text)[0]


def _titled_name_end(text: str) -> tuple[str | None, int]:
    start = len(text) - len(text.lstrip())
    m = _TITLE_RE.match(text, start)
    rest = text[m.end():] if m else text[start:]
    if _first_word(rest) in _DOCTOR:
        return None, 0
    name, end = _name_after(rest)
    return name, len(text) - len(rest) + end


@dataclass
class Found:
    """What a document's text says of its patient (values, for the check's data only)."""

    names: list[str] = field(default_factory=list)  # after a label: the patient's
    titled: list[str] = field(default_factory=list)  # after a title in the text
    birth_dates: list[str] = field(default_factory=list)  # ISO; a two-digit year as "??yy-mm-dd"
    numbers: list[str] = field(default_factory=list)  # national numbers as printed
    recognised: set[str] = field(default_factory=set)  # the values read by OCR (a letter may be wrong)


def _line_names(line: str, found: Found) -> None:
    if _ADDRESS_LINE.match(fold_text(line)):
        return
    taken_until = 0
    label = _NAME_LABEL.search(line)
    if label is not None:
        name = _titled_name(line[label.end():])
        if name:
            found.names.append(name)
        taken_until = label.end()
    subject = _SUBJECT_LABEL.match(line)
    if subject is not None and label is None:
        rest = line[subject.end():]
        patient_words = _PATIENT_WORDS.match(rest)
        rest = rest[patient_words.end():] if patient_words else rest
        titled = _TITLE_RE.match(rest)
        name, end = _titled_name_end(rest)
        # Without a title, a name only when a birth word follows it ("Betreft: Janssens Maria, geb. ...").
        if name and (titled or _BIRTH.match(fold_text(rest[end:]).lstrip(" ,;(-"))):
            found.names.append(name)
            taken_until = len(line)
    for m in _TITLE_RE.finditer(line):
        if m.start() < taken_until:
            continue
        before = [fold_text(w.strip(".,;:()")) for w in line[:m.start()].split()[-3:]]
        if any(w in _OTHERS for w in before):
            continue
        name = _titled_name(line[m.end():])
        if name:
            found.titled.append(name)


# -- birth dates ---------------------------------------------------------------------------------

# On folded text (lower case, no accents).
_BIRTH = re.compile(r"(?:\bdate\s+of\s+birth|\bbirth\s*date|\bd\.?o\.?b\b\.?|\bbo(?:rn|m)(?:\s+on)?|\bgeboren(?:\s+op)?|"
                    r"\bgeboortedatum|\bgeb\b\.?(?:\s*datum|\s*dat\b\.?)?|\bnee?(?:\(e\))?\s+le|\bnee?\(e\)|"
                    r"\bdate\s+de\s+naissance|\bnaissance|\bgeboorte|°)")
_MONTHS = {
    **dict.fromkeys(("januari", "january", "janvier", "jan", "janv"), 1),
    **dict.fromkeys(("februari", "february", "fevrier", "feb", "febr", "fev", "fevr"), 2),
    **dict.fromkeys(("maart", "march", "mars", "mar", "mrt"), 3),
    **dict.fromkeys(("april", "avril", "apr", "avr"), 4),
    **dict.fromkeys(("mei", "may", "mai"), 5),
    **dict.fromkeys(("juni", "june", "juin", "jun"), 6),
    **dict.fromkeys(("juli", "july", "juillet", "jul", "juil"), 7),
    **dict.fromkeys(("augustus", "august", "aout", "aug"), 8),
    **dict.fromkeys(("september", "septembre", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "october", "octobre", "okt", "oct"), 10),
    **dict.fromkeys(("november", "novembre", "nov"), 11),
    **dict.fromkeys(("december", "decembre", "dec"), 12),
}
_D = r"[0-9oil|]"  # a digit as OCR may read it
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_DATES = (
    re.compile(rf"^(?P<d>{_D}{{1,2}})\s?[/.\-]\s?(?P<m>{_D}{{1,2}})\s?[/.\-]\s?(?P<y>{_D}{{4}}|{_D}{{2}})(?![0-9])"),
    re.compile(rf"^(?P<y>{_D}{{4}})-(?P<m>{_D}{{2}})-(?P<d>{_D}{{2}})(?![0-9])"),
    re.compile(rf"^(?P<d>\d{{1,2}})(?:er|e|ste|de|st|nd|rd|th)?\.?\s+(?:of\s+)?{_MONTH.replace('(', '(?P<mn>', 1)}"
               rf"\s+(?P<y>\d{{4}})\b"),
    re.compile(rf"^{_MONTH.replace('(', '(?P<mn>', 1)}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"),
)
_GAP = re.compile(r"^[\s:.,=\-]*(?:(?:le|on|op|the|den|de|am)\s+)?")
_OCR_DIGITS = str.maketrans({"o": "0", "i": "1", "l": "1", "|": "1"})


def _date_at(text: str, patterns: tuple[re.Pattern[str], ...] = _DATES) -> str | None:
    """The date at the start of folded `text`, ISO ("??yy-mm-dd" for a two-digit year)."""
    for pattern in patterns:
        m = pattern.match(text)
        if m is None:
            continue
        parts = m.groupdict()
        raw = "".join(v for k, v in parts.items() if v and k != "mn")
        if sum(c.isdigit() for c in raw) < max(4, len(raw) - 3):
            continue  # mostly letters: not a date
        day = int(parts["d"].translate(_OCR_DIGITS))
        month = _MONTHS[parts["mn"]] if parts.get("mn") else int(parts["m"].translate(_OCR_DIGITS))
        year = parts["y"].translate(_OCR_DIGITS)
        if month > 12 and day <= 12:  # written month first
            day, month = month, day
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        return f"{year:?>4}-{month:02d}-{day:02d}"
    return None


# A recognised date whose first separator was lost or read as a one ("0101/1970", "01101/1970").
_OCR_DATE = re.compile(rf"^(?P<d>{_D}{{2}})[1l|]?(?P<m>{_D}{{2}})[/.\-](?P<y>{_D}{{4}})(?![0-9])")


def _birth_dates(folded_line: str, recognised: bool = False) -> list[str]:
    dates = []
    for m in _BIRTH.finditer(folded_line):
        rest = folded_line[m.end():m.end() + 40]
        gap = _GAP.match(rest)
        rest = rest[gap.end() if gap else 0:]
        found = _date_at(rest) or (_date_at(rest, (_OCR_DATE,)) if recognised else None)
        if found:
            dates.append(found)
    return dates


def _birth_date_check(patient: dict, dates: list[str], recognised: frozenset[str] | set[str] = frozenset()) -> FieldCheck:
    """The birth dates found against the case's: one differing is a mismatch, even if
    another agrees (a letter naming two birth dates names two people)."""
    checks = [_tolerated(_one_date_check(patient, d), d, recognised) for d in dates]
    return (next((c for c in checks if c.status == MISMATCH), None)
            or next((c for c in checks if c.status == MATCH), None)
            or birth_check(patient, None))


def _one_date_check(patient: dict, found: str) -> FieldCheck:
    expected = str(patient.get("birth_date") or "")
    year, month, day = found.split("-")
    if year.startswith("??"):
        short = int(year[2:])
        if len(expected) >= 4 and expected[:4].isdigit() and int(expected[2:4]) == short:
            year = expected[:4]
        else:
            year = str((1900 if short > date.today().year % 100 else 2000) + short)
    check = birth_check(patient, f"{year}-{month}-{day}")
    if check.status == MISMATCH and int(day) <= 12:  # written the other way round: mm/dd
        swapped = birth_check(patient, f"{year}-{day}-{month}")
        if swapped.status == MATCH:
            return swapped
    return check


# -- national numbers ----------------------------------------------------------------------------

_BE_LAYOUT = re.compile(r"(?<![\d.])\d{2}\.\d{2}\.\d{2}\s?-\s?\d{3}\.\d{2}(?![\d])")
_NUMBER_LABEL = re.compile(
    r"(?:\b(?:rijksregister(?:nummer|nr)?|rrn|insz|niss|inss|ssin|nn|n°\s*national|numero\s+national|"
    r"(?:numero\s+de\s+|n°\s*(?:de\s+)?)?registre\s+national|national\s+register(?:\s+number)?|national\s+number|"
    r"(?P<nl>bsn|burgerservicenummer)))\b\s*(?:n[or°]\.?|nr\.?|number|:)?[\s:.#]*"
    r"(?P<value>\d[\d .\-/]{7,16}\d)")


def _numbers(folded_line: str) -> list[str]:
    numbers = [m.group(0) for m in _BE_LAYOUT.finditer(folded_line)]
    for m in _NUMBER_LABEL.finditer(folded_line):
        digits = re.sub(r"\D", "", m.group("value"))
        if m.group("nl") and len(digits) in (8, 9):
            numbers.append(digits.zfill(9))
        elif not m.group("nl") and len(digits) == 11:
            # Printed in the register's layout, so that it is taken as a Belgian number.
            numbers.append(f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}")
    return list(dict.fromkeys(numbers))


def _number_check(patient: dict, numbers: list[str], recognised: frozenset[str] | set[str] = frozenset()) -> FieldCheck:
    checks = [_tolerated(id_check(patient, n), n, recognised) for n in numbers]
    return (next((c for c in checks if c.status == MISMATCH), None)
            or next((c for c in checks if c.status == MATCH), None)
            or (checks[0] if checks else id_check(patient, None)))


# -- OCR's misread letters -----------------------------------------------------------------------


def _distance(a: str, b: str) -> int:
    """Levenshtein's: the letters to change, add or remove to make `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _near(field_name: str, expected: str | None, found: str | None) -> bool:
    """Whether `found` is one misread letter or digit away from `expected` (each word of a name)."""
    if not expected or not found:
        return False
    if field_name == NAME:
        words = lambda v: re.findall(r"[^\W_]+", fold_text(v))  # noqa: E731
        own = words(expected)
        return all(any(_distance(w, e) <= 1 for e in own) for w in words(found) if len(w) >= 3)
    a, b = re.sub(r"\D", "", expected), re.sub(r"\D", "", found)
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) <= 1


def _tolerated(check: FieldCheck, raw: str, recognised: frozenset[str] | set[str]) -> FieldCheck:
    """A value read by OCR one letter or digit away from the patient's is not taken for
    another patient's: "unknown", neither match nor mismatch."""
    if check.status == MISMATCH and raw in recognised and _near(check.field, check.expected, check.found):
        return FieldCheck(check.field, UNKNOWN, check.expected, check.found)
    return check


# -- the check -----------------------------------------------------------------------------------


def find_patient(text: DocumentText) -> Found:
    """What `text` says of its patient (see the module's description)."""
    found = Found()
    for page in text.pages:
        page_found = Found()
        for line in page.text.replace("\r", "\n").split("\n"):
            if not line.strip():
                continue
            _line_names(line, page_found)
            folded = fold_text(line.replace("\u00ba", "°"))
            page_found.birth_dates.extend(_birth_dates(folded, page.source == OCR))
            page_found.numbers.extend(_numbers(folded))
        for name in ("names", "titled", "birth_dates", "numbers"):
            getattr(found, name).extend(getattr(page_found, name))
            if page.source == OCR:
                found.recognised.update(getattr(page_found, name))
    return found


def _family_compound(patient: dict, name: str) -> str:
    """A married name written with the husband's ("Peeters-Janssens") read as the patient's
    family name when one of its parts is it."""
    family = fold_text(str(patient.get("family_name") or "")).strip()
    words = []
    for word in name.split():
        parts = [p for p in re.split(r"-", word) if p]
        words.append(word if len(parts) < 2 or family not in {fold_text(p) for p in parts} else patient["family_name"])
    return " ".join(words)


def _name_check(patient: dict, found: Found) -> FieldCheck:
    """Names after a label: any differing is a mismatch. Otherwise names after a title: the
    patient's if one of them is, else a mismatch (the first differing)."""
    def checks(names: list[str]) -> list[FieldCheck]:
        return [_tolerated(name_check(patient, _family_compound(patient, n)), n, found.recognised) for n in names]

    labelled = checks(found.names)
    if labelled:
        return (next((c for c in labelled if c.status == MISMATCH), None)
                or next((c for c in labelled if c.status == MATCH), labelled[0]))
    titled = checks(found.titled)
    return (next((c for c in titled if c.status == MATCH), None)
            or next((c for c in titled if c.status == MISMATCH), None)
            or name_check(patient, None))


def check_document(patient: dict | None, text: DocumentText | None) -> IdentityResult:
    """The case's patient (manifest shape: family_name, given_names, birth_date, identifiers)
    against what the document's text says: "match", "mismatch" or "not_verified" with why."""
    patient = patient or {}
    if not (expected_name(patient) or patient.get("birth_date")):
        return document_result([], NO_PATIENT)
    if text is None or (not text.pages and not text.problem):
        return document_result([], NO_TEXT)
    if not text.text.strip():
        return document_result([], UNREADABLE)
    found = find_patient(text)
    return document_result([_name_check(patient, found),
                            _birth_date_check(patient, found.birth_dates, found.recognised),
                            _number_check(patient, found.numbers, found.recognised)])


def document_checks(patient: dict | None, documents: list[dict], texts: dict[str, DocumentText]) -> list[dict]:
    """Each document's check as JSON ({"status", "message", "mismatches", "checks", ...}), in
    the order of `documents` (record entries with their "id")."""
    return [check_document(patient, texts.get(str(d.get("id")))).to_json() for d in documents]




def record_document_checks(record: dict, texts: dict[str, DocumentText]) -> dict[str, dict]:
    """{document id: its check as JSON} for the case's documents that are not DICOM objects
    (a DICOM report or encapsulated PDF is its study's: checked with the images), against the
    case's patient (`case_details`): the patient the package or the case sheet names."""
    from app.dossier.case_details import details

    patient = details(record)["patient"]
    return {str(d["id"]): check_document(patient, texts.get(str(d["id"]))).to_json()
            for d in record.get("documents") or [] if d.get("id") and not d.get("study_uid")}


def recheck(record: dict, texts: dict[str, DocumentText]) -> tuple[dict[str, dict], str]:
    """The documents' checks (`record_document_checks`) and the case's identity with them, for
    a case view whose documents' texts changed."""
    from app.dossier import identity

    checks = record_document_checks(record, texts)
    entries = [identity.normalised(i) for i in record.get("identity") or []] + list(checks.values())
    return checks, identity.case_status(entries)


def apply_checks(view: dict, checks: dict[str, dict], case_identity: str) -> None:
    """`view` (`case_view.case_json`) with its documents' checks and the case's identity now."""
    for doc in view.get("documents") or []:
        if str(doc.get("id")) in checks:
            doc["identity"] = checks[str(doc.get("id"))]
    view["identity"] = case_identity
    view["document_mismatches"] = sum(1 for c in checks.values() if c["status"] == MISMATCH)
