"""The certificate details of the address book read in the interface language, key usages
included (not asn1crypto's names such as key_encipherment)."""

import pytest

from app.ui.address_book_dialog import describe_certificate

DETAILS = {"subject": "CN=Dr. Test Treating (DEMO)", "issuer": "CN=DEMO Root", "not_before": "2026-01-01T00:00:00",
           "not_after": "2027-01-01T00:00:00", "key_usage": ["digital_signature", "key_encipherment"],
           "sha256": "ab" * 32, "problem": None}


@pytest.mark.parametrize("language, usages", [
    ("en", "digital signature, key encipherment"), ("nl", "digitale handtekening, sleutelvercijfering"),
    ("fr", "signature numérique, chiffrement de clé")])
def test_key_usages_are_named_in_the_interface_language(interface_language, language, usages):
    interface_language(language)
    text = describe_certificate(DETAILS)
    assert usages in text and "key_encipherment" not in text and "digital_signature" not in text


def test_an_unknown_usage_is_shown_as_the_certificate_names_it(interface_language):
    interface_language("nl")
    assert "some_future_usage" in describe_certificate({**DETAILS, "key_usage": ["some_future_usage"]})
