"""The append-only, hash-chained audit log: who did what to which case, and when.

Each line is a JSON object whose `hash` is SHA-256 over the previous line's hash and the
line's own canonical content, so that changing, removing or reordering any line breaks
the chain from there on. The last committed line's seq and hash (the anchor) are kept
apart from the log, so that cutting lines off the end, or deleting the whole log, shows:
in the case store, keyed (HMAC under the vault key) in the SQLite index, in the same
transaction as the case rows the line is about; standalone, in `audit.head`. A line
written after the anchor (a crash before the commit) was never committed and is removed;
anything else that does not match the anchor is tampering. Case ids only: never patient
data. docs/store.md states the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
import getpass
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Protocol

from app.core.errors import BadInputError, SecondoError
from app.core.files import atomic_output, output_error
from app.core.i18n import _
from app.store.index import Index

GENESIS = "0" * 64
ACTIONS = ("import", "open", "sign", "export", "package", "send", "delete", "store", "trust")
_TAIL = 1 << 20  # an append reads at most this much of the log's end (lines are ~300 bytes)

try:  # one writer at a time across processes (GUI and CLI on the same data folder)
    import fcntl
except ImportError:  # Windows: the GUI's single store worker serialises writes
    fcntl = None  # type: ignore[assignment]  # checked before each use


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    problem: str | None = None


class AnchorProblem(Exception):
    """The anchor itself is missing where it must exist, unreadable or forged."""


def _digest(previous: str, entry: dict) -> str:
    content = json.dumps({k: v for k, v in entry.items() if k != "hash"}, sort_keys=True,
                         separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous + content).encode("utf-8")).hexdigest()


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _read_at(fd: int, size: int, offset: int) -> bytes:
    """`size` bytes at `offset` (os.pread where there is one; Windows has not)."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    chunks, left = [], size
    while left > 0 and (chunk := os.read(fd, left)):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _parse(line: bytes) -> dict | None:
    """The entry on one line, or None when it is not a well-formed entry."""
    try:
        entry = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int) or \
            not isinstance(entry.get("hash"), str) or not isinstance(entry.get("prev"), str):
        return None
    return entry


# -- anchors --------------------------------------------------------------------------------

class Anchor(Protocol):
    def read(self) -> tuple[int, str] | None: ...  # None: no anchor kept (yet)

    def write(self, seq: int, digest: str) -> None: ...

    def transaction(self) -> AbstractContextManager[None]: ...


