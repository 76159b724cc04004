"""An outgoing CD: a folder ready to burn (ISO 9660 level-1 names: 8.3, upper case) with a
README.TXT telling the recipient how to open it, or an .iso image of the same files made with
pycdlib (level 1 with Joliet names, readable everywhere); for an SODP package, or for the
IHE PDI tree a PACS imports (README from `pdi_readme_text`, image from `iso_image_of_folder`)."""

from __future__ import annotations

import io
import os
from pathlib import Path
import re
import stat
import textwrap

from app.core.files import write_synced
from app.core.i18n import _, in_language, ngettext

PACKAGE_NAME = "OPINION.SOD"
README_NAME = "README.TXT"
README_WIDTH = 76  # columns of README.TXT: every text editor shows it without wrapping
# Folders below the root: ECMA-119 6.8.2.1 allows eight levels, which mkisofs and pycdlib count
# with the root and the file in it.
ISO_MAX_FOLDER_DEPTH = 6
_LEVEL1 = re.compile(r"[A-Z0-9_]{1,8}(\.[A-Z0-9_]{1,3})?")
_LEVEL1_FOLDER = re.compile(r"[A-Z0-9_]{1,8}")


def is_level1_name(name: str) -> bool:
    return bool(_LEVEL1.fullmatch(name))


def _wrapped(paragraphs: list[list[str]]) -> str:
    """Paragraphs of whole sentences as README lines: wrapped at README_WIDTH in the reader's
    language, a blank line between paragraphs, numbered ('1. ') and listed ('- ') lines
    indented under their text, CRLF line ends."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if lines:
            lines.append("")
        for line in paragraph:
            indent = "   " if re.match(r"\d\. ", line) else "  " if line.startswith("- ") else ""
            lines += textwrap.wrap(line, README_WIDTH, subsequent_indent=indent, break_on_hyphens=False,
                                   break_long_words=False) or [""]
    return "\r\n".join(lines) + "\r\n"


def readme_text(*, encrypted_to: str | None, case_ref: str, organisation: str, language: str | None = None) -> str:
    """README.TXT, in CRLF line ends and plain wording so that every system reads it (UTF-8).
    It names no one (the disc may be lost): the certificate's holder is not written here.
    `language`: the recipient's language, a code or BCP 47 tag ('nl', 'fr-BE'); None writes in
    the current language."""
    with in_language(language):
        return _readme_text(encrypted_to=encrypted_to, case_ref=case_ref, organisation=organisation)


def _readme_text(*, encrypted_to: str | None, case_ref: str, organisation: str) -> str:
    if encrypted_to:
        key = _("It is encrypted for the recipient's certificate; only its private key opens it.")
    else:
        key = _("It is protected by a passphrase that reaches you separately (a printed sheet or another "
                "channel).")
    # Whole sentences for the translators; the lines are wrapped here, in the reader's language.
    paragraphs = [
        [_("SECOND OPINION - encrypted Second-O package")],
        [_("From: {organisation}").format(organisation=organisation or _("the reviewing workstation")),
         _("Reference: case {ref}").format(ref=case_ref)],
        [_("{name} holds the signed second opinion (PDF) and its cover letter, encrypted (SODP v1: AES-256-GCM "
           "with an authenticated header).").format(name=PACKAGE_NAME) + " " + key],
        [_("To open it:"),
         _("1. With a Second-O workstation: File > Import package or ISO..., choose {name} (or run: secondo "
           "import {name} --identity YOUR.p12).").format(name=PACKAGE_NAME),
         _("2. The opinion shows in the case; its PAdES signature is checked on opening and can be checked again "
           "in any PDF reader with signature validation (e.g. Adobe Acrobat).")],
        [_("Nothing on this disc is readable without the key: do not send the passphrase with the disc.")],
    ]
    return _wrapped(paragraphs)


def pdi_readme_text(*, case_ref: str, organisation: str, key_images: int, language: str | None) -> str:
    """README.TXT of an IHE PDI disc (app.outgoing.pdi), in CRLF line ends, README_WIDTH columns
    and plain wording: what is on the disc, how a PACS or viewer imports it, that the opinion
    inside is a signed PDF and that the disc is not encrypted. It names no one, neither the
    patient nor the recipient (the disc may be lost). `language`: the recipient's language, a
    code or BCP 47 tag ('nl', 'fr-BE'); None writes in the current language."""
    with in_language(language):
        return _pdi_readme_text(case_ref=case_ref, organisation=organisation, key_images=key_images)


def _pdi_readme_text(*, case_ref: str, organisation: str, key_images: int) -> str:
    on_disc = [_("On this disc:"),
               _("- DICOMDIR, at the root of the disc: the index that PACS and DICOM viewers read."),
               _("- The second opinion, as a DICOM Encapsulated PDF document.")]
    if key_images:
        on_disc.append(ngettext("- {n} key image of the opinion, as a DICOM Secondary Capture image.",
                                "- {n} key images of the opinion, as DICOM Secondary Capture images.",
                                key_images).format(n=key_images))
    paragraphs = [
        [_("SECOND OPINION - DICOM disc (IHE PDI) for a PACS")],
        [_("From: {organisation}").format(organisation=organisation or _("the reviewing workstation")),
         _("Reference: case {ref}").format(ref=case_ref)],
        on_disc,
        [_("These DICOM objects carry the patient's and the study's identifiers, so that the PACS files them in "
           "the patient's study, as new series.")],
        [_("To open it:"),
         _("1. In the PACS or the DICOM viewer, choose its import of a DICOM CD (often called \"Import DICOM CD\", "
           "\"Import DICOMDIR\" or \"Import media\") and point it at this disc or at the DICOMDIR file."),
         _("2. The opinion then shows in the patient's study, beside the images. Most viewers open the PDF "
           "document from its DICOM object; it carries the reviewer's electronic signature (PAdES), which any "
           "PDF reader with signature validation (e.g. Adobe Acrobat Reader) checks.")],
        [_("This disc is not encrypted, so that a PACS can import it: keep it as a medical record, and do not "
           "leave it where others can take it.")],
    ]
    return _wrapped(paragraphs)


def cd_files(package: bytes, readme: str) -> dict[str, bytes]:
    """The files of the disc. A README with accents ('Ouvrez-le', 'één') starts with the UTF-8
    byte order mark, so that older Windows editors do not read it as ANSI."""
    encoding = "utf-8" if readme.isascii() else "utf-8-sig"
    return {PACKAGE_NAME: package, README_NAME: readme.encode(encoding)}


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write the CD files into `folder` (which must be new and empty), each fsynced."""
    for name, data in files.items():
        if not is_level1_name(name):
            raise ValueError(f"not an ISO 9660 level-1 name: {name}")
        write_synced(folder / name, data)


