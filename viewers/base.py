"""The viewer registry (which viewer shows which media type) and the viewer contract.

Qt-free: a widget module registers a factory for its media types when it is imported, and
`app.ui` asks the registry, never a viewer module by name. What the window may then ask of
the widget is `Viewer` (every viewer), `DocumentViewer` (the bytes of one document) or
`SeriesViewer` (DICOM series), and, optionally, `TextViewer` (a document's text: recognised
words selectable, search hits highlighted; ask `isinstance(widget, TextViewer)`);
docs/ARCHITECTURE.md, "Viewers", tells the whole contract.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

#: The media type the DICOM viewer registers for a whole series (not a single file).
DICOM_SERIES = "application/dicom+series"


@runtime_checkable
class Viewer(Protocol):
    """Every registered viewer: a widget made by `ViewerEntry.factory(parent)`. A problem
    (a damaged file, a document the vault found altered) is shown inside the viewer, in
    place of the content, never in a dialog: the rest of the case keeps working."""

    problem: str | None  # the problem shown instead of the content; None while content is shown

    def show_error(self, reason: str) -> None:
        """Show `reason` (one sentence for the user) instead of the content."""


@runtime_checkable
class DocumentViewer(Viewer, Protocol):
    """A viewer of one document's bytes (PDF, image, text), read and decrypted in a worker
    first (viewers.documents.DocumentSource)."""

    def show_document(self, data: bytes, title: str = "") -> bool:
        """Show `data`; False when it cannot be shown (the viewer then shows the problem)."""


@runtime_checkable
class SeriesViewer(Viewer, Protocol):
    """The viewer of DICOM series (viewers.dicom.series.SeriesModel: frames decoded on demand)."""

    def set_series_list(self, series_list: list) -> None:
        """The series the viewer offers (its menu, drag and drop); the first ones are shown."""

    def show_series(self, series: Any, viewport: int | None = None) -> None:
        """Show `series` (or a list of series) in the active viewport, or in `viewport`."""


@runtime_checkable
class TextViewer(Protocol):
    """An optional capability of a document viewer (image, PDF): it is given the document's
    text (`app.core.page_text.DocumentText`, Qt-free) and shows a search hit. Both may come
    before the bytes are shown: the viewer keeps them for the document it shows."""

    def set_document_text(self, text: Any) -> None:
        """The document's text: pages recognised by OCR get a selectable text layer over the
        image (drag selects, Ctrl+C copies, Ctrl+A selects the page); None takes it away."""

    def show_hit(self, page: int, query: str) -> Any:
        """Show page `page` (1-based) with every hit of `query` on it highlighted (until
        another search or Esc), the first one scrolled into view."""


@dataclass(frozen=True)
class ViewerEntry:
    name: str
    media_types: tuple[str, ...]
    factory: Callable[..., Viewer]  # factory(parent): DICOM_SERIES -> a SeriesViewer, else a DocumentViewer


_registry: dict[str, ViewerEntry] = {}


def register(name: str, media_types: tuple[str, ...], factory: Callable[..., Viewer]) -> ViewerEntry:
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
