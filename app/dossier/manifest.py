"""The dossier manifest (`manifest.json`, sodp-manifest/1): validation and file entries.

Unknown keys are kept and ignored so that the format can grow; required keys and the
shape of each file entry are checked, with the first problem named in the error.
"""

from datetime import date, datetime
import json
import re
import uuid

from app.core.errors import ManifestError
from app.core.i18n import _
from app.crypto.limits import MAX_JSON_DEPTH, MAX_MANIFEST_SIZE, MAX_MEMBERS, parse_json

FORMAT = "sodp-manifest/1"
DOCUMENT_KINDS = ("referral_letter", "history_letter", "correspondence", "imaging_report",
                  "operation_report", "lab_result", "second_opinion", "other")
RECIPIENT_ROLES = ("treating_physician", "general_practitioner", "patient")
SEXES = ("F", "M", "O", "U")
URGENCIES = ("routine", "urgent")
FILE_LISTS = ("documents", "imaging")
PERSON_ROLES = ("referring_physician", "treating_physician", "general_practitioner")
PERSON_FIELDS = ("name", "registration", "organisation", "address")
#: A well-formed BCP 47 language tag (RFC 5646 `langtag` or private use; case-insensitive):
#: "nl", "nl-BE", "fr-BE", "zh-Hant-TW", "de-CH-1996", "x-local". The primary language is an
#: ISO 639 code of 2 or 3 letters (the 4 to 8 letter subtags the grammar reserves are none
#: registered; refusing them refuses "Dutch" or "French" written in place of a tag).
_LANGTAG = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}"  # language (with extlang)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+)",
    re.IGNORECASE)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CREATED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
                         r"(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=[^;\x00-\x1f]{0,200}){0,8}")


def _fail(key: str, problem: str) -> ManifestError:
    return ManifestError(_("The manifest is not valid: {key} {problem}.").format(key=key, problem=problem))


def _require(obj: dict, key: str, where: str):
    if key not in obj:
        raise _fail(where + key, _("is missing"))
    return obj[key]


def _check_date(value: object, key: str) -> None:
    try:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise _fail(key, _("is not a date (YYYY-MM-DD)")) from None


def _optional_text(obj: dict, names: tuple[str, ...], where: str) -> None:
    """Optional keys that, when present and not null, must be text."""
    for name in names:
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise _fail(where + name, _("is not text"))


def _optional_object(obj: dict, name: str, where: str) -> dict:
    value = obj.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(where + name, _("is not an object"))
    return value


def is_language_tag(value: object) -> bool:
    """Whether `value` is a well-formed BCP 47 language tag ("nl-BE", "fr", "en-GB")."""
    return isinstance(value, str) and len(value) <= 64 and bool(_LANGTAG.fullmatch(value))


def _check_language(obj: dict, where: str) -> None:
    """The optional `language` of a person: absent or null is fine (v1 manifests have none); a
    language this workstation does not write in is kept, its readers get the default one."""
    value = obj.get("language")
    if value is not None and not is_language_tag(value):
        raise _fail(where + "language", _("is not a BCP 47 language tag such as nl-BE, fr-BE or en"))


def _check_entry(entry: object, key: str, require_hashes: bool) -> None:
    if not isinstance(entry, dict):
        raise _fail(key, _("is not an object"))
    path = _require(entry, "path", key + ".")
    if not isinstance(path, str) or not path:
        raise _fail(key + ".path", _("is not a file name"))
    if require_hashes or "size" in entry:
        size = _require(entry, "size", key + ".")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size < 1 << 53:
            raise _fail(key + ".size", _("is not a byte count"))
    if require_hashes or "sha256" in entry:
        digest = _require(entry, "sha256", key + ".")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise _fail(key + ".sha256", _("is not a lowercase hex SHA-256"))
    if "kind" in entry and not (isinstance(entry["kind"], str) and entry["kind"] in DOCUMENT_KINDS):
        raise _fail(key + ".kind", _("is not one of {values}").format(values=", ".join(DOCUMENT_KINDS)))
    _optional_text(entry, ("title", "author", "media_type"), key + ".")
    if entry.get("media_type") is not None and not _MEDIA_TYPE.fullmatch(entry["media_type"]):
        raise _fail(key + ".media_type", _("is not a media type (type/subtype)"))
    if "date" in entry and entry["date"] is not None:
        _check_date(entry["date"], key + ".date")


