"""Counts read as a person writes them: "1 study", "2 studies", never "1 studies" nor
"study(ies)", in the command line's output and the window's words."""

from __future__ import annotations

import io
from pathlib import Path
import tokenize

import pytest

from app.dossier.case_view import render_case
from app.signoff.signing import IncompleteOpinionError

ROOT = Path(__file__).resolve().parents[2]


def view(studies: int) -> dict:
    return {"case_id": "c" * 32, "status": "received", "patient": {"family_name": "Test", "given_names": "Patient",
                                                                    "birth_date": "1970-01-01"},
            "received_at": "2026-12-02", "manifest_signature": {"state": "valid"}, "question": None, "identity": "ok",
            "completeness": [], "documents": [], "unreadable": [], "missing_studies": [], "missing": [], "refused": [], "notes": [],
            "studies": [{"date": "2026-01-01", "description": "CT", "identity": {"status": "ok"},
                         "series": [{"modality": "CT", "number": 1, "description": "Thorax", "instances": studies,
                                     "frames": studies}]}
                        for _ in range(studies)]}


@pytest.mark.parametrize("studies, expected", [(1, "Imaging (1 study):"), (2, "Imaging (2 studies):")])
def test_the_case_lists_its_studies_in_words(studies, expected):
    text = render_case(view(studies))
    assert expected in text.splitlines()
    assert ("1 instance, 1 frame" if studies == 1 else "2 instances, 2 frames") in text


def test_one_missing_item_is_one_item():
    assert "1 required item is empty" in str(IncompleteOpinionError([("answer", "Answer")]))
    assert "2 required items are empty" in str(IncompleteOpinionError([("a", "A"), ("b", "B")]))


def string_literals(path: Path):
    with open(path, "rb") as handle:
        for token in tokenize.tokenize(io.BytesIO(handle.read()).readline):
            if token.type == tokenize.STRING:
                yield token.start[0], token.string


def test_no_word_is_counted_with_a_bracketed_plural():
    """"file(s)", "match(es)", "study(ies)": ngettext (app.core.i18n) says it properly."""
    found = []
    for path in sorted([*ROOT.glob("app/**/*.py"), *ROOT.glob("viewers/**/*.py")]):
        for line, text in string_literals(path):
            if any(mark in text for mark in ("(s)", "(es)", "(ies)")):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert found == []
