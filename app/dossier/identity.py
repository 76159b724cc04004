"""Patient identity: one rule for studies, documents and the case.

Wrong-patient images in a dossier are a clinical safety issue, so a study is "match" only
when it was compared with the CASE's patient and name and birth date both agree; it is
"mismatch" when a field differs, and "not_verified" when there is no case patient to compare
with or data is missing. A document's text is compared by the same rule (basis "document",
what it says found by `app/dossier/document_identity.py`): "match" when the name and the
birth date or the national number agree. A case is "ok" only when every study matched and
no document differs (`case_status`). The values compared are kept as data for the screen,
never put into a message or a log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import re
import unicodedata

from app.core.i18n import N_, _

NAME, BIRTH_DATE, PATIENT_ID = "name", "birth date", "patient ID"
MATCH, MISMATCH, UNKNOWN, NOT_COMPARABLE = "match", "mismatch", "unknown", "not comparable"
#: The fields compared (stored keys, also in --json) and their names for a reader.
FIELD_LABELS = {NAME: N_("name"), BIRTH_DATE: N_("birth date"), PATIENT_ID: N_("patient ID")}
NOT_VERIFIED = "not_verified"  # a study's or document's status: no case patient, or data missing
CASE_OK, CASE_NOT_VERIFIED, CASE_MISMATCH = "ok", "not_verified", "mismatch"

# Letters NFKD does not take apart.
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})  # how "Müller" becomes "MUELLER"
_APOSTROPHES = re.compile("['\u2019\u02bc`\u00b4]")
_WORD = re.compile(r"[^\W_]+")
# A name made only of these words is a placeholder left by anonymisation, not a name.
_PLACEHOLDERS = frozenset({"anonymous", "anonymized", "anonymised", "anon", "unknown", "removed",
                           "deidentified", "noname"})
_BE_LAYOUT = re.compile(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}")

Token = tuple[str, str]  # (accents stripped, umlauts written out then stripped)


def _strip(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(text: str | None) -> list[Token]:
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFC", text or "").casefold())
    return [(_strip(w), _strip(w.translate(_UMLAUTS))) for w in _WORD.findall(text)]


def _alphabetic_group(pn: str) -> str:
    # A PN may carry ideographic and phonetic groups after '='; the first non-empty is used.
    return next((g for g in pn.split("=") if g.strip("^ ")), "")


def normalise_name(value: str) -> tuple[str, ...]:
    """Comparable tokens of a DICOM PN ('Family^Given^Middle^Prefix^Suffix', prefix and
    suffix dropped) or of a plain name: case folded, accents stripped, split on '^', spaces
    and hyphens, apostrophes removed."""
    return tuple(t[0] for t in _Name.from_pn(value).tokens)


@dataclass(frozen=True)
class _Name:
    tokens: tuple[Token, ...]
    family: tuple[Token, ...] | None  # None: a plain string with no family/given structure
    given: tuple[Token, ...] = ()

    @classmethod
    def from_pn(cls, value: str | None) -> _Name:
        group = _alphabetic_group(str(value or ""))
        if "^" not in group:
            return cls(tuple(_tokens(group)), None)
        parts = group.split("^")
        family, given = _tokens(parts[0]), _tokens(" ".join(parts[1:3]))
        return cls(tuple(family + given), tuple(family), tuple(given))

    @classmethod
    def from_manifest(cls, patient: dict) -> _Name:
        family, given = _tokens(patient.get("family_name")), _tokens(patient.get("given_names"))
        return cls(tuple(family + given), tuple(family), tuple(given))

    @property
    def missing(self) -> bool:
        words = [t[0] for t in self.tokens]
        return not words or "".join(words) in _PLACEHOLDERS or all(w in _PLACEHOLDERS for w in words)


def _same(a: Token, b: Token) -> bool:
    return bool({a[0], a[1]} & {b[0], b[1]})


def _joined_same(a: tuple[Token, ...], b: tuple[Token, ...]) -> bool:
    # "Van Damme" and "VANDAMME", "O'Brien" and "O BRIEN" are one family name.
    forms = lambda ts: {"".join(t[0] for t in ts), "".join(t[1] for t in ts)}  # noqa: E731
    return bool(a) and bool(b) and bool(forms(a) & forms(b))


def _given_compatible(a: tuple[Token, ...], b: tuple[Token, ...]) -> bool:
    # One shared given name is enough (middle names and initials come and go); none shared
    # is how twins with one family name and birth date are told apart.
    if not a or not b:
        return True
    for x in a:
        for y in b:
            if _same(x, y) or ((len(x[0]) == 1 or len(y[0]) == 1) and x[0][:1] == y[0][:1]):
                return True
    return False


def _find_run(family: tuple[Token, ...], words: tuple[Token, ...]) -> tuple[Token, ...] | None:
    """The words left when `family` is found as consecutive words of `words`, else None."""
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            if _joined_same(family, words[start:end]):
                return words[:start] + words[end:]
    return None


def _compare_names(a: _Name, b: _Name) -> str:
    if a.missing or b.missing:
        return UNKNOWN
    if a.family is not None and b.family is not None:
        if not a.family or not b.family:
            return UNKNOWN
        if not _joined_same(a.family, b.family):
            return MISMATCH
        return MATCH if _given_compatible(a.given, b.given) else MISMATCH
    if a.family is None and b.family is None:
        same = _joined_same(a.tokens, b.tokens) or sorted(a.tokens) == sorted(b.tokens)
        return MATCH if same else MISMATCH
    structured, plain = (a, b) if a.family is not None else (b, a)
    if not structured.family:
        return UNKNOWN
    rest = _find_run(structured.family, plain.tokens)
    if rest is None:
        return MISMATCH
    return MATCH if _given_compatible(structured.given, rest) else MISMATCH


def _date_digits(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", str(value or ""))
    return digits if len(digits) == 8 else None


def _id_digits(value: str | None) -> str:
    return re.sub(r"[\W_]", "", str(value or "")).casefold()


def _national_kind(value: str | None, system: str = "") -> str | None:
    """'be' for a Belgian national register (or BIS) number, 'nl' for a Dutch BSN, else None."""
    text = str(value or "").strip()
    if not text or re.search(r"[^\d\s./-]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11:
        month, day = int(digits[2:4]), int(digits[4:6])
        plausible = month % 20 <= 12 and month < 60 and day <= 31
        check, body = int(digits[9:]), int(digits[:9])
        checksum = check in (97 - body % 97, 97 - (2_000_000_000 + body) % 97)
        national = "national" in system.casefold() or "rijksregister" in system.casefold()
        if plausible and (checksum or _BE_LAYOUT.fullmatch(text) or national):
            return "be"
    if len(digits) == 9 and digits != "0" * 9:
        total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
        if total % 11 == 0:
            return "nl"
    return None


@dataclass
class FieldCheck:
    field: str  # NAME, BIRTH_DATE or PATIENT_ID
    status: str  # match, mismatch, unknown, not comparable
    expected: str | None = None  # patient data: for the screen, never for a message or log
    found: str | None = None


def field_label(field_name: str) -> str:
    """A compared field's name in the current language, lower case ('birth date' →
    'geboortedatum'); an unknown field as it is."""
    return _(FIELD_LABELS[field_name]) if field_name in FIELD_LABELS else field_name


@dataclass
class IdentityResult:
    status: str  # match, mismatch or not_verified
    mismatches: list[str] = field(default_factory=list)  # field names, no values
    checks: list[FieldCheck] = field(default_factory=list)
    basis: str = "dossier"  # "dossier": against the case's patient; "studies": no case patient; "document"
    reason: str | None = None  # a document not compared: NO_TEXT, UNREADABLE or NO_PATIENT

    def message(self) -> str:
        """What to tell the user, naming fields but never their values."""
        if self.basis == DOCUMENT:
            return self._document_message()
        if self.status == MISMATCH:
            listed = ", ".join(field_label(f) for f in self.mismatches)
            if self.basis == "studies":
                return _("Possibly another patient's images. Not matching the other studies: "
                         "{fields}.").format(fields=listed)
            return _("Possibly another patient's images. Not matching the case's patient: "
                     "{fields}.").format(fields=listed)
        if self.basis == "studies":
            return _("Not verified: the case has no patient to compare these images with.")
        if self.status == NOT_VERIFIED:
            missing = ", ".join(field_label(c.field) for c in self.checks
                                if c.field != PATIENT_ID and c.status == UNKNOWN)
            return _("The patient of these images could not be confirmed. Missing or "
                     "unreadable: {fields}.").format(fields=missing)
        return _("The images belong to the case's patient: name and birth date match.")

    def _document_message(self) -> str:
        if self.status == MISMATCH:
            listed = ", ".join(field_label(f) for f in self.mismatches)
            return _("Possibly another patient's document. What it says does not match the case's patient: "
                     "{fields}.").format(fields=listed)
        if self.reason in _REASONS:
            return _(_REASONS[self.reason])
        core = {c.field: c.status for c in self.checks}
        if self.status == MATCH:
            if core.get(BIRTH_DATE) == MATCH:
                return _("The document names the case's patient: name and birth date match.")
            return _("The document names the case's patient: name and national number match.")
        if all(status in (UNKNOWN, NOT_COMPARABLE) for status in core.values()):
            return _("Not verified: no patient name, birth date or national number was found in this document.")
        missing = ", ".join(field_label(c.field) for c in self.checks if c.field != PATIENT_ID and c.status == UNKNOWN)
        return _("The patient of this document could not be confirmed. Not found in its text: "
                 "{fields}.").format(fields=missing)

    def to_json(self) -> dict:
        data = asdict(self) | {"message": self.message()}
        if data["reason"] is None:
            del data["reason"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> IdentityResult:
        return cls(data["status"], list(data.get("mismatches", [])),
                   [FieldCheck(**c) for c in data.get("checks", [])], data.get("basis", "dossier"), data.get("reason"))


DOCUMENT = "document"  # the basis of a document's check
NO_TEXT, UNREADABLE, NO_PATIENT = "no_text", "unreadable", "no_patient"  # why a document was not compared
_REASONS = {
    NO_TEXT: N_("Not verified yet: the document's text has not been read."),
    UNREADABLE: N_("Not verified: no text could be read from this document."),
    NO_PATIENT: N_("Not verified: the case has no patient to compare this document with."),
}


def _result(checks: list[FieldCheck], basis: str) -> IdentityResult:
    mismatches = [c.field for c in checks if c.status == MISMATCH]
    core = {c.field: c.status for c in checks if c.field in (NAME, BIRTH_DATE)}
    ids = {c.status for c in checks if c.field == PATIENT_ID}
    if mismatches:
        status = MISMATCH
    elif core.get(NAME) == MATCH and core.get(BIRTH_DATE) == MATCH and basis in ("dossier", DOCUMENT):
        status = MATCH
    elif core.get(NAME) == MATCH and MATCH in ids and basis == DOCUMENT:
        status = MATCH
    else:
        status = NOT_VERIFIED
    return IdentityResult(status, mismatches, checks, basis)


def _date_check(expected: str | None, found: str | None) -> FieldCheck:
    a, b = _date_digits(expected), _date_digits(found)
    status = UNKNOWN if a is None or b is None else MATCH if a == b else MISMATCH
    return FieldCheck(BIRTH_DATE, status, expected, found)


def check_study(manifest_patient: dict, study_patient: dict) -> IdentityResult:
    """The case's patient (manifest or case sheet shape) against a study's PatientName, PatientBirthDate and PatientID.

    The patient ID counts only when it is a national number of the kind the manifest lists
    (hospital-local IDs legitimately differ; they are recorded as "not comparable")."""
    found_name = study_patient.get("name") or ""
    checks = [FieldCheck(NAME, _compare_names(_Name.from_manifest(manifest_patient), _Name.from_pn(found_name)),
                         expected_name(manifest_patient), found_name or None),
              _date_check(manifest_patient.get("birth_date"), study_patient.get("birth_date"))]
    checks.append(id_check(manifest_patient, study_patient.get("id")))
    return _result(checks, "dossier")


def expected_name(patient: dict) -> str:
    """The case's patient's name as compared (given names first), for the screen."""
    return " ".join(filter(None, (patient.get("given_names"), patient.get("family_name"))))


def name_check(patient: dict, found: str | None) -> FieldCheck:
    """The case's patient (manifest shape) against a name found, plain ('Maria Janssens',
    'JANSSENS Maria') or a DICOM PN."""
    status = _compare_names(_Name.from_manifest(patient), _Name.from_pn(found or ""))
    return FieldCheck(NAME, status, expected_name(patient) or None, found or None)


def birth_check(patient: dict, found: str | None) -> FieldCheck:
    return _date_check(patient.get("birth_date"), found)


def id_check(patient: dict, found_id: str | None) -> FieldCheck:
    """A patient ID found against the case's identifiers: it counts only when it is a national
    number of a kind the case lists (hospital-local IDs legitimately differ: "not comparable")."""
    identifiers = [i for i in patient.get("identifiers") or [] if isinstance(i, dict) and i.get("value")]
    expected_ids = ", ".join(str(i["value"]) for i in identifiers) or None
    if not _id_digits(found_id):
        id_status = UNKNOWN
    elif not identifiers:
        id_status = NOT_COMPARABLE
    elif any(_id_digits(i["value"]) == _id_digits(found_id) for i in identifiers):
        id_status = MATCH
    else:
        kinds = {_national_kind(i["value"], str(i.get("system", ""))) for i in identifiers}
        id_status = MISMATCH if _national_kind(found_id) in kinds - {None} else NOT_COMPARABLE
    return FieldCheck(PATIENT_ID, id_status, expected_ids, found_id)


def document_result(checks: list[FieldCheck], reason: str | None = None) -> IdentityResult:
    """A document's check from its fields' checks (the rule of `_result`), or not compared
    for `reason`."""
    if reason is not None:
        return IdentityResult(NOT_VERIFIED, [], checks, DOCUMENT, reason)
    return _result(checks, DOCUMENT)


def _compare_studies(reference: dict, other: dict) -> IdentityResult:
    ref_name, name = reference.get("name") or "", other.get("name") or ""
    checks = [FieldCheck(NAME, _compare_names(_Name.from_pn(ref_name), _Name.from_pn(name)),
                         ref_name or None, name or None),
              _date_check(reference.get("birth_date"), other.get("birth_date"))]
    ref_id, found_id = reference.get("id"), other.get("id")
    if not _id_digits(ref_id) or not _id_digits(found_id):
        id_status = UNKNOWN
    elif _id_digits(ref_id) == _id_digits(found_id):
        id_status = MATCH
    else:
        kind = _national_kind(found_id)
        id_status = MISMATCH if kind and kind == _national_kind(ref_id) else NOT_COMPARABLE
    checks.append(FieldCheck(PATIENT_ID, id_status, ref_id, found_id))
    return _result(checks, "studies")


def _agree(a: dict, b: dict) -> bool:
    """Two studies' patients: name and birth date both compared and equal, nothing differing."""
    result = _compare_studies(a, b)
    core = {c.field: c.status for c in result.checks if c.field in (NAME, BIRTH_DATE)}
    return result.status != MISMATCH and core.get(NAME) == MATCH and core.get(BIRTH_DATE) == MATCH


