"""The fallback decoder: GDCM (python-gdcm) as a pydicom decoder plugin, asked for a frame only
after the first decoders (pylibjpeg, Pillow) failed on it, e.g. the 12-bit JPEG Extended of
the NEMA WG04 JPLY samples that libjpeg refuses (-1038, a sequential scan with Se=0, which
DCMTK and GDCM read with a warning).

pydicom imports gdcm with itself when it is installed (~20 ms CPU on every start); `hold_back()`
keeps it out until the first failure calls `decoder_for()`, which loads GDCM and makes a\npydicom Decoder with this module as its one plugin.
pydicom's own GDCM plugin refuses 12-bit JPEG Extended; GDCM 3 decodes it as DCMTK does
(same values, tests/unit/test_decode_fallback.py), so this plugin hands it to GDCM.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from contextlib import contextmanager
from typing import Any

LABEL = "gdcm-fallback"
_PYDICOM_PLUGIN = "pydicom.pixels.decoders.gdcm"
_lock = threading.Lock()
_decoders: dict[str, Any] = {}  # transfer syntax UID -> its GDCM Decoder, or None when GDCM cannot help
_native: dict[str, Any] = {}  # "gdcm": the module, once loaded


def hold_back() -> None:
    """Keep gdcm from being imported with pydicom (call before pydicom is first imported;
    later it changes nothing)."""
    if "pydicom" not in sys.modules and "gdcm" not in sys.modules:
        sys.modules["gdcm"] = None  # type: ignore[assignment]  # import gdcm: ImportError, until _load()


def loaded() -> bool:
    """Whether GDCM has been loaded in this process."""
    return sys.modules.get("gdcm") is not None


def decoder_for(tsyntax: str):
    """A pydicom Decoder for `tsyntax` whose one plugin is GDCM, loading GDCM the first time;
    None when GDCM is not installed or does not decode that syntax. It is a Decoder of its
    own so that pydicom's decoders, asked first, never reach GDCM."""
    with _lock:
        if tsyntax not in _decoders:
            _decoders[tsyntax] = _new_decoder(tsyntax)
        return _decoders[tsyntax]


def _new_decoder(tsyntax: str):
    from pydicom.pixels.decoders.base import Decoder
    from pydicom.uid import UID

    if not _load() or tsyntax not in importlib.import_module(_PYDICOM_PLUGIN).DECODER_DEPENDENCIES:
        return None
    decoder = Decoder(UID(tsyntax))
    decoder.add_plugin(LABEL, (__name__, "decode_frame"))
    return decoder if decoder.is_available else None


def _load() -> bool:
    if "gdcm" in _native:
        return True
    if "gdcm" in sys.modules and sys.modules["gdcm"] is None:
        del sys.modules["gdcm"]
    try:
        import gdcm
    except ImportError:
        return False
    pydicom_gdcm = importlib.import_module(_PYDICOM_PLUGIN)
    if not pydicom_gdcm.HAVE_GDCM:  # imported while gdcm was held back: read it again
        importlib.reload(pydicom_gdcm)
    _native["gdcm"] = gdcm
    return bool(pydicom_gdcm.HAVE_GDCM)


hold_back()  # imported by decode.py and reading.py before they import pydicom


# The pydicom decoder plugin interface: is_available(uid), DECODER_DEPENDENCIES, decode_frame.

def is_available(uid: str) -> bool:
    """Whether this plugin decodes `uid` (GDCM loaded and the syntax one of GDCM's)."""
    return "gdcm" in _native and uid in importlib.import_module(_PYDICOM_PLUGIN).DECODER_DEPENDENCIES


def __getattr__(name: str):
    if name == "DECODER_DEPENDENCIES":
        return importlib.import_module(_PYDICOM_PLUGIN).DECODER_DEPENDENCIES
    raise AttributeError(name)


def decode_frame(src: bytes, runner) -> bytes:
    """One frame through GDCM; GDCM's native diagnostics (libjpeg's warnings about the JPLY
    scan header, printed to the process's stderr) are kept off the console."""
    from pydicom.uid import JPEGExtended12Bit

    with _lock, _native_stderr_muted():
        if runner.transfer_syntax == JPEGExtended12Bit and runner.bits_stored != 8:
            return _decode_12bit_jpeg(src, runner)
        return importlib.import_module(_PYDICOM_PLUGIN)._decode_frame(src, runner)


def _decode_12bit_jpeg(src: bytes, runner) -> bytes:
    """As pydicom's GDCM plugin does for other syntaxes, without its refusal of 12 bits."""
    gdcm = _native["gdcm"]
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
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.GetTSType(str.__str__(runner.transfer_syntax))))
    bits = runner.bits_stored
    image.SetPixelFormat(gdcm.PixelFormat(runner.samples_per_pixel, runner.bits_allocated, bits, bits - 1,
                                          runner.pixel_representation))
    buffer = image.GetBuffer()
    if buffer is None:
        raise ValueError("GDCM could not decode the JPEG data")
    return bytes(buffer.encode("utf-8", "surrogateescape"))  # GDCM hands char* over as str


@contextmanager
def _native_stderr_muted():
    """Point file descriptor 2 at /dev/null for the duration (under _lock: one at a time)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        sys.stderr.flush()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
