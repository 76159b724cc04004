"""Importing this module registers the document viewers (PDF, image, text) in the registry.

`viewers.documents.load_document_viewers()` imports it for callers that stay Qt-free until
they need a viewer.
"""

from viewers.image import widget as image_widget  # noqa: F401 - registers image/*
from viewers.pdf import widget as pdf_widget  # noqa: F401 - registers application/pdf
from viewers.text import widget as text_widget  # noqa: F401 - registers text/*


def register_all() -> None:
    """(Re-)register the three viewers: idempotent, also after a test swapped the registry."""
    for module in (pdf_widget, image_widget, text_widget):
        module.register()
