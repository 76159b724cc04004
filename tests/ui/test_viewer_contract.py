"""Every registered viewer keeps the contract of viewers/base.py (`Viewer`, and
`DocumentViewer` or `SeriesViewer`): the methods the window calls, with their parameters,
and a problem shown inside the viewer in place of the content."""

from __future__ import annotations

import importlib
import inspect

import pytest
from PySide6.QtWidgets import QLabel

from viewers import base
from viewers.documents import load_document_viewers
from viewers.text.widget import TextViewerWidget

REASON = "This document could not be decrypted: it was altered at rest"


def registered_entries() -> list[base.ViewerEntry]:
    load_document_viewers()
    importlib.import_module("viewers.dicom.widget")  # registers DICOM_SERIES when imported
    entries = {entry.name: entry for entry in base.registered().values()}
    return [entries[name] for name in sorted(entries)]


def contract_of(entry: base.ViewerEntry) -> type:
    return base.SeriesViewer if base.DICOM_SERIES in entry.media_types else base.DocumentViewer


def methods(protocol: type) -> list[str]:
    return [name for name in dir(protocol) if not name.startswith("_") and callable(getattr(protocol, name))]


def parameters(function) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_four_viewers_are_registered():
    assert [entry.name for entry in registered_entries()] == ["dicom", "image", "pdf", "text"]


def test_the_contracts_name_what_the_window_calls():
    assert methods(base.Viewer) == ["show_error"]
    assert methods(base.DocumentViewer) == ["show_document", "show_error"]
    assert methods(base.SeriesViewer) == ["set_series_list", "show_error", "show_series"]
    assert methods(base.TextViewer) == ["set_document_text", "show_hit"]


#: The viewers that show a document's text over its pages (search hits, recognised words).
TEXT_VIEWERS = ["image", "pdf"]


@pytest.mark.parametrize("entry", registered_entries(), ids=lambda entry: entry.name)
def test_the_text_capability_is_kept_by_the_viewers_that_claim_it(qtbot, entry):
    viewer = entry.factory(None)
    qtbot.addWidget(viewer)
    assert isinstance(viewer, base.TextViewer) == (entry.name in TEXT_VIEWERS)
    if entry.name in TEXT_VIEWERS:
        for name in methods(base.TextViewer):
            assert parameters(getattr(viewer, name)) == parameters(getattr(base.TextViewer, name))[1:], name
        viewer.set_document_text(None)  # before any document: kept, nothing fails
        viewer.show_hit(1, "angor")


@pytest.mark.parametrize("entry", registered_entries(), ids=lambda entry: entry.name)
def test_each_registered_viewer_keeps_its_contract(qtbot, entry):
    viewer = entry.factory(None)
    qtbot.addWidget(viewer)
    contract = contract_of(entry)
    assert isinstance(viewer, base.Viewer)
    assert isinstance(viewer, contract)
    for name in methods(contract):
        assert parameters(getattr(viewer, name)) == parameters(getattr(contract, name))[1:], name  # but self


@pytest.mark.parametrize("entry", registered_entries(), ids=lambda entry: entry.name)
def test_each_viewer_shows_a_problem_in_place_of_the_content(qtbot, entry):
    viewer = entry.factory(None)
    qtbot.addWidget(viewer)
    viewer.resize(640, 480)
    viewer.show()
    assert viewer.problem is None
    viewer.show_error(REASON)
    assert viewer.problem == REASON
    message = viewer.findChild(QLabel, "viewerMessage")
    assert message is not None and message.isVisible()
    assert message.text() == REASON


def test_showing_content_again_clears_the_problem(qtbot):
    text = TextViewerWidget()
    qtbot.addWidget(text)
    text.show_error(REASON)
    assert text.show_document(b"Referral letter of Test Patient", "letter.txt") is True
    assert text.problem is None
    dicom = base.viewer_for(base.DICOM_SERIES)
    assert dicom is not None
    images = dicom.factory(None)
    qtbot.addWidget(images)
    images.show()
    images.show_error(REASON)
    images.set_series_list([])
    assert images.problem is None
    assert not images.findChild(QLabel, "viewerMessage").isVisible()
