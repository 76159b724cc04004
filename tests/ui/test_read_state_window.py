"""Read state in the window: opening a document marks it read (bold and dot gone, the group's
count follows), kept across reopening the case; "Mark as unread"; View ▸ Next unread document;
the form's "Documents reviewed" ticks what was opened and keeps the reviewer's own edits."""

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QWidget

from app.opinion.prefill import DOCUMENT_SYSTEM
from app.opinion.questionnaire import get_answers
from app.store.annotations import AnnotationStore
from app.ui.case_read_state import DOT, tick_reviewed
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_case, open_window


def reviewed(window) -> list[str]:
    return [c["code"] for c in get_answers(window.form.response(), "documents-reviewed")
            if c.get("system") == DOCUMENT_SYSTEM]


def checklist(window):
    return window.form.form.findChild(QWidget, "field-documents-reviewed")


def show(qtbot, window, n: int) -> None:
    with qtbot.waitSignal(window.case_view.documentShown, timeout=10000):
        window.case_view.open_document(n)


def unread_marked(window, n: int) -> bool:
    item = window.case_view.navigator.document_items[n]
    assert item.text(0).startswith(DOT) == item.font(0).bold()
    return item.font(0).bold()


def group_text(window, n: int) -> str:
    return window.case_view.navigator.document_items[n].parent().text(0)


def written(window) -> None:
    window.store_runner.pool.waitForDone(10000)


def test_opening_a_document_marks_it_read_and_it_stays_read(qtbot, demo_store):  # noqa: F811 - fixture
    store, case_id = demo_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    view = window.case_view
    documents = view.data.documents
    assert all(unread_marked(window, n) for n in range(len(documents)))
    correspondence = next(n for n, d in enumerate(documents) if d["kind"] == "correspondence")
    assert group_text(window, correspondence) == "Correspondence (3, 3 unread)"
    assert reviewed(window) == []  # nothing opened yet: no document ticked as reviewed
    show(qtbot, window, correspondence)
    assert not unread_marked(window, correspondence)
    assert group_text(window, correspondence) == "Correspondence (3, 2 unread)"
    code = documents[correspondence]["id"]
    assert reviewed(window) == [code]
    written(window)
    assert list(AnnotationStore(store).read_documents(case_id)) == [code]
    view.navigator.set_case(view.data.view)  # filled again (new identity flags): marked again
    qtbot.waitUntil(lambda: group_text(window, correspondence) == "Correspondence (3, 2 unread)", timeout=5000)
    assert not unread_marked(window, correspondence) and unread_marked(window, 0)
    window.show_worklist()
    open_case(qtbot, window, case_id)
    assert not unread_marked(window, correspondence)
    assert sum(unread_marked(window, n) for n in range(len(documents))) == len(documents) - 1
    assert reviewed(window) == [code]


def test_a_document_that_cannot_be_shown_stays_unread(qtbot, demo_store):  # noqa: F811 - fixture
    store, case_id = demo_store
    doc = store.record(case_id)["documents"][0]
    blob = store.vault.root / doc["blob"]
    raw = bytearray(blob.read_bytes())
    raw[-40] ^= 1
    blob.write_bytes(bytes(raw))
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    show(qtbot, window, 0)
    assert unread_marked(window, 0) and reviewed(window) == []


def test_mark_as_unread_from_the_navigator(qtbot, demo_store):  # noqa: F811 - fixture
    store, case_id = demo_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    view, nav = window.case_view, window.case_view.navigator
    show(qtbot, window, 1)
    before = group_text(window, 1)
    item = nav.document_items[1]
    nav.scrollToItem(item)
    view.read_state._menu_at(nav.visualItemRect(item).center())
    [action] = view.read_state.menu.actions()
    assert action.text() == "Mark as unread"
    action.trigger()
    assert unread_marked(window, 1) and group_text(window, 1) != before
    written(window)
    assert AnnotationStore(store).read_documents(case_id) == {}
    assert reviewed(window) == [view.data.documents[1]["id"]]  # the form keeps what it lists
    view.read_state._menu_at(nav.visualItemRect(item).center())
    [action] = view.read_state.menu.actions()
    assert action.text() == "Mark as read"
    view.read_state.menu.close()
    view.read_state.menu = None
    view.read_state._menu_at(QPoint(-5, -5))  # no item there: no menu
    assert view.read_state.menu is None