def same_patient(a: dict, b: dict) -> bool:
    """Whether two DICOM patients ({"name", "birth_date", "id"}) are taken as one person when a
    source is split by patient: nothing differs (names compared tolerantly, see
    `normalise_name`), and either the Patient IDs are equal or missing, or name and birth date
    both agree (hospital-local IDs of one person legitimately differ)."""
    if _compare_studies(a, b).status == MISMATCH:
        return False
    id_a, id_b = _id_digits(a.get("id")), _id_digits(b.get("id"))
    return not id_a or not id_b or id_a == id_b or _agree(a, b)


def majority_patient(patients: list[dict], weights: list[int] | None = None) -> int:
    """The index of the patient whose studies, with those agreeing with it, weigh the most
    (`weights`: each study's images; one each by default); ties: the first."""
    weights = weights or [1] * len(patients)

    def weight(i: int) -> int:
        return sum(w for j, (p, w) in enumerate(zip(patients, weights)) if j == i or same_patient(patients[i], p))

    return max(range(len(patients)), key=lambda i: (weight(i), -i))


def group_by_patient(patients: list[dict]) -> list[list[int]]:
    """Indices of `patients` grouped into one group per person (see `same_patient`), each
    compared with its group's first member; groups in the order of their first member."""
    groups: list[list[int]] = []
    for n, patient in enumerate(patients):
        home = next((g for g in groups if same_patient(patients[g[0]], patient)), None)
        if home is None:
            groups.append([n])
        else:
            home.append(n)
    return groups


