"""Process-wide fixes for the Qt binding, applied once when app.ui is imported.

PySide6 6.12.0 on Python 3.11 drops a reference it never took on the singletons it
returns: every call of a method that returns nothing (`painter.drawLine(...)`,
`timer.start()`) lowers None's reference count by one, and every `signal.emit(...)` lowers
True's. After a few thousand calls, seconds of painting, the count reaches zero and the
interpreter aborts ("none_dealloc: deallocating None"). PySide6 6.11.3 does not do this,
and from Python 3.12 on these singletons are immortal (PEP 683), so nothing happens there.

The fix does what Python 3.12 does: it gives None, True and False a reference count so
large that no session can exhaust it. It is applied only when a probe shows the leak.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, QPointF, Signal

_IMMORTAL = 1 << 50
_PROBES = 16


class _Probe(QObject):
    fired = Signal()


def _loses_references(value: object, call) -> bool:
    before = sys.getrefcount(value)
    for _ in range(_PROBES):
        call()
    return before - sys.getrefcount(value) >= _PROBES // 2


def leaks_singletons() -> bool:
    """Whether the binding steals references to None (void methods) or True (emit)."""
    if sys.version_info >= (3, 12):
        return False  # immortal singletons: their counts never change
    point, probe = QPointF(), _Probe()  # no connection: no slot can change the counts meanwhile
    return _loses_references(None, lambda: point.setX(1.0)) or _loses_references(True, probe.fired.emit)


def _immortalise(value: object) -> None:
    count = ctypes.c_ssize_t.from_address(id(value))  # ob_refcnt is the first field of every object
    if count.value < _IMMORTAL:
        count.value += _IMMORTAL


def apply_fixes() -> bool:
    """Apply the workaround when needed; True when it was needed."""
    if not leaks_singletons():
        return False
    for value in (None, True, False):
        _immortalise(value)
    return True


SINGLETON_LEAK_FIXED = apply_fixes()
