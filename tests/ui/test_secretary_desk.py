"""The secretary's desk in the window: counts per status, overdue marks against the
target, who is still to be sent the opinion; the outgoing dialog offers only consented
recipients, makes the package and marks it sent; the address book imports a certificate and
shows what it is."""

from __future__ import annotations


import pytest

from app.demo.pki import DEMO_PASSPHRASE
from app.opinion.prefill import bind, new_response
from app.opinion.questionnaire import load_template
from app.signoff.signing import sign_opinion
from app.outgoing.address_book import AddressBook
from app.signing.settings import SigningSettings, save_signing_settings
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_window
from tests.unit.test_opinion_pdf import PROFILE, fill


@pytest.fixture
def signed_store(demo_store, demo_package):
    store, case_id = demo_store
    record = store.record(case_id)
    q = bind(load_template("second-opinion"), record)
    sign_opinion(store, case_id, fill(q, new_response(q, record, PROFILE)), demo_package.reviewer_identity())
    save_signing_settings(SigningSettings(identity_path=str(demo_package.reviewer_p12),
                                          organisation_identity=str(demo_package.pki_files["workstation.p12"])))
    return store, case_id


def column(model, name: str) -> int:
    return model.COLUMNS.index(name)


def test_counts_overdue_and_still_to_send(qtbot, signed_store):
    store, case_id = signed_store
    with store.index.transaction() as db:  # received 20 days ago
        db.execute("UPDATE cases SET received_at = datetime('now', '-20 days') WHERE id = ?", (case_id,))
    window = open_window(qtbot, store)
    worklist = window.worklist
    assert worklist.status_buttons["signed"].text() == "Signed (1)"
    assert worklist.status_buttons["received"].text() == "Received (0)"
    model = worklist.model
    worklist.set_target_days(14)
    days = model.data(model.index(0, column(model, "days")))
    assert days == "20 days — overdue"
    # who is still to be sent the opinion is read after the list is shown (the dispatch log)
    qtbot.waitUntil(lambda: model.rows[0].get("to_send") is not None, timeout=10000)
    assert model.data(model.index(0, column(model, "to_send"))) == "Treating physician, The patient"
    worklist.overdue_box.setChecked(True)
    assert worklist.visible_case_ids() == [case_id]
    worklist.set_target_days(30)
    assert worklist.visible_case_ids() == [] and "overdue" not in model.data(model.index(0, column(model, "days")))
    from app.outgoing.desk import load_target_days
    assert load_target_days() == 30  # kept for the next start
    worklist.overdue_box.setChecked(False)
    worklist.status_buttons["received"].click()
    assert worklist.visible_case_ids() == []
    worklist.status_buttons[None].click()
    assert worklist.visible_case_ids() == [case_id]


def test_the_outgoing_dialog_offers_consented_recipients_and_sends(qtbot, signed_store, demo_package, tmp_path,
                                                                   monkeypatch):
    store, case_id = signed_store
    window = open_window(qtbot, store)
    worklist = window.worklist
    worklist.select_case(case_id)
    assert worklist.send_button.isEnabled()
    with qtbot.waitSignal(window.worklist.sendRequested):
        worklist.send_button.click()
    dialog = window.outgoing_dialog
    qtbot.waitUntil(lambda: dialog.desk is not None, timeout=10000)
    roles = [dialog.table.item(r, 0).data(0x0100) for r in range(dialog.table.rowCount())]
    assert roles == ["treating_physician", "patient"]  # the GP was not consented to: never offered
    assert "Dr. Test Treating (DEMO)" in dialog.table.item(0, 1).text()
    dialog.table.selectRow(1)
    assert dialog.selected_role() == "patient" and dialog.use_passphrase.isChecked()
    dialog.destination.setText(str(tmp_path / "out"))
    (tmp_path / "apart").mkdir()
    dialog.sheet_folder.setText(str(tmp_path / "apart"))  # the sheet travels another way than the disc
    dialog.org_passphrase.setText(DEMO_PASSPHRASE)
    dialog.org_remember.setChecked(True)
    assert dialog.form_box.choose_form("sodp") and dialog.form_box.choose_medium("iso")
    monkeypatch.setattr("app.outgoing.media.sheet_on_same_medium", lambda sheet, output: False)
    with qtbot.waitSignal(dialog.packaged, timeout=30000):
        dialog.make_button.click()
    from app.signing.secrets import remembered_passphrase
    assert remembered_passphrase(demo_package.pki_files["workstation.p12"]) == DEMO_PASSPHRASE
    result = dialog.last_result
    assert result.output.suffix == ".iso" and result.output.exists() and result.passphrase_sheet.exists()
    assert result.passphrase_sheet.parent == tmp_path / "apart"
    assert not list((tmp_path / "out").glob("*passphrase*"))
    assert "Passphrase sheet" in dialog.message.text()
    qtbot.waitUntil(lambda: store.index.case(case_id)["status"] == "packaged", timeout=5000)
    qtbot.waitUntil(lambda: dialog.sent_button.isEnabled(), timeout=10000)
    dialog.channel.setCurrentIndex(dialog.channel.findData("post"))
    with qtbot.waitSignal(dialog.sent, timeout=10000):
        dialog.sent_button.click()
    qtbot.waitUntil(lambda: "Sent" in dialog.table.item(1, 4).text(), timeout=10000)
    assert dialog.table.item(1, 5).text() == "Second-O package, ISO image, ready to burn"  # what was sent, in which form
    assert store.index.case(case_id)["status"] == "packaged"  # the treating physician is still to send
    dialog.close()


