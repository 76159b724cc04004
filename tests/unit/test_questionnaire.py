"""The opinion form engine: templates, enableWhen, required items, answers."""

import json

import pytest

from app.opinion.questionnaire import (
    TemplateError, empty_response, enabled, from_json, get_answer, get_answers, invalid_choices, list_templates,
    load_template, missing_required, set_answer)

AG = "urn:second-o:agreement"


def test_the_shipped_templates_load():
    assert {"second-opinion", "radiology-review"} <= set(list_templates())
    q = load_template("second-opinion")
    assert q.title == "Second opinion" and q.canonical().endswith("second-opinion|1.0.0")
    for link in ("question", "documents-reviewed", "clinical-summary", "findings", "key-images", "agreement",
                 "agreement-explanation", "diagnosis", "differential", "treatment", "examinations", "answer",
                 "urgency", "recipients", "reviewer-name", "reviewer-specialty", "reviewer-registration"):
        assert link in q.items, link
    r = load_template("radiology-review")
    assert r.item("region")["repeats"] and {"technique", "comparison", "impression"} <= set(r.items)


@pytest.mark.parametrize("item, message", [
    ({"type": "string"}, "no linkId"),
    ({"linkId": "a", "type": "slider"}, "\"a\": unsupported type"),
    ({"linkId": "c", "type": "choice"}, "\"c\": a choice needs answerOption"),
    ({"linkId": "g", "type": "group"}, "\"g\": a group needs items"),
    ({"linkId": "e", "type": "string", "enableWhen": [{"question": "nope", "operator": "=", "answerString": "x"}]},
     "\"e\": enableWhen refers to unknown item \"nope\""),
    ({"linkId": "o", "type": "string", "enableWhen": [{"question": "o", "operator": "~", "answerString": "x"}]},
     "\"o\": unknown enableWhen operator"),
])
def test_a_bad_template_names_the_item(item, message):
    with pytest.raises(TemplateError, match=message):
        from_json({"resourceType": "Questionnaire", "item": [item]}, "bad")


def test_a_template_that_is_not_json_or_not_a_questionnaire(tmp_path):
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "other.json").write_text(json.dumps({"resourceType": "Patient"}))
    with pytest.raises(TemplateError, match="broken: not valid JSON"):
        load_template("broken", tmp_path)
    with pytest.raises(TemplateError, match="not a FHIR Questionnaire"):
        load_template("other", tmp_path)
    with pytest.raises(TemplateError, match="not found"):
        load_template("missing", tmp_path)


def test_agreement_explanation_is_enabled_only_when_not_agreeing():
    q = load_template("second-opinion")
    r = empty_response(q)
    assert not enabled(q, r, "agreement-explanation")  # nothing chosen yet
    set_answer(q, r, "agreement", {"system": AG, "code": "agree"})
    assert not enabled(q, r, "agreement-explanation")
    set_answer(q, r, "agreement", {"system": AG, "code": "partly"})
    assert enabled(q, r, "agreement-explanation")
    assert ("agreement-explanation", "Explain where and why you differ") in missing_required(q, r)
    set_answer(q, r, "agreement", {"system": AG, "code": "agree"})
    assert "agreement-explanation" not in [link for link, _ in missing_required(q, r)]


ITEMS = [{"linkId": "n", "type": "integer"}, {"linkId": "d", "type": "decimal"}, {"linkId": "t", "type": "date"},
         {"linkId": "s", "type": "string"}, {"linkId": "b", "type": "boolean"},
         {"linkId": "grp", "type": "group", "item": [{"linkId": "inner", "type": "string"}],
          "enableWhen": [{"question": "b", "operator": "=", "answerBoolean": True}]}]


@pytest.mark.parametrize("condition, answers, expected", [
    ({"question": "n", "operator": ">", "answerInteger": 3}, {"n": 4}, True),
    ({"question": "n", "operator": ">", "answerInteger": 3}, {"n": 3}, False),
    ({"question": "n", "operator": ">=", "answerInteger": 3}, {"n": 3}, True),
    ({"question": "d", "operator": "<", "answerDecimal": 2.5}, {"d": 2.4}, True),
    ({"question": "d", "operator": "<=", "answerDecimal": 2.5}, {"d": 2.6}, False),
    ({"question": "t", "operator": ">", "answerDate": "2026-01-01"}, {"t": "2026-05-01"}, True),
    ({"question": "s", "operator": "=", "answerString": "x"}, {"s": "x"}, True),
    ({"question": "s", "operator": "!=", "answerString": "x"}, {"s": "x"}, False),
    ({"question": "s", "operator": "exists", "answerBoolean": True}, {}, False),
    ({"question": "s", "operator": "exists", "answerBoolean": False}, {}, True),
    ({"question": "s", "operator": "exists", "answerBoolean": True}, {"s": "  "}, False),
    ({"question": "b", "operator": "=", "answerBoolean": True}, {"b": True}, True),
])
def test_enable_when_operators(condition, answers, expected):
    q = from_json({"resourceType": "Questionnaire", "item": ITEMS + [
        {"linkId": "target", "type": "string", "enableWhen": [condition]}]})
    r = empty_response(q)
    for link, value in answers.items():
        set_answer(q, r, link, value)
    assert enabled(q, r, "target") is expected


