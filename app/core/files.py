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
