"""Where an outgoing form is written: the staging folder in the destination that makes it
all or nothing, and whether the passphrase sheet would travel on the same medium as what
it opens (a lost disc or stick must not carry its own key)."""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import tempfile

from app.core.files import output_error


def staging_folder(out_dir: Path) -> Path:
    """A new hidden folder in `out_dir` (made when missing) where the files are written before
    they are renamed into place; OutputError when `out_dir` cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".secondo-outgoing-", dir=out_dir))
    except OSError as exc:
        raise output_error(out_dir, exc) from None


def remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _existing(path: Path) -> Path:
    """`path`, or its nearest ancestor that exists (a file not written yet lives on its folder's device)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _device(path: Path) -> int:
    return os.stat(_existing(path)).st_dev


def _own_devices() -> set[int]:
    """The devices of the data folder and the home folder: the workstation's own disks."""
    from app.store.paths import data_dir

    devices = set()
    for place in (data_dir(), Path.home()):
        try:
            devices.add(_device(place))
        except OSError:
            pass
    return devices


def sheet_on_same_medium(sheet_path: Path, output: Path) -> bool:
    """True when the passphrase sheet at `sheet_path` would travel with `output` (the package
    file, the CD folder or the .iso): inside the output's tree, or on the same removable or
    mounted device as the output while that device is not the workstation's own (the data
    folder's or the home folder's)."""
    sheet = Path(os.path.realpath(sheet_path))
    out = Path(os.path.realpath(output))
    if sheet == out or out in sheet.parents:
        return True
    try:
        device = _device(out)
        return device == _device(sheet) and device not in _own_devices()
    except OSError:
        return False
