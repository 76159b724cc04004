"""Documents for the viewers, Qt-free: what a viewer is given and how it is opened.

The window decrypts a document's bytes in a worker (`DocumentSource.load`), then calls
`viewer.show_document(data, title)` on the GUI thread. When loading fails (the vault found
the file altered at rest) the viewer shows `load_failure(error)` with `show_error`: the
rest of the case keeps working.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from app.core.errors import BadInputError, SecondoError
from app.core.i18n import _
from viewers import base

DOCUMENT_MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/tiff", "text/plain")


@dataclass(frozen=True)
class DocumentSource:
    title: str
    media_type: str
    load: Callable[[], bytes]  # runs in a worker: reads and decrypts


def load_document_viewers() -> None:
    """Import the PDF, image and text widgets so that they register (this loads Qt)."""
    importlib.import_module("viewers.register_widget").register_all()


def viewer_entry(source: DocumentSource) -> base.ViewerEntry | None:
    return base.viewer_for(source.media_type)


def load_failure(error: BaseException) -> str:
    """The message a viewer shows when a document's bytes could not be loaded."""
    if isinstance(error, BadInputError):
        altered = type(error).__name__ == "StoredFileError" or "at rest" in str(error)
        return _("This document could not be decrypted: it was altered at rest") if altered \
            else _("This document cannot be shown: {reason}").format(reason=error)
    if isinstance(error, SecondoError):
        return str(error)
    if isinstance(error, OSError):
        return _("This document could not be read ({reason})").format(reason=error.strerror or type(error).__name__)
    return _("This document cannot be shown ({reason})").format(reason=type(error).__name__)


def open_document(viewer, source: DocumentSource) -> bool:
    """Load `source` and show it in `viewer` synchronously (tests, the CLI's `view`, small files).
    The window does the same in two steps: `source.load` in a worker, then `show_loaded`."""
    try:
        data = source.load()
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message in the viewer
        viewer.show_error(load_failure(exc))
        return False
    return show_loaded(viewer, source, data)


def show_loaded(viewer, source: DocumentSource, data: bytes) -> bool:
    result = viewer.show_document(data, source.title)
    return result is not False
