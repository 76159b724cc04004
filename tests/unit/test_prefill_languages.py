"""Pre-filled options in every language: the recipients and documents a case adds to the form
carry their labels in English, Dutch and French, as the template's own options do."""

import pytest

from app.core.i18n import in_language
from app.opinion.prefill import bind, new_response, patient_display
from app.opinion.form_languages import localized, option_display, untranslated
from app.opinion.questionnaire import get_answers, load_template
from tests.unit.test_prefill import PROFILE, demo_record


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return demo_record(tmp_path_factory.mktemp("demo"))


def test_the_bound_template_is_translated_throughout(record):
    assert untranslated(bind(load_template("second-opinion"), record)) == []


def test_a_recipient_is_named_with_the_role_in_each_language(record):
    q = bind(load_template("second-opinion"), record)
    assert option_display(q, "recipients", "treating_physician", "en") == "Treating physician: Dr. Test Treating (DEMO)"
    assert option_display(q, "recipients", "treating_physician", "nl") == "Behandelend arts: Dr. Test Treating (DEMO)"
    assert option_display(q, "recipients", "treating_physician", "fr") == "Médecin traitant : Dr. Test Treating (DEMO)"
    assert option_display(q, "recipients", "patient", "nl") == "De patiënt: TEST, Patient, geboren op 01/01/1970"
    fr = localized(q, "fr")
    assert [o["valueCoding"]["display"] for o in fr.item("recipients")["answerOption"]] == [
        "Médecin traitant : Dr. Test Treating (DEMO)", "Le patient : TEST, Patient, né(e) le 01/01/1970"]


def test_a_role_the_template_does_not_list_is_labelled_from_the_catalogue(record):
    template = load_template("second-opinion")
    template.item("recipients")["answerOption"] = template.item("recipients")["answerOption"][1:]
    q = bind(template, record)
    assert option_display(q, "recipients", "treating_physician", "fr") == "Médecin traitant : Dr. Test Treating (DEMO)"
    assert option_display(q, "recipients", "treating_physician", "en") == "Treating physician: Dr. Test Treating (DEMO)"


def test_the_documents_carry_their_dates_in_each_language(record):
    q = bind(load_template("second-opinion"), record)
    first = q.item("documents-reviewed")["answerOption"][0]["valueCoding"]["code"]
    assert "— 04/11/2026" in option_display(q, "documents-reviewed", first, "fr")
    response = new_response(q, record, PROFILE)
    assert get_answers(response, "documents-reviewed")[0]["display"].startswith(
        "Referral for a second opinion (DEMO) — 04/11/2026")


def test_the_patient_line_follows_the_language(record):
    with in_language("nl"):
        assert patient_display(record) == "TEST, Patient, geboren op 01/01/1970"
    with in_language("fr"):
        assert patient_display(record) == "TEST, Patient, né(e) le 01/01/1970"
    assert patient_display(record) == "TEST, Patient, born 01/01/1970"
