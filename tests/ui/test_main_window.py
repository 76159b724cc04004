"""The workstation window: worklist, case view with every kind of document, form dock and its
draft, shortcuts, settings, imports and the `secondo` command with no verb."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.cli import main
from app.store.drafts import DraftStore
from app.ui import app_main
from app.ui.form_dock import AUTOSAVE_MS
from app.ui.main_window import MainWindow
from app.ui.shortcuts import SHORTCUTS, KeyboardDialog
from app.ui.worklist_widget import CASE_ID_ROLE
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from viewers import base


def open_window(qtbot, store, **kwargs) -> MainWindow:
    window = MainWindow(store, **kwargs)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.worklist.model.rowCount() > 0, timeout=10000)
    return window


def open_case(qtbot, window: MainWindow, case_id: str) -> None:
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)


def text_field(form):
    """The first editable text field of the form (whichever form engine is there)."""
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit
    for kind in (QPlainTextEdit, QTextEdit, QLineEdit):
        for field in form.findChildren(kind):
            if field.isEnabled() and not field.isReadOnly() and field.isVisibleTo(form):
                return field
    raise AssertionError("the form has no text field")


def field_text(field) -> str:
    return field.text() if hasattr(field, "text") else field.toPlainText()


class TestWorklist:
    def test_lists_the_case_with_its_summary(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        model = window.worklist.model
        row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
        assert row[0] == "TEST, Patient" and row[1] == "01/01/1970"
        assert row[4] == "Received" and row[5] == "6 of 6" and row[6] == "OK"
        assert "nodule" in row[3]
        assert window.worklist.visible_case_ids() == [case_id]

    def test_a_damaged_case_is_listed_as_damaged_beside_the_others(self, qtbot, demo_store, tmp_path, capsys):
        from tests.unit.store_cds import unique_cd
        store, case_id = demo_store
        assert main(["import", str(unique_cd(tmp_path / "cd")), "--json"]) == 0
        damaged = next(c["id"] for c in store.index.cases() if c["id"] != case_id)
        (Path(store.home) / "vault" / store.index.case(damaged)["record"]).unlink()
        window = MainWindow(store)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.worklist.model.rowCount() == 2, timeout=10000)
        model = window.worklist.model
        names = {model.data(model.index(r, 0), CASE_ID_ROLE): model.data(model.index(r, 0)) for r in range(2)}
        assert names == {case_id: "TEST, Patient", damaged: f"Damaged case {damaged[:8]}"}
        bad_row = next(r for r in range(2) if model.data(model.index(r, 0), CASE_ID_ROLE) == damaged)
        assert "cannot be read" in model.data(model.index(bad_row, 0), Qt.ItemDataRole.ToolTipRole)

    def test_filters_by_status_and_search(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        worklist = window.worklist
        worklist.search_box.setText("nobody like this")
        assert worklist.visible_case_ids() == []
        worklist.search_box.setText("test, pat")
        assert worklist.visible_case_ids() == [case_id]
        worklist.status_box.setCurrentIndex(worklist.status_box.findData("signed"))
        assert worklist.visible_case_ids() == []
        worklist.status_box.setCurrentIndex(worklist.status_box.findData("received"))
        assert worklist.visible_case_ids() == [case_id]
        assert worklist.count_label.text() == "1 of 1 case"

    def test_sorts_and_flags_identity_mismatches(self, qtbot, demo_store):
        store, _case_id = demo_store
        window = open_window(qtbot, store)
        other = dict(window.worklist.model.rows[0], case_id="other", identity_mismatches=1, missing_items=2,
                     patient={"family_name": "Aaa", "given_names": "Bob", "birth_date": "1950-02-03"})
        window.worklist.set_cases(window.worklist.model.rows + [other])
        table = window.worklist.table
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        assert window.worklist.visible_case_ids()[0] == "other"
        proxy = window.worklist.proxy
        assert proxy.data(proxy.index(0, 6)) == "Mismatch"
        assert proxy.data(proxy.index(0, 5)) == "4 of 6"
        assert proxy.data(proxy.index(0, 6), Qt.ItemDataRole.DecorationRole) is not None

    def test_double_click_opens_the_case(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        with qtbot.waitSignal(window.caseShown, timeout=20000) as shown:
            window.worklist.caseActivated.emit(case_id)
        assert shown.args == [case_id]
        assert window.pages.currentWidget() is window.case_view
        assert window.form_dock.isVisible()


class TestCaseView:
    def test_navigator_groups_documents_and_series_with_thumbnails(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        nav = window.case_view.navigator
        tops = [nav.topLevelItem(i).text(0) for i in range(nav.topLevelItemCount())]
        assert tops[0] == "Completeness" and "Referral letters (1, 1 unread)" in tops and "Correspondence (3, 3 unread)" in tops
        assert tops[-1] == "Imaging (5 studies)"
        assert nav.topLevelItem(0).childCount() == 6
        assert len(nav.series_items) == 5
        ct = [item for item in nav.series_items.values() if item.text(0).startswith("CT #2 Thorax")]
        assert ct and "4 images" in ct[0].text(0)
        qtbot.waitUntil(lambda: all(not i.icon(0).isNull() for i in nav.series_items.values()), timeout=20000)

    def test_opens_every_kind_of_document(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        view = window.case_view
        media = set()
        for n, doc in enumerate(view.data.documents):
            with qtbot.waitSignal(view.documentShown, timeout=10000):
                view.open_document(n)
            media.add(doc["media_type"])
            widget = view.current_tabs.currentWidget()
            assert base.viewer_for(doc["media_type"]) is None or not isinstance(widget, QLabel)
        assert {"application/pdf", "image/tiff"} <= media
        ct = next(uid for uid, m in view.data.series.items() if len(m) == 4)
        view.open_series(ct)
        qtbot.waitUntil(lambda: view.dicom.active.frame is not None, timeout=10000)
        assert view.tabs[0].count() == len(view.data.documents) + 1

    def test_a_type_without_viewer_says_so_in_its_tab(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        view = window.case_view
        view.data.documents[0] = dict(view.data.documents[0], media_type="application/x-unknown", id="x")
        view.open_document(0)
        label = view.current_tabs.currentWidget()
        assert isinstance(label, QLabel) and "No viewer for this document type" in label.text()

    def test_a_tampered_document_says_why_and_the_rest_works(self, qtbot, demo_store):
        store, case_id = demo_store
        doc = store.record(case_id)["documents"][0]
        blob = store.vault.root / doc["blob"]
        raw = bytearray(blob.read_bytes())
        raw[-40] ^= 1
        blob.write_bytes(bytes(raw))
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        view = window.case_view
        errors = []
        with qtbot.waitSignal(view.documentShown, timeout=10000):
            view.open_document(0)
            widget = view.current_tabs.currentWidget()
            if hasattr(widget, "show_error"):
                original = widget.show_error
                widget.show_error = lambda reason: (errors.append(reason), original(reason))
        assert errors and "altered at rest" in errors[0]
        with qtbot.waitSignal(view.documentShown, timeout=10000):
            view.open_document(1)
        assert view.tabs[0].count() == 2

    def test_next_and_previous_walk_the_navigator(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        view = window.case_view
        view.next_item(1)
        assert view._position == 0
        view.next_item(1)
        view.next_item(-1)
        assert view._position == 0
        assert view.tabs[0].count() == 2

    def test_split_shows_two_panes(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        view = window.case_view
        view.open_document(0)
        view.toggle_split()
        assert view.tabs[1].isVisible()
        view.open_document(1)
        assert view.tabs[1].count() == 1 and view.tabs[0].count() == 1
        view.toggle_split()
        assert not view.tabs[1].isVisible() and view.tabs[0].count() == 2


class TestDraft:
    def test_typing_is_saved_within_two_seconds(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        field = text_field(window.form.form)
        qtbot.keyClicks(field, "Agree with resection")
        qtbot.waitUntil(lambda: "Agree with resection" in str(DraftStore(store).load(case_id) or ""),
                        timeout=2000)
        assert AUTOSAVE_MS <= 1500

    def test_close_saves_and_a_new_window_restores(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        qtbot.keyClicks(text_field(window.form.form), "Words before closing")
        window.close()  # at once, before the autosave timer
        assert "Words before closing" in str(DraftStore(store).load(case_id))
        again = open_window(qtbot, store)
        open_case(qtbot, again, case_id)
        assert "Words before closing" in field_text(text_field(again.form.form))

    def test_switching_case_saves_the_draft_at_once(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        qtbot.keyClicks(text_field(window.form.form), "Before the switch")
        window.show_worklist()
        window.store_runner.pool.waitForDone(5000)
        assert "Before the switch" in str(DraftStore(store).load(case_id))


    def test_a_begun_opinion_puts_the_case_in_review(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        qtbot.keyClicks(text_field(window.form.form), " begun")
        qtbot.waitUntil(lambda: store.index.case(case_id)["status"] == "in_review", timeout=3000)

    def test_a_damaged_draft_shows_the_previous_version_and_says_so(self, qtbot, demo_store):
        store, case_id = demo_store
        drafts = DraftStore(store)
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        qtbot.keyClicks(text_field(window.form.form), " first version")
        window.close()
        good = drafts.load(case_id)
        drafts.save(case_id, good)  # the good version becomes the previous one
        drafts.path(case_id).write_bytes(b"damaged at rest")
        again = open_window(qtbot, store)
        open_case(qtbot, again, case_id)
        assert "first version" in field_text(text_field(again.form.form))
        assert again.form.message.isVisibleTo(again.form)
        assert "previous version is shown" in again.form.message.text()


class TestShortcutsAndSettings:
    def test_keyboard_dialog_lists_every_shortcut(self, qtbot, demo_store):
        store, _case_id = demo_store
        window = open_window(qtbot, store)
        dialog = window.show_keyboard()
        assert isinstance(dialog, KeyboardDialog)
        keys = [keys for keys, _action, where in dialog.rows() if where == "Window"]
        assert len(keys) == len(SHORTCUTS)
        assert any("F6" in k for k in keys) and any("F7" in k for k in keys) and any("F11" in k for k in keys)
        assert any("Ctrl+O" in k for k in keys) and any("Alt+Down" in k for k in keys)
        dialog.close()

    def test_toggle_form_and_full_screen_viewer(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        window.toggle_form()
        assert not window.form_dock.isVisible()
        window.toggle_form()
        assert window.form_dock.isVisible()
        window.toggle_full_screen_viewer()
        assert not window.form_dock.isVisible() and not window.case_view.navigator.isVisible()
        window.toggle_full_screen_viewer()
        assert window.form_dock.isVisible() and window.case_view.navigator.isVisible()

    def test_remembers_the_last_case_and_the_geometry(self, qtbot, demo_store):
        store, case_id = demo_store
        window = open_window(qtbot, store)
        open_case(qtbot, window, case_id)
        window.resize(700, 500)
        qtbot.waitUntil(lambda: window.width() == 700)
        width = window.width()
        window.close()
        again = MainWindow(store)
        qtbot.addWidget(again)
        assert again.settings.last_case == case_id
        assert again.size().width() == width


class TestImportAndCommand:
    def test_import_from_the_window_opens_the_case(self, qtbot, isolated_home, demo_package):
        from app.store.store import CaseStore
        with CaseStore.open(Path(isolated_home)) as store:
            window = MainWindow(store, credentials=[demo_package.reviewer_identity()], roots=[demo_package.root])
            qtbot.addWidget(window)
            with qtbot.waitSignal(window.caseShown, timeout=60000):
                window.importer.start([demo_package.package])
            qtbot.waitUntil(lambda: window.worklist.model.rowCount() == 1, timeout=10000)
            window.close()

    def test_a_wrong_key_asks_for_the_passphrase(self, qtbot, isolated_home, demo_package):
        from app.demo.package import DEMO_DOSSIER_PASSPHRASE
        from app.store.store import CaseStore
        with CaseStore.open(Path(isolated_home)) as store:
            window = MainWindow(store, roots=[demo_package.root])
            qtbot.addWidget(window)
            asked = []
            window.importer.ask_passphrase = lambda reason: asked.append(reason) or DEMO_DOSSIER_PASSPHRASE
            with qtbot.waitSignal(window.caseShown, timeout=60000):
                window.importer.start([demo_package.package])
            assert asked and "encrypted" in asked[0]
            window.close()

    def test_no_verb_starts_the_gui(self, monkeypatch):
        started = []
        monkeypatch.setattr(app_main, "run_gui", lambda args, prompt=None: started.append(args.case) or 0)
        assert main([]) == 0
        assert main(["--case", "abcd"]) == 0
        assert main(["gui", "--case", "ef01"]) == 0
        assert started == [None, "abcd", "ef01"]


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    """A failure dialog in a test would wait forever for a click."""
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)
