"""DICOM header indexing during import: one instance's identity and geometry from the start
of its file (pixel data is never read), and instances grouped into studies and series.
The plain data it fills in lives in dicom_summary.py (and is re-exported here).
"""

from __future__ import annotations

from collections import Counter
import io
import math
import os
import re
from typing import BinaryIO
import warnings

from app.core.errors import BadInputError
from app.core.i18n import _
from app.core.media_limits import MAX_FRAMES, MAX_HEADER_VALUE
from app.dossier import dicom_fast
from app.dossier.dicom_head import HeaderCopy
from app.dossier.dicom_summary import (KINDS, InstanceInfo, SeriesSummary, StudySummary, studies_from_json,
                                       studies_to_json)
from app.dossier.series_index import index_instances, is_compact

__all__ = ["KINDS", "DicomParseError", "InstanceInfo", "SeriesSummary", "StudySummary", "build_studies",
           "extract_encapsulated_pdf", "index_header", "index_instances", "is_compact", "read_instance",
           "studies_from_json", "studies_to_json"]

PREFIX_SIZE = 1 << 20  # what the importer parses first; bytes of exactly this length may be a cut
FAST_HEAD = 1 << 16  # a file is read in blocks of this size until its indexed header is complete
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
ENCAPSULATED_PDF_CLASS = "1.2.840.10008.5.1.4.1.1.104.1"
SR_CLASS_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
PRESENTATION_STATE_PREFIX = "1.2.840.10008.5.1.4.1.1.11."

# Everything indexed lives in groups 0002-0028, so reading stops at the first top-level
# element past them (big private groups, SR content, the PDF and the pixels are skipped).
# A DICOMDIR stops before its directory records, which can run to megabytes.
_LAST_NEEDED = 0x0028FFFF
_DIRECTORY_RECORDS = 0x00041220
_PIXEL_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})
_UNDEFINED = 0xFFFFFFFF
_INT_LIMIT = 1 << 31
_PLAUSIBLE_FIRST_GROUPS = frozenset({0x0002, 0x0004, 0x0008})
_DATE = re.compile(r"(\d{4})[.\-]?(\d{2})[.\-]?(\d{2})")


class DicomParseError(BadInputError):
    """A file is not DICOM, is damaged, or lacks the UIDs that file it into a study."""


# --- reading one instance ----------------------------------------------------------------


class _Reader:
    """A read-only view of the source that notices when the data ends inside an element,
    and never lets a corrupt length make pydicom allocate more than the source holds."""

    def __init__(self, raw: BinaryIO, size: int, preamble: bool) -> None:
        self._raw, self._size = raw, size
        # Without a preamble, pydicom's look for one may run short on a small file: no cut.
        self._lookups = set() if preamble else {(0, 128), (128, 4)}
        self.cut = False
        self._empty_reads = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return self._raw.read()
        start = self._raw.tell()
        data = self._raw.read(min(n, max(self._size - start, 0)))
        if (start, n) in self._lookups:
            self._lookups.discard((start, n))
        elif 0 < len(data) < n:
            self.cut = True
        elif n and not data:
            # The element loop ends with one empty read; a second means a value was missing.
            self._empty_reads += 1
            self.cut = self.cut or self._empty_reads > 1
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def _open(source: bytes | bytearray | memoryview | BinaryIO) -> tuple[BinaryIO, int]:
    """The source from its first byte (a file object is rewound), and its size."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(source), len(source)
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    return source, size


def _has_preamble(raw: BinaryIO) -> bool | None:
    """True with a 'DICM' preamble, False for a plausible DICOM stream without one, None if
    the bytes cannot be DICOM. Leaves `raw` where it was."""
    start = raw.tell()
    head = raw.read(132)
    raw.seek(start)
    if len(head) == 132 and head[128:132] == b"DICM":
        return True
    if len(head) < 8:
        return None
    little, big = int.from_bytes(head[:2], "little"), int.from_bytes(head[:2], "big")
    return False if {little, big} & _PLAUSIBLE_FIRST_GROUPS else None


def read_instance(source: bytes | BinaryIO, path: str, *, complete: bool | None = None) -> InstanceInfo:
    """Index one DICOM file from its bytes, its first bytes, or a seekable file object.

    A prefix that ends in the pixel data (or anything after the indexed elements) is enough.
    If the data ends before the header does, DicomParseError asks for the whole file.
    `complete` says whether `source` is the whole file; by default bytes of exactly
    PREFIX_SIZE are taken as possibly cut, anything else as whole. Memory stays bounded
    whatever the file declares (see `dicom_head.HeaderCopy`).
    """
    copy = HeaderCopy()
    if isinstance(source, (bytes, bytearray, memoryview)):
        copy.feed(source)
        size = len(source)
        if complete is None:
            complete = size != PREFIX_SIZE
    else:
        size = _feed_file(copy, source)
        complete = True if complete is None else complete
    copy.close()
    return index_header(copy, path, complete=complete, size=size)


def _feed_file(copy: HeaderCopy, source: BinaryIO) -> int:
    """Feed `copy` from the start of `source` until it has what it needs; the file's size."""
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    while not copy.done:
        skip = copy.skip_ahead
        if skip:
            skip = min(skip, size - source.tell())
            source.seek(skip, os.SEEK_CUR)
            copy.skipped(skip)
        block = source.read(FAST_HEAD)
        if not block:
            break
        copy.feed(block)
    source.seek(0)
    return size


