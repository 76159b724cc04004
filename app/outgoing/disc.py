"""An outgoing package as a CD: a folder ready to burn (ISO 9660 level-1 names: 8.3,
upper case) with a README.TXT telling the recipient how to open it, or an .iso image of the
same files made with pycdlib (level 1 with Joliet names, readable everywhere)."""

from __future__ import annotations

import io
from pathlib import Path
import re
import textwrap

from app.core.files import write_synced
from app.core.i18n import _, in_language

PACKAGE_NAME = "OPINION.SOD"
README_NAME = "README.TXT"
README_WIDTH = 76  # columns of README.TXT: every text editor shows it without wrapping
_LEVEL1 = re.compile(r"[A-Z0-9_]{1,8}(\.[A-Z0-9_]{1,3})?")


def is_level1_name(name: str) -> bool:
    return bool(_LEVEL1.fullmatch(name))


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
    lines: list[str] = []
    for paragraph in paragraphs:
        if lines:
            lines.append("")
        for line in paragraph:
            indent = "   " if re.match(r"\d\. ", line) else ""
            lines += textwrap.wrap(line, README_WIDTH, subsequent_indent=indent, break_on_hyphens=False,
                                   break_long_words=False) or [""]
    return "\r\n".join(lines) + "\r\n"


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


def iso_image(files: dict[str, bytes], volume_id: str) -> bytes:
    """The .iso image (ISO 9660 level 1 + Joliet) of `files`."""
    import pycdlib

    iso = pycdlib.PyCdlib()
    volume = re.sub(r"[^A-Z0-9_]", "_", volume_id.upper())[:32] or "SECONDO"
    iso.new(interchange_level=1, joliet=3, vol_ident=volume)
    for name, data in files.items():
        if not is_level1_name(name):
            raise ValueError(f"not an ISO 9660 level-1 name: {name}")
        iso.add_fp(io.BytesIO(data), len(data), f"/{name};1", joliet_path=f"/{name}")
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return out.getvalue()
