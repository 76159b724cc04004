"""The case header above the navigator never leaves the birth date blank."""


def test_the_case_header_without_a_birth_date_says_so(qapp):
    from app.ui.navigator_widget import CaseHeaderWidget
    header = CaseHeaderWidget()
    header.set_case({"patient": {"family_name": "Test", "given_names": "Patient"}, "question": "Q?"})
    assert header.patient_text().endswith("birth date unknown")
    header.set_case({"patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01"}})
    assert header.patient_text().endswith("born 01/01/1970")
