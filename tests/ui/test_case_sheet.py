"""The case sheet in the window: a plain CD imported in the window becomes a complete case
through the sheet (the strip says what is missing; a PDF added from File ▸ Add documents, an
image by a drop, one document reclassified), is signed with a real PKCS#12 and packaged for
the consented recipients, all in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox

from app.demo.pki import DEMO_PASSPHRASE
from app.signing.settings import SigningSettings, save_signing_settings
from app.store.opinions import SignedOpinionStore
from app.store.store import CaseStore
from app.ui.add_documents_dialog import AddDocumentsDialog
from app.ui.main_window import MainWindow
from tests.ui.case_fixtures import demo_package  # noqa: F401 - fixture
from tests.ui.test_signing_window import fill_form, sign_through_dialog
from tests.ui.sheet_fixtures import letter_pdf, plain_cd, scan_png


def menu_action(window: MainWindow, menu: str, text: str):
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu:
            for action in top.menu().actions():
                if action.text().replace("&", "") == text:
                    return action
    raise AssertionError(f"no {menu} ▸ {text}")


def ok_button(dialog) -> object:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


@pytest.fixture
def window(qtbot, isolated_home):
    store = CaseStore.open(Path(isolated_home))
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    yield win
    win.close()
    win.shutdown()
    store.close()


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: None)


def test_a_plain_cd_becomes_a_complete_case_signed_and_packaged_in_the_window(qtbot, window, demo_package,
                                                                            tmp_path, monkeypatch):
    store = window.store
    save_signing_settings(SigningSettings(identity_path=str(demo_package.reviewer_p12),
                                          organisation_identity=str(demo_package.pki_files["workstation.p12"])))
    # Import the CD in the window: the case opens with the strip saying what it lacks.
    with qtbot.waitSignal(window.caseShown, timeout=60000) as shown:
        window.importer.start([plain_cd(tmp_path / "cd")])
    case_id = shown.args[0]
    strip = window.case_view.strip
    assert strip.isVisible()
    for lacking in ("birth date", "question", "consent"):
        assert lacking in strip.text.text(), lacking

    # File ▸ Add documents: the file dialog (patched) gives a PDF; its kind is guessed from its name.
    pdf = letter_pdf(tmp_path / "verwijsbrief_2026-03-01.pdf")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(pdf)], "")))
    menu_action(window, "File", "Add documents…").trigger()
    dialog = window.case_sheet.adder.dialog
    assert isinstance(dialog, AddDocumentsDialog)
    title, kind, when, author = dialog.rows[0]
    assert kind.currentData() == "referral_letter" and when.text() == "01/03/2026"
    qtbot.keyClicks(author, "Dr. Test Referrer")
    with qtbot.waitSignal(window.caseShown, timeout=30000):
        ok_button(dialog).click()

    # A scan dropped on the case view.
    png = scan_png(tmp_path / "scan_lung_function.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(png))])
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    assert drop.isAccepted()
    dialog = window.case_sheet.adder.dialog
    assert [p.name for p in dialog.paths] == [png.name] and dialog.rows[0][1].currentData() == "other"
    with qtbot.waitSignal(window.caseShown, timeout=30000):
        ok_button(dialog).click()
    titles = {d["title"]: d for d in store.record(case_id)["documents"]}
    assert titles["verwijsbrief 2026-03-01"]["kind"] == "referral_letter"
    assert titles["verwijsbrief 2026-03-01"]["author"] == "Dr. Test Referrer"
    assert strip.isVisible()

    # Sign… on the incomplete case opens the sheet with what is missing, instead of failing later.
    failures = []
    window.opinion.failed.connect(failures.append)
    with qtbot.waitSignal(window.case_sheet.dialogShown, timeout=20000) as opened:
        window.opinion.sign()
    sheet = opened.args[0]
    assert failures and "Complete the case sheet" in failures[0]
    assert "question" in sheet.message.text() and sheet.message.isVisible()
    assert window.opinion.dialog is None and SignedOpinionStore(store).list(case_id) == []

    # Fill the sheet through its widgets.
    fields = sheet.fields
    assert fields["patient.family_name"].text() == "Test"  # as the images name the patient
    qtbot.keyClicks(fields["patient.birth_date"], "01/01/1970")
    fields["patient.sex"].setFocus()
    qtbot.keyClicks(fields["patient.sex"], "Female")
    assert fields["patient.sex"].currentData() == "F"
    qtbot.keyClicks(fields["patient.address_lines"], "Teststraat 1")
    qtbot.keyClick(fields["patient.address_lines"], Qt.Key.Key_Return)
    qtbot.keyClicks(fields["patient.address_lines"], "1000 Brussel")
    qtbot.keyClicks(fields["referral.question"], "Is the nodule malignant?")
    qtbot.keyClicks(fields["referral.treating_physician.name"], "Dr. Test Treating")
    for role in ("patient", "treating_physician"):
        sheet.consent_boxes[role].setFocus()
        qtbot.keyClick(sheet.consent_boxes[role], Qt.Key.Key_Space)
    qtbot.keyClicks(fields["consent.decided_on"], "01/03/2026")
    scan_row = sheet.documents.document_ids().index(titles["scan lung function"]["id"])
    sheet.documents.combos[scan_row].setCurrentIndex(sheet.documents.combos[scan_row].findData("lab_result"))
    with qtbot.waitSignal(window.caseShown, timeout=30000):
        sheet.save_button.click()
    assert window.case_sheet.dialog is None  # saved and closed

    # Complete: no strip; the form offers the documents and the consented recipients.
    assert not strip.isVisible() and window.case_view.data.missing == []
    record = store.record(case_id)
    assert {d["title"]: d["kind"] for d in record["documents"]}["scan lung function"] == "lab_result"
    form = window.form.form
    offered = [o["valueCoding"]["display"] for o in form.questionnaire.item("documents-reviewed")["answerOption"]]
    assert any("verwijsbrief" in text for text in offered) and any("scan lung function" in text for text in offered)
    recipients = {o["valueCoding"]["code"]: o["valueCoding"]["display"]
                  for o in form.questionnaire.item("recipients")["answerOption"]}
    assert set(recipients) == {"patient", "treating_physician"}
    assert "Dr. Test Treating" in recipients["treating_physician"]
    assert "TEST, Patient" in window.case_view.header.patient_text()

    # Sign with the reviewer's PKCS#12.
    fill_form(window)
    qtbot.waitUntil(lambda: window.form.sign_button.isEnabled(), timeout=5000)
    window.form.sign_button.click()
    with qtbot.waitSignal(window.opinion.signed, timeout=60000):
        sign_through_dialog(qtbot, window, DEMO_PASSPHRASE)
    assert store.index.case(case_id)["status"] == "signed"

    # The outgoing dialog offers the consented recipients and packages for the patient.
    outgoing = window.show_outgoing()
    qtbot.waitUntil(lambda: outgoing.desk is not None, timeout=10000)
    roles = [outgoing.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(outgoing.table.rowCount())]
    assert set(roles) == {"patient", "treating_physician"}
    outgoing.table.selectRow(roles.index("patient"))
    assert outgoing.selected_role() == "patient"
    outgoing.destination.setText(str(tmp_path / "out"))
    (tmp_path / "apart").mkdir()
    outgoing.sheet_folder.setText(str(tmp_path / "apart"))
    outgoing.org_passphrase.setText(DEMO_PASSPHRASE)
    refused: list[str] = []
    outgoing.failed.connect(refused.append)
    outgoing.make_button.click()
    qtbot.waitUntil(lambda: outgoing.last_result is not None or bool(refused), timeout=60000)
    assert refused == [] and outgoing.last_result.output.exists()
    assert store.index.case(case_id)["status"] == "packaged"
    # ...and the secretary records it as sent, in the same dialog.
    qtbot.waitUntil(lambda: outgoing.sent_button.isEnabled(), timeout=10000)
    outgoing.channel.setCurrentIndex(outgoing.channel.findData("post"))
    with qtbot.waitSignal(outgoing.sent, timeout=10000) as sent:
        outgoing.sent_button.click()
    assert sent.args == ["patient"]
    patient_row = roles.index("patient")
    qtbot.waitUntil(lambda: "Sent" in outgoing.table.item(patient_row, 4).text(), timeout=10000)
    outgoing.close()
