"""`secondo --version`: the workstation's version and those of Qt, pydicom and pyHanko."""

from importlib import metadata

import pytest

from app import __version__
from app.cli import main


def test_version_names_qt_pydicom_and_pyhanko(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out.splitlines()
    from PySide6.QtCore import qVersion
    assert out[0] == f"secondo {__version__}"
    assert out[1] == f"Qt {qVersion()} (PySide6 {metadata.version('PySide6-Essentials')})"
    assert f"pydicom {metadata.version('pydicom')}" in out
    assert f"pyHanko {metadata.version('pyHanko')}" in out
    assert any(line.startswith("pylibjpeg-openjpeg ") for line in out)
