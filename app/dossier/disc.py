"""The listing of a CD, USB stick or folder: every file with its size and an opener, and
what the DICOMDIR says about them. No file content is read, but the DICOMDIR's.

`list_folder` walks a mounted medium; `app.dossier.iso.list_iso` reads an image. Both end in
`build_listing`, which finds the DICOMDIR, resolves its references the way real discs need
(case-insensitive, ISO 9660 ';1' and trailing '.' ignored) and never turns a reference into
a path to open: a reference only ever selects a file that the walk itself found.
"""

from __future__ import annotations

import io
import os
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import BinaryIO

from app.core.errors import BadInputError
from app.core.i18n import _, ngettext
from app.core.media_limits import MAX_DICOMDIR_BYTES, MAX_DICOMDIR_RECORDS, MAX_DISC_DEPTH, MAX_DISC_FILES
from app.core.tasks import CancelToken

MAX_DICOMDIR_SIZE = MAX_DICOMDIR_BYTES  # DICOMDIRs of full DVDs run to a few MiB; more is not one

_REFERENCED_FILE_ID = 0x00041500
_RECORD_IN_USE_FLAG = 0x00041410
_FIRST_ROOT_RECORD = "OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity"
_LAST_ROOT_RECORD = "OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity"
_NEXT_RECORD = "OffsetOfTheNextDirectoryRecord"
_LOWER_LEVEL_RECORD = "OffsetOfReferencedLowerLevelDirectoryEntity"
_SEQUENCE_END_LE = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"  # (FFFE,E0DD), length 0
_SEQUENCE_END_BE = b"\xff\xfe\xe0\xdd\x00\x00\x00\x00"
_VERSION = re.compile(r";\d*$")
_DRIVE = re.compile(r"^[A-Za-z]:")
# Folders and files that operating systems leave on media; never part of a dossier.
_JUNK_NAMES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", "__macosx",
               "$recycle.bin", "recycler", "system volume information", ".trashes",
               ".spotlight-v100", ".fseventsd", ".temporaryitems", ".documentrevisions-v100"}


@dataclass(frozen=True)
class DiscFile:
    """One regular file of the medium."""

    path: str  # relative, '/'-separated, as on the medium
    size: int
    opener: Callable[[], BinaryIO] = field(compare=False, repr=False)  # one sequential read
    referenced: bool = False  # the DICOMDIR references it


@dataclass
class DiscListing:
    """Every file of a medium, DICOMDIR first, then by path (case-insensitive).

    Use it as a context manager, or call `close()`: an ISO image stays open while its
    files may still be read.
    """

    files: list[DiscFile]
    dicomdir: str | None = None
    missing: list[str] = field(default_factory=list)  # referenced by the DICOMDIR, absent
    # What the DICOMDIR says a referenced file belongs to (patient, study, series), by the
    # listing's path of a file found and by the reference of a missing one.
    named: dict[str, dict] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # references outside the medium
    notes: list[str] = field(default_factory=list)  # human-readable, for the import report
    closer: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    def close(self) -> None:
        closer, self.closer = self.closer, None
        if closer is not None:
            closer()

    def __enter__(self) -> DiscListing:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def is_junk(name: str) -> bool:
    """True for one path component that an OS left behind (.DS_Store, Thumbs.db, ._x, ...)."""
    folded = name.casefold()
    return folded in _JUNK_NAMES or folded.startswith(("._", ".trash-"))


def shown_name(name: str, taken: set[str] | None = None) -> str:
    """A file name from the medium as text. Names that are not valid UTF-8 (a disc burnt
    under another code page) are read as Windows-1252, so that they can be stored and shown;
    `taken` (the names already given in the same folder) keeps two names from becoming one."""
    shown = name
    if not name.isprintable():  # surrogates stand for bytes that are not UTF-8
        raw = os.fsencode(name)
        try:
            shown = raw.decode("utf-8")
        except UnicodeDecodeError:
            shown = raw.decode("cp1252", "replace")
        shown = "".join(c if c.isprintable() else "\ufffd" for c in shown)
    if taken is not None:
        base, number = shown, 1
        while shown in taken:
            number += 1
            shown = f"{base} ({number})"
        taken.add(shown)
    return shown


