"""The listing of an ISO 9660 image (a CD or DVD saved as a file), read with pycdlib.

Names come from Rock Ridge when the image has it, else from Joliet, else from ISO 9660 with
its ';1' version and the '.' of an empty extension removed, as an operating system shows them.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO

import pycdlib
from pycdlib.pycdlibexception import PyCdlibException
from pycdlib.pycdlibio import PyCdlibIO

from app.core.errors import BadInputError
from app.core.i18n import _, ngettext
from app.dossier.content_type import is_iso
from app.dossier.disc import DiscFile, DiscListing, build_listing, is_junk, strip_version

_READ_BUFFER = 1 << 16
_SECTOR = 2048
_PVD_OFFSET = 16 * _SECTOR
_MAX_DIRECTORY_BYTES = 16 << 20


def list_iso(path: Path) -> DiscListing:
    """List every file of the image; the listing keeps the image open until closed."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(_("The image {name} does not exist or is not a file.")
                            .format(name=path))
    if not is_iso(path):
        raise BadInputError(_("{name} is not an ISO 9660 image (a CD or DVD image file).")
                            .format(name=path.name))
    image = _Image()
    try:
        image.iso.open(str(path))
    except OSError as error:
        raise BadInputError(_("The image {name} cannot be read ({reason}).")
                            .format(name=path.name, reason=error.strerror or error)) from None
    except Exception as error:  # noqa: BLE001 - pycdlib raises ValueError & co. on damage too
        raise BadInputError(_("{name} is not an ISO 9660 image that can be read ({reason}).")
                            .format(name=path.name, reason=_reason(error))) from None
    try:
        size, declared = _check_volume(path)  # after pycdlib, whose reasons are more precise
        files, notes = _walk(image, path, size)
        if declared > size:
            notes.insert(0, _("The image is cut short: it declares {declared} bytes but holds {size}; the files "
                              "that lie past its end were not imported.").format(declared=declared, size=size))
        return build_listing(files, notes=notes, closer=image.close)
    except BaseException as error:
        image.close()
        if isinstance(error, Exception) and not isinstance(error, BadInputError):
            raise BadInputError(_("{name} is a damaged ISO 9660 image ({reason}).")
                                .format(name=path.name, reason=_reason(error))) from None
        raise


class _Image:
    """The open image, shared by the openers of its files until the listing is closed."""

    def __init__(self) -> None:
        self.iso = pycdlib.PyCdlib()
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.iso.close()

    def opener(self, record):
        def open_file() -> BinaryIO:
            if self.closed:
                raise ValueError("I/O operation on a closed ISO image")
            if record.inode is None:  # an empty file has no extent
                return io.BytesIO(b"")
            # From the record, not by path: a name pycdlib cannot encode back (Rock Ridge
            # names written in latin-1 by some burners) still opens.
            reader = PyCdlibIO(record.inode, self.iso.logical_block_size)
            return io.BufferedReader(_ImageFile(reader), _READ_BUFFER)
        return open_file


def _check_volume(path: Path) -> tuple[int, int]:
    """The image's size and the size its primary volume descriptor declares; BadInputError
    when that descriptor or its root directory record is damaged (pycdlib may list such an
    image from its Joliet tree as if it were whole)."""
    with open(path, "rb") as stream:
        size = stream.seek(0, os.SEEK_END)
        stream.seek(_PVD_OFFSET)
        pvd = stream.read(_SECTOR)
    damaged = None
    if len(pvd) < _SECTOR or pvd[:6] != b"\x01CD001":
        damaged = _("it has no primary volume descriptor")
    else:
        block = int.from_bytes(pvd[128:130], "little")
        root = pvd[156:190]
        location, length = int.from_bytes(root[2:6], "little"), int.from_bytes(root[10:14], "little")
        if block not in (512, 1024, 2048):
            damaged = _("its logical block size is {size}").format(size=block)
        elif root[0] != 34:
            damaged = _("its root directory record is malformed")
        elif location * block + length > size:
            damaged = _("its root directory lies past the end of the file")
    if damaged:
        raise BadInputError(_("{name} is a damaged ISO 9660 image: {reason}.").format(name=path.name, reason=damaged))
    return size, int.from_bytes(pvd[80:84], "little") * block


