"""The opinion templates in Dutch and French: the FHIR translation extension on every text,
`localized` copies, and stored answers re-labelled in a reader's language."""

import copy

import pytest

from app.opinion.form_languages import (
    TRANSLATION_URL, answer_display, localized, option_display, template_texts, translations, untranslated)
from app.opinion.questionnaire import (
    empty_response, invalid_choices, list_templates, load_template, get_answer, missing_required, set_answer)


def _texts(data: dict) -> list[tuple[str, str]]:
    """(where, text) of every translatable text of a template: title, item texts, option displays."""
    found = [("title", data["title"])]

    def visit(items):
        for item in items:
            found.append((item["linkId"], item["text"]))
            for n, option in enumerate(item.get("answerOption", [])):
                coding = option.get("valueCoding")
                found.append((f"{item['linkId']}/{coding['code'] if coding else n}",
                              coding["display"] if coding else option["valueString"]))
            visit(item.get("item", []))
    visit(data["item"])
    return found


@pytest.mark.parametrize("name", list_templates())
def test_every_text_of_every_template_has_a_dutch_and_a_french_translation(name):
    q = load_template(name)
    assert untranslated(q) == []
    english = _texts(q.data)
    assert len(english) > 10
    for language in ("nl", "fr"):
        shown = _texts(localized(q, language).data)
        assert [w for w, _t in shown] == [w for w, _t in english]
        same = [(w, t) for (w, t), (_w, e) in zip(shown, english) if t == e]
        # the few words that are written alike in both languages, and nothing else
        assert {t for _w, t in same} <= {"Second opinion", "Description", "Mediastinum", "Pleura", "Patient",
                                         "Conclusion"}, (language, same)


def test_localized_gives_the_translations_of_the_hospital_register():
    q = load_template("second-opinion")
    fr, nl = localized(q, "fr"), localized(q, "nl")
    assert fr.title == "Deuxième avis"
    assert fr.item("clinical-summary")["text"] == "Résumé clinique"
    assert nl.item("clinical-summary")["text"] == "Klinische samenvatting"
    assert nl.item("question")["text"] == "Gestelde vraag" and fr.item("question")["text"] == "Question posée"
    assert [o["valueCoding"]["display"] for o in fr.item("recipients")["answerOption"]][:3] == [
        "Médecin traitant", "Médecin référent", "Médecin généraliste"]
    assert [o["valueCoding"]["code"] for o in nl.item("urgency")["answerOption"]] == ["routine", "soon", "urgent"]
    assert localized(load_template("radiology-review"), "fr").item("region-name")["answerOption"][0] == {
        "valueString": "Poumons"}
    # a copy to show: no translation extension left in it, the template untouched
    assert TRANSLATION_URL not in str(fr.data) and TRANSLATION_URL in str(q.data)
    assert q.item("clinical-summary")["text"] == "Clinical summary"
    assert fr.source is q and fr.original is q and fr.language == "fr"
    assert localized(fr, "nl").item("diagnosis")["text"] == "Diagnose"  # from the template, not the copy


def test_localized_accepts_the_plain_json_and_a_regional_tag():
    data = load_template("second-opinion").data
    before = copy.deepcopy(data)
    fr = localized(data, "fr-BE")
    assert isinstance(fr, dict) and fr["item"][1]["text"] == "Résumé clinique"
    assert data == before
    assert localized(data, "en")["item"][1]["text"] == "Clinical summary"


def test_a_missing_translation_falls_back_to_the_english_text():
    data = {"resourceType": "Questionnaire", "title": "Test form", "item": [
        {"linkId": "a", "type": "string", "text": "Only English"},
        {"linkId": "b", "type": "choice", "text": "Both texts", "_text": {"extension": [
            {"url": TRANSLATION_URL, "extension": [{"url": "lang", "valueCode": "nl-BE"},
                                                   {"url": "content", "valueString": "Beide teksten"}]}]},
         "answerOption": [{"valueCoding": {"code": "x", "display": "Ex"}}]}]}
    nl, de = localized(data, "nl"), localized(data, "de")
    assert [i["text"] for i in nl["item"]] == ["Only English", "Beide teksten"]
    assert nl["item"][1]["answerOption"][0]["valueCoding"]["display"] == "Ex"
    assert [i["text"] for i in de["item"]] == ["Only English", "Both texts"]
    assert translations(data["item"][1], "text") == {"nl": "Beide teksten"}
    assert untranslated(data) == ['title: nl', 'title: fr', 'item "a" text: nl', 'item "a" text: fr',
                                  'item "b" text: fr', 'item "b" option "x": nl', 'item "b" option "x": fr']


