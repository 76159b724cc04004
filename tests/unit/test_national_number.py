"""The national number named as its reader expects: per country (Belgium's register, the Dutch
BSN) and per language, inside a sentence and as a label; stored system names never change."""

import pytest

from app.core.i18n import in_language
from app.dossier import national_number
from app.dossier.national_number import identifier_label, number_label, number_name


class TestNumberName:
    @pytest.mark.parametrize(("language", "country", "name"), [
        ("en", "BE", "national register number"),
        ("nl", "BE", "rijksregisternummer"),
        ("fr", "BE", "numéro de registre national"),
        ("en", "NL", "BSN"),
        ("nl", "NL", "burgerservicenummer (BSN)"),
        ("fr", "NL", "numéro BSN"),
        ("en", None, "national number"),
        ("nl", None, "identificatienummer"),
        ("fr", None, "numéro d'identification national"),
    ])
    def test_per_country_and_language(self, language, country, name):
        with in_language(language):
            assert number_name(country) == name

    @pytest.mark.parametrize("key", ["national-register", "BE", "be"])
    def test_a_system_name_or_a_country_code_names_the_belgian_number(self, key):
        with in_language("nl"):
            assert number_name(key) == "rijksregisternummer"

    def test_the_interface_language_applies_outside_a_reader_block(self, interface_language):
        interface_language("fr")
        assert number_name("nl-bsn") == "numéro BSN"

    def test_an_unknown_system_gets_the_generic_name(self):
        with in_language("fr"):
            assert number_name("urn:oid:1.2.3") == "numéro d'identification national"


class TestNumberLabel:
    @pytest.mark.parametrize(("language", "label"), [
        ("nl", "Rijksregisternummer"), ("fr", "Numéro de registre national"), ("en", "National register number")])
    def test_a_label_starts_with_a_capital(self, language, label):
        with in_language(language):
            assert number_label("BE") == label

    def test_the_label_of_a_stored_identifier(self):
        with in_language("nl"):
            assert identifier_label({"system": "nl-bsn", "value": "111222333"}) == "Burgerservicenummer (BSN)"
            assert identifier_label(None) == "Identificatienummer"


def test_parsing_keeps_the_stable_system_names(interface_language):
    interface_language("nl")
    assert national_number.parse("70.01.01-001.88")["system"] == "national-register"
    assert national_number.parse("111222333")["system"] == "nl-bsn"
