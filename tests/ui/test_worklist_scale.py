"""The worklist at 2,000 cases computes only what the view shows: a repaint asks data() for the
visible rows only, a row's texts are made when it is first shown (or in the sample that sizes
the columns), sorting and filtering never ask data(); and the list is made from the kept
summaries, no case record decrypted."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.store.vault import Vault
from app.ui.worklist_widget import CaseTableModel, WorklistWidget, load_summaries
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_worklist_cases import summary

CASES = 2000


def many(count: int = CASES) -> list[dict]:
    statuses = ("received", "in_review", "signed", "sent")
    return [summary(f"{n:032x}", n % 40, patient={"family_name": f"Patient{n:04d}", "given_names": "Demo",
                                                  "birth_date": f"19{40 + n % 60:02d}-01-01"},
                    question=f"DEMO question {n}", status=statuses[n % 4],
                    received_at=f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:{n % 60:02d}Z")
            for n in range(count)]


@pytest.fixture
def calls(monkeypatch):
    """Every data() and row-text computation of the worklist model: (kind, row, column)."""
    seen: list[tuple] = []
    data, display = CaseTableModel.data, CaseTableModel._display

    def counted_data(self, index, role=Qt.ItemDataRole.DisplayRole):
        seen.append(("data", index.row(), index.column()))
        return data(self, index, role)

    def counted_display(self, row, column):
        seen.append(("display", row["case_id"], column))
        return display(self, row, column)

    monkeypatch.setattr(CaseTableModel, "data", counted_data)
    monkeypatch.setattr(CaseTableModel, "_display", counted_display)
    return seen


@pytest.fixture
def shown(qtbot):
    widget = WorklistWidget()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_target_days(14, save=False)
    return widget


def visible_rows(widget: WorklistWidget) -> range:
    table = widget.table
    first = table.rowAt(0)
    last = table.rowAt(table.viewport().height() - 1)
    last = widget.proxy.rowCount() - 1 if last < 0 else last
    return range(first, last + 1)


def repaint(widget: WorklistWidget) -> None:
    widget.table.viewport().repaint()
    QApplication.processEvents()


class TestOnlyWhatIsShown:
    @pytest.mark.parametrize("again", [False, True], ids=["filled", "repainted"])
    def test_a_repaint_asks_data_for_the_visible_rows_only(self, shown, calls, again):
        shown.set_cases(many())
        repaint(shown)
        if again:
            calls.clear()
            repaint(shown)
        rows = visible_rows(shown)
        asked = [c for c in calls if c[0] == "data"]
        assert 0 < len(rows) < 100 and asked
        proxy_rows = {shown.proxy.mapFromSource(shown.model.index(r, 0)).row() for _k, r, _c in asked}
        assert proxy_rows <= set(rows)  # the view's rows, none beyond
        # a handful of roles per cell (display, colours, font, alignment...), never every row
        paints = 1 if again else 2  # filled: the reset's paint and ours
        assert len(asked) <= len(rows) * len(CaseTableModel.COLUMNS) * 12 * paints  # not 91,553 (ResizeToContents)

    def test_row_texts_are_made_for_the_sample_and_the_rows_shown(self, shown, calls):
        shown.set_cases(many())
        repaint(shown)
        made = {case_id for kind, case_id, _c in calls if kind == "display"}
        assert 0 < len(made) <= WorklistWidget.SAMPLE_ROWS + len(visible_rows(shown))
        assert len(made) < CASES // 10

    def test_sorting_and_filtering_ask_no_data(self, shown, calls):
        shown.set_cases(many())
        repaint(shown)
        calls.clear()
        shown.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # the patient's name
        shown.proxy.set_status("signed")
        shown.proxy.set_overdue_only(True)
        assert [c for c in calls if c[0] == "data"] == []
        names = [shown.proxy.index(r, 0).data() for r in range(min(50, shown.proxy.rowCount()))]
        assert names == sorted(names) and shown.proxy.rowCount() == sum(
            1 for s in many() if s["status"] == "signed" and s["days_open"] > 14)

    def test_a_sort_keeps_the_selected_case(self, shown):
        shown.set_cases(many(300))
        shown.select_case(f"{123:032x}")
        shown.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        assert shown.selected_case() == f"{123:032x}"
        shown.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        assert shown.selected_case() == f"{123:032x}"

    def test_counts_are_grouped_as_the_interface_language_writes_them(self, qtbot, interface_language):
        interface_language("nl")
        widget = WorklistWidget()
        qtbot.addWidget(widget)
        widget.set_cases(many())
        assert widget.count_label.text() == "2.000 van 2.000 dossiers"
        assert widget.status_buttons[None].text() == "Alle (2.000)"

    def test_the_search_finds_a_row_never_shown(self, shown):
        shown.set_cases(many())
        shown.search_box.setText("Patient1999")
        assert shown.visible_case_ids() == [f"{1999:032x}"]


class TestListMadeFromKeptSummaries:
    def test_load_summaries_decrypts_no_case_record(self, demo_store, monkeypatch):  # noqa: F811
        store, case_id = demo_store
        load_summaries(store)  # the first list after an import finds its summary kept already
        records = {row["record"] for row in store.index.cases()}
        reads: list[str] = []
        original = Vault.read_json
        monkeypatch.setattr(Vault, "read_json", lambda self, ref: reads.append(ref) or original(self, ref))
        monkeypatch.setattr(type(store), "record", lambda self, c: pytest.fail("a case record was read"))
        listed = load_summaries(store)
        assert [s["case_id"] for s in listed] == [case_id] and listed[0]["patient"]["family_name"]
        assert not records & set(reads)


HEAVY = ("pydicom", "pyhanko", "reportlab", "pypdfium2", "numpy", "aiohttp", "viewers.dicom.widget")


def loaded_after(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                          capture_output=True, text=True, timeout=120, env={**__import__("os").environ,
                                                                            "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


class TestStartLoadsOnlyTheWorklist:
    def test_the_window_and_its_start_import_no_case_reader(self):
        loaded = loaded_after("import app.commands.gui, app.ui.app_main, app.ui.main_window, app.ui.first_run_dialog")
        assert "app.ui.worklist_widget" in loaded
        assert not [m for m in HEAVY if m in loaded]

    def test_the_preload_brings_them_for_the_first_case(self):
        loaded = loaded_after("from app.ui.case_view import preload_case_modules, register_viewers\n"
                              "from PySide6.QtWidgets import QApplication\napp = QApplication([])\n"
                              "preload_case_modules()\nregister_viewers()")
        assert {"pydicom", "numpy", "viewers.dicom.widget", "app.signoff.signing", "app.dossier.case_record"} <= loaded
