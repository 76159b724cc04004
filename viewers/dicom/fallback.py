"""The fallback decoder: GDCM (python-gdcm) as a pydicom decoder plugin, asked for a frame only
after the first decoders (pylibjpeg, Pillow) failed on it, e.g. the 12-bit JPEG Extended of
the NEMA WG04 JPLY samples that libjpeg refuses (-1038, a sequential scan with Se=0, which
DCMTK and GDCM read with a warning).

GDCM runs in a worker process of its own, started on the first failure: on some damaged
JPEG data GDCM 3.2 throws a C++ exception nothing catches and aborts its process, which must
not be the workstation's. A worker that died is reported as a frame that cannot be decoded,
and the next frame starts a new one.

pydicom's own GDCM plugin refuses 12-bit JPEG Extended; GDCM 3 decodes it as DCMTK does (same
values, tests/unit/test_decode_fallback.py), so the worker runs that plugin's steps without the
refusal. pydicom imports
gdcm with itself when it is installed (~20 ms CPU on every start): `hold_back()` keeps it out.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading
from typing import Any

LABEL = "gdcm-fallback"
_PYDICOM_PLUGIN = "pydicom.pixels.decoders.gdcm"
_RUNNER_FIELDS = ("transfer_syntax", "rows", "columns", "samples_per_pixel", "bits_allocated", "bits_stored",
                  "pixel_representation", "photometric_interpretation", "planar_configuration")
_RUNNER_OPTIONS = ("jls_precision", "j2k_precision")
_lock = threading.Lock()
_decoders: dict[str, Any] = {}  # transfer syntax UID -> its GDCM Decoder, or None when GDCM cannot help
_state: dict[str, Any] = {}  # "pool": the worker process pool; "gdcm": the module, in the worker


def hold_back() -> None:
    """Keep gdcm from being imported with pydicom (before pydicom is first imported; later it
    changes nothing)."""
    if "pydicom" not in sys.modules and "gdcm" not in sys.modules:
        sys.modules["gdcm"] = None  # type: ignore[assignment]  # import gdcm: ImportError, until _load()


hold_back()  # imported by decode.py and reading.py before they import pydicom


def worker_started() -> bool:
    """Whether the GDCM worker process has been started (by a frame the first decoders refused)."""
    return "pool" in _state


def decoder_for(tsyntax: str):
    """A pydicom Decoder for `tsyntax` whose one plugin is GDCM; None when GDCM is not installed
    or does not decode that syntax. It is a Decoder of its own so that pydicom's decoders,
    asked first, never reach GDCM."""
    with _lock:
        if tsyntax not in _decoders:
            _decoders[tsyntax] = _new_decoder(tsyntax)
        return _decoders[tsyntax]


def _new_decoder(tsyntax: str):
    from pydicom.pixels.decoders.base import Decoder
    from pydicom.uid import UID

    if not is_available(tsyntax):
        return None
    decoder = Decoder(UID(tsyntax))
    decoder.add_plugin(LABEL, (__name__, "decode_frame"))
    return decoder if decoder.is_available else None


def _gdcm_installed() -> bool:
    """Whether gdcm can be imported, without importing it (it may be held back)."""
    for finder in sys.meta_path:
        try:
            if finder.find_spec("gdcm", None) is not None:  # type: ignore[attr-defined]
                return True
        except (AttributeError, ImportError, ValueError):
            continue
    return False


# The pydicom decoder plugin interface: is_available(uid), DECODER_DEPENDENCIES, decode_frame.

def is_available(uid: str) -> bool:
    """Whether this plugin decodes `uid`: GDCM installed and the syntax one of GDCM's."""
    return uid in importlib.import_module(_PYDICOM_PLUGIN).DECODER_DEPENDENCIES and _gdcm_installed()


def __getattr__(name: str):
    if name == "DECODER_DEPENDENCIES":
        return importlib.import_module(_PYDICOM_PLUGIN).DECODER_DEPENDENCIES
    raise AttributeError(name)


def decode_frame(src: bytes, runner) -> bytes:
    """One frame through GDCM in the worker process; the runner options GDCM's plugin changes
    (layout of JPEG-LS and JPEG 2000 output) are applied here."""
    from concurrent.futures.process import BrokenProcessPool

    fields = {name: getattr(runner, name) for name in _RUNNER_FIELDS}
    fields["transfer_syntax"] = str.__str__(fields["transfer_syntax"])
    fields["photometric_interpretation"] = str.__str__(fields["photometric_interpretation"])
    options = {name: runner.get_option(name) for name in _RUNNER_OPTIONS if runner.get_option(name) is not None}
    pool = _pool()
    try:
        frame, changed = pool.submit(_decode_in_worker, bytes(src), fields, options).result()
    except BrokenProcessPool:
        with _lock:
            if _state.get("pool") is pool:
                del _state["pool"]
        raise ValueError("GDCM stopped on this data") from None
    for name, value in changed.items():
        runner.set_option(name, value)
    return frame


