"""Pre-filling an opinion from the demo dossier and the reviewer's profile; drafts at rest."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.demo.dossier import _manifest
from app.demo.letters import write_letters
from app.opinion.prefill import bind, new_response
from app.opinion.profile import ReviewerProfile, load_profile, save_profile
from app.opinion.questionnaire import (
    get_answer, get_answers, invalid_choices, load_template, missing_required, set_answer)
from app.store.drafts import DraftStore
from app.store.store import CaseStore

PROFILE = ReviewerProfile("Dr. Test Reviewer (DEMO)", "Pulmonology", "1-00000-99-000")


def demo_record(folder: Path) -> dict:
    """A case record as the importer builds it from the demo dossier (documents and manifest)."""
    documents = write_letters(Path(folder))
    manifest = _manifest(documents, [], datetime(2026, 11, 5, tzinfo=timezone.utc))
    return {"case_id": "demo-case", "manifest": manifest,
            "documents": [dict(d, id=f"doc{n}") for n, d in enumerate(documents)], "studies": [], "completeness": []}


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return demo_record(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def form(record):
    q = bind(load_template("second-opinion"), record)
    return q, new_response(q, record, PROFILE)


def test_the_question_and_patient_are_copied(form, record):
    q, r = form
    assert get_answer(r, "question") == record["manifest"]["referral"]["question"]
    assert get_answer(r, "patient") == "TEST, Patient, born 01/01/1970"
    assert r["subject"]["display"] == "TEST, Patient, born 01/01/1970"
    assert r["resourceType"] == "QuestionnaireResponse" and r["status"] == "in-progress"
    assert r["questionnaire"] == "http://second-o.example/fhir/Questionnaire/second-opinion|1.0.0"


def test_the_eight_documents_are_offered_and_pre_checked(form, record):
    q, r = form
    options = q.item("documents-reviewed")["answerOption"]
    assert len(options) == len(record["documents"]) == 8
    ticked = get_answers(r, "documents-reviewed")
    assert [c["code"] for c in ticked] == [f"doc{n}" for n in range(8)]
    assert ticked[0]["display"].startswith("Referral for a second opinion (DEMO) — 04/11/2026")


def test_the_gp_is_never_offered_because_the_patient_did_not_consent(form):
    q, r = form
    offered = [o["valueCoding"]["code"] for o in q.item("recipients")["answerOption"]]
    assert offered == ["treating_physician", "patient"]
    assert "general_practitioner" not in json.dumps(q.data)
    assert [c["code"] for c in get_answers(r, "recipients")] == ["treating_physician", "patient"]
    assert "Dr. Test Treating (DEMO)" in q.item("recipients")["answerOption"][0]["valueCoding"]["display"]
    # a GP forced into a draft by hand is reported
    set_answer(q, r, "recipients", [{"system": "urn:second-o:recipient-role", "code": "general_practitioner"}])
    assert invalid_choices(q, r) == ["recipients"]


def test_no_recipient_at_all_without_consent(record):
    bare = dict(record, manifest=dict(record["manifest"], referral={"question": "Q?"}))
    q = bind(load_template("second-opinion"), bare)
    assert q.item("recipients")["answerOption"] == []
    assert get_answers(new_response(q, bare, PROFILE), "recipients") == []


def test_the_template_itself_is_not_changed_by_binding(record):
    template = load_template("second-opinion")
    bind(template, record)
    assert len(template.item("recipients")["answerOption"]) == 4
    assert "answerOption" not in template.item("documents-reviewed")


def test_reviewer_fields_come_from_the_profile(form):
    q, r = form
    assert get_answer(r, "reviewer-name") == "Dr. Test Reviewer (DEMO)"
    assert get_answer(r, "reviewer-specialty") == "Pulmonology"
    assert get_answer(r, "reviewer-registration") == "1-00000-99-000"


def test_the_profile_round_trips_in_the_data_folder(isolated_home):
    assert load_profile() == ReviewerProfile()
    save_profile(PROFILE)
    assert (isolated_home / "reviewer.json").exists()
    assert load_profile() == PROFILE


def test_missing_required_before_and_after_filling(form):
    q, r = form
    assert [link for link, _ in missing_required(q, r)] == [
        "clinical-summary", "findings", "agreement", "diagnosis", "treatment", "answer", "urgency"]
    for link in ("clinical-summary", "findings", "diagnosis", "treatment", "answer"):
        set_answer(q, r, link, f"text for {link}")
    set_answer(q, r, "urgency", q.item("urgency")["answerOption"][0]["valueCoding"])
    set_answer(q, r, "agreement", {"system": "urn:second-o:agreement", "code": "disagree"})
    assert missing_required(q, r) == [("agreement-explanation", "Explain where and why you differ")]
    set_answer(q, r, "agreement-explanation", "Surveillance is reasonable.")
    assert missing_required(q, r) == []


def test_an_unbound_template_is_bound_by_new_response(record):
    r = new_response(load_template("radiology-review"), record, PROFILE)
    assert len(get_answers(r, "documents-reviewed")) == 8


def test_a_draft_round_trips_through_the_draft_store(form, isolated_home):
    q, r = form
    set_answer(q, r, "clinical-summary", "Gaëlle, 56: 9 mm nodule — DEMO")
    with CaseStore.open(isolated_home) as store:
        DraftStore(store).save("demo-case", r)
        again = DraftStore(store).load("demo-case")
    assert again == r
    assert get_answer(again, "clinical-summary") == "Gaëlle, 56: 9 mm nodule — DEMO"
    assert missing_required(q, again) == missing_required(q, r)
