"""Second-O works offline, so no network client library is ever loaded: pyHanko's aiohttp
time-stamp client and the certificate validator's aiohttp fetchers (CRLs, OCSP, issuer
certificates) are served as modules whose classes refuse, and aiohttp itself cannot load.

pyHanko imports its aiohttp time-stamp client whenever anything of `pyhanko.sign` is used
(pyhanko/sign/timestamps/__init__.py), though the workstation never asks for a time stamp
and validates with fetching off; aiohttp alone cost ~0.4 s CPU at every start. `install()`
puts a finder first on sys.meta_path; `app.core` calls it, so it is in place before any
pyHanko import on every path (the command line, the window, the viewers, tests).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

from app.core.errors import SecondoError
from app.core.i18n import _

#: Network client libraries no code path may load.
NETWORK_LIBRARIES = ("aiohttp",)
#: pyHanko's modules built on aiohttp, and the classes their importers take from them.
NETWORK_CLIENTS = {
    "pyhanko.sign.timestamps.aiohttp_client": ("HTTPTimeStamper", "AIOHttpTimeStamper"),
    "pyhanko_certvalidator.fetchers.aiohttp_fetchers": ("AIOHttpFetcherBackend",),
}


class OfflineError(SecondoError):
    """Something asked for the network (a time-stamp server, an OCSP responder, a CRL)."""


def _refusing_class(module: str, name: str) -> type:
    def __init__(self, *args, **kwargs) -> None:
        raise OfflineError(_("Second-O works offline: {client} would use the network, which this workstation "
                             "never does.").format(client=name))

    return type(name, (), {"__init__": __init__, "__module__": module,
                           "__doc__": "Refuses: Second-O works offline (app/core/offline.py)."})


class _RefusingLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # a plain module

    def exec_module(self, module: ModuleType) -> None:
        names = NETWORK_CLIENTS[module.__name__]
        for name in names:
            setattr(module, name, _refusing_class(module.__name__, name))
        setattr(module, "__all__", list(names))  # noqa: B010 - ModuleType declares no __all__


class _OfflineFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path=None, target=None) -> importlib.machinery.ModuleSpec | None:
        if name in NETWORK_CLIENTS:
            return importlib.machinery.ModuleSpec(name, _LOADER, origin="app.core.offline")
        if name.partition(".")[0] in NETWORK_LIBRARIES:
            raise ModuleNotFoundError(f"{name} is not loaded: Second-O works offline (app/core/offline.py)",
                                      name=name)
        return None


_LOADER = _RefusingLoader()
_FINDER = _OfflineFinder()


def installed() -> bool:
    return _FINDER in sys.meta_path


def install() -> None:
    """Serve the refusing modules from now on (once; cheap: nothing is imported)."""
    if not installed():
        sys.meta_path.insert(0, _FINDER)