def _declared_extents(path: Path, directory, block: int) -> dict[bytes, tuple[int, int]]:
    """File identifier -> (extent, length) as the records of `directory` (its '.' record)
    declare them. pycdlib cuts a length that runs past the end of the image to fit, so
    the image itself is read to tell a whole file from a cut one."""
    found: dict[bytes, tuple[int, int]] = {}
    length = min(max(directory.get_data_length(), 0), _MAX_DIRECTORY_BYTES)
    with open(path, "rb") as stream:
        stream.seek(directory.extent_location() * block)
        data = stream.read(length)
    position = 0
    while position < len(data):
        size = data[position]
        if size == 0:  # records never cross a sector: the rest of this one is padding
            position = (position // _SECTOR + 1) * _SECTOR
            continue
        record = data[position:position + size]
        if len(record) >= 33 and 33 + record[32] <= size:
            found[record[33:33 + record[32]]] = (int.from_bytes(record[2:6], "little"),
                                                 int.from_bytes(record[10:14], "little"))
        position += size
    return found


def _walk(image: _Image, path: Path, size: int) -> tuple[list[DiscFile], list[str]]:
    iso = image.iso
    if iso.has_rock_ridge():
        namespace, name_of = "rr_path", _rock_ridge_name
    elif iso.has_joliet():
        namespace, name_of = "joliet_path", _joliet_name
    else:
        namespace, name_of = "iso_path", _iso9660_name
    files: list[DiscFile] = []
    notes: list[str] = []
    links = 0
    pending: list[tuple[str | None, str]] = [("/", "")]  # (path in the namespace, as shown)
    while pending:
        directory, prefix = pending.pop()
        try:
            if directory is None:
                raise UnicodeError
            children = list(iso.list_children(**{namespace: directory}))
        except (PyCdlibException, UnicodeError):
            notes.append(_("The folder {path} could not be read from the image; its files were "
                           "not imported.").format(path=prefix.rstrip("/")))
            continue
        dot = next((r for r in children if r.is_dot()), None)
        declared = {} if dot is None else _declared_extents(path, dot, iso.logical_block_size)
        for record in children:
            if record.is_dot() or record.is_dotdot():
                continue
            name = name_of(record)
            if not name or is_junk(name):
                continue
            if namespace == "rr_path" and record.rock_ridge is not None and record.rock_ridge.is_symlink():
                links += 1
            elif record.is_dir():
                try:
                    inner = f"{directory.rstrip('/')}/{_lookup_name(record, namespace)}"
                except UnicodeError:
                    inner = None  # pycdlib could not find it again: noted when listed
                pending.append((inner, f"{prefix}{name}/"))
            elif record.is_file() and not record.is_associated_file():
                length = record.get_data_length()
                extent, declared_length = declared.get(record.file_identifier(),
                                                       (record.extent_location(), length))
                if length < 0 or declared_length and extent * iso.logical_block_size + declared_length > size:
                    notes.append(_("{path} lies past the end of the image (the image is cut short or damaged); it "
                                   "was not imported.").format(path=prefix + name))
                    continue
                files.append(DiscFile(prefix + name, length, image.opener(record)))
    if links:
        notes.append(ngettext("{count} link on the medium was not followed.", "{count} links on the medium were not followed.",
                              links).format(count=links))
    return files, notes


def _lookup_name(record, namespace: str) -> str:
    """The name by which pycdlib finds the folder `record` again in `namespace`."""
    if namespace == "rr_path" and record.rock_ridge is not None:
        return record.rock_ridge.name().decode("utf-8")
    if namespace == "joliet_path":
        return record.file_identifier().decode("utf-16_be")
    return record.file_identifier().decode("latin-1")


def _rock_ridge_name(record) -> str:
    if record.rock_ridge is not None and record.rock_ridge.name():
        name = record.rock_ridge.name()
        try:
            return name.decode("utf-8")
        except UnicodeDecodeError:
            return name.decode("cp1252", "replace")
    return _iso9660_name(record)


def _joliet_name(record) -> str:
    # Some mastering tools append the ISO 9660 ';1' to Joliet names as well.
    return strip_version(record.file_identifier().decode("utf-16_be", "replace"))


def _iso9660_name(record) -> str:
    name = strip_version(record.file_identifier().decode("latin-1"))
    return name[:-1] if name.endswith(".") and len(name) > 1 else name


def _reason(error: BaseException) -> str:
    # pycdlib's own messages describe structures; other exceptions may quote names from the
    # image (which can hold a patient's name), so only their kind is shown.
    return str(error) if isinstance(error, PyCdlibException) else error.__class__.__name__


class _ImageFile(io.RawIOBase):
    """One file inside the image, readable like an ordinary file (pycdlib's reader only
    works inside a `with` block)."""

    def __init__(self, reader: PyCdlibIO) -> None:
        super().__init__()
        self._reader = reader
        self._reader.__enter__()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._reader.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._reader.close()
        super().close()
