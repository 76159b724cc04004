"""The viewer registry: which viewer shows which media type.

Qt-free: a widget module registers a factory for its media types when it is imported, and
`app.ui` asks the registry, never a viewer module by name.
"""

from collections.abc import Callable
from dataclasses import dataclass

#: The media type the DICOM viewer registers for a whole series (not a single file).
DICOM_SERIES = "application/dicom+series"


@dataclass(frozen=True)
class ViewerEntry:
    name: str
    media_types: tuple[str, ...]
    factory: Callable  # factory(parent) -> a widget with .show_document(...) or .show_series(...)


_registry: dict[str, ViewerEntry] = {}


def register(name: str, media_types: tuple[str, ...], factory: Callable) -> ViewerEntry:
    entry = ViewerEntry(name, tuple(media_types), factory)
    for media_type in entry.media_types:
        _registry[media_type.lower()] = entry
    return entry


def viewer_for(media_type: str) -> ViewerEntry | None:
    """The viewer registered for `media_type` ('image/tiff'), else for its family ('image/*')."""
    media_type = (media_type or "").lower().split(";")[0].strip()
    return _registry.get(media_type) or _registry.get(media_type.split("/")[0] + "/*")


def registered() -> dict[str, ViewerEntry]:
    return dict(_registry)
