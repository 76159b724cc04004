"""Names of files inside a package: relative, `/`-separated, nothing that climbs out."""

import re

from app.core.errors import UnsafeMemberError
from app.core.i18n import _
from app.crypto.limits import MAX_NAME_BYTES, MAX_SEGMENT_BYTES

_DRIVE = re.compile(r"^[A-Za-z]:")


def check(name: str) -> str:
    """Return `name` if it is a safe relative path; raise `UnsafeMemberError` otherwise."""
    bad = (not isinstance(name, str) or not name or name.startswith("/") or "\\" in name or _DRIVE.match(name)
           or any(ord(c) < 0x20 or c == "\x7f" or 0xD800 <= ord(c) <= 0xDFFF for c in name)
           or any(part in ("", ".", "..") for part in name.split("/")))
    if bad:
        raise UnsafeMemberError(_("The package holds an entry with an unsafe name ({name!r}): "
                                  "only relative paths without '..' are allowed.").format(name=str(name)[:200]))
    encoded = name.encode("utf-8", "surrogatepass")
    if len(encoded) > MAX_NAME_BYTES or any(len(part) > MAX_SEGMENT_BYTES for part in encoded.split(b"/")):
        raise UnsafeMemberError(_("The package holds an entry whose name is too long ({head}…): at most "
                                  "{max} bytes, and {segment} per folder or file name.").format(
                                      head=name[:40], max=MAX_NAME_BYTES, segment=MAX_SEGMENT_BYTES))
    return name