def test_a_stored_coding_is_relabelled_in_the_readers_language():
    q = load_template("second-opinion")
    assert option_display(q, "urgency", "soon", "nl") == "Binnenkort (binnen enkele weken)"
    assert option_display(q, "urgency", "soon", "en") == "Soon (within weeks)"
    assert option_display(localized(q, "nl"), "urgency", "urgent", "fr") == "Urgent (dans les jours à venir)"
    assert option_display(q, "urgency", "never", "fr") is None
    assert option_display(q, "urgency", "soon", "fr", system="urn:other") is None
    stored = {"system": "urn:second-o:agreement", "code": "partly", "display": "Partly agree"}
    assert answer_display(q, "agreement", stored, "fr") == "Partiellement d'accord"
    assert answer_display(q.data, "agreement", stored, "nl") == "Gedeeltelijk akkoord"
    assert answer_display(q, "agreement", {"code": "other", "display": "Other"}, "fr") == "Other"
    assert answer_display(q, "diagnosis", "Free text of the reviewer", "fr") == "Free text of the reviewer"
    radiology = load_template("radiology-review")
    assert answer_display(radiology, "region-name", "Lungs", "nl") == "Longen"
    assert answer_display(radiology, "region-name", "Poumons", "en") == "Lungs"  # typed in a French form
    assert answer_display(radiology, "region-name", "Left kidney", "fr") == "Left kidney"


def test_a_response_filled_in_a_french_form_validates_like_an_english_one():
    q = load_template("second-opinion")
    fr = localized(q, "fr")
    response = empty_response(fr)
    set_answer(fr, response, "agreement", fr.item("agreement")["answerOption"][1]["valueCoding"])
    set_answer(fr, response, "urgency", fr.item("urgency")["answerOption"][0]["valueCoding"])
    set_answer(fr, response, "recipients", [o["valueCoding"] for o in fr.item("recipients")["answerOption"][:2]])
    assert invalid_choices(q, response) == []
    english = [link for link, _text in missing_required(q, response)]
    assert "agreement-explanation" in english  # "partly" in French opens it as in English
    assert english == [link for link, _text in missing_required(fr, response)]
    assert dict(missing_required(fr, response))["clinical-summary"] == "Résumé clinique"
    set_answer(q, response, "recipients", [{"system": "urn:second-o:recipient-role", "code": "nobody",
                                            "display": "Médecin traitant"}])
    assert invalid_choices(q, response) == ["recipients"]  # the code counts, not the words


def test_a_text_the_template_does_not_translate_comes_from_the_catalogue_before_english(monkeypatch):
    class Catalogue:
        def gettext(self, message):
            return {"Only English": "⟦Óñlý Éñglîsh⟧"}.get(message, message)
    monkeypatch.setattr("app.opinion.form_languages.translation", lambda language: Catalogue())
    data = {"resourceType": "Questionnaire", "item": [{"linkId": "a", "type": "string", "text": "Only English"}]}
    assert localized(data, "qps")["item"][0]["text"] == "⟦Óñlý Éñglîsh⟧"
    assert localized(data, "en")["item"][0]["text"] == "Only English"


def test_the_template_texts_are_listed_for_a_catalogue():
    texts = template_texts(load_template("radiology-review"))
    assert texts[0] == "Radiology review" and {"Findings per region", "Lungs", "Largest lesion (mm)"} <= set(texts)
    assert len(texts) == len(set(texts))


def test_a_stored_coding_keeps_its_code_and_english_display_without_the_translations():
    q = load_template("second-opinion")
    response = empty_response(q)
    set_answer(q, response, "urgency", q.item("urgency")["answerOption"][2]["valueCoding"])
    assert get_answer(response, "urgency") == {"system": "urn:second-o:urgency", "code": "urgent",
                                               "display": "Urgent (within days)"}