def validate(manifest: object, require_hashes: bool = True) -> dict:
    """Check the required keys and file entries; return the manifest unchanged."""
    if not isinstance(manifest, dict):
        raise _fail("manifest.json", _("is not a JSON object"))
    if _require(manifest, "format", "") != FORMAT:
        raise _fail("format", _("is not {fmt}").format(fmt=FORMAT))
    dossier_id = _require(manifest, "dossier_id", "")
    try:
        if not isinstance(dossier_id, str) or len(dossier_id) > 64:
            raise ValueError
        uuid.UUID(dossier_id)
    except ValueError:
        raise _fail("dossier_id", _("is not a UUID")) from None
    created = _require(manifest, "created", "")
    if not isinstance(created, str) or not _CREATED.fullmatch(created):
        raise _fail("created", _("is not an ISO 8601 time with its zone"))
    try:
        datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        raise _fail("created", _("is not an ISO 8601 time with its zone")) from None
    sender = _optional_object(manifest, "sender", "")
    _optional_text(sender, ("organisation", "contact"), "sender.")
    patient = _require(manifest, "patient", "")
    if not isinstance(patient, dict):
        raise _fail("patient", _("is not an object"))
    if not isinstance(_require(patient, "family_name", "patient."), str):
        raise _fail("patient.family_name", _("is not text"))
    _optional_text(patient, ("given_names",), "patient.")
    _check_language(patient, "patient.")
    _check_date(_require(patient, "birth_date", "patient."), "patient.birth_date")
    if "sex" in patient and not (isinstance(patient["sex"], str) and patient["sex"] in SEXES):
        raise _fail("patient.sex", _("is not one of F, M, O, U"))
    identifiers = patient.get("identifiers")
    if identifiers is not None and (not isinstance(identifiers, list) or not all(
            isinstance(i, dict) and all(isinstance(i.get(k, ""), str) for k in ("system", "value"))
            for i in identifiers)):
        raise _fail("patient.identifiers", _("is not a list of system and value texts"))
    referral = _require(manifest, "referral", "")
    if not isinstance(referral, dict):
        raise _fail("referral", _("is not an object"))
    question = _require(referral, "question", "referral.")
    if not isinstance(question, str) or not question.strip():
        raise _fail("referral.question", _("is empty"))
    if "urgency" in referral and not (isinstance(referral["urgency"], str) and referral["urgency"] in URGENCIES):
        raise _fail("referral.urgency", _("is not routine or urgent"))
    _optional_text(referral, ("reason", "requested_specialty", "in_reply_to"), "referral.")
    for role in PERSON_ROLES:
        person = _optional_object(referral, role, "referral.")
        _optional_text(person, PERSON_FIELDS, f"referral.{role}.")
        _check_language(person, f"referral.{role}.")
    consented = referral.get("consented_recipients", [])
    if not isinstance(consented, list) or any(not isinstance(r, str) or r not in RECIPIENT_ROLES
                                              for r in consented):
        raise _fail("referral.consented_recipients",
                    _("may only hold {values}").format(values=", ".join(RECIPIENT_ROLES)))
    for list_key in FILE_LISTS:
        entries = _require(manifest, list_key, "")
        if not isinstance(entries, list):
            raise _fail(list_key, _("is not a list"))
        if len(entries) > MAX_MEMBERS:
            raise _fail(list_key, _("lists more than {max} files").format(max=MAX_MEMBERS))
        for i, entry in enumerate(entries):
            _check_entry(entry, f"{list_key}[{i}]", require_hashes)
    file_entries(manifest)  # duplicate paths
    return manifest


def parse(data: bytes) -> dict:
    """Parse and validate the bytes of a package's manifest.json."""
    try:
        manifest = parse_json(data)
    except ValueError:  # UnicodeDecodeError and too deep a nesting included
        raise ManifestError(_("The manifest is not valid: manifest.json is not UTF-8 JSON of at most {depth} "
                              "levels.").format(depth=MAX_JSON_DEPTH)) from None
    return validate(manifest)


def file_entries(manifest: dict) -> dict[str, dict]:
    """Every file the manifest lists, by path (documents first, then imaging)."""
    entries: dict[str, dict] = {}
    for list_key in FILE_LISTS:
        for entry in manifest[list_key]:
            if entry["path"] in entries:
                raise _fail(list_key, _("lists {path} twice").format(path=entry["path"]))
            entries[entry["path"]] = entry
    return entries


def dumps(manifest: dict) -> bytes:
    """The bytes written as manifest.json: UTF-8, indented for a human reader."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def parse_source(path) -> dict:
    """Read a sending office's manifest.json, whose sizes and hashes may still be absent."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_MANIFEST_SIZE + 1)
    if len(data) > MAX_MANIFEST_SIZE:
        raise ManifestError(_("The manifest is not valid: {path} is larger than {mib} MiB.")
                            .format(path=path, mib=MAX_MANIFEST_SIZE >> 20))
    try:
        manifest = parse_json(data)
    except ValueError:
        raise ManifestError(_("The manifest is not valid: {path} is not UTF-8 JSON of at most {depth} levels.")
                            .format(path=path, depth=MAX_JSON_DEPTH)) from None
    return validate(manifest, require_hashes=False)


def created_timestamp(manifest: dict) -> float:
    """The manifest's creation time as a POSIX timestamp (used for tar member times)."""
    return datetime.fromisoformat(manifest["created"].replace("Z", "+00:00")).timestamp()