def check_studies_against_each_other(studies: list) -> list[dict]:
    """For a case without a patient: each study against the patient most studies share.

    `studies` are StudySummary objects (or anything with .study_uid and .patient). Returns,
    in the same order, {"study_uid", **IdentityResult.to_json()}; a study of another patient
    than the one with the most images is "mismatch", the others "not_verified" (agreeing
    with each other confirms no one)."""
    patients = [s.patient for s in studies]
    if not patients:
        return []
    weights = [sum(len(se.instances) for se in getattr(s, "series", [])) for s in studies]
    reference = patients[majority_patient(patients, weights if any(weights) else None)]
    results = []
    for study, patient in zip(studies, patients):
        result = _compare_studies(reference, patient)
        if result.status != MISMATCH and not same_patient(reference, patient):
            result.status, result.mismatches = MISMATCH, [PATIENT_ID]
        results.append(dict(study_uid=study.study_uid, **result.to_json()))
    return results


def study_status(entry: dict | None) -> str:
    """A stored study check's status in today's words: records written before the case rule
    said "unknown", and "match" against the other studies, which confirms no one."""
    if not entry:
        return NOT_VERIFIED
    status = entry.get("status")
    if status == MISMATCH:
        return MISMATCH
    if status == MATCH and entry.get("basis", "dossier") in ("dossier", DOCUMENT):
        return MATCH
    return NOT_VERIFIED


def normalised(entry: dict | None) -> dict:
    """A stored study check with its status in today's words (see `study_status`) and its
    message in the current language (the record keeps the words of the language it was
    imported in)."""
    entry = dict(entry or {"mismatches": []})
    entry["status"] = study_status(entry)
    entry.setdefault("mismatches", [])
    if "message" in entry:
        try:
            entry["message"] = IdentityResult.from_json(entry).message()
        except (KeyError, TypeError, ValueError):  # a check of another shape keeps its own words
            pass
    return entry


def case_status(entries: list[dict]) -> str:
    """The case's identity from its studies' and documents' checks: "ok" only when there is
    at least one and every one matched; "mismatch" when any differs; else "not_verified". A
    document whose text names no patient (most lab sheets, many reports) is left out: only a
    document that names the case's patient, or another one, counts."""
    statuses = [study_status(e) for e in entries]
    statuses = [s for s, e in zip(statuses, entries) if s != NOT_VERIFIED or e.get("basis") != DOCUMENT]
    if MISMATCH in statuses:
        return CASE_MISMATCH
    if statuses and all(s == MATCH for s in statuses):
        return CASE_OK
    return CASE_NOT_VERIFIED
