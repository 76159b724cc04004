"""The Qt binding's fix (viewers/qt_runtime.py) is in place before the first Qt call on
every path into Qt, each tried in a fresh interpreter; the Qt-free halves load no Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
{imports}
from viewers import qt_runtime
print(qt_runtime.leak_fixed(), "PySide6.QtCore" in sys.modules, sys.getrefcount(None) > 1 << 40)
"""


def run(imports: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(imports=imports)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def leaks() -> bool:
    """Whether this interpreter's binding has the leak (pytest-qt has loaded Qt by now)."""
    from viewers import qt_runtime
    return sys.version_info < (3, 12) and qt_runtime.leak_fixed() is True


@pytest.mark.parametrize("imports", ["import viewers.dicom.widget", "from viewers.pdf.widget import PdfViewerWidget",
                                     "import app.ui.main_window", "from app.ui.viewer_window import run_viewer",
                                     "from viewers.qt_runtime import qt_version; qt_version()"])
def test_every_way_into_qt_fixes_the_binding_first(imports):
    fixed, qt_loaded, immortal = run(imports)
    assert qt_loaded == "True" and fixed in ("True", "False")  # the probe ran as Qt was loaded
    if leaks():
        assert fixed == "True" and immortal == "True"


def test_the_viewers_models_load_no_qt():
    fixed, qt_loaded, _immortal = run("import viewers.dicom.pixels, viewers.pdf.model, viewers.image.model, "
                                      "viewers.text.model, viewers.documents")
    assert (fixed, qt_loaded) == ("None", "False")


def test_qt_loaded_before_the_viewers_is_fixed_when_they_are_imported():
    fixed, qt_loaded, _immortal = run("import PySide6.QtCore\nimport viewers")
    assert qt_loaded == "True" and fixed in ("True", "False")