def _pool():
    with _lock:
        if "pool" not in _state:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: a fresh interpreter, never a fork of a process with Qt and threads in it
            _state["pool"] = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start_worker)
            atexit.register(_stop_pool)
        return _state["pool"]


def _stop_pool() -> None:
    """At exit, the worker is stopped while the interpreter is whole (left to the garbage
    collector, its executor's clean-up runs after its modules are gone and prints an error)."""
    with _lock:
        pool = _state.pop("pool", None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


# In the worker process: gdcm only, no pydicom (a lighter start). _decode_with_gdcm is pydicom's
# GDCM plugin (pydicom/pixels/decoders/gdcm.py, 3.0) without its refusal of 12-bit JPEG Extended.

_JPEG_12BIT = "1.2.840.10008.1.2.4.51"
_JPEG_LS = ("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81")
_JPEG_2000 = ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91")


def _start_worker() -> None:
    """GDCM's native diagnostics (libjpeg's warnings about the JPLY scan header) go nowhere."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    _load()


def _load() -> bool:
    if "gdcm" in _state:
        return True
    if "gdcm" in sys.modules and sys.modules["gdcm"] is None:
        del sys.modules["gdcm"]
    try:
        import gdcm
    except ImportError:
        return False
    _state["gdcm"] = gdcm
    return True


class _Runner:
    """What the decoding reads of pydicom's DecodeRunner, and the options it sets."""

    def __init__(self, fields: dict, options: dict):
        self.__dict__.update(fields)
        self._options = dict(options)
        self.changed: dict[str, Any] = {}

    def get_option(self, name: str, default: Any = None) -> Any:
        return self._options.get(name, default)

    def set_option(self, name: str, value: Any) -> None:
        self._options[name] = self.changed[name] = value
        if name in _RUNNER_FIELDS:
            setattr(self, name, value)


def _decode_in_worker(src: bytes, fields: dict, options: dict) -> tuple[bytes, dict]:
    if not _load():
        raise ValueError("GDCM is not installed")
    runner = _Runner(fields, options)
    return _decode_with_gdcm(src, runner), runner.changed


def _decode_with_gdcm(src: bytes, runner: _Runner) -> bytes:
    gdcm = _state["gdcm"]
    tsyntax, bits_stored = runner.transfer_syntax, runner.bits_stored
    if tsyntax == _JPEG_LS[1] and runner.pixel_representation == 1 and bits_stored < 8:
        raise ValueError("Unable to decode signed lossy JPEG-LS pixel data with a sample precision less than 8 bits")
    if tsyntax in _JPEG_LS and bits_stored in (6, 7):
        raise ValueError("Unable to decode unsigned JPEG-LS pixel data with a sample precision of 6 or 7 bits")
    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(src)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetValue(fragments.__ref__())
    image = gdcm.Image()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((runner.columns, runner.rows, 1))
    image.SetDataElement(element)
    pi_type = gdcm.PhotometricInterpretation.GetPIType(runner.photometric_interpretation)
    image.SetPhotometricInterpretation(gdcm.PhotometricInterpretation(pi_type))
    if runner.samples_per_pixel > 1:
        image.SetPlanarConfiguration(runner.planar_configuration)
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.GetTSType(tsyntax)))
    if tsyntax in _JPEG_LS:  # GDCM returns JPEG-LS colour by pixel, in a container its precision sizes
        runner.set_option("planar_configuration", 0)
        bits_stored = runner.get_option("jls_precision", bits_stored)
        _set_container(runner, bits_stored, (8, 16))
    elif tsyntax in _JPEG_2000:
        bits_stored = runner.get_option("j2k_precision", bits_stored)
        _set_container(runner, bits_stored, (8, 16, 32))
    image.SetPixelFormat(gdcm.PixelFormat(runner.samples_per_pixel, runner.bits_allocated, bits_stored,
                                          bits_stored - 1, runner.pixel_representation))
    buffer = image.GetBuffer()
    if buffer is None:
        raise ValueError("GDCM could not decode the data")
    if tsyntax in _JPEG_2000 and runner.photometric_interpretation in ("YBR_ICT", "YBR_RCT"):
        runner.set_option("photometric_interpretation", "RGB")  # GDCM returns them as RGB
    return bytes(buffer.encode("utf-8", "surrogateescape"))  # GDCM hands char* over as str


def _set_container(runner: _Runner, bits_stored: int, sizes: tuple[int, ...]) -> None:
    for size in sizes:
        if 0 < bits_stored <= size:
            runner.set_option("bits_allocated", size)
            return