def test_enable_behavior_any_and_all_and_ancestors():
    conditions = [{"question": "s", "operator": "=", "answerString": "x"},
                  {"question": "n", "operator": "=", "answerInteger": 1}]
    q = from_json({"resourceType": "Questionnaire", "item": ITEMS + [
        {"linkId": "any", "type": "string", "enableWhen": conditions, "enableBehavior": "any"},
        {"linkId": "all", "type": "string", "enableWhen": conditions, "enableBehavior": "all"}]})
    r = empty_response(q)
    set_answer(q, r, "s", "x")
    assert enabled(q, r, "any") and not enabled(q, r, "all")
    set_answer(q, r, "n", 1)
    assert enabled(q, r, "all")
    assert not enabled(q, r, "inner")  # its group is disabled
    set_answer(q, r, "b", True)
    assert enabled(q, r, "inner")


def test_answers_set_get_and_clear():
    q = load_template("second-opinion")
    r = empty_response(q)
    set_answer(q, r, "differential", ["Hamartoma", "", "Carcinoid"])
    assert get_answers(r, "differential") == ["Hamartoma", "Carcinoid"]
    set_answer(q, r, "reviewer-name", "Dr. A")
    assert get_answer(r, "reviewer-name") == "Dr. A"
    set_answer(q, r, "reviewer-name", None)
    assert get_answer(r, "reviewer-name", "none") == "none"
    with pytest.raises(ValueError):
        set_answer(q, r, "reviewer", "x")


def test_set_answer_creates_missing_items_in_form_order():
    q = load_template("second-opinion")
    r = {"resourceType": "QuestionnaireResponse", "item": []}
    set_answer(q, r, "urgency", {"code": "routine"})
    set_answer(q, r, "reviewer-name", "Dr. A")
    set_answer(q, r, "clinical-summary", "x")
    assert [i["linkId"] for i in r["item"]] == ["clinical-summary", "urgency", "reviewer"]
    assert r["item"][2]["item"][0] == {"linkId": "reviewer-name", "text": "Name", "answer": [{"valueString": "Dr. A"}]}


def test_required_items_in_repeating_groups_are_checked_per_instance():
    q = load_template("radiology-review")
    r = empty_response(q)
    missing = [link for link, _ in missing_required(q, r)]
    assert {"region-name", "region-findings", "technique", "impression"} <= set(missing)
    assert "comparison" not in missing  # not enabled
    region = r["item"][[i["linkId"] for i in r["item"]].index("region")]
    region["item"] = [{"linkId": "region-name", "answer": [{"valueString": "Lungs"}]},
                      {"linkId": "region-findings", "answer": [{"valueString": "9 mm nodule"}]}]
    r["item"].insert(r["item"].index(region) + 1, {"linkId": "region", "item": [
        {"linkId": "region-name", "answer": [{"valueString": "Bones"}]}]})
    missing = [link for link, _ in missing_required(q, r)]
    assert "region-name" not in missing and "region-findings" in missing  # second region has no findings
    r["item"] = [i for i in r["item"] if i["linkId"] != "region"]
    assert "region" in [link for link, _ in missing_required(q, r)]  # a required repeating group with none


def test_invalid_choices_reports_answers_outside_the_options():
    q = load_template("second-opinion")
    r = empty_response(q)
    set_answer(q, r, "urgency", {"system": "urn:second-o:urgency", "code": "routine"})
    assert invalid_choices(q, r) == []
    set_answer(q, r, "urgency", {"system": "urn:second-o:urgency", "code": "yesterday"})
    assert invalid_choices(q, r) == ["urgency"]


def test_the_default_template_is_the_second_opinion():
    assert load_template().name == "second-opinion"
