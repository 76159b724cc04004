"""The case sheet dialog on a plain-CD case: a wrong national number is refused with the
sentence shown beside the form and nothing saved; Tab walks the sheet in reading order; a
wrong date is refused before anything is sent; the kind of an added file is guessed from its
name."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.dossier.importer import DossierImporter
from app.store.audit import AuditLog
from app.store.store import CaseStore
from app.ui.add_documents_dialog import guess_date, guess_kind
from app.ui.main_window import MainWindow
from tests.ui.sheet_fixtures import plain_cd


@pytest.fixture
def sheet(qtbot, isolated_home, tmp_path):
    """(window, the sheet of a plain-CD case, case id)."""
    store = CaseStore.open(Path(isolated_home))
    case_id = DossierImporter(store, [], []).run([plain_cd(tmp_path / "cd")]).case_id
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.caseShown, timeout=30000):
        window.open_case(case_id)
    with qtbot.waitSignal(window.case_sheet.dialogShown, timeout=20000) as shown:
        window.case_sheet.open()
    yield window, shown.args[0], case_id
    window.close()
    window.shutdown()
    store.close()


def test_a_wrong_national_number_is_refused_in_words_and_nothing_is_saved(qtbot, sheet):
    window, dialog, case_id = sheet
    store = window.store
    before = store.index.case(case_id)["record"]
    qtbot.keyClicks(dialog.fields["referral.question"], "Is the nodule malignant?")
    qtbot.keyClicks(dialog.fields["patient.national_number"], "12345678901")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=20000)
    text = dialog.message.text()
    assert "national register number is not valid" in text and "\n" not in text and "12345678901" not in text
    assert dialog.isVisible() and dialog.save_button.isEnabled()  # the user corrects it here
    assert store.index.case(case_id)["record"] == before
    assert not store.record(case_id).get("sheet")
    assert "case-edit" not in [e["action"] for e in AuditLog(store.home / "audit.log").entries()]


def test_a_wrong_date_is_refused_before_anything_is_sent(qtbot, sheet):
    window, dialog, case_id = sheet
    sent = []
    dialog.saveRequested.connect(lambda *args: sent.append(args))
    qtbot.keyClicks(dialog.fields["patient.birth_date"], "31/02/1970")
    dialog.save_button.click()
    assert sent == [] and "Birth date is not a real date" in dialog.message.text()
    assert QApplication.focusWidget() is dialog.fields["patient.birth_date"]


def test_tab_walks_the_sheet_in_reading_order(qtbot, sheet):
    _window, dialog, _case_id = sheet
    dialog.activateWindow()
    first = dialog.fields["patient.family_name"]
    first.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=5000)
    visited = [first]
    for _ in range(40):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is dialog.save_button:
            break
        visited.append(widget)
    names = [w.accessibleName() or w.text() for w in visited]
    # (the address-book buttons wait for contacts: with none they are not in the way)
    people = [f"{role}: {field}" for role in ("Referring physician", "Treating physician", "General practitioner")
              for field in ("Name", "Organisation", "E-mail")]
    assert names == [
        "Family name", "Given names", "Birth date", "Sex", "National number", "Address",
        "Question", "Reason", "Referral date",
        *people,
        "The patient", "The treating physician", "The referring physician", "The general practitioner",
        "Date of the patient's decision", "Recorded by", "Add documents…"]


def test_the_kind_and_date_of_a_file_are_guessed_from_its_name():
    assert guess_kind("Verwijsbrief dr Test.pdf") == "referral_letter"
    assert guess_kind("referral_letter.pdf") == "referral_letter"
    assert guess_kind("ontslagbrief-2025.pdf") == "history_letter"
    assert guess_kind("OK-verslag.pdf") == "operation_report"
    assert guess_kind("scan.png") == "other"
    assert guess_date("verslag_20260301.pdf") == "2026-03-01"
    assert guess_date("brief-2026-13-01.pdf") is None


def test_documents_are_added_off_the_gui_thread_and_cancel_keeps_nothing(qtbot, sheet, tmp_path, monkeypatch):
    import threading

    from app.ui import add_documents_dialog
    from tests.ui.sheet_fixtures import scan_png

    window, dialog, case_id = sheet
    store = window.store
    before = store.index.case(case_id)["record"]
    real, release, workers = add_documents_dialog.run_add_documents, threading.Event(), []

    def held(*args):
        workers.append(threading.current_thread())
        release.wait(30)  # a hang guard: the test releases it at once
        return real(*args)

    monkeypatch.setattr(add_documents_dialog, "run_add_documents", held)
    adder = window.case_sheet.adder
    dialog.addDocumentsRequested.emit([scan_png(tmp_path / "scan.png")])
    adder.dialog.accept()
    qtbot.waitUntil(lambda: bool(workers), timeout=10000)
    assert workers[0] is not threading.main_thread()
    adder.progress.canceled.emit()  # its Cancel button, clicked
    release.set()
    qtbot.waitUntil(lambda: adder.task is None, timeout=20000)
    assert adder.progress is None and dialog.documents.rowCount() == 0
    assert store.index.case(case_id)["record"] == before and store.record(case_id)["documents"] == []
    assert "add-documents" not in [e["action"] for e in AuditLog(store.home / "audit.log").entries()]
