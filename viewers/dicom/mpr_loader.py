"""Loading the volume of an MPR view in a thread of its own, Qt-free: the volume is handed over
as soon as it exists (the first reformats show while the rest decodes), then progress, then
the end, each through a callback on the loading thread (the widget re-posts them to the GUI
thread). `cancel()` stops it between two slices."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.core.errors import SecondoError
from app.core.i18n import _
from app.core.tasks import Cancelled

log = logging.getLogger(__name__)


class VolumeLoad:
    """One load of a series' volume. Callbacks run on the loading thread:
    `on_ready(volume)` once the volume exists, `on_progress(done, total)` after each slice,
    `on_done(volume)` when every slice is in, `on_failed(reason)` when the series forms no
    volume or cannot be read (never after a cancel)."""

    def __init__(self, series, on_ready: Callable, on_progress: Callable[[int, int], None],
                 on_done: Callable, on_failed: Callable[[str], None]) -> None:
        self.series = series
        self._callbacks = (on_ready, on_progress, on_done, on_failed)
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mpr-volume-loader", daemon=True)

    def start(self) -> VolumeLoad:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread (tests); True when it has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        from viewers.dicom.volume import load_volume

        on_ready, on_progress, on_done, on_failed = self._callbacks
        try:
            volume = load_volume(self.series, progress=lambda done, total: self._tell(on_progress, done, total),
                                 cancelled=self._cancel.is_set,
                                 on_ready=lambda volume: self._tell(on_ready, volume))
        except Cancelled:
            return
        except SecondoError as exc:  # NotAVolumeError, FrameDecodeError: their text is for the user
            self._tell(on_failed, str(exc))
            return
        except MemoryError:
            self._tell(on_failed, _("This series is too large to be shown as a volume."))
            return
        except Exception as exc:  # noqa: BLE001 - whatever the files hold, the viewer says so and goes on
            log.exception("loading a volume failed")
            self._tell(on_failed, _("This series cannot be shown as a volume: {reason}").format(
                reason=str(exc)[:160] or type(exc).__name__))
            return
        self._tell(on_done, volume)

    def _tell(self, callback: Callable, *args) -> None:
        if self._cancel.is_set():
            return
        try:
            callback(*args)
        except Exception:  # noqa: BLE001 - a failing listener must not end the load
            log.exception("volume load callback failed")
