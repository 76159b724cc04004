"""`secondo --version`: the workstation's version and those of what it is built on (Qt,
PySide6, pydicom and its pixel decoders, pyHanko, reportlab, cryptography, Python).

Read from the installed packages' metadata, loading none of them: the PySide6 wheels carry
the Qt libraries of their own version, so Qt's is PySide6's unless Qt is already loaded in
this process, which then answers itself."""

from __future__ import annotations

from importlib import metadata
import platform
import sys

from app import __version__
from app.core.i18n import _

COMPONENTS = ("PySide6-Essentials", "PySide6-Pdf", "pydicom", "pylibjpeg", "pylibjpeg-libjpeg",
              "pylibjpeg-openjpeg", "pylibjpeg-rle", "python-gdcm", "pyHanko", "reportlab", "cryptography", "numpy",
              "pycdlib")


def component_versions() -> dict[str, str]:
    found = {}
    for name in COMPONENTS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = _("not installed")
    return found


def qt_version() -> str:
    """The Qt loaded in this process, else the Qt the PySide6 wheel carries (its own version)."""
    if "PySide6.QtCore" in sys.modules:
        from viewers.qt_runtime import qt_version as loaded_qt_version
        return loaded_qt_version()
    try:
        return metadata.version("PySide6-Essentials")
    except metadata.PackageNotFoundError:
        return _("not available")


def version_text() -> str:
    versions = component_versions()
    lines = [f"secondo {__version__}", f"Qt {qt_version()} (PySide6 {versions['PySide6-Essentials']})"]
    lines += [f"{name} {version}" for name, version in versions.items() if not name.startswith("PySide6")]
    lines.append(f"Python {platform.python_version()} ({platform.system()} {platform.machine()})")
    return "\n".join(lines)
