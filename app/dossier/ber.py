"""A forward-only BER/DER reader over a stream, for the `.p7m` reader: definite and
indefinite lengths, bounded buffering, and the few error messages it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from asn1crypto import core

from app.core.errors import PackageFormatError, PackageIntegrityError
from app.core.i18n import _
from app.crypto.limits import MAX_BER_DEPTH, MAX_BER_HEADER_ELEMENT

READ_SIZE = 1 << 20            # input is read, and plaintext released, in blocks of about this
MAX_HEADER_ELEMENT = MAX_BER_HEADER_ELEMENT   # largest header part (recipientInfos, originatorInfo) accepted
MAX_DEPTH = MAX_BER_DEPTH                     # nesting of BER elements accepted
EOC = b"\x00\x00"

# Tag classes of the identifier octet.
UNIVERSAL, CONTEXT = 0, 2
INTEGER, OCTET_STRING, OID, SEQUENCE, SET = 2, 4, 6, 16, 17

def truncated_error() -> PackageIntegrityError:
    return PackageIntegrityError(_("The .p7m file is truncated: it ends before its encrypted "
                                   "content does. Ask the sender for a complete copy."))


def malformed_error(detail: str) -> PackageFormatError:
    return PackageFormatError(_("The .p7m file is malformed ({detail}).").format(detail=detail))


def not_p7m_error() -> PackageFormatError:
    return PackageFormatError(_("This file is not a .p7m (CMS encrypted) dossier."))


@dataclass(frozen=True)
class Tlv:
    """The identifier and length octets of one BER element; `length` None is indefinite."""

    tag_class: int
    constructed: bool
    number: int
    length: int | None
    header: bytes

    def is_(self, tag_class: int, number: int) -> bool:
        return self.tag_class == tag_class and self.number == number


class BerInput:
    """A forward-only BER reader over a binary stream, buffering at most about READ_SIZE."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._buffer = bytearray()
        self._offset = 0
        self.position = 0

    def _fill(self, size: int) -> None:
        if len(self._buffer) - self._offset >= size:
            return
        del self._buffer[:self._offset]
        self._offset = 0
        while len(self._buffer) < size:
            block = self._stream.read(max(size - len(self._buffer), READ_SIZE))
            if not block:
                return
            self._buffer += block

    def peek(self, size: int) -> bytes:
        """Up to `size` next bytes without consuming them; short only at the end."""
        self._fill(size)
        return bytes(self._buffer[self._offset:self._offset + size])

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes; the end of the input before that is truncation."""
        self._fill(size)
        if len(self._buffer) - self._offset < size:
            raise truncated_error()
        data = bytes(self._buffer[self._offset:self._offset + size])
        self._offset += size
        self.position += size
        return data

    def read_some(self, size: int) -> bytes:
        """Between 1 and `size` bytes (whatever is buffered, else one block of input)."""
        if self._offset >= len(self._buffer):
            self._fill(1)
        available = len(self._buffer) - self._offset
        if available == 0:
            raise truncated_error()
        take = min(size, available)
        data = bytes(self._buffer[self._offset:self._offset + take])
        self._offset += take
        self.position += take
        return data

    def at_eof(self) -> bool:
        return not self.peek(1)

    def read_header(self) -> Tlv:
        first = self.read(1)[0]
        header = bytearray((first,))
        tag_class, constructed, number = first >> 6, bool(first & 0x20), first & 0x1F
        if number == 0x1F:  # high tag number form
            number = 0
            for _count in range(4):
                octet = self.read(1)[0]
                header.append(octet)
                number = number << 7 | octet & 0x7F
                if not octet & 0x80:
                    break
            else:
                raise malformed_error(_("a tag number is too large"))
        length_octet = self.read(1)[0]
        header.append(length_octet)
        if length_octet < 0x80:
            length: int | None = length_octet
        elif length_octet == 0x80:
            if not constructed:
                raise malformed_error(_("a primitive element has an indefinite length"))
            length = None
        else:
            count = length_octet & 0x7F
            if count > 8 or length_octet == 0xFF:
                raise malformed_error(_("an element length is too large"))
            raw = self.read(count)
            header += raw
            length = int.from_bytes(raw, "big")
        return Tlv(tag_class, constructed, number, length, bytes(header))

    def at_end_of(self, end: int | None) -> bool:
        """Whether the constructed element ending at `end` (None: at an EOC) is complete;
        an EOC is consumed."""
        if end is None:
            if self.peek(2) == EOC:
                self.read(2)
                return True
            return False
        if self.position > end:
            raise malformed_error(_("an element overruns the one that holds it"))
        return self.position == end

    def element_bytes(self, tlv: Tlv, limit: int = MAX_HEADER_ELEMENT, depth: int = 0) -> bytes:
        """The whole encoding of the element whose header was just read (at most `limit`)."""
        if depth > MAX_DEPTH:
            raise malformed_error(_("elements are nested too deeply"))
        if tlv.length is not None:
            if len(tlv.header) + tlv.length > limit:
                raise malformed_error(_("a header element is larger than 1 MiB"))
            return tlv.header + self.read(tlv.length)
        parts, size = [tlv.header], len(tlv.header)
        while not self.at_end_of(None):
            part = self.element_bytes(self.read_header(), limit - size, depth + 1)
            parts.append(part)
            size += len(part)
        parts.append(EOC)
        return b"".join(parts)

    def expect(self, tag_class: int, number: int, constructed: bool | None, what: str) -> Tlv:
        tlv = self.read_header()
        if not tlv.is_(tag_class, number) or (constructed is not None and tlv.constructed != constructed):
            raise malformed_error(_("{what} is missing").format(what=what))
        return tlv

    def end_of(self, tlv: Tlv) -> int | None:
        """Where a constructed element whose header was just read ends (None: at an EOC)."""
        return None if tlv.length is None else self.position + tlv.length


def oid(encoding: bytes) -> str:
    try:
        return core.ObjectIdentifier.load(encoding).dotted
    except (ValueError, TypeError):
        raise malformed_error(_("an object identifier is invalid")) from None


def der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(raw))) + raw + content
