"""What the window offers follows the open case: the Opinion menu once the opinion is signed,
the form only beside its own case (never on the worklist), and the export dialog's folder
and file name."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

from app.dossier.importer import DossierImporter
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window
from tests.ui.test_secretary_desk import signed_store  # noqa: F401 - fixture
from tests.unit.store_cds import unique_cd


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: None)


def test_a_draft_opinion_can_be_previewed_and_signed_not_exported(qtbot, demo_store):
    store, case_id = demo_store
    window = open_window(qtbot, store)
    assert not window.sign_action.isEnabled()  # no case open
    open_case(qtbot, window, case_id)
    assert window.sign_action.isEnabled() and window.preview_action.isEnabled()
    assert not window.export_action.isEnabled() and not window.addendum_action.isEnabled()


def test_a_signed_opinion_cannot_be_signed_again_until_an_addendum(qtbot, signed_store):
    store, case_id = signed_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    assert window.form.locked
    assert not window.sign_action.isEnabled() and not window.preview_action.isEnabled()
    assert not window.form.sign_button.isEnabled() and not window.form.preview_button.isEnabled()
    assert window.addendum_action.isEnabled() and window.export_action.isEnabled()
    assert window.open_signed_action.isEnabled()
    window.addendum_action.trigger()
    assert not window.form.locked
    assert window.sign_action.isEnabled() and window.preview_action.isEnabled()
    assert not window.addendum_action.isEnabled() and window.export_action.isEnabled()


def test_the_worklist_shows_no_form_and_each_case_its_own(qtbot, demo_store, tmp_path):
    store, case_id = demo_store
    other = DossierImporter(store, [], []).run([unique_cd(tmp_path / "cd")]).case_id
    window = open_window(qtbot, store)
    qtbot.waitUntil(lambda: window.worklist.model.rowCount() == 2, timeout=10000)
    open_case(qtbot, window, case_id)
    assert window.form_dock.isVisible() and window.form.case_id == case_id
    form = window.form.form
    window.show_worklist()
    assert not window.form_dock.isVisible()
    assert window.form.case_id is None and window.form.form is None
    window.toggle_form()
    window.focus_form()
    assert not window.form_dock.isVisible()  # F6/F7 on the worklist bring back no form
    assert not window.sign_action.isEnabled()
    open_case(qtbot, window, other)
    assert window.form_dock.isVisible() and window.form.case_id == other and window.form.form is not form
    # Opening another case from a case: the first case's form goes before the second's shows.
    shown = []
    window.caseShown.connect(lambda _id: shown.append(window.form.case_id))
    window.open_case(case_id)
    assert not window.form_dock.isVisible() and window.form.case_id is None
    qtbot.waitUntil(lambda: shown == [case_id], timeout=20000)
    assert window.form_dock.isVisible()


def test_the_export_starts_in_the_documents_folder_with_a_readable_name(qtbot, signed_store, tmp_path,
                                                                         monkeypatch):
    store, case_id = signed_store
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda location: str(documents))
    offered = []
    chosen = tmp_path / "elsewhere"
    chosen.mkdir()

    def save_as(parent, caption, start, filters):
        offered.append(start)
        return str(chosen / "mine.pdf"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    signed_on = window.form.opinions[-1].signed_at[:10]
    window.opinion.export_signed()
    assert Path(offered[0]) == documents / f"Second opinion - Patient Test - {signed_on}.pdf"
    qtbot.waitUntil(lambda: (chosen / "mine.pdf").exists(), timeout=10000)
    assert (chosen / "mine.pdf").read_bytes()[:5] == b"%PDF-"
    window.opinion.export_signed()
    assert Path(offered[1]).parent == chosen  # the last folder is remembered


def test_the_address_book_offers_the_referring_physician(qtbot, demo_store):
    from app.outgoing.address_book import AddressBook

    store, _case_id = demo_store
    window = open_window(qtbot, store)
    book = window.show_address_book()
    roles = [book.role.itemData(i) for i in range(book.role.count())]
    assert "referring_physician" in roles
    book.new_contact()
    book.name.setText("Dr. Test Referring")
    book.role.setCurrentIndex(book.role.findData("referring_physician"))
    assert book.role.currentText() == "Referring physician"
    with qtbot.waitSignal(book.saved, timeout=10000):
        book.save_contact()
    assert [(c.name, c.role) for c in AddressBook(store).contacts()] == [("Dr. Test Referring", "referring_physician")]
    book.close()


def test_the_signed_opinion_prints_from_the_opinion_menu(qtbot, signed_store, tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrintPreviewDialog

    from tests.ui.test_outgoing_print import file_printer, pdf_pages

    previews = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: previews.append(self))
    store, case_id = signed_store
    window = open_window(qtbot, store)
    assert not window.print_action.isEnabled()
    open_case(qtbot, window, case_id)
    assert window.print_action.isEnabled()
    window.print_action.trigger()
    qtbot.waitUntil(lambda: len(previews) == 1, timeout=10000)
    out = tmp_path / "printed.pdf"
    previews[0].paintRequested.emit(file_printer(out))
    assert pdf_pages(out) == window.form.opinions[-1].pages
