"""Decoding a text document: BOM first (UTF-8, UTF-16, UTF-32), then UTF-8, then Windows-1252
(what Belgian and Dutch Windows machines write). No Qt."""

from __future__ import annotations

import codecs

from app.core.errors import BadInputError
from app.core.i18n import _

_BOMS = (  # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
SNIFF = 8192


class TextDecodeError(BadInputError):
    """The bytes are not a text document."""


def detect_encoding(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    if b"\x00" in data[:SNIFF]:
        raise TextDecodeError(_("This file is not a text document (it contains binary data)"))
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text with \\n line ends, encoding name) for the bytes of a text document."""
    data = bytes(data or b"")
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding, errors="strict" if encoding != "cp1252" else "replace")
    except UnicodeDecodeError:
        raise TextDecodeError(_("This text document is damaged: it is not valid {encoding}")
                              .format(encoding=encoding.upper())) from None
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