class HeadFileAnchor:
    """`audit.head` beside the log: a standalone log's anchor (and a data folder's before
    it had the keyed one)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> tuple[int, str] | None:
        if not self.path.exists():
            return None
        try:
            head = json.loads(self.path.read_bytes())
            seq, digest = head["seq"], head["hash"]
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            raise AnchorProblem(_("the head file audit.head is not readable")) from None
        if not isinstance(seq, int) or not isinstance(digest, str):
            raise AnchorProblem(_("the head file audit.head is not readable"))
        return seq, digest

    def write(self, seq: int, digest: str) -> None:
        with atomic_output(self.path) as head:
            head.write(json.dumps({"seq": seq, "hash": digest}).encode())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield


class IndexAnchor:
    """The anchor in the index's `audit_anchor` row, with an HMAC under a key derived from the
    vault key, so that it cannot be rewritten to fit a shortened log without the key. Until
    the first keyed write, a data folder with no case may still be anchored by `audit.head`."""

    def __init__(self, index: Index, key: bytes, legacy: HeadFileAnchor) -> None:
        self.index = index
        self._key = hmac.new(key, b"secondo audit anchor", hashlib.sha256).digest()
        self.legacy = legacy

    def _mac(self, seq: int, digest: str) -> str:
        return hmac.new(self._key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()

    def read(self) -> tuple[int, str] | None:
        row = self.index.db.execute("SELECT seq, hash, mac FROM audit_anchor WHERE id = 1").fetchone()
        if row is None:
            if self.index.has_cases():
                raise AnchorProblem(_("the data folder holds cases but the audit log's anchor is gone"))
            return self.legacy.read()
        seq, digest, mac = row
        if not isinstance(seq, int) or not isinstance(digest, str) or not isinstance(mac, str) or \
                not hmac.compare_digest(self._mac(seq, digest), mac):
            raise AnchorProblem(_("the audit log's anchor in the index was altered"))
        return seq, digest

    def start(self, log: Path) -> None:
        """Anchor a new data folder's empty log at once, so that even its first line counts
        only once committed (an older folder keeps `audit.head` until its next append)."""
        if self.index.db.execute("SELECT 1 FROM audit_anchor").fetchone() is not None or self.legacy.path.exists() \
                or (log.exists() and log.stat().st_size > 0) or self.index.has_cases():
            return
        try:
            with self.index.transaction() as db:
                db.execute("INSERT OR IGNORE INTO audit_anchor(id, seq, hash, mac) VALUES (1, 0, ?, ?)",
                           (GENESIS, self._mac(0, GENESIS)))
        except SecondoError:
            pass  # a read-only data folder: nothing can be appended either

    def write(self, seq: int, digest: str) -> None:
        self.index.db.execute("INSERT OR REPLACE INTO audit_anchor(id, seq, hash, mac) VALUES (1, ?, ?, ?)",
                              (seq, digest, self._mac(seq, digest)))
        self.legacy.path.unlink(missing_ok=True)  # the keyed anchor replaces it from now on

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.index.transaction():
            yield


# -- the log ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _End:
    """Where the committed log ends: its last seq and hash, and the byte offset after it."""

    seq: int
    digest: str
    offset: int
    intact: bool  # False: the log does not match its anchor (tampered); appends go on after it


class AuditLog:
    """`audit.log` and its anchor (`audit.head` when none is given)."""

    def __init__(self, path: Path, anchor: Anchor | None = None) -> None:
        self.path = path
        self.head_path = path.with_suffix(".head")
        self.anchor: Anchor = anchor or HeadFileAnchor(self.head_path)

    @contextmanager
    def _locked(self) -> Iterator[int]:
        """The anchor's transaction and an flock on the log, for one append or repair."""
        with self.anchor.transaction():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield fd
            finally:
                os.close(fd)

    def _committed_end(self, fd: int) -> _End:
        size = os.fstat(fd).st_size
        start = max(0, size - _TAIL)
        data = _read_at(fd, size - start, start)
        whole_end = start + data.rfind(b"\n") + 1 if b"\n" in data else start
        last_lines: list[tuple[dict | None, int, int]] = []  # (entry, begin, end), the last first
        position = whole_end - start - 1
        while position >= 0 and len(last_lines) < 2:
            newline = data.rfind(b"\n", 0, position)
            if newline < 0 and start > 0:
                break  # the buffer starts inside a line
            line = data[newline + 1:position]
            if line.strip():
                last_lines.append((_parse(line), start + newline + 1, start + position + 1))
            position = newline
        try:
            anchor, anchor_ok = self.anchor.read(), True
        except AnchorProblem:
            anchor, anchor_ok = None, False
        last = last_lines[0] if last_lines else None
        if anchor is None:  # no anchor (yet): the last whole line is the end
            if last is None:
                return _End(0, GENESIS, whole_end, anchor_ok)
            if last[0] is None:
                return _End(0, GENESIS, size, False)
            return _End(last[0]["seq"], last[0]["hash"], whole_end, anchor_ok)
        seq, digest = anchor
        if last is None:
            return _End(seq, digest, whole_end, seq == 0)
        entry, begin, end = last
        if entry is not None and (entry["seq"], entry["hash"]) == (seq, digest):
            return _End(seq, digest, end, True)
        if entry is not None and entry["seq"] == seq + 1 and entry["prev"] == digest:
            return _End(seq, digest, begin, True)  # written, but the crash came before its commit
        return _End(seq, digest, size, False)

    def append(self, action: str, case: str | None = None, **details) -> dict:
        """Record one action; the line is on disk (fsync) when this returns, and its anchor
        is written in the same transaction as the caller's (the case rows of an import)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self._locked() as fd:
                end = self._committed_end(fd)
                if end.intact and end.offset < os.fstat(fd).st_size:
                    os.ftruncate(fd, end.offset)  # the torn or uncommitted tail of a crash
                elif not end.intact and end.offset and _read_at(fd, 1, os.fstat(fd).st_size - 1) != b"\n":
                    os.write(fd, b"\n")  # after a damaged tail: the chain stays broken, the line whole
                seq, digest = end.seq + 1, ""
                entry: dict = {"seq": seq, "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "user": current_user(), "action": action, "case": case, "details": details,
                         "prev": end.digest}
                entry["hash"] = digest = _digest(end.digest, entry)
                line = (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
                written = os.write(fd, line)
                if written != len(line):
                    raise OSError(28, os.strerror(28))  # a short write: the disk is full
                os.fsync(fd)
                self.anchor.write(seq, digest)
        except OSError as exc:
            raise output_error(self.path, exc) from None
        return entry

    def entries(self) -> list[dict]:
        """The well-formed entries, in order (a line that is not one is left out; `verify` names it)."""
        if not self.path.exists():
            return []
        with open(self.path, "rb") as handle:
            return [entry for line in handle if line.strip() and (entry := _parse(line)) is not None]

    def verify(self, repair: bool = False) -> AuditCheck:
        """Walk the chain from the first line and compare its end with the anchor; report the
        first problem. `repair`: remove a tail that was written but never committed."""
        if repair and self.path.exists():
            try:
                with self._locked() as fd:
                    end = self._committed_end(fd)
                    if end.intact and end.offset < os.fstat(fd).st_size:
                        os.ftruncate(fd, end.offset)
            except OSError:
                pass  # not writable: the check below still tells the truth
        return self._check()

    def _check(self) -> AuditCheck:
        try:
            data = self.path.read_bytes() if self.path.exists() else b""
        except OSError as exc:
            return AuditCheck(False, 0, _("the log cannot be read ({reason})").format(reason=exc.strerror or exc))
        lines = data.split(b"\n")
        torn = lines.pop()
        previous, count = GENESIS, 0
        pending: dict | None = None  # a whole last line the anchor may not cover yet
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            entry = _parse(line)
            if entry is None:
                return AuditCheck(False, count, _("line {n} is not a valid entry").format(n=number))
            if entry.get("prev") != previous or entry.get("seq") != count + 1:
                return AuditCheck(False, count, _("line {n} does not follow line {m}: lines were removed, "
                                                  "inserted or reordered").format(n=number, m=number - 1))
            if entry.get("hash") != _digest(previous, entry):
                return AuditCheck(False, count, _("line {n} was changed after it was written").format(n=number))
            previous, count, pending = entry["hash"], count + 1, entry
        try:
            anchor = self.anchor.read()
        except AnchorProblem as problem:
            return AuditCheck(False, count, str(problem))
        if anchor is None:
            if torn.strip():
                return AuditCheck(False, count, _("line {n} is not a valid entry").format(n=len(lines) + 1))
            return AuditCheck(True, count)
        seq, digest = anchor
        if (count, previous) == (seq, digest):
            return AuditCheck(True, count)  # a torn tail after it was never committed
        if pending is not None and count == seq + 1 and pending["prev"] == digest and not torn.strip():
            return AuditCheck(True, seq)  # the last line was written but never committed
        if count < seq:
            return AuditCheck(False, count, _("the log ends at entry {n}, but entry {m} was written: "
                                              "lines were cut off the end").format(n=count, m=seq))
        return AuditCheck(False, count, _("the log does not end where its anchor says (entry {m})").format(m=seq))


class AuditBroken(BadInputError):
    """`secondo audit --verify` found a break in the chain."""