def strip_version(name: str) -> str:
    """`name` without an ISO 9660 version suffix (';1')."""
    return _VERSION.sub("", name)


def name_key(name: str) -> str:
    """A name as discs compare it: case-insensitive, without ';1' or a trailing '.'."""
    name = strip_version(name.strip())
    return (name.rstrip(".") or name).casefold()


def list_folder(root: Path, cancel: CancelToken | None = None) -> DiscListing:
    """List a mounted CD, USB stick or folder in one pass (a file costs one directory entry
    and one lstat). Links are not followed, special files and OS junk are skipped; a
    sub-folder that cannot be read is noted, not fatal. Names that are not valid UTF-8 are
    read as Windows-1252 (see `shown_name`); past MAX_DISC_FILES files or MAX_DISC_DEPTH
    folders deep the medium is refused."""
    root = Path(root)
    try:
        resolved = root.resolve(strict=True)
        with os.scandir(resolved):
            pass
    except NotADirectoryError:
        raise BadInputError(_("{folder} is a file, not a folder: choose the folder of the CD "
                              "or USB stick.").format(folder=root)) from None
    except (OSError, RuntimeError) as error:
        raise BadInputError(_("The folder {folder} cannot be read ({reason}). Check that the "
                              "disc is inserted and the folder exists.")
                            .format(folder=root, reason=_reason(error))) from None
    files: list[DiscFile] = []
    notes: list[str] = []
    links = 0
    pending = [(str(resolved), "", 0)]
    while pending:
        if cancel is not None:
            cancel.check()
        directory, prefix, depth = pending.pop()
        if depth > MAX_DISC_DEPTH:
            raise BadInputError(_("The folders of {folder} nest more than {depth} deep; it is not a CD or USB "
                                  "stick that can be imported.").format(folder=root, depth=MAX_DISC_DEPTH))
        try:
            with os.scandir(directory) as scan:
                entries = list(scan)
        except OSError as error:
            notes.append(_("The folder {path} could not be read ({reason}); its files were "
                           "not imported.").format(path=prefix.rstrip("/"), reason=_reason(error)))
            continue
        names: set[str] = set()
        for entry in entries:
            if is_junk(entry.name):
                continue
            name = shown_name(entry.name, names)
            try:
                if entry.is_symlink() or getattr(entry, "is_junction", lambda: False)():
                    links += 1
                elif entry.is_dir(follow_symlinks=False):
                    if _inside(resolved, entry.path):
                        pending.append((entry.path, f"{prefix}{name}/", depth + 1))
                    else:
                        links += 1
                elif entry.is_file(follow_symlinks=False):
                    size = entry.stat(follow_symlinks=False).st_size
                    files.append(DiscFile(prefix + name, size, partial(_open_binary, entry.path)))
                    if len(files) > MAX_DISC_FILES:
                        raise BadInputError(_("{folder} holds more than {count} files; it is not a CD or USB stick "
                                              "that can be imported.").format(folder=root, count=MAX_DISC_FILES))
            except OSError as error:
                notes.append(_("{path} could not be read ({reason}) and was skipped.")
                             .format(path=prefix + name, reason=_reason(error)))
    if links:
        notes.append(ngettext("{count} link on the medium was not followed.", "{count} links on the medium were not followed.",
                              links).format(count=links))
    return build_listing(files, notes=notes)


