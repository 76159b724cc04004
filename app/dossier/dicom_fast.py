"""A fast path for indexing the common DICOM file: preamble, file meta and an explicit VR
little endian data set, read with `struct` from groups 0002-0028 only.

pydicom takes about 0.7 ms per header; this takes a fraction of that, which is what lets a
1,200-slice import run at disk speed and a 500-file folder open at once. Anything unusual
(implicit VR, big endian, deflate, a character set other than Latin-1 or UTF-8, a multi-valued
text where one value is expected, a cut) returns None, and the caller asks pydicom.
"""

from __future__ import annotations

import struct

_PREAMBLE = 128
_LAST_NEEDED = 0x0028FFFF
_DIRECTORY_RECORDS = 0x00041220
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
_MAX_DEPTH = 8
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
_SLOW_SYNTAXES = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"})
_CHARSETS = {"": "ascii", "ISO_IR 6": "ascii", "ISO_IR 100": "latin-1", "ISO_IR 192": "utf-8"}
_MULTI_VALUED = frozenset({"ImagePositionPatient", "ImageOrientationPatient"})
_SPECIFIC_CHARACTER_SET = 0x00080005

#: The elements `dicom_index._instance` reads, by tag.
KEYWORDS = {
    0x00020002: "MediaStorageSOPClassUID", 0x00020003: "MediaStorageSOPInstanceUID",
    0x00020010: "TransferSyntaxUID", 0x00080016: "SOPClassUID", 0x00080018: "SOPInstanceUID",
    0x00080020: "StudyDate", 0x00080030: "StudyTime", 0x00080050: "AccessionNumber", 0x00080060: "Modality",
    0x00080090: "ReferringPhysicianName", 0x00081030: "StudyDescription", 0x0008103E: "SeriesDescription",
    0x00100010: "PatientName", 0x00100020: "PatientID", 0x00100030: "PatientBirthDate", 0x00100040: "PatientSex",
    0x00180015: "BodyPartExamined", 0x00180050: "SliceThickness", 0x0020000D: "StudyInstanceUID",
    0x0020000E: "SeriesInstanceUID", 0x00200010: "StudyID", 0x00200011: "SeriesNumber",
    0x00200013: "InstanceNumber", 0x00200032: "ImagePositionPatient", 0x00200037: "ImageOrientationPatient",
    0x00200052: "FrameOfReferenceUID", 0x00280008: "NumberOfFrames", 0x00280010: "Rows", 0x00280011: "Columns",
}


class Header:
    """The few elements indexed, answering `get`, `in` and `file_meta` as a pydicom Dataset does."""

    def __init__(self, values: dict, file_meta: Header | None = None) -> None:
        self._values = values
        self.file_meta = file_meta

    def get(self, keyword: str, default=None):
        return self._values.get(keyword, default)

    def __contains__(self, keyword: str) -> bool:
        return keyword in self._values


class _Fallback(Exception):
    """This file needs pydicom."""


def _skip_undefined(data: bytes, pos: int, depth: int) -> int:
    """The offset after a sequence of undefined length whose items start at `pos`."""
    if depth > _MAX_DEPTH:
        raise _Fallback
    while True:
        if pos + 8 > len(data):
            raise _Fallback
        group, element, length = struct.unpack_from("<HHI", data, pos)
        tag = group << 16 | element
        pos += 8
        if tag == _SEQUENCE_END:
            return pos
        if tag != _ITEM:
            raise _Fallback
        if length != _UNDEFINED:
            pos += length
            continue
        pos = _walk(data, pos, depth + 1, None, None)


