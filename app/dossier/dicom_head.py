"""The part of a DICOM file that indexing reads, gathered as the file streams by.

`HeaderCopy` is fed the file's bytes in any pieces (the import's copy into the vault, or a
file read in blocks) and keeps a small, well-formed copy: the preamble, the file meta and
the elements `dicom_index` reads, up to the first element past group 0028 (whose header it
keeps, so that the reader knows where it stopped). Everything else is walked over without
being held: a 2 GB private element costs no memory, a deflated data set is inflated piece by
piece only as far as the indexed groups, and every size, count and depth is bounded
(app/core/media_limits.py). A stream without the 'DICM' preamble is kept as it is, up to
MAX_BARE_HEADER_BYTES.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from collections.abc import Generator

from app.core.i18n import _
from app.core.media_limits import (MAX_BARE_HEADER_BYTES, MAX_HEADER_DEPTH, MAX_HEADER_ELEMENTS,
                                   MAX_HEADER_VALUE, MAX_INFLATED_BYTES, MiB)
from app.dossier.dicom_fast import KEYWORDS

EXPLICIT_LITTLE = "1.2.840.10008.1.2.1"
IMPLICIT_LITTLE = "1.2.840.10008.1.2"
EXPLICIT_BIG = "1.2.840.10008.1.2.2"
DEFLATED = "1.2.840.10008.1.2.1.99"
LAST_INDEXED = 0x0028FFFF
DIRECTORY_RECORDS = 0x00041220
_TRANSFER_SYNTAX = 0x00020010
_GROUP_LENGTH = 0x00020000
_CHARSET = 0x00080005
_KEPT = frozenset(KEYWORDS) | {_CHARSET}
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
_INFLATE_STEP = 1 * MiB

# What the walker asks for: ("read", n) n bytes, ("peek", n) n bytes left unread,
# ("skip", n) n bytes dropped, ("inflate", 0) what follows is deflated.
_READ, _PEEK, _SKIP, _INFLATE = "read", "peek", "skip", "inflate"
Request = tuple[str, int]


class _Refused(Exception):
    """The header breaks a limit or cannot be walked; the message says which."""


def _known_transfer_syntax(uid: str) -> bool:
    from pydicom.uid import UID

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of a malformed UID: it is refused here
        try:
            return UID(uid).is_transfer_syntax
        except Exception:  # noqa: BLE001 - pydicom raises ValueError on a UID it does not know
            return False


class HeaderCopy:
    """Feed a DICOM file with `feed`, in order; then read `data` and what is known of it."""

    def __init__(self) -> None:
        self._out = bytearray()  # the copy
        self._input = bytearray()  # fed (inflated, once deflated) and not yet walked
        self._pos = 0
        self._inflater: zlib._Decompress | None = None
        self._inflated = 0
        self._elements = 0
        self._at_boundary = False  # the walker waits for the next top-level element
        self.size = 0  # bytes fed
        self.offset = 0  # bytes walked (of the inflated data set, once deflated)
        self.verbatim = False  # no preamble: `data` is the start of the stream as it is
        self.overflow = False  # verbatim, and the stream was longer than kept
        self.stopped: tuple[int, int, int] | None = None  # (tag, offset of its value, length)
        self.error: str | None = None
        self.transfer_syntax: str | None = None  # as the file says, when `data` says otherwise
        self._walker = self._walk()
        self._request: Request | None = next(self._walker)

    # -- feeding -----------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """Nothing more is needed: the indexed part is complete, or cannot be read."""
        return self._request is None and not (self.verbatim and not self.overflow)

    @property
    def skip_ahead(self) -> int:
        """Bytes of the stream, not yet fed, that the walker will drop: a seekable source may
        seek over them and call `skipped`."""
        request = self._request
        if request is None or request[0] != _SKIP or self._inflater is not None:
            return 0
        return max(0, request[1] - (len(self._input) - self._pos))

    def skipped(self, count: int) -> None:
        """`count` bytes (at most `skip_ahead`) were skipped by the source itself."""
        count = min(count, self.skip_ahead)
        if count:
            assert self._request is not None
            buffered = len(self._input) - self._pos
            self._input.clear()
            self._pos = 0
            self.size += count
            self.offset += buffered + count
            remaining = self._request[1] - buffered - count
            self._request = (_SKIP, remaining) if remaining else self._advance(None)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self.size += len(data)
        if self.verbatim:
            room = MAX_BARE_HEADER_BYTES - len(self._out)
            self._out += data[:room]
            self.overflow = self.overflow or len(data) > room
            return
        if self._request is None:
            return
        if self._inflater is not None:
            self._feed_deflated(bytes(data))
        else:
            self._input += data
            self._run()

    def _feed_deflated(self, data: bytes) -> None:
        assert self._inflater is not None
        pending = data
        while pending and self._request is not None:
            try:
                piece = self._inflater.decompress(pending, _INFLATE_STEP)
            except zlib.error:
                self._fail(_("its deflated data set is damaged"))
                return
            pending = self._inflater.unconsumed_tail
            self._inflated += len(piece)
            if self._inflated > MAX_INFLATED_BYTES:
                self._fail(_("its deflated data set inflates to more than {limit} MiB")
                           .format(limit=MAX_INFLATED_BYTES // MiB))
                return
            self._input += piece
            self._run()

    def _run(self) -> None:
        buffer = self._input
        while self._request is not None:
            kind, count = self._request
            available = len(buffer) - self._pos
            reply: bytes | None = None
            if kind == _SKIP:
                taken = min(count, available)
                self._pos += taken
                self.offset += taken
                if taken < count:
                    self._request = (_SKIP, count - taken)
                    break
            elif kind == _INFLATE:
                rest = bytes(buffer[self._pos:])
                buffer.clear()
                self._pos = 0
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self._request = self._advance(None)
                if rest and self._request is not None:
                    self._feed_deflated(rest)
                return
            elif available < count:
                break
            else:
                reply = bytes(buffer[self._pos:self._pos + count])
                if kind == _READ:
                    self._pos += count
                    self.offset += count
            self._request = self._advance(reply)
        del buffer[:self._pos]
        self._pos = 0

    def _advance(self, reply: bytes | None) -> Request | None:
        try:
            return self._walker.send(reply)
        except StopIteration:
            return None
        except _Refused as refused:
            self.error = str(refused)
            return None

    def _fail(self, reason: str) -> None:
        self.error = reason
        self._request = None
        self._input.clear()
        self._pos = 0

    def close(self) -> None:
        """The stream ended; one too short to hold a preamble is kept as it is."""
        if self._request == (_PEEK, 132):
            self._request = None
            self.verbatim = True
            self._out += self._input
            self._input.clear()

    # -- results -----------------------------------------------------------------------------

    @property
    def data(self) -> bytes:
        """The copy: a DICOM file holding what indexing reads."""
        return bytes(self._out)

    @property
    def cut(self) -> bool:
        """The stream ended inside an element of the indexed part (or of a value skipped)."""
        if self.verbatim or self._request is None:
            return False
        return not (self._at_boundary and len(self._input) == self._pos)

    # -- the walk ------------------------------------------------------------------------------

    def _walk(self) -> Generator[Request, bytes | None, None]:
        head = yield (_PEEK, 132)
        assert head is not None
        if head[128:132] != b"DICM":
            self.verbatim = True
            self._out += self._input
            self.overflow = len(self._out) > MAX_BARE_HEADER_BYTES
            del self._out[MAX_BARE_HEADER_BYTES:]
            self._input.clear()
            self._pos = 0
            return
        yield (_SKIP, 132)
        self._out += bytes(128) + b"DICM"
        syntax = yield from self._file_meta()
        if syntax is None:
            start = yield (_PEEK, 8)
            assert start is not None
            explicit = start[4:6].isalpha() and start[4:6].isupper()
            yield from self._data_set(explicit, "<")
        elif syntax == IMPLICIT_LITTLE:
            yield from self._data_set(False, "<")
        elif syntax == EXPLICIT_BIG:
            yield from self._data_set(True, ">")
        elif syntax == DEFLATED:
            yield (_INFLATE, 0)
            yield from self._data_set(True, "<")
        else:
            yield from self._data_set(True, "<")

    def _file_meta(self) -> Generator[Request, bytes | None, str | None]:
        """Copy the file meta (always explicit VR little endian); the transfer syntax."""
        syntax = None
        while True:
            group = yield (_PEEK, 2)
            assert group is not None
            if struct.unpack("<H", group)[0] != 0x0002:
                break
            tag, vr, length, _header = yield from self._element_header(True, "<")
            if vr is None or length == _UNDEFINED or length > MAX_HEADER_VALUE:
                raise _Refused(_("its file meta information is damaged"))
            value = (yield (_READ, length)) if length else b""
            assert value is not None
            if tag == _TRANSFER_SYNTAX:
                syntax = value.decode("latin-1").strip(" \x00")
                if not _known_transfer_syntax(syntax):
                    raise _Refused(_("it declares a transfer syntax this program does not know"))
                if syntax == DEFLATED:
                    self.transfer_syntax = syntax
                    value = EXPLICIT_LITTLE.encode("ascii") + b"\x00"
            if tag != _GROUP_LENGTH:  # the copy's group is shorter: pydicom reads on without it
                self._out += _encode_element(tag, vr, value)
        return syntax

    def _element_header(self, explicit: bool, order: str):
        """(tag, VR or None, length, the header's bytes) of the next element."""
        self._elements += 1
        if self._elements > MAX_HEADER_ELEMENTS:
            raise _Refused(_("its header holds more than {count} elements")
                           .format(count=MAX_HEADER_ELEMENTS))
        header = yield (_READ, 8)
        assert header is not None
        self._at_boundary = False
        group, element = struct.unpack(order + "HH", header[:4])
        vr = header[4:6]
        # A VR that is not two capitals is read as implicit VR, as pydicom does.
        if explicit and vr.isalpha() and vr.isupper():
            if vr in _LONG_VRS:
                extra = yield (_READ, 4)
                assert extra is not None
                return group << 16 | element, vr, struct.unpack(order + "I", extra)[0], header + extra
            return group << 16 | element, vr, struct.unpack(order + "H", header[6:8])[0], header
        return group << 16 | element, None, struct.unpack(order + "I", header[4:8])[0], header

    def _data_set(self, explicit: bool, order: str) -> Generator[Request, bytes | None, None]:
        while True:
            self._at_boundary = True
            tag, vr, length, header = yield from self._element_header(explicit, order)
            if tag > LAST_INDEXED or tag == DIRECTORY_RECORDS:
                self._out += header
                self.stopped = (tag, self.offset, length)
                return
            if length == _UNDEFINED:
                yield from self._items(explicit and vr != b"UN", order, 1)
            elif tag in _KEPT:
                if length > MAX_HEADER_VALUE:
                    raise _Refused(_("a value of its header is {size} bytes long").format(size=length))
                value = (yield (_READ, length)) if length else b""
                assert value is not None
                self._out += header + value
            elif length:
                yield (_SKIP, length)

    def _items(self, explicit: bool, order: str, depth: int) -> Generator[Request, bytes | None, None]:
        """Walk over the items of an element of undefined length, up to its delimiter."""
        if depth > MAX_HEADER_DEPTH:
            raise _Refused(_("its header nests sequences more than {depth} deep").format(depth=MAX_HEADER_DEPTH))
        while True:
            self._elements += 1
            header = yield (_READ, 8)
            assert header is not None
            group, element, length = struct.unpack(order + "HHI", header)
            tag = group << 16 | element
            if tag == _SEQUENCE_END:
                return
            if tag != _ITEM:
                raise _Refused(_("a sequence of its header is damaged"))
            if length == _UNDEFINED:
                yield from self._item_elements(explicit, order, depth)
            elif length:
                yield (_SKIP, length)

    def _item_elements(self, explicit: bool, order: str, depth: int) -> Generator[Request, bytes | None, None]:
        while True:
            tag, vr, length, _header = yield from self._element_header(explicit, order)
            if tag == _ITEM_END:
                return
            if length == _UNDEFINED:
                yield from self._items(explicit and vr != b"UN", order, depth + 1)
            elif length:
                yield (_SKIP, length)


def _encode_element(tag: int, vr: bytes, value: bytes) -> bytes:
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr
    if vr in _LONG_VRS:
        return head + struct.pack("<HI", 0, len(value)) + value
    return head + struct.pack("<H", len(value)) + value
