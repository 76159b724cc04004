"""Scans that claim enormous sizes, made without ever holding their pixels: a real baseline
JPEG of one flat grey (every 8x8 block codes as "no change, end of block", so 20,000 x
20,000 pixels take under 5 MB) and a PNG header that claims the same size."""

from __future__ import annotations

import io
import struct
import zlib


def _segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of a JPEG's segments up to and including SOS."""
    out: list[tuple[int, bytes]] = []
    at = 2
    while at < len(jpeg):
        marker = jpeg[at + 1]
        length = struct.unpack(">H", jpeg[at + 2:at + 4])[0]
        out.append((marker, jpeg[at + 4:at + 2 + length]))
        at += 2 + length
        if marker == 0xDA:
            break
    return out


def flat_grey_jpeg(width: int, height: int, dpi: int = 300) -> bytes:
    """A valid grey baseline JPEG of `width` x `height` pixels of value 128."""
    from PIL import Image

    small = io.BytesIO()
    Image.new("L", (8, 8), 128).save(small, "JPEG", quality=75, optimize=False, dpi=(dpi, dpi))
    out = bytearray(b"\xff\xd8")
    for marker, payload in _segments(small.getvalue()):
        if marker == 0xC0:  # SOF0: precision, height, width, components...
            payload = payload[:1] + struct.pack(">HH", height, width) + payload[5:]
        out += bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    # Standard luminance tables: DC difference 0 is "00", AC end of block "1010": 6 bits a
    # block, so 4 blocks are 3 bytes, 0x28 0xA2 0x8A (no 0xFF to stuff).
    out += b"\x28\xa2\x8a" * (blocks // 4)
    tail = "001010" * (blocks % 4)
    if tail:
        tail += "1" * (-len(tail) % 8)
        out += int(tail, 2).to_bytes(len(tail) // 8, "big")
    out += b"\xff\xd9"
    return bytes(out)


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` grey pixels and whose data is one row."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1)))
            + chunk(b"IEND", b""))