def build_listing(files: Iterable[DiscFile], *, notes: list[str] | None = None,
                  closer: Callable[[], None] | None = None) -> DiscListing:
    """Order `files`, read the DICOMDIR among them and mark what it references."""
    files = sorted(files, key=lambda f: (f.path.casefold(), f.path))
    listing = DiscListing(files, notes=list(notes or ()), closer=closer)
    dicomdir = _find_dicomdir(files, listing.notes)
    if dicomdir is None:
        return listing
    data = _read_dicomdir(dicomdir, listing.notes)
    references = None if data is None else _references(data)
    if data is not None:
        dicomdir = replace(dicomdir, opener=partial(io.BytesIO, data))  # never read twice
    others = [f for f in files if f.path != dicomdir.path]
    if references is None:
        if data is not None:
            listing.notes.append(_("The DICOMDIR could not be read; every file was scanned "
                                   "instead."))
        listing.files = [dicomdir, *others]
        return listing
    folder = dicomdir.path.split("/")[:-1]
    index: dict[tuple[str, ...], list[int]] = {}
    for number, file in enumerate(others):
        index.setdefault(tuple(name_key(p) for p in file.path.split("/")), []).append(number)
    referenced: set[int] = set()
    for components, context in references:
        shown = "/".join(components)
        if _outside(components):
            if shown not in listing.refused:
                listing.refused.append(shown)
            continue
        parts = folder + [c for c in components if c not in ("", ".")]
        candidates = index.get(tuple(name_key(p) for p in parts), [])
        exact = [n for n in candidates if others[n].path == "/".join(parts)]
        if exact or candidates:
            referenced.add((exact or candidates)[0])
            if context:
                listing.named[others[(exact or candidates)[0]].path] = context
        elif shown not in listing.missing:
            listing.missing.append(shown)
            if context:
                listing.named[shown] = context
    listing.dicomdir = dicomdir.path
    listing.files = [dicomdir, *(replace(f, referenced=True) if n in referenced else f
                                 for n, f in enumerate(others))]
    return listing


def _find_dicomdir(files: list[DiscFile], notes: list[str]) -> DiscFile | None:
    # IHE PDI puts it at the root; a copy of a disc inside a folder of a USB stick has it
    # one level down. Several at the shallowest level: no single one describes the medium.
    found = [f for f in files if name_key(f.path.rsplit("/", 1)[-1]) == "dicomdir"]
    if not found:
        return None
    depth = min(f.path.count("/") for f in found)
    shallowest = [f for f in found if f.path.count("/") == depth]
    exact = [f for f in shallowest if f.path.rsplit("/", 1)[-1] == "DICOMDIR"]
    if len(shallowest) > 1 and depth > 0:
        notes.append(_("{count} DICOMDIR files were found in different folders; every file was "
                       "scanned instead.").format(count=len(shallowest)))
        return None
    return (exact or shallowest)[0]


def _read_dicomdir(dicomdir: DiscFile, notes: list[str]) -> bytes | None:
    if dicomdir.size > MAX_DICOMDIR_SIZE:
        notes.append(_("The DICOMDIR is too large to be a DICOMDIR ({size} bytes); every file "
                       "was scanned instead.").format(size=dicomdir.size))
        return None
    try:
        with dicomdir.opener() as stream:
            data = stream.read(MAX_DICOMDIR_SIZE + 1)
    except OSError as error:
        notes.append(_("The DICOMDIR could not be read from the medium ({reason}); every file "
                       "was scanned instead.").format(reason=_reason(error)))
        return None
    if len(data) > MAX_DICOMDIR_SIZE:
        notes.append(_("The DICOMDIR is too large to be a DICOMDIR; every file was scanned "
                       "instead."))
        return None
    # pydicom builds every record in memory (about 20 KiB and 0.2 ms each): count the item
    # tags, an upper bound on the records, before it is asked.
    if data.count(b"\xfe\xff\x00\xe0") + data.count(b"\xff\xfe\xe0\x00") > MAX_DICOMDIR_RECORDS:
        notes.append(_("The DICOMDIR lists more than {count} records; every file was scanned instead.")
                     .format(count=MAX_DICOMDIR_RECORDS))
        return None
    return data


def _references(data: bytes) -> list[tuple[list[str], dict]] | None:
    """The ReferencedFileID of every record in use, as path components, with what the
    DICOMDIR says it belongs to (see `_context`); None if unreadable.

    Values are taken raw, not through pydicom's CS validation: real discs hold lower-case
    names, '.', '/' or NUL padding there, and a warning is no reason to reject a disc.
    """
    from pydicom import dcmread  # only for a DICOMDIR: pydicom is a fixed cost of every import otherwise

    try:
        dataset = dcmread(io.BytesIO(data), force=True)
        records = dataset["DirectoryRecordSequence"].value
        if _truncated(dataset, records, data):
            return None  # pydicom returns the records it got, silently
        references = []
        context: dict[str, dict] = {}
        for record in records:
            if _raw(record, _RECORD_IN_USE_FLAG) == b"\x00\x00":
                continue  # an inactive record (PS3.10 retired flag): its file may be gone
            _context(record, context)
            value = _raw(record, _REFERENCED_FILE_ID)
            components = [] if value is None else _components(value)
            if any(components):
                references.append((components, _flat(context)))
        return references
    except Exception:  # noqa: BLE001 - any failure to parse means "no usable DICOMDIR"
        return None


