"""Process-wide fixes for the Qt binding, applied the moment PySide6.QtCore is loaded.

PySide6 6.12.0 on Python 3.11 drops a reference it never took on the singletons it
returns: every call of a method that returns nothing (`painter.drawLine(...)`,
`timer.start()`) lowers None's reference count by one, and every `signal.emit(...)` lowers
True's. After a few thousand calls, seconds of painting, the count reaches zero and the
interpreter aborts ("none_dealloc: deallocating None"). PySide6 6.11.3 does not do this,
and from Python 3.12 on these singletons are immortal (PEP 683), so nothing happens there.

The fix does what Python 3.12 does: it gives None, True and False a reference count so
large that no session can exhaust it. It is applied only when a probe shows the leak.

This is the one place that applies it: `viewers/__init__.py` calls `install()`, and every
Qt module of the project lives in `viewers` or `app.ui` (whose package imports `viewers`),
so the fix is in place before the first Qt call on every path, including the viewers used
alone (`secondo view`, tests); a Qt-free import of `viewers` loads no Qt.
"""

from __future__ import annotations

import ctypes
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

QT_CORE = "PySide6.QtCore"
_IMMORTAL = 1 << 50
_PROBES = 16

_probed: dict[str, bool] = {}  # "leaks": what the probe found, once Qt is loaded


def leak_fixed() -> bool | None:
    """None until Qt is loaded; then whether the binding leaked (and was fixed)."""
    return _probed.get("leaks")


def _loses_references(value: object, call) -> bool:
    before = sys.getrefcount(value)
    for _ in range(_PROBES):
        call()
    return before - sys.getrefcount(value) >= _PROBES // 2


def leaks_singletons(qt_core: ModuleType) -> bool:
    """Whether the binding steals references to None (void methods) or True (emit)."""
    if sys.version_info >= (3, 12):
        return False  # immortal singletons: their counts never change

    class Probe(qt_core.QObject):
        fired = qt_core.Signal()

    point, probe = qt_core.QPointF(), Probe()  # no connection: no slot can change the counts meanwhile
    return _loses_references(None, lambda: point.setX(1.0)) or _loses_references(True, probe.fired.emit)


def _immortalise(value: object) -> None:
    count = ctypes.c_ssize_t.from_address(id(value))  # ob_refcnt is the first field of every object
    if count.value < _IMMORTAL:
        count.value += _IMMORTAL


def apply_fixes(qt_core: ModuleType) -> bool:
    """Apply the workaround when needed (once); True when it was needed."""
    if "leaks" not in _probed:
        _probed["leaks"] = leaks_singletons(qt_core)
        if _probed["leaks"]:
            for value in (None, True, False):
                _immortalise(value)
    return _probed["leaks"]


class _FixAfterLoading(importlib.abc.Loader):
    """QtCore's own loader, then the fix, before the importer gets the module."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec):
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        apply_fixes(module)

    def __getattr__(self, name: str):
        return getattr(self.loader, name)  # get_filename, is_package, …: the real loader's


class _QtCoreFinder(importlib.abc.MetaPathFinder):
    """Finds QtCore as the other finders do, once, and wraps its loader."""

    def find_spec(self, name: str, path=None, target=None):
        if name != QT_CORE:
            return None
        uninstall()
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _FixAfterLoading(spec.loader)
        return spec


_FINDER = _QtCoreFinder()


def qt_version() -> str:
    """The version of the Qt libraries loaded at run time (`secondo --version`)."""
    from PySide6.QtCore import qVersion  # the finder above, if installed, applies the fix first

    return qVersion()


def uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def install() -> None:
    """Fix the binding now if QtCore is loaded, else the moment it is (loading no Qt now)."""
    qt_core = sys.modules.get(QT_CORE)
    if qt_core is not None:
        apply_fixes(qt_core)
    elif "leaks" not in _probed and _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
