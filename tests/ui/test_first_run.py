"""The first day: a fresh data folder opens the first-run dialog over the window; filled by
keyboard it saves the reviewer, the letterhead and the signing identity and is not shown again;
"Later" leaves a strip, not a second dialog; the name on the letter is checked against the
certificate the passphrase opens."""

from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
import pytest

from app.demo.pki import DEMO_PASSPHRASE
from app.opinion.profile import ReviewerProfile, load_profile, save_profile
from app.report.letterhead import load_letterhead
from app.signing.settings import PKCS12, load_signing_settings
from app.store.store import CaseStore
from app.ui.first_run_dialog import DONE, SKIPPED, FirstRunDialog, first_run_state, start_first_run
from app.ui.main_window import MainWindow
from tests.ui.gui_run import run_gui_until_shown


@pytest.fixture
def store(isolated_home):
    with CaseStore.open(isolated_home) as opened:
        yield opened


@pytest.fixture
def window(qtbot, store):
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    return win


def reviewer_name(pki) -> str:
    from app.signing.certificate_checks import certificate_person_name
    return certificate_person_name(pki.reviewer_rsa.certificate)


def test_a_fresh_data_folder_opens_the_dialog_over_the_window(qtbot, isolated_home):
    seen: list = []

    def shown(dialog) -> None:
        seen.append(dialog.windowTitle())
        dialog.parent().close()

    assert run_gui_until_shown(FirstRunDialog, shown) == 0
    assert seen == ["Welcome to Second-O"]


def test_filled_by_keyboard_it_saves_everything_and_is_not_shown_again(qtbot, window, store, pki_files, pki):
    dialog = start_first_run(window)
    assert dialog is not None and dialog.isVisible() and not window.first_run_strip.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reviewer.name, timeout=5000)

    def type_then_tab(expected, text: str = "") -> None:
        assert QApplication.focusWidget() is expected, QApplication.focusWidget()
        if text:
            qtbot.keyClicks(expected, text)
        qtbot.keyClick(expected, Qt.Key.Key_Tab)

    type_then_tab(dialog.reviewer.name, "Dr. Test Reviewer")
    type_then_tab(dialog.reviewer.specialty, "Pulmonology")
    type_then_tab(dialog.reviewer.registration, "1-23456-78-901")
    type_then_tab(dialog.head.institution, "Test Academic Hospital")
    type_then_tab(dialog.head.department, "Department of Pulmonology")
    assert QApplication.focusWidget() is dialog.head.address
    qtbot.keyClicks(dialog.head.address, "Teststraat 1")
    qtbot.keyClick(dialog.head.address, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.head.address, "0000 Test City")
    qtbot.keyClick(dialog.head.address, Qt.Key.Key_Tab)
    type_then_tab(dialog.head.phone, "+32 0 000 00 00")
    type_then_tab(dialog.head.email, "second-opinion@test.invalid")
    while QApplication.focusWidget() is not dialog.identity.path:  # the logo, its Browse…, the file radio button
        assert QApplication.focusWidget() in (dialog.head.logo, *dialog.findChildren(type(dialog.test_button)),
                                              dialog.identity.use_file)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    type_then_tab(dialog.identity.path, str(pki_files["reviewer-rsa.p12"]))
    while QApplication.focusWidget() is not dialog.identity.passphrase:  # the file's Browse…
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.identity.passphrase, DEMO_PASSPHRASE)
    assert dialog.test_identity()
    assert "The passphrase is right" in dialog.identity_status.text()
    assert not dialog.name_warning.isVisible()  # "Dr. Test Reviewer" is the certificate's person
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        qtbot.keyClick(dialog.identity.passphrase, Qt.Key.Key_Return)

    assert load_profile() == ReviewerProfile("Dr. Test Reviewer", "Pulmonology", "1-23456-78-901")
    head = load_letterhead()
    assert (head.institution, head.address_lines, head.email) == (
        "Test Academic Hospital", ["Teststraat 1", "0000 Test City"], "second-opinion@test.invalid")
    signing = load_signing_settings()
    assert (signing.kind, signing.identity_path) == (PKCS12, str(pki_files["reviewer-rsa.p12"]))
    assert DEMO_PASSPHRASE not in (store.home / "signing.json").read_text()
    assert first_run_state(window.settings) == DONE
    again = MainWindow(store)
    qtbot.addWidget(again)
    assert start_first_run(again) is None
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, FirstRunDialog) and w.isVisible()]


def test_the_name_on_the_letter_is_checked_against_the_certificate(qtbot, window, pki_files, pki):
    dialog = start_first_run(window)
    dialog.reviewer.name.setText("Dr. Test Other")
    dialog.identity.path.setText(str(pki_files["reviewer-rsa.p12"]))
    dialog.identity.passphrase.setText("not the passphrase")
    assert not dialog.test_identity()
    assert "wrong passphrase" in dialog.identity_status.text() and not dialog.name_warning.isVisible()
    dialog.identity.passphrase.setText(DEMO_PASSPHRASE)
    assert dialog.test_identity()
    assert dialog.name_warning.isVisible() and dialog.use_certificate_name.isVisible()
    assert dialog.name_warning.text() == (f"The certificate is issued to {reviewer_name(pki)}; the letter is signed "
                                          "as Dr. Test Other.")
    dialog.use_certificate_name.click()
    assert dialog.reviewer.name.text() == reviewer_name(pki)
    assert not dialog.name_warning.isVisible()
    dialog.reviewer.name.setText(f"Prof. {reviewer_name(pki).upper()}")  # titles and case aside: the same
    assert not dialog.name_warning.isVisible()


def test_later_leaves_a_strip_not_a_second_dialog(qtbot, window, store):
    dialog = start_first_run(window)
    dialog.later_button.click()
    assert first_run_state(window.settings) == SKIPPED
    assert window.first_run_strip.isVisible()
    assert not load_profile().name and not (store.home / "reviewer.json").exists()
    again = MainWindow(store)
    qtbot.addWidget(again)
    again.show()
    assert start_first_run(again) is None  # not asked again
    assert again.first_run_strip.isVisible()
    again.first_run_strip.setup_button.click()
    dialog = again.first_run_dialog
    assert dialog.isVisible()
    dialog.reviewer.name.setText("Dr. Test Reviewer")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    assert not again.first_run_strip.isVisible() and first_run_state(again.settings) == DONE


def test_save_needs_the_reviewer_s_name(qtbot, window):
    dialog = start_first_run(window)
    dialog.save_button.click()
    assert dialog.isVisible() and "name is needed" in dialog.error.text()
    assert first_run_state(window.settings) != DONE


def test_a_saved_profile_means_no_first_run(qtbot, window):
    save_profile(ReviewerProfile("Dr. Test Reviewer", "", ""))
    assert start_first_run(window) is None
