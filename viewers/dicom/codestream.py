"""What a compressed frame says about itself before any decoder sees it: its codec (JPEG,
JPEG-LS, JPEG 2000, RLE) and the size its own header declares (JPEG SOFn, JPEG-LS SOF55,
JPEG 2000 SIZ, RLE segment count). decode.py refuses a frame whose header disagrees with
the data set, so that a 10-byte lie never reaches a native decoder's allocation.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_SEARCH = 1 << 16  # a frame header sits within the first bytes (after any JPEG APPn segments)


@dataclass(frozen=True)
class Declared:
    """The geometry a codestream's header declares; None where it does not say."""

    codec: str  # "JPEG", "JPEG-LS", "JPEG 2000" or "RLE"
    rows: int | None = None
    columns: int | None = None
    samples: int | None = None
    segments: int | None = None  # RLE: one per sample and byte of each pixel


def first_fragment(value: bytes) -> bytes:
    """The first fragment of encapsulated pixel data (after the basic offset table), as far
    as it is present."""
    try:
        offset = 8 + int.from_bytes(value[4:8], "little")
        length = int.from_bytes(value[offset + 4:offset + 8], "little")
    except (TypeError, ValueError):
        return b""
    return value[offset + 8:offset + 8 + length]


def codec(head: bytes) -> str | None:
    """The codec a frame's first bytes hold, or None when they make no claim."""
    if head[:4] == b"\xff\x4f\xff\x51" or head[4:12] == b"jP  \r\n\x87\n":
        return "JPEG 2000"
    if head[:2] == b"\xff\xd8":
        found = _jpeg_frame_header(head)
        return None if found is None else found[0]
    if head[4:8] == b"\x40\x00\x00\x00" and 1 <= int.from_bytes(head[:4], "little") <= 15:
        return "RLE"
    return None


def declared(frame: bytes) -> Declared | None:
    """The geometry the frame's own header declares, or None when it has no header we know."""
    head = frame[:_SEARCH]
    kind = codec(head)
    if kind in ("JPEG", "JPEG-LS"):
        found = _jpeg_frame_header(head)
        if found is None:
            return None
        _kind, rows, columns, samples = found
        return Declared(kind, rows or None, columns, samples)  # rows 0: given later by a DNL marker
    if kind == "JPEG 2000":
        start = head.find(b"\xff\x4f\xff\x51")
        if start < 0 or start + 42 > len(head):
            return None
        xsiz, ysiz, xosiz, yosiz = struct.unpack_from(">IIII", head, start + 8)
        (csiz,) = struct.unpack_from(">H", head, start + 40)
        return Declared(kind, max(ysiz - yosiz, 0), max(xsiz - xosiz, 0), csiz)
    if kind == "RLE":
        return Declared(kind, segments=int.from_bytes(head[:4], "little"))
    return None


def _jpeg_frame_header(head: bytes) -> tuple[str, int, int, int] | None:
    """(codec, rows, columns, components) from the SOFn or SOF55 segment, walking the
    segments from SOI; None when there is none in `head`."""
    position = 2
    while position + 4 <= len(head):
        if head[position] != 0xFF:
            return None
        marker = head[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        if marker == 0xDA:  # start of scan before any frame header
            return None
        if marker == 0xF7 or (0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC)):
            if position + 10 > len(head):
                return None
            rows, columns = struct.unpack_from(">HH", head, position + 5)
            return "JPEG-LS" if marker == 0xF7 else "JPEG", rows, columns, head[position + 9]
        position += 2 + int.from_bytes(head[position + 2:position + 4], "big")
    return None


def rle_offsets_sound(header: bytes, length: int) -> bool:
    """The RLE header's segment offsets start after it, increase, and stay inside the
    frame of `length` bytes (PS3.5 G.5)."""
    if len(header) < 64:
        return False
    count = int.from_bytes(header[:4], "little")
    if not 1 <= count <= 15:
        return False
    offsets = struct.unpack_from("<15I", header, 4)[:count]
    return offsets[0] == 64 and all(a < b for a, b in zip(offsets, offsets[1:])) and offsets[-1] < length
