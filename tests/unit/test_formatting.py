"""Dates shown or printed follow the reader's locale (short numeric form, four-digit year), and
names the clinical label's order."""

import pytest

from app.core.formatting import format_date, format_dicom_name, format_patient_name
from app.core.i18n import in_language


@pytest.fixture(autouse=True)
def no_os_region(monkeypatch):
    """The region of these tests is the language's default (Belgium, Britain), whatever the
    machine's locale; a test that wants another sets LANG itself."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


class TestFormatDate:
    @pytest.mark.parametrize("value", ["1970-01-01", "19700101", "1970-01-01T08:30:00+01:00"])
    def test_iso_dicom_and_timestamps_read_the_same(self, value):
        assert format_date(value) == "01/01/1970"

    def test_day_before_month_and_two_digits_in_english(self):
        assert format_date("2026-11-04") == "04/11/2026"

    def test_a_belgian_reader_gets_slashes(self, interface_language):
        interface_language("nl")
        assert format_date("2026-11-04") == "04/11/2026"
        with in_language("fr"):
            assert format_date("2026-11-04") == "04/11/2026"

    def test_a_dutch_reader_in_the_netherlands_gets_dashes(self, monkeypatch):
        monkeypatch.setenv("LANG", "nl_NL.UTF-8")
        with in_language("nl"):
            assert format_date("2026-11-04") == "04-11-2026"

    @pytest.mark.parametrize(("value", "shown"), [(None, ""), ("", ""), ("unknown", "unknown"), ("2026-13-45", "2026-13-45")])
    def test_nothing_or_not_a_date(self, value, shown):
        assert format_date(value) == shown


def test_names_family_first_in_capitals():
    assert format_patient_name("Test", "Patient") == "TEST, Patient"
    assert format_dicom_name("Test^Patient^Middle") == "TEST, Patient Middle"
