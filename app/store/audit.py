"""The append-only, hash-chained audit log: who did what to which case, and when.

Each line is a JSON object whose `hash` is SHA-256 over the previous line's hash and the
line's own canonical content, so that changing, removing or reordering any line breaks
the chain from there on. Case ids only: never patient data.
"""

from dataclasses import dataclass
from datetime import datetime, timezone
import getpass
import hashlib
import json
import os
from pathlib import Path

from app.core.errors import BadInputError
from app.core.files import atomic_output, output_error
from app.core.i18n import _

GENESIS = "0" * 64
ACTIONS = ("import", "open", "sign", "export", "package", "send", "delete", "store")

try:  # one writer at a time across processes (GUI and CLI on the same data folder)
    import fcntl
except ImportError:  # Windows: the GUI's single store worker serialises writes
    fcntl = None


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    problem: str | None = None


def _digest(previous: str, entry: dict) -> str:
    content = json.dumps({k: v for k, v in entry.items() if k != "hash"}, sort_keys=True,
                         separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous + content).encode("utf-8")).hexdigest()


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


class AuditLog:
    """`audit.log` plus `audit.head`, the last line's seq and hash, so that cutting lines off
    the end is detected too."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.head_path = path.with_suffix(".head")

    def _last_hash(self) -> tuple[int, str]:
        if not self.path.exists():
            return 0, GENESIS
        last = None
        with open(self.path, "rb") as handle:
            for line in handle:
                if line.strip():
                    last = line
        if last is None:
            return 0, GENESIS
        entry = json.loads(last)
        return entry["seq"], entry["hash"]

    def append(self, action: str, case: str | None = None, **details) -> dict:
        """Record one action; the line is on disk (fsync) when this returns."""
        try:
            self.path.touch(mode=0o600, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                seq, previous = self._last_hash()
                entry = {"seq": seq + 1, "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "user": current_user(), "action": action, "case": case, "details": details,
                         "prev": previous}
                entry["hash"] = _digest(previous, entry)
                handle.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
                with atomic_output(self.head_path) as head:
                    head.write(json.dumps({"seq": entry["seq"], "hash": entry["hash"]}).encode())
        except OSError as exc:
            raise output_error(self.path, exc) from None
        return entry

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def verify(self) -> AuditCheck:
        """Walk the chain from the first line; report the first line that breaks it."""
        previous, count = GENESIS, 0
        lines = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                return AuditCheck(False, count, _("line {n} is not a valid entry").format(n=number))
            if entry.get("prev") != previous or entry.get("seq") != count + 1:
                return AuditCheck(False, count, _("line {n} does not follow line {m}: lines were removed, "
                                                  "inserted or reordered").format(n=number, m=number - 1))
            if entry.get("hash") != _digest(previous, entry):
                return AuditCheck(False, count, _("line {n} was changed after it was written").format(n=number))
            previous, count = entry["hash"], count + 1
        head = json.loads(self.head_path.read_text()) if self.head_path.exists() else {"seq": 0, "hash": GENESIS}
        if (head.get("seq"), head.get("hash")) != (count, previous):
            return AuditCheck(False, count, _("the log ends at entry {n}, but entry {m} was written: "
                                              "lines were cut off the end").format(n=count, m=head.get("seq")))
        return AuditCheck(True, count)


class AuditBroken(BadInputError):
    """`secondo audit --verify` found a break in the chain."""
