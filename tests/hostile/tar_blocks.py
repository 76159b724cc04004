"""Raw tar blocks, written by hand so that a test can put in them what no tar writer would:
pax records of any length and key, GNU sparse maps, type flags, non-UTF-8 names."""

from __future__ import annotations

BLOCK = 512


def _octal(value: int, width: int) -> bytes:
    return f"{value:0{width - 1}o}".encode() + b"\0"


def header(name: bytes, size: int = 0, typeflag: bytes = b"0", linkname: bytes = b"", prefix: bytes = b"",
           magic: bytes = b"ustar\x0000", size_field: bytes | None = None) -> bytes:
    """One 512-byte ustar header block with a correct checksum."""
    block = bytearray(BLOCK)
    block[0:len(name[:100])] = name[:100]
    block[100:108] = _octal(0o644, 8)
    block[108:116] = _octal(0, 8)
    block[116:124] = _octal(0, 8)
    block[124:136] = size_field if size_field is not None else _octal(size, 12)
    block[136:148] = _octal(1_700_000_000, 12)
    block[156:157] = typeflag
    block[157:157 + len(linkname[:100])] = linkname[:100]
    block[257:265] = magic
    block[345:345 + len(prefix[:155])] = prefix[:155]
    block[148:156] = b" " * 8
    block[148:156] = f"{sum(block):06o}".encode() + b"\0 "
    return bytes(block)


def pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % BLOCK)


def record(key: bytes, value: bytes) -> bytes:
    """One pax record, "LEN KEY=VALUE\\n", its length counting itself."""
    body = b" " + key + b"=" + value + b"\n"
    length = len(body) + 1
    while len(str(length)) + len(body) != length:
        length += 1
    return str(length).encode() + body


def pax(records: bytes, name: bytes = b"PaxHeaders/member") -> bytes:
    return header(name, len(records), b"x") + pad(records)


def regular(name: bytes, data: bytes, pax_records: bytes = b"") -> bytes:
    prefix = pax(pax_records) if pax_records else b""
    return prefix + header(name, len(data)) + pad(data)


def end() -> bytes:
    return b"\0" * (2 * BLOCK)