def index_header(copy: HeaderCopy, path: str, *, complete: bool, size: int,
                 whole_pixel_data: bool = False) -> InstanceInfo:
    """The instance from a `HeaderCopy` fed with the file (all of it when `complete`), whose
    size is `size`. `whole_pixel_data` refuses a file whose pixel data runs past its end
    (the import keeps only what can be shown; the viewer shows the frames that are there)."""
    if copy.error:
        raise DicomParseError(_("{path} cannot be read: {reason}.").format(path=path, reason=copy.error))
    if copy.verbatim:
        return _read_header(copy.data, path, complete=complete and not copy.overflow)
    if copy.stopped is None and (copy.cut or not complete):
        raise _damaged(path, complete)
    info = _read_header(copy.data, path, complete=True)
    if copy.transfer_syntax:
        info.transfer_syntax = copy.transfer_syntax
    if whole_pixel_data and copy.stopped is not None and complete and copy.transfer_syntax is None:
        tag, offset, length = copy.stopped
        if tag in _PIXEL_TAGS and length != _UNDEFINED and offset + length > size:
            raise DicomParseError(_("{path} is cut short: its pixel data runs {missing} bytes past the end "
                                    "of the file.").format(path=path, missing=offset + length - size))
    return info


def _read_header(data: bytes, path: str, *, complete: bool) -> InstanceInfo:
    """The instance from bytes that hold its header (a `HeaderCopy`, or a bare stream)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of every odd value; the index notes what matters
        fast = dicom_fast.parse_header(data)
        if fast is not None:
            try:
                return _instance(fast[0], path, fast[1])
            except DicomParseError:
                raise
            except Exception as exc:
                raise _damaged(path, True) from exc
        raw, size = io.BytesIO(data), len(data)
        preamble = _has_preamble(raw)
        if preamble is None:
            raise DicomParseError(_("{path} is not a DICOM file.").format(path=path))
        stopped: list[int] = []

        def stop(tag, vr, length) -> bool:
            if tag > _LAST_NEEDED or tag == _DIRECTORY_RECORDS:
                stopped.append(int(tag))
                return True
            return False

        from pydicom.filereader import read_partial  # loaded only when dicom_fast cannot parse a header

        reader = _Reader(raw, size, preamble)
        try:
            # _Reader has the read, seek and tell that pydicom uses, not the rest of BinaryIO.
            ds = read_partial(reader, stop_when=stop, force=not preamble,  # type: ignore[arg-type]
                              defer_size=MAX_HEADER_VALUE)
        except Exception as exc:  # a damaged file can make pydicom fail in many ways
            raise _damaged(path, complete) from exc
        if not stopped and (reader.cut or not complete):
            raise _damaged(path, complete)
        try:
            return _instance(ds, path, stopped[0] if stopped else None)
        except DicomParseError:
            raise
        except Exception as exc:
            raise _damaged(path, True) from exc


def _damaged(path: str, complete: bool) -> DicomParseError:
    if not complete:
        return DicomParseError(_("The DICOM header of {path} does not fit in the first bytes read; "
                                 "read the whole file.").format(path=path))
    return DicomParseError(_("{path} is damaged: its DICOM header cannot be read.").format(path=path))


def _get(ds, keyword: str):
    # Values are decoded on access; a malformed one must not cost the whole instance.
    try:
        value = ds.get(keyword)
    except Exception:
        return None
    return None if value is None or value == "" else value


def _text(ds, keyword: str) -> str | None:
    value = _get(ds, keyword)
    if value is None:
        return None
    text = str(value).strip().strip("\x00").strip()
    return text or None


def _int(value) -> int | None:
    """An integer string (IS) or number as an int, None when it is not one or lies outside
    the 32-bit range DICOM allows (a larger one would not even fit in SQLite)."""
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        try:
            real = float(str(value))
        except (ValueError, OverflowError):
            return None
        if not real.is_integer():
            return None
        number = int(real)
    return number if -_INT_LIMIT <= number < _INT_LIMIT else None


def _frames(ds, path: str) -> int:
    raw = _get(ds, "NumberOfFrames")
    frames = _int(raw)
    if raw is not None and frames is None or frames is not None and frames > MAX_FRAMES:
        raise DicomParseError(_("{path} declares an impossible number of frames (more than {limit}).")
                              .format(path=path, limit=MAX_FRAMES))
    return max(frames or 1, 1)


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _floats(value, count: int) -> list[float] | None:
    try:
        numbers = [_float(v) for v in value]
    except TypeError:
        return None
    found = [n for n in numbers if n is not None]
    return found if len(found) == len(numbers) == count else None


def _date(value: str | None) -> str | None:
    match = _DATE.fullmatch(value or "")
    return "".join(match.groups()) if match else value


def _kind(sop_class: str, ds, stopped_at: int | None) -> str:
    if sop_class == DICOMDIR_CLASS or stopped_at == _DIRECTORY_RECORDS:
        return "dicomdir"
    if sop_class.startswith(SR_CLASS_PREFIX):
        return "sr"
    if sop_class == ENCAPSULATED_PDF_CLASS:
        return "encapsulated_pdf"
    if sop_class.startswith(PRESENTATION_STATE_PREFIX):
        return "presentation_state"
    return "image" if stopped_at in _PIXEL_TAGS or "Rows" in ds else "other_non_image"


def _instance(ds, path: str, stopped_at: int | None) -> InstanceInfo:
    meta = getattr(ds, "file_meta", None) or {}
    sop_class = _text(ds, "SOPClassUID") or _text(meta, "MediaStorageSOPClassUID") or ""
    kind = _kind(sop_class, ds, stopped_at)
    sop_instance, study = _text(ds, "SOPInstanceUID"), _text(ds, "StudyInstanceUID")
    if kind == "dicomdir":
        sop_instance = sop_instance or _text(meta, "MediaStorageSOPInstanceUID") or ""
        study = ""
    elif not sop_instance or not study:
        raise DicomParseError(_("{path} lacks the SOP Instance UID or Study Instance UID that file "
                                "it into a study.").format(path=path))
    image = kind == "image"
    return InstanceInfo(
        path=path, sop_class_uid=sop_class, sop_instance_uid=sop_instance, study_uid=study,
        series_uid="" if kind == "dicomdir" else _text(ds, "SeriesInstanceUID") or "",
        modality=_text(ds, "Modality"), kind=kind,
        instance_number=_int(_get(ds, "InstanceNumber")),
        frames=_frames(ds, path) if image else 0,
        rows=_int(_get(ds, "Rows")), columns=_int(_get(ds, "Columns")),
        position=_floats(_get(ds, "ImagePositionPatient") or (), 3),
        orientation=_floats(_get(ds, "ImageOrientationPatient") or (), 6),
        slice_thickness=_float(_get(ds, "SliceThickness")),
        transfer_syntax=_text(meta, "TransferSyntaxUID"),
        frame_of_reference_uid=_text(ds, "FrameOfReferenceUID"),
        patient={"name": _text(ds, "PatientName") or "",
                 "birth_date": _date(_text(ds, "PatientBirthDate")),
                 "id": _text(ds, "PatientID"), "sex": _text(ds, "PatientSex")},
        study={"date": _date(_text(ds, "StudyDate")), "time": _text(ds, "StudyTime"),
               "description": _text(ds, "StudyDescription"), "accession": _text(ds, "AccessionNumber"),
               "id": _text(ds, "StudyID"), "referring": _text(ds, "ReferringPhysicianName")},
        series={"number": _int(_get(ds, "SeriesNumber")), "description": _text(ds, "SeriesDescription"),
                "body_part": _text(ds, "BodyPartExamined")},
    )


def extract_encapsulated_pdf(source: bytes | BinaryIO | str | os.PathLike) -> bytes:
    """The PDF inside an Encapsulated PDF object, read from the whole file."""
    from pydicom import dcmread

    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else _("the encapsulated PDF")
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            return extract_encapsulated_pdf(handle)
    raw, _size = _open(source)
    preamble = _has_preamble(raw)
    if preamble is None:
        raise DicomParseError(_("{path} is not a DICOM file.").format(path=name))
    try:
        ds = dcmread(raw, force=not preamble)
        document = ds.get("EncapsulatedDocument")
        declared = _int(ds.get("EncapsulatedDocumentLength"))
        mime = (_text(ds, "MIMETypeOfEncapsulatedDocument") or "application/pdf").lower()
    except Exception as exc:
        raise DicomParseError(_("{path} is damaged: its DICOM header cannot be read.").format(path=name)) from exc
    if not document or mime != "application/pdf":
        raise DicomParseError(_("{path} holds no encapsulated PDF.").format(path=name))
    document = bytes(document)
    if declared is not None and 0 < declared <= len(document):
        document = document[:declared]  # the element is padded to an even length
    if not document.lstrip()[:5] == b"%PDF-":
        raise DicomParseError(_("{path} holds no encapsulated PDF.").format(path=name))
    return document


# --- studies and series --------------------------------------------------------------------


def _normal(orientation: list[float]) -> tuple[float, float, float]:
    r, c = orientation[:3], orientation[3:]
    return (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])


def _sorted_instances(instances: list[InstanceInfo]) -> list[InstanceInfo]:
    """Along the slice normal (row x column cosines) when every instance has a position and
    parallel orientation; otherwise by instance number. Then instance number, then path."""
    def by_number(i: InstanceInfo):
        return (i.instance_number is None, i.instance_number or 0, i.path)

    if not instances or any(i.position is None or i.orientation is None for i in instances):
        return sorted(instances, key=by_number)
    orientations = [i.orientation for i in instances if i.orientation is not None]
    cross = _normal(orientations[0])
    length = math.sqrt(sum(n * n for n in cross))
    if length < 1e-6:
        return sorted(instances, key=by_number)
    normal = tuple(n / length for n in cross)
    for orientation in orientations[1:]:
        other = _normal(orientation)
        if abs(sum(a * b for a, b in zip(normal, other))) < 0.999 * math.sqrt(sum(o * o for o in other)):
            return sorted(instances, key=by_number)  # planes that cross: no single stacking axis

    def along(i: InstanceInfo):
        # Rounded, so that coincident slices (echoes, phases) fall back to their numbers.
        return (round(sum(p * n for p, n in zip(i.position or (), normal)), 3), *by_number(i))

    stacked = sorted(instances, key=along)
    # Geometry fixes the order, the scanner's numbering its direction: a head-first axial
    # CT numbered from the top reads top to bottom, as radiologists expect.
    numbers = [i.instance_number for i in stacked if i.instance_number is not None]
    if len(numbers) >= 2 and numbers[0] > numbers[-1]:
        stacked.reverse()
    return stacked


def _series_kind(instances: list[InstanceInfo]) -> str:
    kinds = Counter(i.kind for i in instances)
    if kinds["image"]:
        return "image"
    return max(kinds, key=lambda k: (kinds[k], -KINDS.index(k)))


def _first(instances: list[InstanceInfo], value):
    return next((v for v in map(value, instances) if v not in (None, "")), None)


def build_studies(instances: list[InstanceInfo]) -> list[StudySummary]:
    """Group instances into studies and series (a DICOMDIR is not an instance; an instance
    listed twice counts once), in the order a reader expects: studies by date and time,
    series by number, instances along the stack."""
    grouped: dict[str, dict[str, dict[str, InstanceInfo]]] = {}
    for info in sorted(instances, key=lambda i: i.path):
        if info.kind != "dicomdir":
            series = grouped.setdefault(info.study_uid, {}).setdefault(info.series_uid, {})
            series.setdefault(info.sop_instance_uid, info)
    studies = []
    for study_uid, by_series in grouped.items():
        series_list = []
        for series_uid, by_sop in by_series.items():
            members = _sorted_instances(list(by_sop.values()))
            series_list.append(SeriesSummary(
                series_uid=series_uid, number=_first(members, lambda i: i.series.get("number")),
                modality=_first(members, lambda i: i.modality),
                description=_first(members, lambda i: i.series.get("description")),
                body_part=_first(members, lambda i: i.series.get("body_part")),
                frame_of_reference_uid=_first(members, lambda i: i.frame_of_reference_uid),
                kind=_series_kind(members), instances=members, frames=sum(i.frames for i in members)))
        series_list.sort(key=lambda s: (s.number is None, s.number or 0, s.description or "", s.series_uid))
        members = [i for s in series_list for i in s.instances]
        studies.append(StudySummary(
            study_uid=study_uid, date=_first(members, lambda i: i.study.get("date")),
            time=_first(members, lambda i: i.study.get("time")),
            description=_first(members, lambda i: i.study.get("description")),
            accession=_first(members, lambda i: i.study.get("accession")),
            patient=dict(members[0].patient), series=series_list))
    studies.sort(key=lambda s: (s.date is None, s.date or "", s.time or "", s.study_uid))
    return studies