def _new_iso(volume_id: str):
    import pycdlib

    iso = pycdlib.PyCdlib()
    volume = re.sub(r"[^A-Z0-9_]", "_", volume_id.upper())[:32] or "SECONDO"
    iso.new(interchange_level=1, joliet=3, vol_ident=volume)
    return iso


def _written(iso) -> bytes:
    out = io.BytesIO()
    try:
        iso.write_fp(out)
    finally:
        iso.close()
    return out.getvalue()


def iso_image(files: dict[str, bytes], volume_id: str) -> bytes:
    """The .iso image (ISO 9660 level 1 + Joliet) of `files`."""
    iso = _new_iso(volume_id)
    for name, data in files.items():
        if not is_level1_name(name):
            raise ValueError(f"not an ISO 9660 level-1 name: {name}")
        iso.add_fp(io.BytesIO(data), len(data), f"/{name};1", joliet_path=f"/{name}")
    return _written(iso)


def iso_image_of_folder(folder: Path, volume_id: str) -> bytes:
    """The .iso image (ISO 9660 level 1 + Joliet) of the tree in `folder`, as it is on disk: the
    PDI tree of app.outgoing.pdi (DICOMDIR and README.TXT at the root, the DICOM files in nested
    folders). Every name must already be level 1 (a file 8.3, a folder 8 characters, upper
    case), and the folders at most ISO_MAX_FOLDER_DEPTH deep, for the DICOMDIR's file IDs name them as
    they are: anything else (a lower-case or long name, a link, a device) is refused with
    ValueError rather than renamed. An extensionless file is written 'NAME.;1' as ECMA-119
    spells it; the Joliet names are the same names."""
    folder = Path(folder)
    entries = _level1_tree(folder)
    iso = _new_iso(volume_id)
    try:
        for relative, is_folder in entries:
            joliet = "/" + "/".join(relative)
            if is_folder:
                iso.add_directory(joliet, joliet_path=joliet)
                continue
            *parents, name = relative
            iso_name = name if "." in name else name + "."
            path = folder.joinpath(*relative)
            with open(path, "rb") as stream:
                data = stream.read()
            iso.add_fp(io.BytesIO(data), len(data), "/" + "/".join([*parents, iso_name]) + ";1",
                       joliet_path=joliet)
    except BaseException:
        iso.close()
        raise
    return _written(iso)


def _level1_tree(folder: Path) -> list[tuple[tuple[str, ...], bool]]:
    """Every entry under `folder` as (path components, is a folder), parents before children,
    in name order; ValueError for a name that is not level 1, a tree too deep, or an entry that
    is neither a file nor a folder (links are not followed)."""
    entries: list[tuple[tuple[str, ...], bool]] = []

    def walk(path: Path, relative: tuple[str, ...]) -> None:
        with os.scandir(path) as scan:
            children = sorted(scan, key=lambda entry: entry.name)
        for child in children:
            parts = (*relative, child.name)
            mode = child.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                if not _LEVEL1_FOLDER.fullmatch(child.name):
                    raise ValueError(f"not an ISO 9660 level-1 folder name: {'/'.join(parts)}")
                if len(parts) > ISO_MAX_FOLDER_DEPTH:
                    raise ValueError(f"deeper than ISO 9660 allows: {'/'.join(parts)}")
                entries.append((parts, True))
                walk(Path(child.path), parts)
            elif stat.S_ISREG(mode):
                if not is_level1_name(child.name):
                    raise ValueError(f"not an ISO 9660 level-1 name: {'/'.join(parts)}")
                entries.append((parts, False))
            else:
                raise ValueError(f"neither a file nor a folder: {'/'.join(parts)}")

    walk(folder, ())
    return entries