def test_the_address_book_imports_a_certificate_and_shows_it(qtbot, signed_store, demo_package, tmp_path):
    store, _case_id = signed_store
    window = open_window(qtbot, store)
    book = window.show_address_book()
    qtbot.waitUntil(lambda: book.name.hasFocus() or book.current is None, timeout=5000)
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    assert not book.import_certificate(str(bogus))
    assert "not an X.509 certificate" in book.message.text()
    assert book.import_certificate(str(demo_package.pki_files["treating-physician.pem"]))
    shown = book.certificate.text()
    for expected in ("Subject: ", "Dr. Test Treating (DEMO)", "Issuer: ", "DEMO Root", "Valid: ", "key encipherment",
                     "Usable for encryption."):
        assert expected in shown, expected
    book.name.setText("Dr. Test Treating (DEMO)")
    book.role.setCurrentIndex(book.role.findData("treating_physician"))
    book.address.setPlainText("Demostraat 1\n0000 Demo City")
    with qtbot.waitSignal(book.saved, timeout=10000):
        book.save_contact()
    (contact,) = AddressBook(store).contacts()
    assert contact.certificate is not None and contact.address == "Demostraat 1, 0000 Demo City"
    book.close()


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: None)


def test_the_physicians_workstation_imports_the_package_from_its_window(qtbot, signed_store, demo_package, tmp_path,
                                                                        monkeypatch):
    """The second workstation: the physician's own certificate file is its identity; the one
    passphrase prompt opens it, and the signed opinion arrives byte for byte."""
    from app.outgoing.package import OutgoingRequest, make_outgoing
    from app.outgoing.address_book import certificate_from_bytes
    from app.signing.identities import load_pkcs12
    from app.store.opinions import SignedOpinionStore
    from app.store.store import CaseStore
    from app.ui.main_window import MainWindow

    store, case_id = signed_store
    cert = certificate_from_bytes(demo_package.pki_files["treating-physician.pem"].read_bytes())
    result = make_outgoing(store, case_id, OutgoingRequest("treating_physician", certificate=cert),
                           load_pkcs12(demo_package.pki_files["workstation.p12"], DEMO_PASSPHRASE), tmp_path / "out")
    signed = SignedOpinionStore(store).pdf(case_id, 0)
    other_home = tmp_path / "physician-home"
    monkeypatch.setenv("SECONDO_HOME", str(other_home))
    save_signing_settings(SigningSettings(identity_path=str(demo_package.pki_files["treating-physician.p12"])))
    with CaseStore.open(other_home) as other:
        window = MainWindow(other, roots=[demo_package.root])
        qtbot.addWidget(window)
        asked = []
        window.importer.ask_passphrase = lambda reason: asked.append(reason) or DEMO_PASSPHRASE
        with qtbot.waitSignal(window.caseShown, timeout=60000) as shown:
            window.importer.start([result.output])
        assert asked  # the physician's passphrase was asked once
        record = other.record(shown.args[0])
        (opinion,) = [d for d in record["documents"] if d["kind"] == "second_opinion"]
        assert other.vault.read_bytes(opinion["blob"]) == signed
        window.close()


def test_closing_a_dialog_before_its_work_returns_is_harmless(qtbot, signed_store):
    """A result that arrives after its dialog was closed (and deleted) is dropped."""
    store, case_id = signed_store
    window = open_window(qtbot, store)
    book = window.show_address_book()
    book.name.setText("Dr. Closed Early (DEMO)")
    book.save_contact()
    book.close()  # WA_DeleteOnClose: gone before the save and the reload come back
    outgoing = window.show_outgoing(case_id)
    outgoing.close()
    window.store_runner.pool.waitForDone(10000)
    qtbot.wait(200)  # the queued results are delivered now: pytest-qt fails on any exception
    assert [c.name for c in AddressBook(store).contacts()] == ["Dr. Closed Early (DEMO)"]


def test_cancelling_the_package_writes_nothing(qtbot, signed_store, tmp_path, monkeypatch):
    from app.outgoing import package as outgoing

    store, case_id = signed_store
    window = open_window(qtbot, store)
    dialog = window.show_outgoing(case_id)
    qtbot.waitUntil(lambda: dialog.desk is not None, timeout=10000)
    import threading

    real = outgoing.write_package
    started, proceed = threading.Event(), threading.Event()

    def slow(*args, **kwargs):  # held while the secretary presses Cancel
        started.set()
        proceed.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(outgoing, "write_package", slow)
    dialog.destination.setText(str(tmp_path / "out"))
    dialog.org_passphrase.setText(DEMO_PASSPHRASE)
    dialog.make_button.click()
    qtbot.waitUntil(started.is_set, timeout=20000)
    dialog.progress_dialog.canceled.emit()  # what its Cancel button does
    proceed.set()
    qtbot.waitUntil(lambda: "Cancelled" in dialog.message.text(), timeout=20000)
    assert list((tmp_path / "out").glob("*")) == [] and store.index.case(case_id)["status"] == "signed"
    dialog.close()
