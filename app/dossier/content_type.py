"""What a file on an incoming medium is, told from its first bytes, never from its name."""

from __future__ import annotations

import codecs
import struct
from pathlib import Path

from app.crypto.sodp import MAGIC as SODP_MAGIC

HEAD_SIZE = 132  # a DICOM preamble (128) and "DICM"

ISO_MAGIC_OFFSET = 32769  # sector 16 (2048 bytes each), after the descriptor type byte
_ENVELOPED_DATA_OID = bytes.fromhex("06092a864886f70d010703")  # 1.2.840.113549.1.7.3
_AUTH_ENVELOPED_DATA_OID = bytes.fromhex("060b2a864886f70d0109100117")  # 1.2.840.113549.1.9.16.1.23 (AES-GCM)

_MEDIA_TYPES = {
    "dicom": "application/dicom",
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
    "text": "text/plain",
    "p7m": "application/pkcs7-mime",
    "iso": "application/x-iso9660-image",
    "sodp": "application/x-sodp",
}

# Explicit VRs whose length is a 2-byte reserved field then 4 bytes (PS3.5 7.1.2).
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
_SHORT_VRS = {b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT",
              b"PN", b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL", b"US"}
_UNDEFINED = 0xFFFFFFFF
_TEXT_CONTROLS = {"\t", "\n", "\r", "\f", "\x1a"}  # \x1a: the DOS end-of-file mark


def sniff(head: bytes, name: str = "") -> str | None:
    """The kind of a file from its first `HEAD_SIZE` bytes: "sodp", "p7m", "dicom", "pdf",
    "jpeg", "png", "tiff", "text", or None when it is none of these.

    An ISO image cannot be told from its head: use `is_iso`. `name` only breaks the tie for
    text-like content (a web page of the CD viewer is not a letter, unless named .txt).
    """
    if head.startswith(SODP_MAGIC):
        return "sodp"
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    if b"%PDF-" in head:  # readers accept a header after some junk, and writers rely on it
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):  # classic and BigTIFF
        return "tiff"
    if _is_enveloped_data(head):
        return "p7m"
    if _is_bare_dicom(head):
        return "dicom"
    if _is_text(head, name):
        return "text"
    return None


def is_iso(path: Path) -> bool:
    """True when `path` is a file holding an ISO 9660 volume ('CD001' in sector 16)."""
    try:
        with open(path, "rb") as stream:
            stream.seek(ISO_MAGIC_OFFSET)
            return stream.read(5) == b"CD001"
    except OSError:
        return False


def media_type(kind: str | None) -> str:
    """The MIME type of a kind returned by `sniff` (application/octet-stream if unknown)."""
    return _MEDIA_TYPES.get(kind or "", "application/octet-stream")


def _is_enveloped_data(head: bytes) -> bool:
    """A DER/BER ContentInfo SEQUENCE whose contentType is envelopedData or authEnvelopedData."""
    if len(head) < 2 or head[0] != 0x30:
        return False
    first = head[1]
    if first == 0x80:  # BER indefinite length
        start = 2
    elif first < 0x80:
        start = 2
    elif 0x81 <= first <= 0x84:
        start = 2 + (first & 0x7F)
    else:
        return False
    return head[start:].startswith((_ENVELOPED_DATA_OID, _AUTH_ENVELOPED_DATA_OID))


def _is_bare_dicom(head: bytes) -> bool:
    """A DICOM stream without preamble (old ACR-NEMA style files, some CD writers): the head
    parses as consecutive elements of group 0x0002 or 0x0008 onwards, little endian
    (explicit or implicit VR) or explicit big endian.

    Text cannot match (the tag bytes 02 00 / 08 00 are control characters), and random bytes
    practically never do: the first element must be complete within the head, well formed,
    and followed by a well-formed element with a higher tag.
    """
    if len(head) < 8:
        return False
    if struct.unpack_from("<H", head)[0] in (0x0002, 0x0008):
        return _walk_elements(head, "<", explicit=True) or _walk_elements(head, "<", explicit=False)
    if struct.unpack_from(">H", head)[0] == 0x0008:
        return _walk_elements(head, ">", explicit=True)
    return False


def _walk_elements(head: bytes, order: str, *, explicit: bool) -> bool:
    offset, previous, complete = 0, -1, 0
    while offset + 8 <= len(head):
        group, element = struct.unpack_from(order + "HH", head, offset)
        tag = group << 16 | element
        if tag <= previous or group % 2 or not 0x0002 <= group <= 0x0028:
            return False
        vr = head[offset + 4:offset + 6] if explicit else b"SQ"
        if not explicit:
            length, header = struct.unpack_from(order + "L", head, offset + 4)[0], 8
        elif vr in _SHORT_VRS:
            length, header = struct.unpack_from(order + "H", head, offset + 6)[0], 8
        elif vr in _LONG_VRS and head[offset + 6:offset + 8] == b"\x00\x00":
            if offset + 12 > len(head):
                return complete >= 1
            length, header = struct.unpack_from(order + "L", head, offset + 8)[0], 12
        else:
            return False
        if length == _UNDEFINED:
            return complete >= 1 and vr in (b"SQ", b"UN")
        if length % 2 or length > 0x00FFFFFF:
            return False  # values have even lengths, and none of these is 16 MiB long
        offset += header + length
        if offset > len(head):
            return complete >= 1  # a long value after a complete element
        complete += 1
        previous = tag
    return complete >= 1


def _is_text(head: bytes, name: str) -> bool:
    named_text = name.lower().endswith(".txt")
    if not head:
        return named_text
    text = _decode(head)
    if text is None or any(not (c.isprintable() or c in _TEXT_CONTROLS or c == " ") for c in text):
        return False
    if text.lstrip("\ufeff \t\r\n").startswith("<") and not named_text:
        return False  # HTML or XML: the CD viewer's web pages, not a document
    return True


def _decode(head: bytes) -> str | None:
    """The head as text (UTF-16 with a BOM, UTF-8, or Windows-1252/latin-1), or None."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoder = codecs.getincrementaldecoder("utf-16")()
        try:
            return decoder.decode(head[: len(head) // 2 * 2])
        except UnicodeDecodeError:
            return None
    if b"\x00" in head:
        return None
    try:
        # Incremental, so that a multi-byte character cut by the end of the head is fine.
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        pass
    try:
        return head.decode("cp1252")
    except UnicodeDecodeError:
        return head.decode("latin-1")  # then the C1 controls it yields are rejected
