"""Closing the workstation while work is in flight: an import is cancelled and waited for,
however long it takes to stop, a pending draft is still written, and the store is closed
only once no worker is left; the data folder holds no half case afterwards."""

from __future__ import annotations

from pathlib import Path
import threading

import pytest

from app.store.store import CaseStore
from app.ui import import_dialog
from app.ui.main_window import MainWindow
from tests.ui.case_fixtures import demo_package  # noqa: F401 - fixture


class ImportGate:
    """Holds the import at its first progress report, as a long write would, until released;
    meanwhile the import cannot notice a cancel."""

    def __init__(self, monkeypatch) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        real = import_dialog.run_import

        def run_import(store, paths, credentials, roots, token, report, **options):
            def held(*figures) -> None:
                if not self.started.is_set():
                    self.started.set()
                    self.release.wait(120)
                report(*figures)
            return real(store, paths, credentials, roots, token, held, **options)

        monkeypatch.setattr(import_dialog, "run_import", run_import)


@pytest.fixture
def gate(monkeypatch) -> ImportGate:
    return ImportGate(monkeypatch)


def open_window(qtbot, store, package) -> MainWindow:
    window = MainWindow(store, credentials=[package.reviewer_identity()], roots=[package.root])
    qtbot.addWidget(window)
    window.show()
    return window


def assert_no_half_case(home: Path) -> None:
    with CaseStore.open(home) as store:
        assert store.index.cases() == []
        assert [p for p in store.vault.root.iterdir() if p.is_dir()] == []
        assert not store.staging_root.exists() or list(store.staging_root.iterdir()) == []


def test_closing_during_an_import_waits_until_it_has_stopped(qtbot, isolated_home, demo_package, gate):  # noqa: F811
    store = CaseStore.open(Path(isolated_home))
    window = open_window(qtbot, store, demo_package)
    window.importer.start([demo_package.package])
    assert gate.started.wait(60)
    with qtbot.waitSignal(window.closing, timeout=1000):  # run_gui stops taking hand-overs on it
        window.close()
    # The import is inside a write and cannot stop at once: the window says so and stays.
    assert window.isVisible()
    assert window.statusBar().currentMessage() == "Closing: waiting for the import to stop…"
    assert not window.centralWidget().isEnabled() and not window.menuBar().isEnabled()
    assert window.store_runner.busy == [window.importer.task]
    assert window.importer.dialog.labelText().startswith("Stopping the import of demo-dossier.sodp")
    gate.release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60000)
    assert window.store_runner.busy == [] and window.runner.busy == []
    store.close()  # nothing runs on it any more
    assert_no_half_case(Path(isolated_home))


def test_a_draft_typed_before_the_close_is_written_after_the_write_in_flight(qtbot, isolated_home,
                                                                             demo_package):  # noqa: F811
    from app.store.drafts import DraftStore
    from tests.ui.case_fixtures import import_demo
    from tests.ui.test_main_window import open_case, text_field

    store = CaseStore.open(Path(isolated_home))
    case_id = import_demo(store, demo_package)
    window = open_window(qtbot, store, demo_package)
    open_case(qtbot, window, case_id)
    field = text_field(window.form.form)
    field.setFocus()
    qtbot.keyClicks(field, "Written at the close")
    assert window.form.dirty
    started, release = threading.Event(), threading.Event()
    # A write that must not be cancelled (as signing is) holds the store's one writer.
    window.store_runner.run(lambda token, progress: started.set() or release.wait(120))
    assert started.wait(60)
    window.close()
    assert window.isVisible()
    assert window.statusBar().currentMessage() == "Closing: waiting for the work in progress to finish…"
    release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=60000)
    store.close()
    with CaseStore.open(Path(isolated_home)) as again:
        assert "Written at the close" in str(DraftStore(again).load(case_id))


def test_closing_with_nothing_running_closes_at_once(qtbot, isolated_home, demo_package):  # noqa: F811
    with CaseStore.open(Path(isolated_home)) as store:
        window = open_window(qtbot, store, demo_package)
        qtbot.waitUntil(lambda: window.store_runner.busy == window.runner.busy == [], timeout=20000)
        window.close()
        assert not window.isVisible()
