"""Preview, Sign and addenda in the window: Sign is refused while required
items are empty; a wrong passphrase asks again and keeps nothing; after signing the form is
locked, the case is Signed and the signed PDF opens with its signature status; a later change
is addendum 1 and the original stays as it was."""

from __future__ import annotations

import pytest

from app.demo.pki import DEMO_PASSPHRASE
from app.opinion.questionnaire import set_answer
from app.signing import secrets
from app.signing.settings import SigningSettings, save_signing_settings
from app.signing.trust import signer_roots_dir
from app.store.audit import AuditLog
from app.store.drafts import DraftStore
from app.store.opinions import SignedOpinionStore
from app.ui.opinion_controller import PREVIEW_KEY, opinion_key
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window
from tests.unit.test_opinion_pdf import fill


@pytest.fixture
def window(qtbot, demo_store, demo_package):
    store, case_id = demo_store
    save_signing_settings(SigningSettings(identity_path=str(demo_package.reviewer_p12)))
    signer_roots_dir().mkdir(parents=True, exist_ok=True)
    (signer_roots_dir() / "demo-root.pem").write_bytes(demo_package.pki_files["root.pem"].read_bytes())
    win = open_window(qtbot, store)
    open_case(qtbot, win, case_id)
    return win


def fill_form(window) -> None:
    form = window.form.form
    response = fill(form.questionnaire, form.response(), **{
        "reviewer-name": "Dr. Test Reviewer (DEMO)", "reviewer-specialty": "Pulmonology",
        "reviewer-registration": "1-00000-99-000"})
    form.set_response(response)
    form.changed.emit()


def tab_widget(window, key):
    return window.case_view.tab_for(key)


def sign_through_dialog(qtbot, window, passphrase: str, remember: bool = False):
    dialog = window.opinion.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.passphrase.setText(passphrase)
    dialog.remember_box.setChecked(remember)
    assert dialog.sign_button.isEnabled()
    dialog.sign_button.click()


def test_sign_is_refused_while_required_items_are_empty(qtbot, window, demo_store):
    store, case_id = demo_store
    assert window.form.missing and not window.form.sign_button.isEnabled()
    failures = []
    window.opinion.failed.connect(failures.append)
    window.opinion.sign()  # the shortcut, even with the button disabled
    assert failures and "required item" in failures[0]
    assert window.opinion.dialog is None
    assert SignedOpinionStore(store).list(case_id) == []


def test_preview_shows_the_unsigned_letter(qtbot, window):
    fill_form(window)
    with qtbot.waitSignal(window.opinion.previewShown, timeout=20000):
        window.form.preview_button.click()
    viewer = tab_widget(window, PREVIEW_KEY)
    assert viewer is not None and viewer.page_count() >= 2
    assert viewer.signature_state == "unsigned" and "NOT signed" in viewer.signature.text()


def test_sign_locks_the_form_and_shows_the_signed_pdf(qtbot, window, demo_store, demo_package):
    store, case_id = demo_store
    fill_form(window)
    assert window.form.missing == []
    qtbot.waitUntil(lambda: window.form.sign_button.isEnabled(), timeout=3000)
    window.form.sign_button.click()
    sign_through_dialog(qtbot, window, "wrong passphrase")
    # Refused: asked again with the reason, nothing kept.
    qtbot.waitUntil(lambda: window.opinion.dialog is not None and window.opinion.dialog.isVisible(), timeout=20000)
    assert "wrong passphrase" in window.opinion.dialog.error.text()
    assert SignedOpinionStore(store).list(case_id) == []
    with qtbot.waitSignal(window.opinion.signed, timeout=30000):
        sign_through_dialog(qtbot, window, DEMO_PASSPHRASE, remember=True)
    assert secrets.remembered_passphrase(demo_package.reviewer_p12) == DEMO_PASSPHRASE
    (opinion,) = SignedOpinionStore(store).list(case_id)
    assert store.index.case(case_id)["status"] == "signed"
    assert window.form.locked and window.form.form.read_only and not window.form.sign_button.isEnabled()
    assert window.form.banner.isVisible() and "Opinion" in window.form.banner_text.text()
    assert DraftStore(store).load(case_id)["status"] == "completed"
    assert [e["action"] for e in AuditLog(store.home / "audit.log").entries()][-1] == "sign"
    viewer = tab_widget(window, opinion_key(0))
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.signature_state == "valid", timeout=20000)
    assert "Dr. Test Reviewer (DEMO)" in viewer.signature.text() and "trusted" in viewer.signature.text()

    # A reopened case stays locked.
    window.show_worklist()
    open_case(qtbot, window, case_id)
    assert window.form.locked and window.form.form.read_only

    # A change after signing is addendum 1; the original is unchanged.
    original = SignedOpinionStore(store).pdf(case_id, 0)
    window.form.addendum_button.click()
    assert not window.form.locked and not window.form.form.read_only
    response = window.form.form.response()
    set_answer(window.form.form.questionnaire, response, "answer", "Addendum: resection after all.")
    window.form.form.set_response(response)
    window.form.form.changed.emit()
    window.opinion.sign()
    dialog = window.opinion.dialog
    assert dialog.remembered_note.isVisibleTo(dialog) and dialog.sign_button.isEnabled()  # remembered passphrase
    with qtbot.waitSignal(window.opinion.signed, timeout=30000) as signal:
        dialog.sign_button.click()
    assert signal.args == [case_id, 1]
    assert [o.number for o in SignedOpinionStore(store).list(case_id)] == [0, 1]
    assert SignedOpinionStore(store).pdf(case_id, 0) == original
    assert tab_widget(window, opinion_key(1)) is not None


