"""A lock between processes on one data folder (the window and a `secondo` command may write
the same case at once): an exclusive `flock` on a lock file beside what is changed, held for
one read-modify-write. Where the OS has no flock (Windows) the in-process lock alone holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path
import threading

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_local = threading.RLock()


@contextmanager
def folder_lock(path: Path) -> Iterator[None]:
    """Hold `path` (a lock file, created when missing) exclusively for the block."""
    with _local:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
