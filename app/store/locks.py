"""Locks between processes on one data folder (the window and `secondo` commands may work on
it at once), all `flock` on small lock files, so that the OS drops them when a process dies:

- `folder_lock`: one read-modify-write of a file beside the lock (drafts, annotations,
  signed opinions, dispatch log, address book);
- `HeldLock`: held by a live import for its staging folder, from its creation until its
  case is committed, so that a sweep never removes what a live process is writing.

Where the OS has no flock (Windows) the in-process lock alone holds. docs/store.md states
the rules these locks serve.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path
import threading

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]  # checked before each use

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


def texts_lock(home: Path):
    """The lock of the documents' kept texts (app/store/texts.py): held to write a text, and
    by a case's deletion while it removes the case from the index, so that a text read in the
    background is never written for a case deleted meanwhile."""
    return folder_lock(home / "locks" / "texts.lock")


class HeldLock:
    """An exclusive flock on a lock file that this process holds until `release()`.

    `acquire(path, wait=False)` returns None when a live process holds it. A lock file that
    was removed (by whoever held it last) while we waited is not the lock any more: the
    inode is checked after locking, and the open retried."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    @classmethod
    def acquire(cls, path: Path, *, create: bool = True, exclusive_create: bool = False,
                wait: bool = True) -> HeldLock | None:
        flags = os.O_RDWR | (os.O_CREAT if create else 0) | (os.O_EXCL if exclusive_create else 0)
        while True:
            try:
                fd = os.open(path, flags, 0o600)
            except FileNotFoundError:
                return None
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            except BaseException:
                os.close(fd)
                raise
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                return cls(path, fd)
            os.close(fd)  # removed or replaced meanwhile: whoever removed it was done with it
            if not create:
                return None
            flags &= ~os.O_EXCL

    def release(self, remove: bool = False) -> None:
        """Let go; `remove` first deletes the lock file (only its holder may)."""
        if self._fd < 0:
            return
        if remove:
            try:
                os.unlink(self.path)
            except OSError:
                pass  # a leftover lock file is swept later
        os.close(self._fd)
        self._fd = -1
