"""The cover letter's salutation (app/report/salutation.py): a title and a family name, never
the clinical label "TEST, Patient"."""

import pytest

from app.report.salutation import salutation


@pytest.mark.parametrize("name, role, title, greeting", [
    ("Dr A. Janssens", "treating_physician", "", "Dear Dr Janssens,"),
    ("Dr. Test Treating (DEMO)", "treating_physician", "", "Dear Dr Treating,"),
    ("A. Janssens", "general_practitioner", "", "Dear Dr Janssens,"),  # a physician's role: Dr
    ("Prof. Dr. J. Peeters", "referring_physician", "", "Dear Prof. Peeters,"),
    ("Dr Anne van den Berg", "treating_physician", "", "Dear Dr van den Berg,"),
    ("Anne Peeters", "treating_physician", "Prof.", "Dear Prof. Peeters,"),
    ("Jan Janssens", "", "", "Dear Jan Janssens,"),
    ("", "", "", "Dear Sir or Madam,"),
])
def test_a_person_is_greeted_by_title_and_family_name(name, role, title, greeting):
    assert salutation(name, role=role, title=title) == greeting


def test_a_patient_is_greeted_by_title_or_full_name_never_as_a_label():
    assert salutation("TEST, Patient", title="Ms", family_name="TEST", given_names="Patient") == "Dear Ms Test,"
    assert salutation("TEST, Patient", family_name="Test", given_names="Patient") == "Dear Patient Test,"
    assert salutation("TEST, Patient") == "Dear Patient Test,"