def test_next_unread_document_opens_them_in_the_navigators_order(qtbot, demo_store):  # noqa: F811 - fixture
    store, case_id = demo_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    view = window.case_view
    order = [n for kind, n in view._order if kind == "document"]
    action = next(a for a in window.actions() if "Ctrl+Shift+PgDown" in [k.toString() for k in a.shortcuts()])
    last_series = [uid for kind, uid in view._order if kind == "series"][-1]
    view.open_series(last_series)  # from the navigator's last line: round to its first document
    opened = []
    for _ in order:
        with qtbot.waitSignal(view.documentShown, timeout=10000):
            action.trigger()
        opened.append(view._order[view._position][1])
    assert opened == order
    assert not view.read_state.unread()
    messages = []
    view.read_state.message.connect(messages.append)
    assert view.read_state.next_unread() is None and messages == ["Every document of this case has been read."]


def test_a_hand_edit_of_documents_reviewed_survives_later_openings(qtbot, demo_store):  # noqa: F811 - fixture
    store, case_id = demo_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    documents = window.case_view.data.documents
    codes = [d["id"] for d in documents]
    show(qtbot, window, 0)
    assert reviewed(window) == [codes[0]]
    boxes = checklist(window).boxes
    boxes[0].setChecked(False)  # the reviewer: not really reviewed
    boxes[3].setChecked(True)  # read on paper
    show(qtbot, window, 1)
    assert reviewed(window) == [codes[1], codes[3]]
    window.case_view.open_document(0)  # its tab again: read already, nothing changes in the form
    assert reviewed(window) == [codes[1], codes[3]]
    window.form.flush()
    written(window)
    draft = window.drafts.load(case_id)
    assert [c["code"] for c in get_answers(draft, "documents-reviewed") if c["code"] in codes] == [codes[1], codes[3]]


def test_a_signed_form_is_never_ticked(qtbot, demo_store):  # noqa: F811 - fixture
    store, case_id = demo_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    window.form.form.set_read_only(True)
    show(qtbot, window, 2)
    assert not unread_marked(window, 2)
    assert reviewed(window) == []
    assert not tick_reviewed(window.form, "another-case", window.case_view.data.documents[2]["id"])


def test_with_the_keyboard_only(qtbot, demo_store):  # noqa: F811 - fixture
    """Ctrl+Shift+PgDown (and Alt+Shift+Down) opens the next unread document; in the navigator the
    menu key offers "Mark as unread" for the current document."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication

    store, case_id = demo_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    view, nav = window.case_view, window.case_view.navigator
    first, second = [n for kind, n in view._order if kind == "document"][:2]
    nav.setFocus()
    with qtbot.waitSignal(view.documentShown, timeout=10000):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_PageDown,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not unread_marked(window, first) and nav.currentItem() is nav.document_items[first]
    nav.setFocus()
    with qtbot.waitSignal(view.documentShown, timeout=10000):
        qtbot.keyClick(nav, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not unread_marked(window, second)
    nav.setCurrentItem(nav.document_items[first])
    nav.setFocus()
    # The menu key (or Shift+F10) on the current line, as the platform delivers it:
    QApplication.sendEvent(nav, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, QPoint(3, 3)))
    qtbot.waitUntil(lambda: view.read_state.menu is not None and view.read_state.menu.isVisible(), timeout=5000)
    assert [a.text() for a in view.read_state.menu.actions()] == ["Mark as unread"]
    qtbot.keyClick(view.read_state.menu, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: unread_marked(window, first), timeout=5000)
