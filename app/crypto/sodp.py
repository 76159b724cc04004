"""SODP v1 container: header, header MAC and the STREAM of AES-256-GCM chunks.

The byte layout is specified in app/dossier/SODP.md. `SodpWriter` encrypts a
plaintext stream; `SodpReader` parses the header without a key, then yields plaintext
chunk by chunk, each only after its tag is checked. Memory stays at about two chunks.
"""

from dataclasses import dataclass
import hashlib
import hmac
import io
import json
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.errors import PackageFormatError, PackageIntegrityError
from app.core.i18n import _
from app.crypto import stanzas
from app.crypto.limits import (MAX_CHUNK_SIZE, MAX_HEADER_LENGTH, MAX_JSON_DEPTH, MAX_STANZAS, MIN_CHUNK_SIZE,
                               parse_json)

MAGIC = b"SODP\r\n\x1a\n"
FORMAT = "sodp/1"
DEFAULT_CHUNK_SIZE = 1 << 20
TAG_SIZE = 16
MAC_SIZE = 32
HEADER_INFO = b"sodp/1 header"
PAYLOAD_INFO = b"sodp/1 payload"


def derive_key(file_key: bytes, payload_salt: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, payload_salt, info).derive(file_key)


def chunk_nonce(index: int, final: bool) -> bytes:
    """Nonce of chunk `index`: the index as 11 bytes big-endian, then the final flag."""
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def header_mac(file_key: bytes, payload_salt: bytes, signed_bytes: bytes) -> bytes:
    return hmac.new(derive_key(file_key, payload_salt, HEADER_INFO), signed_bytes, hashlib.sha256).digest()


def _check_chunk_size(value: object) -> int:
    if (not isinstance(value, int) or isinstance(value, bool) or value & (value - 1)
            or not MIN_CHUNK_SIZE <= value <= MAX_CHUNK_SIZE):
        raise PackageFormatError(_("The package header is malformed (chunk_size must be a power "
                                   "of two from 64 KiB to 16 MiB)."))
    return value


class PayloadEncryptor:
    """Encrypts the plaintext written to it as STREAM chunks into `out`.

    Plaintext is gathered into one chunk-sized buffer and each sealed chunk is made in another,
    both reused: no copy or allocation per chunk beyond the cipher's own pass (`out` must not
    keep the buffer it is given, as files and BytesIO do not)."""

    def __init__(self, out: BinaryIO, key: bytes, chunk_size: int) -> None:
        self._out = out
        self._aead = AESGCM(key)
        self._chunk_size = chunk_size
        self._index = 0
        self._pending = bytearray(chunk_size)
        self._filled = 0
        self._sealed = bytearray(chunk_size + TAG_SIZE)
        self._done = False

    def _emit(self, data, final: bool) -> None:
        sealed = memoryview(self._sealed)[:len(data) + TAG_SIZE]
        self._aead.encrypt_into(chunk_nonce(self._index, final), data, None, sealed)
        self._out.write(sealed)
        self._index += 1

    def write(self, data) -> int:
        # A full chunk is held back until more data comes: only then is it known not to be final.
        view = memoryview(data).cast("B")
        size = self._chunk_size
        total = len(view)
        while view:
            if self._filled == size:
                self._emit(self._pending, final=False)
                self._filled = 0
            if not self._filled and len(view) > size:
                self._emit(view[:size], final=False)  # straight from the caller's buffer
                view = view[size:]
                continue
            take = min(size - self._filled, len(view))
            self._pending[self._filled:self._filled + take] = view[:take]
            self._filled += take
            view = view[take:]
        return total

    def finish(self) -> None:
        if not self._done:
            self._emit(memoryview(self._pending)[:self._filled], final=True)
            self._filled = 0
            self._done = True


class SodpWriter(io.RawIOBase):
    """A writable stream: plaintext in, an SODP v1 file out.

    `close()` writes the final chunk; a writer abandoned without `close()` leaves an
    unterminated file that every reader rejects as truncated.
    """

    def __init__(self, out: BinaryIO, recipients: list, chunk_size: int = DEFAULT_CHUNK_SIZE, *,
                 file_key: bytes | None = None, payload_salt: bytes | None = None,
                 stanza_list: list[dict] | None = None) -> None:
        super().__init__()
        _check_chunk_size(chunk_size)
        if not recipients and not stanza_list:
            raise ValueError("an SODP package needs at least one recipient")
        file_key = file_key or os.urandom(32)
        payload_salt = payload_salt or os.urandom(32)
        header = {
            "format": FORMAT,
            "chunk_size": chunk_size,
            "payload_salt": stanzas.b64(payload_salt),
            "recipients": stanza_list or [stanzas.wrap(r, file_key) for r in recipients],
        }
        header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
        signed = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
        out.write(signed + header_mac(file_key, payload_salt, signed))
        self._payload = PayloadEncryptor(out, derive_key(file_key, payload_salt, PAYLOAD_INFO), chunk_size)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self._payload.write(data)

    def close(self) -> None:
        if not self.closed:
            self._payload.finish()
        super().close()