def _text(record, keyword: str) -> str | None:
    try:
        value = record.get(keyword)
    except Exception:  # noqa: BLE001 - a malformed value only costs that value
        return None
    text = "" if value is None else str(value).strip(" \x00")
    return text or None


def _context(record, context: dict[str, dict]) -> None:
    """Follow the records in file order (writers put PATIENT, STUDY, SERIES, IMAGE depth
    first): a record of a level replaces that level and forgets the ones below."""
    kind = (_text(record, "DirectoryRecordType") or "").upper()
    if kind == "PATIENT":
        context.clear()
        context["patient"] = {"name": _text(record, "PatientName") or "", "id": _text(record, "PatientID"),
                              "birth_date": _text(record, "PatientBirthDate")}
    elif kind == "STUDY":
        context.pop("series", None)
        context["study"] = {"study_uid": _text(record, "StudyInstanceUID"), "date": _text(record, "StudyDate"),
                            "description": _text(record, "StudyDescription")}
    elif kind == "SERIES":
        context["series"] = {"series_uid": _text(record, "SeriesInstanceUID"), "modality": _text(record, "Modality"),
                             "number": _text(record, "SeriesNumber")}


def _flat(context: dict[str, dict]) -> dict:
    study, series = context.get("study") or {}, context.get("series") or {}
    return {"patient": context.get("patient"), "study_uid": study.get("study_uid"),
            "study_date": study.get("date"), "study_description": study.get("description"),
            "series_uid": series.get("series_uid"), "modality": series.get("modality"),
            "series_number": series.get("number")}


def _truncated(dataset, records, data: bytes) -> bool:
    """Records were lost at the end: pydicom returns those it got without a word.

    Told by the sequence running past the end of the file (its length, or its missing
    delimiter), or by a record offset (PS3.10 8.6) pointing past the end. Offsets that point
    elsewhere inside the file are tolerated: some writers get them wrong, and the
    references of such a DICOMDIR are still right.
    """
    pointers = [dataset.get(_FIRST_ROOT_RECORD), dataset.get(_LAST_ROOT_RECORD)]
    for record in records:
        pointers += [record.get(_NEXT_RECORD), record.get(_LOWER_LEVEL_RECORD)]
    if any(p >= len(data) for p in pointers if p):
        return True
    element = dataset["DirectoryRecordSequence"]
    if element.is_undefined_length:
        tail = data[records[-1].seq_item_tell if records else element.file_tell:]
        return _SEQUENCE_END_LE not in tail and _SEQUENCE_END_BE not in tail
    value = element.file_tell  # where the items start; the 4-byte length is just before
    tag = value - (12 if data[value - 8:value - 6] == b"SQ" else 8)
    order = "<" if data[tag:tag + 2] == b"\x04\x00" else ">"
    return value + struct.unpack_from(order + "L", data, value - 4)[0] > len(data)


def _raw(record, tag: int) -> bytes | None:
    if tag not in record:
        return None
    value = record.get_item(tag).value
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        return value.to_bytes(2, "little")
    text = value if isinstance(value, str) else "\\".join(str(v) for v in value)
    return text.encode("latin-1", "replace")


def _components(value: bytes) -> list[str]:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = value.decode("latin-1")
    parts = [p.strip(" \x00") for p in re.split(r"[\\/]", text.strip(" \x00"))]
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts


def _outside(components: list[str]) -> bool:
    """A reference that climbs out of the DICOMDIR's folder, is absolute or names a drive."""
    if not components or components[0] == "" or _DRIVE.match(components[0]):
        return True
    return any(strip_version(c).strip() in ("..", "...") or ":" in c for c in components)


def _inside(root: Path, path: str) -> bool:
    real = os.path.realpath(path)
    return os.path.commonpath([str(root), real]) == str(root)


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or error.__class__.__name__


def _open_binary(path: str) -> BinaryIO:
    return open(path, "rb")
