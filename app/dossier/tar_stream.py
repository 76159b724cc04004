"""A strict reader of the tar subset a package's payload may use (app/dossier/SODP.md,
Plaintext payload): POSIX ustar headers, pax extended headers of a few keys, regular files.

Every header block is checked here, field by field and within app/crypto/limits.py, before
anything of its member is read. tarfile is not used for reading, so none of its parsers
(pax records, GNU sparse maps, base-256 numbers, long names) ever sees hostile bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import re
from typing import Protocol

from app.core.errors import PackageIntegrityError, UnsafeMemberError
from app.core.i18n import _
from app.crypto.limits import MAX_MEMBERS, MAX_PAX_RECORD, PAX_KEYS
from app.dossier import member_names

BLOCK = 512
USTAR_MAGIC = b"ustar\x0000"
REGULAR = (b"0", b"\0")
PAX_HEADER = b"x"
_OCTAL = re.compile(rb"[0-7]{1,11}")
_DECIMAL = re.compile(r"[0-9]{1,20}")
_TIME = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,9})?")


def _kind(flag: bytes) -> str:
    kinds = {b"1": _("a hard link"), b"2": _("a symbolic link"), b"3": _("a character device"),
             b"4": _("a block device"), b"5": _("a folder"), b"6": _("a FIFO"), b"7": _("a contiguous file"),
             b"g": _("a global pax header"), b"L": _("a GNU long name"), b"K": _("a GNU long link name"),
             b"S": _("a GNU sparse file"), b"D": _("a GNU directory dump"), b"M": _("a GNU multi-volume part"),
             b"V": _("a volume label")}
    return kinds.get(flag, _("an entry of an unknown type"))


def not_tar() -> PackageIntegrityError:
    return PackageIntegrityError(_("The package content is not a valid tar stream."))


def _refused(what: str) -> UnsafeMemberError:
    return UnsafeMemberError(_("The package content holds {what}, which the package format does not "
                               "allow (only regular files, with pax headers of a few keys).").format(what=what))


def _not_regular(what: str) -> UnsafeMemberError:
    return UnsafeMemberError(_("The package holds {what}, which is not a regular file (links, folders and "
                               "devices are not allowed).").format(what=what))


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


@dataclass(frozen=True)
class TarMember:
    name: str
    size: int


def _octal(field: bytes) -> int:
    digits = field.rstrip(b"\0 ").lstrip(b" ")
    if not digits:
        return 0
    if not _OCTAL.fullmatch(digits):
        raise not_tar()
    return int(digits, 8)


def _text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refused(what) from None


def parse_pax(data: bytes) -> dict[str, str]:
    """The records of a pax extended header ("LEN KEY=VALUE\\n"), each checked: the length
    exact, the key among PAX_KEYS, the value UTF-8 and of the key's form, no key twice."""
    records: dict[str, str] = {}
    position = 0
    while position < len(data):
        space = data.find(b" ", position, position + 8)
        digits = data[position:space] if space > position else b""
        if not digits.isdigit() or digits.startswith(b"0"):
            raise _refused(_("a malformed pax header"))
        end = position + int(digits)
        if end > len(data) or end <= space + 2 or data[end - 1:end] != b"\n":
            raise _refused(_("a malformed pax header"))
        key_raw, equals, value_raw = data[space + 1:end - 1].partition(b"=")
        key = key_raw.decode("ascii", "replace")
        if not equals or key not in PAX_KEYS:
            raise _refused(_("a pax header key {key!r}").format(key=key[:40]))
        if key in records:
            raise _refused(_("a pax header key {key!r} twice").format(key=key))
        value = _text(value_raw, _("a pax {key} that is not UTF-8").format(key=key))
        if key in ("size", "uid", "gid") and not _DECIMAL.fullmatch(value):
            raise _refused(_("a pax {key} that is not a number").format(key=key))
        if key.endswith("time") and not _TIME.fullmatch(value):
            raise _refused(_("a pax {key} that is not a time").format(key=key))
        records[key] = value
        position = end
    return records


