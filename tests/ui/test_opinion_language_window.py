"""The opinion's language in the window: the form's "Opinion language" control shows the
default (here the treating physician's language from the address book), is reached from the
keyboard, keeps a chosen language in the draft across closing and reopening the case, the
sign dialog says which language the opinion will be written in, the signature records it and
locks the control; the address book and the outgoing dialog offer a language per contact and
for the letters."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.outgoing.address_book import AddressBook, Contact
from app.outgoing.recipients import person
from app.signing.settings import SigningSettings, save_signing_settings
from app.store.drafts import DraftStore
from app.store.opinions import SignedOpinionStore
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window
from tests.ui.test_signing_window import fill_form, sign_through_dialog
from app.demo.pki import DEMO_PASSPHRASE


@pytest.fixture
def treating_reads_french(demo_store):
    """The demo case's treating physician is in the address book, reading French (fr-BE)."""
    store, case_id = demo_store
    treating = person(store.record(case_id), "treating_physician")
    AddressBook(store).save(Contact(treating.name, "treating_physician", treating.registration, language="fr-BE"))
    return treating


def choose(box, code: str) -> None:
    """What a click or the keyboard does: select the item and activate it."""
    index = box.findData(code)
    assert index >= 0
    box.setCurrentIndex(index)
    box.activated.emit(index)


def wait_language(qtbot, window, tag: str) -> None:
    qtbot.waitUntil(lambda: window.form.language == tag, timeout=10000)


def test_the_default_is_the_treating_physicians_and_a_choice_is_kept_in_the_draft(qtbot, demo_store,
                                                                                   treating_reads_french):
    store, case_id = demo_store
    # The DEMO dossier leaves the treating physician's language unknown, so the address book decides.
    assert not person(store.record(case_id), "treating_physician").language
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    dock = window.form
    wait_language(qtbot, window, "fr-BE")
    assert dock.language_box.currentData() == "fr" and dock.language_box.currentText() == "Français"
    assert "address book" in dock.language_box.toolTip()
    # Keyboard reachable: the label's mnemonic goes to the combo, which takes the focus.
    assert dock.language_label.buddy() is dock.language_box
    assert "&" in dock.language_label.text()
    assert dock.language_box.focusPolicy() & Qt.FocusPolicy.TabFocus
    choose(dock.language_box, "nl")
    assert dock.language == "nl"
    dock.flush()
    qtbot.waitUntil(lambda: (DraftStore(store).load(case_id) or {}).get("language") == "nl", timeout=10000)
    window.close()

    again = open_window(qtbot, store)
    open_case(qtbot, again, case_id)
    assert again.form.language == "nl" and again.form.language_box.currentData() == "nl"
    assert again.form.language_chosen  # from the draft: the address book's default does not replace it
    qtbot.wait(300)
    assert again.form.language == "nl"
    again.close()


def test_the_sign_dialog_says_the_language_and_the_signature_keeps_it(qtbot, demo_store, demo_package):
    store, case_id = demo_store
    save_signing_settings(SigningSettings(identity_path=str(demo_package.reviewer_p12)))
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    dock = window.form
    qtbot.waitUntil(lambda: dock.language is not None, timeout=10000)
    fill_form(window)
    choose(dock.language_box, "fr")
    window.opinion.sign()
    qtbot.waitUntil(lambda: window.opinion.dialog is not None, timeout=10000)
    note = window.opinion.dialog.language_note.text()
    assert "The opinion will be written in French." in note
    with qtbot.waitSignal(window.opinion.signed, timeout=60000):
        sign_through_dialog(qtbot, window, DEMO_PASSPHRASE)
    assert SignedOpinionStore(store).list(case_id)[0].language == "fr"
    assert not dock.language_box.isEnabled()  # a signed letter keeps its language
    window.opinion.new_addendum()
    assert dock.language == "fr" and dock.language_box.isEnabled()  # the addendum keeps it
    window.close()


def test_the_address_book_dialog_keeps_a_contacts_language(qtbot, demo_store):
    from app.ui.address_book_dialog import AddressBookDialog
    from app.ui.task_runner import TaskRunner

    store, _case_id = demo_store
    runner = TaskRunner(max_threads=1)
    dialog = AddressBookDialog(store, runner)
    qtbot.addWidget(dialog)
    dialog.new_contact()
    dialog.name.setText("Dr. Test GP")
    dialog.language.setCurrentIndex(dialog.language.findData("nl-NL"))
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        dialog.save_contact()
    assert [c.language for c in AddressBook(store).contacts()] == ["nl-NL"]
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=10000)
    dialog.list.setCurrentRow(0)
    assert dialog.language.currentData() == "nl-NL"
    runner.shutdown()


def test_the_outgoing_dialog_names_the_recipients_language_and_passes_a_choice(qtbot, demo_store, demo_package,
                                                                               treating_reads_french, monkeypatch):
    from app.core.errors import BadInputError
    from app.outgoing import package as outgoing
    from app.signoff.signing import sign_opinion
    from app.ui.outgoing_dialog import OutgoingDialog
    from app.ui.task_runner import TaskRunner
    from tests.unit.test_opinion_pdf import PROFILE, fill
    from app.opinion.prefill import bind, new_response
    from app.opinion.questionnaire import load_template

    store, case_id = demo_store
    record = store.record(case_id)
    q = bind(load_template("second-opinion"), record)
    sign_opinion(store, case_id, fill(q, new_response(q, record, PROFILE)), demo_package.reviewer_identity())
    save_signing_settings(SigningSettings(organisation_identity=str(demo_package.pki_files["workstation.p12"])))
    asked = []

    def make(store, case_id, request, organisation, out_dir, **kwargs):
        asked.append(request)
        raise BadInputError("stop here")

    monkeypatch.setattr(outgoing, "make_outgoing", make)
    runner = TaskRunner(max_threads=1)
    dialog = OutgoingDialog(store, runner, case_id)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.desk is not None, timeout=10000)
    dialog.table.selectRow([r["role"] for r in dialog.desk["recipients"]].index("treating_physician"))
    assert dialog.letter_language.itemText(0) == "The recipient's language: Français"
    dialog.org_passphrase.setText(DEMO_PASSPHRASE)
    dialog.destination.setText(str(store.home.parent / "out"))
    dialog.letter_language.setCurrentIndex(dialog.letter_language.findData("nl"))
    with qtbot.waitSignal(dialog.failed, timeout=20000):
        dialog.make_package()
    assert [r.language for r in asked] == ["nl"]
    assert asked[0].recipient.language == "fr-BE"  # the contact's own, overridden by the choice
    dialog.close()
    runner.shutdown()
