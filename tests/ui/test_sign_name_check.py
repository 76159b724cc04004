"""The sign dialog checks the name the letter is signed as against the certificate the
passphrase opens: when they differ it says "The certificate is issued to X; the letter is signed
as Y." and offers to use the certificate's name, the passphrase kept."""

from __future__ import annotations

from app.demo.pki import DEMO_PASSPHRASE
from app.opinion.questionnaire import get_answers
from app.signing.certificate_checks import certificate_person_name
from app.store.opinions import SignedOpinionStore
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_signing_window import sign_through_dialog
from tests.ui.test_trust_window import window  # noqa: F401 - fixture
from tests.unit.test_opinion_pdf import fill


def fill_as(window, name: str) -> None:
    form = window.form.form
    form.set_response(fill(form.questionnaire, form.response(), **{
        "reviewer-name": name, "reviewer-specialty": "Pulmonology", "reviewer-registration": "1-00000-99-000"}))
    form.changed.emit()


def test_a_letter_signed_under_another_name_is_warned_and_can_take_the_certificate_s(qtbot, window, demo_store,
                                                                                     demo_package):
    store, case_id = demo_store
    issued_to = certificate_person_name(demo_package.reviewer_identity().certificate)
    fill_as(window, "Dr. Test Other")
    qtbot.waitUntil(lambda: window.form.sign_button.isEnabled(), timeout=3000)
    window.form.sign_button.click()
    first = window.opinion.dialog
    sign_through_dialog(qtbot, window, DEMO_PASSPHRASE)
    qtbot.waitUntil(lambda: window.opinion.dialog not in (None, first) and window.opinion.dialog.isVisible(),
                    timeout=20000)
    dialog = window.opinion.dialog
    assert dialog.name_warning.text() == (f"The certificate is issued to {issued_to}; the letter is signed as "
                                          "Dr. Test Other.")
    assert SignedOpinionStore(store).list(case_id) == []  # nothing signed before the answer
    assert dialog.passphrase.text() == DEMO_PASSPHRASE and dialog.use_certificate_name.isEnabled()
    with qtbot.waitSignal(window.opinion.signed, timeout=30000):
        dialog.use_certificate_name.click()
    (opinion,) = SignedOpinionStore(store).list(case_id)
    assert get_answers(window.form.form.response(), "reviewer-name") == [issued_to]


def test_the_same_person_signs_without_a_question(qtbot, window, demo_store, demo_package):
    store, case_id = demo_store
    issued_to = certificate_person_name(demo_package.reviewer_identity().certificate)
    fill_as(window, f"Prof. {issued_to.upper()}")
    qtbot.waitUntil(lambda: window.form.sign_button.isEnabled(), timeout=3000)
    window.form.sign_button.click()
    with qtbot.waitSignal(window.opinion.signed, timeout=30000):
        sign_through_dialog(qtbot, window, DEMO_PASSPHRASE)
    assert len(SignedOpinionStore(store).list(case_id)) == 1
