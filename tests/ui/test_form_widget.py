"""The opinion form widget, the draft autosaver and the validation panel (offscreen)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from app.core.key_images import KeyImage
from app.opinion.prefill import bind, new_response
from app.opinion.questionnaire import get_answer, get_answers, load_template, missing_required
from app.ui.form_widget import DraftAutosaver, OpinionFormWidget
from app.ui.validation_widget import LINK_ROLE, ValidationPanelWidget
from tests.unit.test_prefill import PROFILE, demo_record

AGREE = {"system": "urn:second-o:agreement", "code": "agree"}


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return demo_record(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def form(qtbot, record):
    q = bind(load_template("second-opinion"), record)
    widget = OpinionFormWidget(q)
    widget.set_response(new_response(q, record, PROFILE))
    widget.resize(600, 700)
    qtbot.addWidget(widget)
    return widget


def field(form, link_id, kind=None):
    return form.findChild(kind or QPlainTextEdit, f"field-{link_id}")


def choose(form, link_id, code):
    combo = field(form, link_id, QComboBox)
    combo.setCurrentIndex(next(i for i in range(combo.count()) if (combo.itemData(i) or {}).get("code") == code))


def test_the_prefilled_response_is_shown_and_read_back(form, record):
    response = form.response()
    assert get_answer(response, "question") == record["manifest"]["referral"]["question"]
    assert len(get_answers(response, "documents-reviewed")) == 8
    assert [c["code"] for c in get_answers(response, "recipients")] == ["treating_physician", "patient"]
    assert get_answer(response, "reviewer-name") == PROFILE.name
    assert response["subject"]["display"] == "TEST, Patient, born 01/01/1970"


def test_typing_changes_the_response_and_emits_changed(qtbot, form):
    with qtbot.waitSignal(form.changed, timeout=1000):
        qtbot.keyClicks(field(form, "diagnosis"), "Typical carcinoid, DEMO")
    assert get_answer(form.response(), "diagnosis") == "Typical carcinoid, DEMO"
    with qtbot.waitSignal(form.changed, timeout=1000):
        qtbot.keyClicks(field(form, "reviewer-registration", QLineEdit), "9")
    assert get_answer(form.response(), "reviewer-registration") == "1-00000-99-0009"


def test_set_response_does_not_emit_changed(qtbot, form):
    with qtbot.assertNotEmitted(form.changed):
        form.set_response(form.response())


def test_enable_when_hides_and_shows_live(qtbot, form):
    assert not form.is_shown("agreement-explanation")
    choose(form, "agreement", "disagree")
    assert form.is_shown("agreement-explanation")
    qtbot.keyClicks(field(form, "agreement-explanation"), "Surveillance first")
    choose(form, "agreement", "agree")
    assert not form.is_shown("agreement-explanation")
    assert get_answer(form.response(), "agreement") == dict(AGREE, display="Agree")
    # the words typed are kept while hidden, and not required
    assert get_answer(form.response(), "agreement-explanation") == "Surveillance first"
    assert "agreement-explanation" not in [link for link, _ in missing_required(form.questionnaire, form.response())]


def test_unticking_a_document_and_repeating_strings(qtbot, form):
    checklist = field(form, "documents-reviewed", QWidget)
    checklist.boxes[7].setChecked(False)
    assert len(get_answers(form.response(), "documents-reviewed")) == 7
    qtbot.keyClicks(field(form, "differential", QLineEdit), "Hamartoma")
    qtbot.mouseClick(form.findChild(QPushButton, "add-differential"), Qt.MouseButton.LeftButton)
    lines = form.findChildren(QLineEdit, "field-differential")
    assert len(lines) == 2
    qtbot.keyClicks(lines[1], "Carcinoid")
    assert get_answers(form.response(), "differential") == ["Hamartoma", "Carcinoid"]
    again = OpinionFormWidget(form.questionnaire)
    qtbot.addWidget(again)
    again.set_response(form.response())
    assert again.response() == form.response()


def test_repeating_groups_add_and_remove(qtbot, record):
    q = bind(load_template("radiology-review"), record)
    form = OpinionFormWidget(q)
    qtbot.addWidget(form)
    form.set_response(new_response(q, record, PROFILE))
    assert [i["linkId"] for i in form.response()["item"]].count("region") == 1
    with qtbot.waitSignal(form.changed, timeout=1000):
        qtbot.mouseClick(form.findChild(QPushButton, "add-region"), Qt.MouseButton.LeftButton)
    assert [i["linkId"] for i in form.response()["item"]].count("region") == 2
    second = form.findChildren(QPlainTextEdit, "field-region-findings")[1]
    qtbot.keyClicks(second, "Small pleural effusion")
    regions = [i for i in form.response()["item"] if i["linkId"] == "region"]
    assert regions[1]["item"][1]["answer"] == [{"valueString": "Small pleural effusion"}]
    again = OpinionFormWidget(q)
    qtbot.addWidget(again)
    again.set_response(form.response())
    assert again.response() == form.response()
    assert not form.is_shown("comparison")
    form.findChild(QWidget, "field-comparison-available").setChecked(True)
    assert form.is_shown("comparison")


def test_focus_item_scrolls_to_and_focuses_the_field(qtbot, form):
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    assert form.focus_item("reviewer-registration")
    target = field(form, "reviewer-registration", QLineEdit)
    qtbot.waitUntil(target.hasFocus, timeout=2000)
    assert form.scroll.verticalScrollBar().value() > 0
    assert not form.focus_item("agreement-explanation")  # hidden
    assert not form.focus_item("no-such-item")


def test_key_images_are_listed_with_their_captions(qtbot, form):
    from PySide6.QtWidgets import QLabel
    assert form.findChild(QLabel, "key-images-empty") is not None
    form.set_key_images([KeyImage.new("RLL nodule, 9 mm", b"", "1.2", ("1.2.3", 0)),
                         KeyImage.new("Fissure", b"", "1.2", ("1.2.4", 0), measurements="12.0 mm")])
    qtbot.waitUntil(lambda: form.findChild(QLabel, "key-images-empty") is None, timeout=1000)
    captions = [label.text() for label in form.findChildren(QLabel, "key-image-caption")]
    assert captions == ["RLL nodule, 9 mm", "Fissure\n12.0 mm"]


def test_read_only_for_a_signed_draft(qtbot, form):
    form.set_read_only(True)
    diagnosis = field(form, "diagnosis")
    assert diagnosis.isReadOnly()
    assert not field(form, "agreement", QComboBox).isEnabled()
    assert form.findChild(QPushButton, "add-differential").isHidden()
    before = form.response()
    qtbot.keyClicks(diagnosis, "late change")
    assert form.response() == before
    form.set_read_only(False)
    assert not diagnosis.isReadOnly()


def test_the_autosaver_saves_once_after_a_burst_of_edits(qtbot, form):
    saves = []
    saver = DraftAutosaver(form, saves.append, delay_ms=300)
    editor = field(form, "clinical-summary")
    for word in ("Nine ", "millimetre ", "nodule"):
        qtbot.keyClicks(editor, word)
        qtbot.wait(40)
    assert saves == [] and saver.pending
    qtbot.waitUntil(lambda: len(saves) == 1, timeout=2000)
    qtbot.wait(450)
    assert len(saves) == 1 and not saver.pending
    assert get_answer(saves[0], "clinical-summary") == "Nine millimetre nodule"


def test_steady_typing_is_still_saved_within_the_delay(qtbot, form):
    saves = []
    DraftAutosaver(form, saves.append, delay_ms=200)
    editor = field(form, "clinical-summary")
    for _ in range(12):  # ~600 ms of typing without a pause longer than the delay
        qtbot.keyClicks(editor, "x")
        qtbot.wait(50)
    assert len(saves) >= 2


def test_flush_saves_immediately_and_only_when_changed(qtbot, form):
    saves = []
    saver = DraftAutosaver(form, saves.append, delay_ms=60_000)
    assert saver.flush() is False and saves == []
    qtbot.keyClicks(field(form, "treatment"), "CT surveillance")
    assert saver.flush() is True
    assert get_answer(saves[0], "treatment") == "CT surveillance"
    assert saver.flush() is False and len(saves) == 1


def test_the_validation_panel_lists_missing_items_and_jumps_to_them(qtbot, form):
    panel = ValidationPanelWidget(form)
    qtbot.addWidget(panel)
    form.show()
    panel.show()
    qtbot.waitExposed(form)
    links = [panel.list.item(n).data(LINK_ROLE) for n in range(panel.list.count())]
    assert links == ["clinical-summary", "findings", "agreement", "diagnosis", "treatment", "answer", "urgency"]
    assert panel.list.item(1).text() == "Findings › Description"
    assert "7 required items missing" in panel.header.text()
    entry = panel.list.item(links.index("treatment"))
    rect = panel.list.visualItemRect(entry)
    form.activateWindow()
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: field(form, "treatment").hasFocus(), timeout=2000)
    qtbot.keyClicks(field(form, "treatment"), "Surveillance CT at 3 months")
    assert "treatment" not in [panel.list.item(n).data(LINK_ROLE) for n in range(panel.list.count())]


def test_the_validation_panel_says_when_everything_is_filled(qtbot, form):
    panel = ValidationPanelWidget(form)
    qtbot.addWidget(panel)
    counts = []
    panel.missing_changed.connect(counts.append)
    for link in ("clinical-summary", "findings", "diagnosis", "treatment", "answer"):
        qtbot.keyClicks(field(form, link), "DEMO text")
    choose(form, "agreement", "agree")
    choose(form, "urgency", "routine")
    assert panel.list.count() == 0 and counts[-1] == 0
    assert "can be signed" in panel.header.text()


def test_a_panel_made_for_a_complete_form_says_so_at_once(qtbot, form):
    for link in ("clinical-summary", "findings", "diagnosis", "treatment", "answer"):
        qtbot.keyClicks(field(form, link), "DEMO text")
    choose(form, "agreement", "agree")
    choose(form, "urgency", "routine")
    panel = ValidationPanelWidget(form)  # as when a complete draft is opened
    qtbot.addWidget(panel)
    assert panel.missing == [] and "can be signed" in panel.header.text()
    assert panel.list.isHidden()


def test_focus_item_without_a_link_focuses_the_first_editable_field(qtbot, form):
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    assert form.focus_item()
    qtbot.waitUntil(lambda: field(form, "question").hasFocus(), timeout=2000)


def test_removing_a_region_renumbers_the_others(qtbot, record):
    from PySide6.QtWidgets import QGroupBox
    q = bind(load_template("radiology-review"), record)
    form = OpinionFormWidget(q)
    qtbot.addWidget(form)
    for _ in range(2):
        qtbot.mouseClick(form.findChild(QPushButton, "add-region"), Qt.MouseButton.LeftButton)
    boxes = form.findChildren(QGroupBox, "group-region")
    assert [b.title() for b in boxes] == ["Entry 1", "Entry 2", "Entry 3"]
    qtbot.mouseClick(boxes[0].findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(form.findChildren(QGroupBox, "group-region")) == 2, timeout=1000)
    assert [b.title() for b in form.findChildren(QGroupBox, "group-region")] == ["Entry 1", "Entry 2"]
    assert [i["linkId"] for i in form.response()["item"]].count("region") == 2
