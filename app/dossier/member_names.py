"""Names of files inside a package: relative, `/`-separated, nothing that climbs out."""

import re

from app.core.errors import UnsafeMemberError
from app.core.i18n import _

_DRIVE = re.compile(r"^[A-Za-z]:")


def check(name: str) -> str:
    """Return `name` if it is a safe relative path; raise `UnsafeMemberError` otherwise."""
    bad = (not name or name.startswith("/") or "\\" in name or _DRIVE.match(name)
           or any(ord(c) < 0x20 or c == "\x7f" for c in name)
           or any(part in ("", ".", "..") for part in name.split("/")))
    if bad:
        raise UnsafeMemberError(_("The package holds an entry with an unsafe name ({name!r}): "
                                  "only relative paths without '..' are allowed.").format(name=name))
    return name