class TarReader:
    """Reads the members of a tar stream one by one: `members()` yields each regular file
    once its header is checked; `read(n)` then gives its bytes, up to its size."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        self._remaining = 0   # bytes of the current member not yet read
        self._padding = 0     # zero bytes that follow it to the block boundary
        self.trailing = b""   # what was read of the end-of-archive marker

    def _exact(self, size: int, inside: str) -> bytes:
        parts, wanted = [], size
        while wanted:
            block = self._stream.read(wanted)
            if not block:
                raise PackageIntegrityError(_("The package content is cut short inside {what}.")
                                            .format(what=inside))
            parts.append(block)
            wanted -= len(block)
        return b"".join(parts)

    def read(self, size: int) -> bytes:
        """Up to `size` bytes of the current member; b"" at its end."""
        size = min(size, self._remaining)
        if size <= 0:
            return b""
        block = self._stream.read(size)
        if not block:
            raise PackageIntegrityError(_("The package content is cut short inside a file."))
        self._remaining -= len(block)
        return block

    def _skip_rest(self) -> None:
        while self._remaining:
            self.read(1 << 20)
        if self._padding:
            self._exact(self._padding, _("a file's padding"))
            self._padding = 0

    def members(self) -> Iterator[TarMember]:
        count = 0
        pax: dict[str, str] | None = None
        while True:
            self._skip_rest()
            header = self._stream.read(BLOCK)
            if len(header) < BLOCK:
                header += self._exact(BLOCK - len(header), _("a tar header")) if header else b""
            if not header:
                if count == 0:
                    raise not_tar()
                raise PackageIntegrityError(_("The package content ends without its end-of-archive marker."))
            if header.count(0) == BLOCK:
                if pax is not None:
                    raise _refused(_("a pax header that describes no file"))
                self.trailing = header
                return
            count += 1
            if count > MAX_MEMBERS:
                raise UnsafeMemberError(_("The package holds more than {max} members; this workstation "
                                          "reads at most that many.").format(max=MAX_MEMBERS))
            kind, size = self._check_header(header)
            if kind == PAX_HEADER:
                if pax is not None:
                    raise _refused(_("two pax headers in a row"))
                if size > MAX_PAX_RECORD:
                    raise _refused(_("a pax header of {size} bytes (at most {max})")
                                   .format(size=size, max=MAX_PAX_RECORD))
                pax = parse_pax(self._exact(size, _("a pax header")))
                self._exact(-size % BLOCK, _("a pax header"))
                continue
            name = self._name(header, pax or {})
            if pax and "size" in pax:
                size = int(pax["size"])
            pax = None
            self._remaining, self._padding = size, -size % BLOCK
            yield TarMember(name, size)

    @staticmethod
    def _check_header(header: bytes) -> tuple[bytes, int]:
        if header[257:265] != USTAR_MAGIC:
            raise not_tar()
        stored = _octal(header[148:156])
        if stored != sum(header[:148]) + 8 * 0x20 + sum(header[156:]):
            raise PackageIntegrityError(_("The package content is damaged: a tar header fails its checksum."))
        kind = header[156:157]
        if kind not in REGULAR and kind != PAX_HEADER:
            raise _not_regular(_kind(kind))
        if header[157:257].strip(b"\0"):
            raise _not_regular(_("an entry with a link name"))
        if header[124] & 0x80:  # base-256: sizes that large come in a pax header
            raise _refused(_("a size in base-256"))
        return kind, _octal(header[124:136])

    @staticmethod
    def _name(header: bytes, pax: dict[str, str]) -> str:
        if "path" in pax:
            name = pax["path"]
        else:
            base = _text(header[0:100].split(b"\0", 1)[0], _("a name that is not UTF-8"))
            prefix = _text(header[345:500].split(b"\0", 1)[0], _("a name that is not UTF-8"))
            name = f"{prefix}/{base}" if prefix else base
        return member_names.check(name)
