"""Trust in the window: an opinion signed with a certificate whose issuer is on no list shows
"issuer not trusted" (not FAILED) with "Trust this issuer…", which trusts it and turns the
banner valid; Settings ▸ Trusted issuers imports (CA only, confirmed) and removes (confirmed)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
import pytest

from app.demo.pki import DEMO_PASSPHRASE
from app.signing import trust
from app.signing.settings import SigningSettings, save_signing_settings
from app.store.audit import AuditLog
from app.ui import trust_dialog
from app.ui.opinion_controller import opinion_key
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window
from tests.ui.test_signing_window import fill_form, sign_through_dialog
from tests.unit.test_trust import make_certificate


@pytest.fixture
def answers(monkeypatch):
    """Every confirmation is answered yes; every message is kept instead of shown."""
    said: list[str] = []
    asked: list[str] = []
    monkeypatch.setattr(trust_dialog, "confirm", lambda parent, title, text: asked.append(text) or True)
    monkeypatch.setattr(trust_dialog, "inform", lambda parent, title, text: said.append(text))
    return asked, said


@pytest.fixture
def window(qtbot, demo_store, demo_package):
    store, case_id = demo_store
    save_signing_settings(SigningSettings(identity_path=str(demo_package.reviewer_p12)))
    assert trust.list_trusted(trust.SIGNERS) == []  # the DEMO root is not trusted here
    win = open_window(qtbot, store)
    open_case(qtbot, win, case_id)
    return win


def test_signed_with_an_untrusted_issuer_then_trusted_from_the_banner(qtbot, window, demo_store, demo_package,
                                                                       answers):
    store, _case_id = demo_store
    asked, _said = answers
    fill_form(window)
    qtbot.waitUntil(lambda: window.form.sign_button.isEnabled(), timeout=3000)
    window.form.sign_button.click()
    with qtbot.waitSignal(window.opinion.signed, timeout=30000):
        sign_through_dialog(qtbot, window, DEMO_PASSPHRASE)
    viewer = window.case_view.tab_for(opinion_key(0))
    qtbot.waitUntil(lambda: viewer.signature_state in ("valid", "untrusted", "invalid"), timeout=20000)
    text = viewer.signature.text()
    assert viewer.signature_state == "untrusted", text
    assert text.startswith("Signed, issuer not trusted") and "FAILED" not in text
    root = demo_package.root
    root_name = trust.common_name(root.subject.rfc4514_string())
    assert root_name in text
    assert viewer.signature_action.isVisible() and viewer.signature_action.text() == "Trust this issuer…"

    viewer.signature_action.click()
    qtbot.waitUntil(lambda: viewer.signature_state == "valid", timeout=20000)
    assert "signer trusted" in viewer.signature.text() and not viewer.signature_action.isVisible()
    assert trust.spaced_fingerprint(trust.fingerprint(root)) in asked[0]  # the details were shown first
    assert [e.sha256 for e in trust.list_trusted(trust.SIGNERS)] == [trust.fingerprint(root)]
    last = AuditLog(store.home / "audit.log").entries()[-1]
    assert (last["action"], last["details"]["change"], last["details"]["list"]) == ("trust", "add", "signers")


def test_the_trusted_issuers_dialog_imports_and_removes(qtbot, window, tmp_path, answers):
    asked, said = answers
    ca, person = make_certificate("Test Root CA"), make_certificate("Dr. Test Person", ca=False)
    ca_file, person_file = tmp_path / "root.crt", tmp_path / "person.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.DER))
    person_file.write_bytes(person.public_bytes(serialization.Encoding.PEM))
    dialog = window.show_trust()
    senders = dialog.lists[trust.SENDERS]
    dialog.tabs.setCurrentWidget(senders)
    assert senders.table.topLevelItemCount() == 0 and senders.empty.isVisible()

    senders.import_file(person_file)
    assert said and "not a certificate authority" in said[-1] and not asked
    with qtbot.waitSignal(senders.changed, timeout=10000):
        senders.import_file(ca_file)
    assert trust.spaced_fingerprint(trust.fingerprint(ca)) in asked[-1]
    assert senders.table.topLevelItemCount() == 1
    row = senders.table.topLevelItem(0)
    assert row.text(0) == "Test Root CA" and row.text(4) == trust.spaced_fingerprint(trust.fingerprint(ca))
    assert [e.name for e in trust.list_trusted(trust.SENDERS)] == ["Test Root CA"]
    assert dialog.lists[trust.SIGNERS].table.topLevelItemCount() == 0

    assert not senders.remove_button.isEnabled()
    senders.table.setCurrentItem(row)
    assert senders.remove_button.isEnabled()
    with qtbot.waitSignal(senders.changed, timeout=10000):
        senders.remove_button.click()
    assert "Stop trusting" in asked[-1]
    assert senders.table.topLevelItemCount() == 0 and trust.list_trusted(trust.SENDERS) == []
    dialog.close()
