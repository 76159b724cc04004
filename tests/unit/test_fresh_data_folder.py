"""A fresh data folder carries nothing of the DEMO: the letters it renders are headed by the
reviewer's own name, never by the DEMO letterhead; only `secondo demo` saves that one."""

from pathlib import Path
import shutil
import subprocess

import pytest

from app.cli import main
from app.opinion.prefill import bind, new_response
from app.opinion.profile import ReviewerProfile, save_profile
from app.opinion.questionnaire import load_template
from app.report import Letterhead, load_letterhead, render_opinion
from app.report.cover_letter import CoverDetails, render_cover_letter

REVIEWER = ReviewerProfile("Dr. Test Reviewer", "Pulmonology", "1-23456-78-901")


def pdf_text(pdf: bytes, folder: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = folder / "letter.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True, timeout=60).stdout


def plain_record() -> dict:
    """A case of a plain CD: a fictitious patient, nothing of the DEMO dossier."""
    manifest = {"patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01", "sex": "F"},
                "sender": {"organisation": "Test Sending Hospital"}, "documents": []}
    return {"case_id": "fe5c0000-0000-4000-8000-000000000001", "manifest": manifest, "documents": []}


def cover_details() -> CoverDetails:
    return CoverDetails("Dr. Test Treating", ["Teststraat 1", "0000 Test City"], "Test Patient", "fe5c0000",
                        REVIEWER.name, "2026-11-23", 2)


def test_a_fresh_data_folder_has_an_empty_letterhead(isolated_home):
    assert load_letterhead() == Letterhead()
    assert not (isolated_home / "letterhead.json").exists()


def test_the_opinion_of_a_fresh_folder_is_headed_by_the_reviewer_not_the_demo(tmp_path):
    save_profile(REVIEWER)
    record = plain_record()
    q = bind(load_template("second-opinion"), record)
    text = pdf_text(render_opinion(record, q, new_response(q, record, REVIEWER)).pdf, tmp_path)
    assert "DEMO" not in text and "Demo" not in text
    head = [line for line in text.splitlines() if line.strip()][:2]
    assert head == [REVIEWER.name, REVIEWER.specialty]


def test_the_cover_letter_of_a_fresh_folder_is_signed_by_the_reviewer_not_the_demo(tmp_path):
    save_profile(REVIEWER)
    text = pdf_text(render_cover_letter(cover_details()), tmp_path)
    assert "DEMO" not in text and "Demo" not in text
    assert text.strip().splitlines()[0] == REVIEWER.name
    assert text.count(REVIEWER.name) >= 2  # the head and the signature


def test_a_saved_letterhead_heads_the_letter_instead_of_the_reviewer(tmp_path):
    from app.report import save_letterhead

    save_profile(REVIEWER)
    save_letterhead(Letterhead("Test Academic Hospital", "Pulmonology", ["Teststraat 1"], "", "", None))
    text = pdf_text(render_cover_letter(cover_details()), tmp_path)
    assert text.strip().splitlines()[0] == "Test Academic Hospital"


def test_only_the_demo_command_saves_the_demo_letterhead(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "demo"), "--ct-slices", "3", "--no-window"]) == 0
    capsys.readouterr()
    assert load_letterhead().is_demo
    text = pdf_text(render_cover_letter(cover_details()), tmp_path)
    assert "DEMO University Hospital" in text and "DEMO — not for clinical use" in text