def _walk(data: bytes, pos: int, depth: int, values: dict | None, stop: list | None) -> int:
    """Read elements from `pos`; inside an item (values None) until its end, else until the
    first tag past the indexed groups. Returns where it stopped."""
    size = len(data)
    while True:
        if pos + 8 > size:
            raise _Fallback  # cut, or the end of a file without pixel data: pydicom decides
        group, element = struct.unpack_from("<HH", data, pos)
        tag = group << 16 | element
        if values is None and tag == _ITEM_END:
            return pos + 8
        if stop is not None and (tag > _LAST_NEEDED or tag == _DIRECTORY_RECORDS):
            stop.append(tag)
            return pos
        vr = data[pos + 4:pos + 6]
        if not vr.isalpha() or not vr.isupper():
            raise _Fallback
        if vr in _LONG_VRS:
            if pos + 12 > size:
                raise _Fallback
            (length,) = struct.unpack_from("<I", data, pos + 8)
            pos += 12
        else:
            (length,) = struct.unpack_from("<H", data, pos + 6)
            pos += 8
        if length == _UNDEFINED:
            if vr != b"SQ":
                raise _Fallback  # encapsulated pixel data before group 0028 ends: not ours
            pos = _skip_undefined(data, pos, depth)
            continue
        end = pos + length
        if end > size:
            raise _Fallback
        if values is not None and (tag in KEYWORDS or tag == _SPECIFIC_CHARACTER_SET):
            values[tag] = (vr, data[pos:end])
        pos = end


def _decode(vr: bytes, raw: bytes, keyword: str, encoding: str):
    if vr == b"US":
        if len(raw) != 2:
            raise _Fallback
        return struct.unpack("<H", raw)[0]
    if vr in (b"SQ", b"OB", b"OW", b"UN"):
        raise _Fallback
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise _Fallback from None
    text = text.rstrip(" \x00")
    if "\\" in text:
        if keyword not in _MULTI_VALUED:
            raise _Fallback
        return text.split("\\")
    if keyword in _MULTI_VALUED:
        raise _Fallback
    return text


def parse_header(data: bytes) -> tuple[Header, int] | None:
    """The indexed elements and the tag reading stopped at, or None: ask pydicom."""
    if len(data) < _PREAMBLE + 4 or data[_PREAMBLE:_PREAMBLE + 4] != b"DICM":
        return None
    try:
        meta: dict[int, tuple[bytes, bytes]] = {}
        pos = _PREAMBLE + 4
        while pos + 8 <= len(data) and struct.unpack_from("<H", data, pos)[0] == 0x0002:
            pos = _walk_one(data, pos, meta)
        syntax = _decode(*meta.get(0x00020010, (b"UI", b"")), "TransferSyntaxUID", "ascii")
        if not syntax or syntax in _SLOW_SYNTAXES:
            return None
        found: dict[int, tuple[bytes, bytes]] = {}
        stop: list = []
        _walk(data, pos, 0, found, stop)
        charset = _decode(*found.pop(_SPECIFIC_CHARACTER_SET, (b"CS", b"")), "", "ascii")
        if charset not in _CHARSETS:
            return None
        encoding = _CHARSETS[charset]
        values = {KEYWORDS[t]: _decode(vr, raw, KEYWORDS[t], encoding) for t, (vr, raw) in found.items()}
        file_meta = Header({KEYWORDS[t]: _decode(vr, raw, KEYWORDS[t], "ascii")
                            for t, (vr, raw) in meta.items() if t in KEYWORDS})
        return Header(values, file_meta), stop[0]
    except (_Fallback, struct.error):
        return None


def _walk_one(data: bytes, pos: int, into: dict) -> int:
    """One file meta element (always explicit VR little endian)."""
    group, element = struct.unpack_from("<HH", data, pos)
    vr = data[pos + 4:pos + 6]
    if vr in _LONG_VRS:
        (length,) = struct.unpack_from("<I", data, pos + 8)
        pos += 12
    else:
        (length,) = struct.unpack_from("<H", data, pos + 6)
        pos += 8
    if length == _UNDEFINED or pos + length > len(data):
        raise _Fallback
    into[group << 16 | element] = (vr, data[pos:pos + length])
    return pos + length
