"""Proposed file names: readable, and accepted by every file system."""

import pytest

from app.core.file_names import MAX_STEM, readable_file_name


class TestReadableFileName:
    def test_keeps_a_plain_name(self):
        assert readable_file_name("Second opinion - Test Patient - 2026-12-02", ".pdf") == \
            "Second opinion - Test Patient - 2026-12-02.pdf"

    @pytest.mark.parametrize("stem, expected", [
        ('Test: "Patient" / 1970\\01|01?*<>', "Test Patient 1970 01 01.pdf"),
        ("  ..Test\tPatient\n..  ", "Test Patient.pdf"),
        ("CON", "document CON.pdf"),
        ("", "document.pdf"),
        ("???", "document.pdf"),
        ("Tést Pàtiënt", "Tést Pàtiënt.pdf"),
    ])
    def test_removes_what_a_file_system_refuses(self, stem, expected):
        assert readable_file_name(stem, ".pdf") == expected

    def test_is_not_too_long(self):
        name = readable_file_name("Test Patient " * 40, ".pdf")
        assert len(name) <= MAX_STEM + len(".pdf")
        assert name.endswith(("Patient.pdf", "Test.pdf"))  # cut at a word's end
