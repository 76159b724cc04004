"""What an import SOURCE is, decided by content, not by name: an SODP package, a .p7m, a
CD/USB folder or an .iso image (either of which may hold a package beside plain files)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from app.core.errors import BadInputError
from app.core.i18n import _
from app.core.tasks import CancelToken
from app.dossier.content_type import HEAD_SIZE, is_iso, sniff
from app.dossier.disc import DiscFile, DiscListing, build_listing, list_folder, name_key
from app.dossier.iso import list_iso

PACKAGE_KINDS = ("sodp", "p7m")


@dataclass
class PackagePart:
    kind: str  # "sodp" or "p7m"
    name: str
    size: int
    opener: Callable[[], BinaryIO]


@dataclass
class ResolvedSource:
    """One source, split into the packages it holds and the plain files of its disc."""

    name: str
    kind: str  # "package", "p7m", "folder", "iso", "file" (one loose DICOM file)
    packages: list[PackagePart] = field(default_factory=list)
    disc: DiscListing | None = None
    kinds: dict[str, str | None] = field(default_factory=dict)  # disc path -> sniffed kind

    @property
    def disc_files(self) -> list[DiscFile]:
        if self.disc is None:
            return []
        package_names = {p.name for p in self.packages}
        return [f for f in self.disc.files if f.path not in package_names]

    def total_size(self) -> int:
        return sum(p.size for p in self.packages) + sum(f.size for f in self.disc_files)

    def close(self) -> None:
        if self.disc is not None:
            self.disc.close()


def _head(opener) -> bytes:
    with opener() as handle:
        return handle.read(HEAD_SIZE)


def _split_disc(name: str, kind: str, listing: DiscListing, cancel: CancelToken | None) -> ResolvedSource:
    resolved = ResolvedSource(name, kind, disc=listing)
    for number, disc_file in enumerate(listing.files):
        if cancel is not None and number % 256 == 0 and cancel.cancelled:
            listing.close()
            cancel.check()
        # The DICOMDIR and files it references are DICOM by definition; everything else is sniffed.
        if disc_file.path == listing.dicomdir:
            resolved.kinds[disc_file.path] = "dicomdir"
            continue
        try:
            found = sniff(_head(disc_file.opener), disc_file.path)
        except OSError as exc:
            listing.close()
            raise BadInputError(_("The disc could not be read at {path} ({reason}). Nothing was imported; "
                                  "clean the disc or copy it to a folder and import that.")
                                .format(path=disc_file.path, reason=exc.strerror or exc)) from None
        resolved.kinds[disc_file.path] = found
        if found in PACKAGE_KINDS:
            resolved.packages.append(PackagePart(found, disc_file.path, disc_file.size, disc_file.opener))
    return resolved


def resolve(source: Path, cancel: CancelToken | None = None) -> ResolvedSource:
    """Open `source` and say what it is; raise `BadInputError` when it is none of the above.
    `cancel` stops the sniffing of a big disc's files (`Cancelled`), the long part."""
    source = Path(source)
    if source.is_dir():
        return _split_disc(source.name, "folder", list_folder(source), cancel)
    if not source.exists():
        raise BadInputError(_("{path} does not exist.").format(path=source))
    try:
        with open(source, "rb") as handle:
            head = handle.read(HEAD_SIZE)
    except OSError as exc:
        raise BadInputError(_("Cannot read {path}: {reason}").format(path=source, reason=exc.strerror)) from None
    kind = sniff(head, source.name)
    if kind == "dicom" and name_key(source.name) == "dicomdir":
        return _split_disc(source.parent.name, "folder", list_folder(source.parent), cancel)  # the disc it describes
    if kind == "dicom":
        size = source.stat().st_size
        loose = DiscFile(source.name, size, lambda: open(source, "rb"))
        return _split_disc(source.name, "file", build_listing([loose]), cancel)
    if kind in PACKAGE_KINDS:
        part = PackagePart(kind, source.name, source.stat().st_size, lambda: open(source, "rb"))
        return ResolvedSource(source.name, "package" if kind == "sodp" else "p7m", packages=[part])
    if is_iso(source):
        return _split_disc(source.name, "iso", list_iso(source), cancel)
    raise BadInputError(_("{path} is not a dossier package (.sodp or .p7m), a CD image (.iso), a DICOM file "
                          "or a folder.")
                        .format(path=source))
