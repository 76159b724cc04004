"""The case lines of `secondo cases` never leave a date blank."""

from app.dossier.case_view import render_cases


def summary(birth_date):
    return {"case_id": "0123456789abcdef", "status": "received", "received_at": "2026-12-02T09:00:00+00:00",
            "patient": {"family_name": "Test", "given_names": "Patient", "birth_date": birth_date},
            "question": None, "identity": "not_verified", "missing_items": 0, "signature": "unsigned",
            "damaged": None}


def test_a_case_without_a_birth_date_says_so():
    line = render_cases([summary(None)])
    assert "birth date unknown" in line
    assert "()" not in line


def test_a_case_with_a_birth_date_shows_it():
    line = render_cases([summary("1970-01-01")])
    assert "(01/01/1970)" in line
    assert "unknown" not in line

