"""Writing files so that a reader sees the whole result or nothing: temp file, fsync, rename."""

from collections.abc import Iterator
from contextlib import contextmanager
import errno
import os
from pathlib import Path
import tempfile
from typing import BinaryIO

from app.core.errors import OutputError
from app.core.i18n import _


def output_error(path: Path, exc: OSError) -> OutputError:
    """A user-facing error for a failed write, naming the usual causes plainly."""
    if exc.errno == errno.ENOSPC:
        reason = _("the disk is full")
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = _("the destination is not writable")
    else:
        reason = exc.strerror or str(exc)
    return OutputError(_("Cannot write {path}: {reason}. Nothing was written.").format(path=path, reason=reason))


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Yield a file to write; on success it replaces `path` atomically, on any error it is removed."""
    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    except OSError as exc:
        raise output_error(path, exc) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_synced(path: Path, data: bytes) -> None:
    """Write `data` to a new file and fsync it (into a staging folder that is moved into place
    later; `atomic_output` is for replacing a file where it stands)."""
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def read_json_object(path: Path) -> dict | None:
    """The JSON object in a plain settings file; None when it is missing, unreadable or not an object."""
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json_object(path: Path, data: dict) -> None:
    """Write a plain settings file atomically (pretty, UTF-8)."""
    import json

    with atomic_output(Path(path)) as out:
        out.write(json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))