@dataclass(frozen=True)
class SodpHeader:
    chunk_size: int
    payload_salt: bytes
    recipients: list[dict]
    signed_bytes: bytes  # magic | header_length | header: what the MAC covers
    mac: bytes


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, short only at the end of the stream (pipes and CDs read short)."""
    parts = []
    while size > 0:
        block = stream.read(size)
        if not block:
            break
        parts.append(block)
        size -= len(block)
    return b"".join(parts)


def read_header(stream: BinaryIO) -> SodpHeader:
    """Parse magic, header and MAC; nothing is authenticated yet."""
    not_sodp = PackageFormatError(_("This file is not an SODP dossier package."))
    prefix = _read_exact(stream, len(MAGIC) + 4)
    if len(prefix) < len(MAGIC) or prefix[:len(MAGIC)] != MAGIC:
        raise not_sodp
    if len(prefix) < len(MAGIC) + 4:
        raise PackageIntegrityError(_("The package is truncated: it ends inside its header."))
    (length,) = struct.unpack(">I", prefix[len(MAGIC):])
    if length > MAX_HEADER_LENGTH:
        raise PackageFormatError(_("The package header is malformed (its length is over 1 MiB)."))
    header_bytes = _read_exact(stream, length)
    mac = _read_exact(stream, MAC_SIZE)
    if len(header_bytes) < length or len(mac) < MAC_SIZE:
        raise PackageIntegrityError(_("The package is truncated: it ends inside its header."))
    try:
        header = parse_json(header_bytes)
    except ValueError:  # UnicodeDecodeError and too deep a nesting included
        raise PackageFormatError(_("The package header is malformed (not UTF-8 JSON of at most "
                                   "{depth} levels).").format(depth=MAX_JSON_DEPTH)) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise PackageFormatError(_("The package header is malformed or of an unknown format "
                                   "version (this workstation reads sodp/1)."))
    recipients = header.get("recipients")
    if not isinstance(recipients, list) or not recipients or not all(isinstance(r, dict) for r in recipients):
        raise PackageFormatError(_("The package header is malformed (it names no recipients)."))
    if len(recipients) > MAX_STANZAS:
        raise PackageFormatError(_("The package header names {n} recipients; this workstation reads at "
                                   "most {max}.").format(n=len(recipients), max=MAX_STANZAS))
    return SodpHeader(_check_chunk_size(header.get("chunk_size")),
                      stanzas.unb64(header.get("payload_salt"), "payload_salt", 32),
                      recipients, prefix + header_bytes, mac)


class SodpReader:
    """Reads an SODP v1 stream: `header` without a key, `unlock()`, then `chunks()`."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.header = read_header(stream)
        self._payload_key: bytes | None = None

    def unlock(self, credentials: list) -> None:
        """Find the file key among the stanzas and check the header MAC with it."""
        file_key = stanzas.find_file_key(self.header.recipients, credentials)
        expected = header_mac(file_key, self.header.payload_salt, self.header.signed_bytes)
        if not hmac.compare_digest(expected, self.header.mac):
            raise PackageIntegrityError(_("The package header was altered (its MAC does not match)."))
        self._payload_key = derive_key(file_key, self.header.payload_salt, PAYLOAD_INFO)

    def chunks(self) -> Iterator[bytes]:
        """Authenticated plaintext, chunk by chunk; raises on truncation, reordering,
        trailing bytes or any altered bit, before the bad chunk's bytes are released."""
        if self._payload_key is None:
            raise RuntimeError("unlock() first")
        aead = AESGCM(self._payload_key)
        sealed_size = self.header.chunk_size + TAG_SIZE
        index = 0
        current = _read_exact(self._stream, sealed_size)
        while True:
            following = _read_exact(self._stream, sealed_size) if len(current) == sealed_size else b""
            final = not following
            if len(current) < TAG_SIZE:
                raise PackageIntegrityError(_("The package is truncated: chunk {n} is incomplete.")
                                            .format(n=index + 1))
            try:
                plaintext = aead.decrypt(chunk_nonce(index, final), current, None)
            except InvalidTag:
                raise self._diagnose(aead, index, current, final) from None
            if final and index > 0 and not plaintext:
                raise PackageIntegrityError(_("The package ends with an empty chunk, which the "
                                              "format does not allow."))
            yield plaintext
            if final:
                return
            current = following
            index += 1

    @staticmethod
    def _diagnose(aead: AESGCM, index: int, sealed: bytes, final: bool) -> PackageIntegrityError:
        """Name the failure as precisely as the tags allow: truncated, extended or altered."""
        try:
            aead.decrypt(chunk_nonce(index, not final), sealed, None)
        except InvalidTag:
            if final:  # a short last piece: cut off mid-chunk, or altered; the tag cannot tell which
                return PackageIntegrityError(_("The package is truncated, altered or damaged: its last "
                                               "chunk ({n}) fails its integrity check.").format(n=index + 1))
            return PackageIntegrityError(_("The package was altered or damaged: chunk {n} fails its "
                                           "integrity check.").format(n=index + 1))
        if final:
            return PackageIntegrityError(_("The package is truncated: it ends after chunk {n}, "
                                           "before its final chunk.").format(n=index + 1))
        return PackageIntegrityError(_("The package has bytes appended after its final chunk."))


class ChunkStream(io.RawIOBase):
    """A readable file object over an iterator of byte chunks, for `tarfile` to read."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._current = memoryview(b"")
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join([bytes(self._current), *self._chunks])
        while not self._current:
            nxt = next(self._chunks, None)
            if nxt is None:
                return b""
            self._current = memoryview(nxt)
        piece = self._current[:size]
        self._current = self._current[len(piece):]
        self.bytes_read += len(piece)
        return bytes(piece)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
