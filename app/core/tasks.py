"""Cancel tokens and progress callbacks shared by every long-running service."""

from collections.abc import Callable
from dataclasses import dataclass, field
import threading

from app.core.errors import SecondoError
from app.core.i18n import _

#: progress(done, total): bytes (or items) done so far and the total, 0 when unknown.
Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """A progress callback that ignores what it is told."""


class Cancelled(SecondoError):
    """The user cancelled the operation; whatever it had begun was removed."""

    exit_code = 1

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Cancelled; nothing was kept."))


@dataclass
class CancelToken:
    """Set from any thread; checked by the worker between units of work."""

    _event: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise `Cancelled` once `cancel()` has been called."""
        if self._event.is_set():
            raise Cancelled()
