"""The opinion form in the interface language (offscreen): texts, options and buttons in
Dutch or French, while the response it gives keeps the template's codes and English texts."""

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QGroupBox, QLabel, QLineEdit, QPushButton

from app.opinion.prefill import bind, new_response
from app.opinion.questionnaire import (
    find_items, get_answer, get_answers, invalid_choices, load_template, missing_required)
from app.ui.form_widget import OpinionFormWidget
from app.ui.validation_widget import ValidationPanelWidget
from tests.unit.test_prefill import PROFILE, demo_record


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return demo_record(tmp_path_factory.mktemp("demo"))


def make_form(qtbot, record, template="second-opinion"):
    q = bind(load_template(template), record)
    widget = OpinionFormWidget(q)
    widget.set_response(new_response(q, record, PROFILE))
    widget.resize(600, 700)
    qtbot.addWidget(widget)
    return widget


def labels(widget) -> set[str]:
    return {label.text() for label in widget.findChildren(QLabel)}


def combo_texts(form, link_id) -> list[str]:
    combo = form.findChild(QComboBox, f"field-{link_id}")
    return [combo.itemText(i) for i in range(1, combo.count())]


def choose(form, link_id, code):
    combo = form.findChild(QComboBox, f"field-{link_id}")
    combo.setCurrentIndex(next(i for i in range(combo.count()) if (combo.itemData(i) or {}).get("code") == code))


def test_the_french_form_shows_french_texts_options_and_buttons(qtbot, record, interface_language):
    interface_language("fr")
    form = make_form(qtbot, record)
    shown = labels(form)
    assert "Deuxième avis" in shown
    assert any(text.startswith("Résumé clinique") for text in shown)
    assert any(text.startswith("Question posée") for text in shown)
    assert not any(text.startswith("Clinical summary") for text in shown)
    assert {box.title() for box in form.findChildren(QGroupBox)} >= {"La demande", "Constatations", "Médecin évaluateur"}
    assert combo_texts(form, "agreement") == ["D'accord", "Partiellement d'accord", "Pas d'accord"]
    assert combo_texts(form, "urgency")[0] == "Non urgent"
    assert "Médecin traitant : Dr. Test Treating (DEMO)" in shown
    assert "Médecin traitant : Dr. Test Treating (DEMO)" in {b.accessibleName() for b in form.findChildren(QCheckBox)}
    assert form.findChild(QPushButton, "add-differential").text() == "Ajouter"
    assert "Pas encore d'images clés : ajoutez-les depuis la visionneuse d'images." in shown
    assert form.findChild(QLineEdit, "field-patient").text() == "TEST, Patient, né(e) le 01/01/1970"


def test_the_dutch_form_shows_dutch_texts_and_its_validation_panel_speaks_dutch(qtbot, record, interface_language):
    interface_language("nl")
    form = make_form(qtbot, record)
    panel = ValidationPanelWidget(form)
    qtbot.addWidget(panel)
    assert any(text.startswith("Klinische samenvatting") for text in labels(form))
    assert combo_texts(form, "agreement") == ["Akkoord", "Gedeeltelijk akkoord", "Niet akkoord"]
    assert panel.header.text().startswith("Er ontbreken nog")
    listed = [panel.list.item(n).text() for n in range(panel.list.count())]
    assert "Klinische samenvatting" in listed and "Bevindingen › Beschrijving" in listed


def test_a_response_made_in_the_french_form_keeps_codes_and_english_texts_and_validates(qtbot, record,
                                                                                        interface_language):
    interface_language("fr")
    form = make_form(qtbot, record)
    choose(form, "agreement", "partly")
    choose(form, "urgency", "soon")
    response = form.response()
    assert get_answer(response, "agreement") == {"system": "urn:second-o:agreement", "code": "partly",
                                                 "display": "Partly agree"}
    assert get_answer(response, "urgency")["display"] == "Soon (within weeks)"
    assert find_items(response, "clinical-summary")[0]["text"] == "Clinical summary"
    recipients = get_answers(response, "recipients")
    assert [c["code"] for c in recipients] == ["treating_physician", "patient"]
    assert recipients[0]["display"] == "Treating physician: Dr. Test Treating (DEMO)"
    assert all(not key.startswith("_") for c in recipients for key in c)
    template = bind(load_template("second-opinion"), record)
    assert invalid_choices(template, response) == []
    assert [link for link, _t in missing_required(template, response)] == [
        link for link, _t in missing_required(form.questionnaire, response)]
    assert "agreement-explanation" in dict(missing_required(template, response))  # "partly" opens it in French too
    # an English draft opens in the French form with its choices shown in French
    again = make_form(qtbot, record)
    again.set_response(response)
    assert again.findChild(QComboBox, "field-agreement").currentText() == "Partiellement d'accord"
    assert again.response() == response


def test_a_repeating_group_and_its_string_options_in_dutch(qtbot, record, interface_language):
    interface_language("nl")
    form = make_form(qtbot, record, "radiology-review")
    assert form.findChild(QPushButton, "add-region").text() == "Toevoegen: Bevindingen per regio"
    assert "Item 1" in {box.title() for box in form.findChildren(QGroupBox)}
    assert combo_texts(form, "region-name")[:2] == ["Longen", "Mediastinum"]
    choose_string = form.findChild(QComboBox, "field-region-name")
    choose_string.setCurrentIndex(1)
    assert get_answer(form.response(), "region-name") == "Lungs"  # the template's value, not the Dutch word
    form.findChild(QPushButton, "add-region").click()
    assert {"Item 1", "Item 2"} <= {box.title() for box in form.findChildren(QGroupBox)}


def test_a_decimal_is_shown_with_a_comma_in_dutch_and_a_point_in_english(qtbot, record, interface_language):
    interface_language("nl")
    form = make_form(qtbot, record, "radiology-review")
    size = form.findChild(QDoubleSpinBox, "field-region-size-mm")
    size.setValue(9.8)
    assert size.text() == "9,80"
    assert get_answer(form.response(), "region-size-mm") == 9.8
    interface_language("en")
    assert make_form(qtbot, record, "radiology-review").findChild(
        QDoubleSpinBox, "field-region-size-mm").locale().decimalPoint() == "."
