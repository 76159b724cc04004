"""A letter naming another patient in the window: the worklist's identity column says
"Mismatch" with a tooltip naming a document, and the navigator shows the letter in red with
the reason, as it shows another patient's study; its flags follow the texts as they arrive."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.page_text import DocumentText
from app.dossier.case_view import case_summaries
from app.store.store import CaseStore
from app.ui.case_read_state import DOT
from app.ui.main_window import MainWindow
from app.ui.navigator_widget import PROBLEM_ROLE, NavigatorWidget
from tests.ui.case_fixtures import demo_package, import_demo  # noqa: F401 - fixtures
from tests.unit.document_fixtures import flag_letter

RED = "#c62828"


@pytest.fixture
def store(isolated_home):
    with CaseStore.open(Path(isolated_home)) as opened:
        yield opened


def identity_cell(window: MainWindow, case_id: str, role=Qt.ItemDataRole.DisplayRole):
    model = window.worklist.model
    row = next(n for n, r in enumerate(model.rows) if r["case_id"] == case_id)
    return model.data(model.index(row, model.COLUMNS.index("identity")), role)


def test_the_worklist_and_the_navigator_flag_the_letter(qtbot, store, demo_package):
    case_id = import_demo(store, demo_package)
    letter = flag_letter(store, case_id, 2)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.worklist.model.rowCount() == 1, timeout=20000)
    assert identity_cell(window, case_id) == "Mismatch"
    assert identity_cell(window, case_id, Qt.ItemDataRole.ForegroundRole).name() == RED
    tooltip = identity_cell(window, case_id, Qt.ItemDataRole.ToolTipRole)
    assert "A document about another patient" in tooltip and "Images" not in tooltip
    assert identity_cell(window, case_id, Qt.ItemDataRole.DecorationRole) is not None  # the warning mark

    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    nav = window.case_view.navigator
    flagged = [i for i in nav.problem_items if i.data(0, PROBLEM_ROLE) == "other_patient"]
    assert flagged == [nav.document_items[2]]
    item = flagged[0]
    assert letter["title"] in item.text(0) and "Other patient: name and birth date differ" in item.text(0)
    assert item.foreground(0).color().name() == RED
    assert "Other Testperson" in item.toolTip(0) and "02/02/1980" in item.toolTip(0)  # on screen only
    assert "a document about another patient" in nav.status_label.text()
    # The read state's marks survive: an unread document keeps its dot and bold type.
    assert flagged[0].text(0).startswith(DOT) and flagged[0].font(0).bold()
    # With the keyboard only: down the navigator to the flagged letter (its reason is on the
    # line itself, not only in the tooltip), Enter opens it.
    nav.setFocus()
    nav.setCurrentItem(nav.topLevelItem(0))
    for _step in range(40):
        if nav.currentItem() is item:
            break
        qtbot.keyClick(nav, Qt.Key.Key_Down)
    assert nav.currentItem() is item
    with qtbot.waitSignal(window.case_view.documentShown, timeout=20000) as shown:
        qtbot.keyClick(nav, Qt.Key.Key_Return)
    assert shown.args == [letter["title"]]
    window.close()


def test_the_navigator_updates_its_documents_flags_in_place(qtbot):
    nav = NavigatorWidget()
    qtbot.addWidget(nav)
    mismatch = {"status": "mismatch", "mismatches": ["birth date"], "basis": "document",
                "checks": [{"field": "birth date", "status": "mismatch", "found": "1980-02-02"}]}
    documents = [{"title": "Letter A", "kind": "correspondence", "identity": {"status": "match"}},
                 {"title": "Letter B", "kind": "correspondence", "identity": {"status": "not_verified"}}]
    nav.set_case({"documents": documents, "identity": "ok"})
    second = nav.document_items[1]
    assert nav.problem_items == []
    nav.update_documents({"documents": [documents[0], documents[1] | {"identity": mismatch}],
                          "identity": "mismatch", "document_mismatches": 1})
    assert nav.document_items[1] is second and nav.problem_items == [second]
    assert "the birth date differs" in second.text(0) and second.foreground(0).color().name() == RED
    nav.update_documents({"documents": documents, "identity": "ok"})
    assert nav.problem_items == [] and second.text(0).strip().endswith("Letter B")
    assert second.data(0, PROBLEM_ROLE) is None and second.data(0, Qt.ItemDataRole.ForegroundRole) is None


def test_a_letter_read_by_the_text_job_is_flagged_in_the_open_case(qtbot, store, demo_package, tmp_path):
    """The real path: the case opens with a letter's text not read yet; the window's text job
    reads it, the case view's `textsChanged` has it checked again, the navigator flags it."""
    from app.dossier import document_text
    from app.store.texts import TextStore
    from tests.unit.document_fixtures import add_other_patient_letter

    case_id = import_demo(store, demo_package)
    letter_id = add_other_patient_letter(store, case_id, tmp_path)
    scan = next(d for d in store.record(case_id)["documents"] if d["media_type"] == "image/tiff")
    TextStore(store).save(case_id, scan["id"], DocumentText([], None, document_text.EXTRACTOR))  # no OCR here
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.worklist.model.rowCount() == 1, timeout=20000)
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    view = window.case_view
    nav = view.navigator
    n = next(i for i, d in enumerate(view.data.documents) if d["id"] == letter_id)
    assert view.data.view["documents"][n]["identity"]["status"] == "not_verified"
    assert nav.document_items[n] not in nav.problem_items
    qtbot.waitUntil(lambda: nav.document_items[n] in nav.problem_items, timeout=60000)
    flagged = [i for i in nav.problem_items if i.data(0, PROBLEM_ROLE) == "other_patient"]
    assert flagged == [nav.document_items[n]]
    assert view.data.view["identity"] == "mismatch" and view.data.view["document_mismatches"] == 1
    assert "a document about another patient" in nav.status_label.text()
    # The read state's marks survive: an unread document keeps its dot and bold type.
    assert flagged[0].text(0).startswith(DOT) and flagged[0].font(0).bold()
    # The kept summary followed (the text job's ensure_texts): the worklist says so on return.
    assert next(s for s in case_summaries(store) if s["case_id"] == case_id)["document_mismatches"] == 1
    window.close()