def test_a_tampered_signed_pdf_shows_a_failed_signature(qtbot, window, pki):
    from app.signing.pades import sign_pdf
    from tests.conftest import key_identity
    from tests.unit.pdf_signing import BOX, make_pdf

    signed = bytearray(sign_pdf(make_pdf(2), key_identity(pki.reviewer_rsa), box=BOX).pdf)
    signed[len(signed) // 3] ^= 0x01  # one byte inside the signed range
    viewer = window.case_view.open_pdf("test:tampered", "Tampered", bytes(signed))
    qtbot.waitUntil(lambda: viewer.signature_state == "invalid", timeout=20000)
    assert "FAILED" in viewer.signature.text()


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: None)


def test_the_letterhead_dialog_saves_what_the_letter_shows(qtbot, window, demo_store, tmp_path):
    from PIL import Image

    from app.opinion.profile import load_profile
    from app.signoff.signing import preview_opinion
    from app.report.letterhead import load_letterhead
    from tests.unit.test_signed_opinions import text_of

    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 90), (31, 58, 95)).save(logo)
    dialog = window.show_letterhead()
    dialog.institution.setText("Test Academic Hospital Gaëlle Dœns")
    dialog.department.setText("Department of Pulmonology")
    dialog.address.setPlainText("Teststraat 1\n0000 Test City")
    dialog.logo.setText(str(logo))
    dialog.registration.setText("1-11111-11-111")
    dialog.save()
    dialog.close()
    assert load_letterhead().institution == "Test Academic Hospital Gaëlle Dœns"
    assert load_letterhead().address_lines == ["Teststraat 1", "0000 Test City"]
    assert load_profile().registration == "1-11111-11-111"
    store, case_id = demo_store
    fill_form(window)
    pdf = preview_opinion(store, case_id, window.form.form.response()).pdf
    text = text_of(pdf, tmp_path)
    assert "Test Academic Hospital Gaëlle Dœns" in text and "Teststraat 1" in text
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf


def test_the_sign_dialog_collects_a_token_choice_and_never_stores_the_pin(qtbot, tmp_path):
    from app.signing.settings import PKCS11, load_signing_settings, settings_path
    from app.ui.sign_dialog import SignDialog

    dialog = SignDialog(SigningSettings(identity_path=str(tmp_path / "none.p12")), "The second opinion")
    qtbot.addWidget(dialog)
    assert not dialog.sign_button.isEnabled()  # no passphrase, none remembered
    dialog.use_token.setChecked(True)
    dialog.token.setText("BELPIC")
    dialog.key_label.setText("Signature")
    assert not dialog.sign_button.isEnabled()
    dialog.pin.setText("1234")
    assert dialog.sign_button.isEnabled()
    chosen = dialog.settings()
    assert (chosen.kind, chosen.token_label, chosen.key_label) == (PKCS11, "BELPIC", "Signature")
    assert dialog.secret() == "1234" and not dialog.remember()
    save_signing_settings(chosen)
    assert load_signing_settings() == chosen
    assert b"1234" not in settings_path().read_bytes()


def test_any_signed_pdf_from_disk_shows_its_status(qtbot, window, pki, tmp_path):
    from app.signing.pades import sign_pdf
    from tests.conftest import key_identity
    from tests.unit.pdf_signing import BOX, make_pdf

    good, untrusted = tmp_path / "good.pdf", tmp_path / "untrusted.pdf"
    good.write_bytes(sign_pdf(make_pdf(1), key_identity(pki.reviewer_ec), box=BOX).pdf)
    (signer_roots_dir() / "test-root.pem").write_bytes(pki.root.cert_pem())
    window.open_pdf_file(str(good))
    qtbot.waitUntil(lambda: window.case_view.tab_for(f"file:{good}") is not None, timeout=10000)
    viewer = window.case_view.tab_for(f"file:{good}")
    qtbot.waitUntil(lambda: viewer.signature_state in ("valid", "untrusted", "invalid"), timeout=20000)
    assert viewer.signature_state == "valid", viewer.signature.text()
    (signer_roots_dir() / "test-root.pem").unlink()
    untrusted.write_bytes(good.read_bytes())
    window.open_pdf_file(str(untrusted))
    qtbot.waitUntil(lambda: window.case_view.tab_for(f"file:{untrusted}") is not None, timeout=10000)
    viewer = window.case_view.tab_for(f"file:{untrusted}")
    qtbot.waitUntil(lambda: viewer.signature_state in ("valid", "untrusted", "invalid"), timeout=20000)
    assert viewer.signature_state == "untrusted" and "issuer not trusted" in viewer.signature.text()


def test_key_images_kept_with_the_case_show_in_the_form_when_it_opens(qtbot, demo_store):
    from PySide6.QtWidgets import QWidget

    from app.core.key_images import KeyImage
    from app.store.annotations import AnnotationStore
    from tests.unit.test_opinion_pdf import key_image

    store, case_id = demo_store
    AnnotationStore(store).add_key_image(case_id, key_image(1))
    win = open_window(qtbot, store)
    open_case(qtbot, win, case_id)
    lines = [w for w in win.form.form.findChildren(QWidget, "key-image") if not w.isHidden()]
    assert len(lines) == 1 and isinstance(AnnotationStore(store).key_images(case_id)[0], KeyImage)
