"""File names a person can read and every file system accepts (Windows, macOS, Linux, the
FAT of a USB stick): for files the workstation proposes to save, e.g. an exported opinion."""

import re
import unicodedata

MAX_STEM = 150  # characters: room for a folder path within Windows' 260

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}


def readable_file_name(stem: str, suffix: str, fallback: str = "document") -> str:
    """`stem` + `suffix` with the characters a file system refuses replaced by a space, spaces
    collapsed, no leading or trailing dots or spaces, no reserved device name, not too long."""
    text = unicodedata.normalize("NFC", stem)
    text = _FORBIDDEN.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if len(text) > MAX_STEM:
        cut = text[:MAX_STEM]
        text = (cut.rsplit(" ", 1)[0] if " " in cut[MAX_STEM // 2:] else cut).rstrip(" .")  # at a word's end
    if not text or text.split(".")[0].upper() in _RESERVED:
        text = f"{fallback} {text}".strip() if text else fallback
    return text + suffix
