"""A cheap, Qt-free look at PDF bytes before QtPdf parses them.

`pdf_info` only checks the envelope: the `%PDF-` header, an `%%EOF` marker near the end (a
truncated download or copy loses it) and an `/Encrypt` dictionary. The page count it gives
is a hint counted from uncompressed page objects (None when the pages sit in compressed
object streams); the real count comes from QtPdf in the widget.
"""

from __future__ import annotations

import re

from app.core.errors import BadInputError
from app.core.i18n import _

EOF_WINDOW = 2048  # %%EOF must appear within the last bytes (spec: 1024; writers add junk)
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


class PdfProblem(BadInputError):
    """A PDF that cannot be shown; the message says why."""


def not_a_pdf() -> str:
    return _("This file is not a PDF")


def damaged() -> str:
    return _("This PDF is damaged (it is incomplete or truncated)")


def encrypted() -> str:
    return _("This PDF is encrypted and cannot be shown")


def damaged_or_encrypted() -> str:
    return _("This PDF is damaged or encrypted")


def pdf_info(data: bytes) -> tuple[int | None, str | None]:
    """(page count hint or None, problem message or None) for the bytes of a PDF."""
    data = bytes(data or b"")
    head = data[:1024]
    if b"%PDF-" not in head:  # the spec allows junk before the header; readers look in the first KiB
        return None, not_a_pdf()
    if b"%%EOF" not in data[-EOF_WINDOW:]:
        return None, damaged()
    if re.search(rb"/Encrypt\s*[0-9<]", data):
        return None, encrypted()
    pages = len(_PAGE.findall(data))
    return (pages or None), None


def check_pdf(data: bytes) -> int | None:
    """The page count hint; raises PdfProblem when the envelope is wrong."""
    pages, problem = pdf_info(data)
    if problem:
        raise PdfProblem(problem)
    return pages
