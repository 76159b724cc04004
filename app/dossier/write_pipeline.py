"""A background thread that encrypts and writes staged files (and indexes DICOM headers)
while the importer goes on decrypting and reading: AES and file writes release the GIL,
so the two cores share the work. The queue is short, so memory stays bounded."""

from collections.abc import Callable
import queue
import threading

from app.core.tasks import Cancelled

DEPTH = 16  # tasks of at most 1 MiB each: about 16 MiB in flight


class WritePipeline:
    def __init__(self, depth: int = DEPTH) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="secondo-vault-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (task := self._queue.get()) is not None:
            if self._error is None:  # after a failure, the rest is skipped but still drained
                try:
                    task()
                except BaseException as exc:  # handed to the importer's thread by check()
                    self._error = exc

    def check(self) -> None:
        """Raise, in the caller's thread, the first error the writer met."""
        if self._error is not None:
            raise self._error

    def submit(self, task: Callable[[], None]) -> None:
        self.check()
        self._queue.put(task)

    def finish(self) -> None:
        """Wait until everything submitted is written; raise the first error."""
        self._queue.put(None)
        self._thread.join()
        self.check()

    def abort(self) -> None:
        """Skip what is still queued and stop; the caller then removes the staging folder."""
        if self._thread.is_alive():
            self._error = self._error or Cancelled()
            self._queue.put(None)
            self._thread.join()
