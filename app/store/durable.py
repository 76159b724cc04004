"""Making what an import writes durable without syncing the whole machine: each staged file
is fsynced on a background thread as soon as it is written (while the import decrypts the
next ones), and publishing fsyncs only what is not yet synced, then the folder that names
the files. docs/store.md, "The publish order of an import", says why this is enough."""

from __future__ import annotations

from collections.abc import Iterable
import errno
import os
from pathlib import Path
import queue
import sys
import threading
from typing import BinaryIO

#: Files waiting for their fsync (each holds an open descriptor); a full queue makes the
#: writer wait, so descriptors and unsynced bytes stay bounded.
DEPTH = 64
#: fsyncs in flight at once: a file system commits concurrent fsyncs together, so two
#: threads keep the disk busy without holding many descriptors.
THREADS = 2


class FileSyncer:
    """fsyncs, then closes, the files handed to it, on background threads.

    `submit` takes ownership of an open file; `finish` waits for every fsync and returns the
    names synced (raising the first error); `abort` closes what is left without syncing and
    stops the threads. A failed fsync stops the syncing of the rest (they are only closed)."""

    def __init__(self, threads: int = THREADS, depth: int = DEPTH) -> None:
        self._queue: queue.Queue[BinaryIO | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._stopping = False
        self._lock = threading.Lock()
        self.synced: set[str] = set()
        self._thread_count = threads
        self._threads: list[threading.Thread] = []  # started with the first file

    def _start(self) -> None:
        self._threads = [threading.Thread(target=self._run, name=f"secondo-fsync-{n}", daemon=True)
                         for n in range(self._thread_count)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        while (handle := self._queue.get()) is not None:
            try:
                if self._error is None and not self._stopping:
                    os.fsync(handle.fileno())
                    with self._lock:
                        self.synced.add(Path(handle.name).name)
            except BaseException as exc:  # handed to the importer's thread by check()
                self._error = self._error or exc
            finally:
                try:
                    handle.close()
                except OSError:
                    pass  # only its fsync's outcome counts, and that is recorded above
                self._queue.task_done()
        self._queue.task_done()

    def check(self) -> None:
        """Raise, in the caller's thread, the first error of an fsync."""
        if self._error is not None:
            raise self._error

    def submit(self, handle: BinaryIO) -> None:
        """fsync and close `handle` (flushed already) in the background."""
        if self._stopping:
            handle.close()
            return
        self.check()
        if not self._threads:
            self._start()
        self._queue.put(handle)

    def adopt(self, names: Iterable[str]) -> None:
        """Files synced by another syncer and moved here by rename: their bytes are on disk
        already (the folder's entries for them are synced at publishing, `fsync_folder`)."""
        with self._lock:
            self.synced.update(names)

    def synced_names(self) -> set[str]:
        with self._lock:
            return set(self.synced)

    def wait(self) -> None:
        """Wait until every file handed over so far is synced (the threads go on)."""
        if any(t.is_alive() for t in self._threads):
            self._queue.join()
        self.check()

    def _stop(self) -> None:
        if not any(t.is_alive() for t in self._threads):
            return
        for _thread in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def finish(self) -> set[str]:
        """Wait until every file handed over is synced; the names of the files synced."""
        self._stop()
        self.check()
        return self.synced

    def abort(self) -> None:
        """Close what is still queued without syncing it, and stop (the folder is being removed)."""
        self._stopping = True
        self._stop()


def fsync_path(path: Path) -> None:
    """fsync a file that is not open here (where it can be opened read-only for that, it is)."""
    flags = os.O_RDONLY if sys.platform != "win32" else os.O_RDWR  # Windows commits only writable handles
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path, skip: Iterable[str] = ()) -> None:
    """Every file of `folder` on disk, but those in `skip` (synced already), then the folder's
    own entries (where a folder can be opened and synced)."""
    done = set(skip)
    for path in sorted(folder.iterdir()):
        if path.name not in done and path.is_file():
            fsync_path(path)
    sync_dir(folder)


def sync_dir(folder: Path) -> None:
    """Make the names in `folder` durable (a new file, a rename), where directories can be synced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows: a folder cannot be opened; NTFS journals its entries itself
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems that cannot sync a directory
            raise
    finally:
        os.close(fd)
