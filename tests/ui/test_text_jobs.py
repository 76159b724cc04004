"""The background text job (app/ui/text_jobs.py) in the window: the documents' text read
after an import and when a case opens with texts missing, on a worker, with progress and
Cancel in the status bar; a cancel or the window's close stops it and keeps what was read;
the case opens while it runs; and the search panel finds a word of the DEMO's scanned letter
and opens the scan at that page, its hits asked to be highlighted.

The recognition of the scan is a fake here (the DEMO letter's own lines, given as OCR
pages, held at will like a slow page); tests/ui/test_dossier_search_ocr.py runs Tesseract."""

from __future__ import annotations

from pathlib import Path
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.core.page_text import OCR, DocumentText, PageText
from app.core.tasks import Cancelled
from app.demo.letters import SCANNED_PAGES
from app.dossier import document_text
from app.store.store import CaseStore
from app.store.texts import TextStore
from app.ui.dossier_search_widget import HIT_ROLE
from app.ui.main_window import MainWindow
from tests.ui.case_fixtures import demo_package, demo_store, import_demo  # noqa: F401 - fixtures
from viewers.image.widget import ImageViewerWidget

SCAN = "image/tiff"


class FakeRecognition:
    """`extract_document_text` with the scan recognised as the DEMO letter's lines, page by
    page; `hold()` keeps it at the scan's first page (checking the cancel as OCR does)."""

    def __init__(self, monkeypatch) -> None:
        self.real = document_text.extract_document_text
        self.held = threading.Event()  # the scan's extraction has begun and waits
        self.release = threading.Event()
        self.release.set()
        self.calls: list[str] = []
        monkeypatch.setattr(document_text, "extract_document_text", self.extract)

    def hold(self) -> None:
        self.release.clear()

    def extract(self, data, media_type, token=None, progress=None):
        self.calls.append(media_type)
        if media_type != SCAN:
            return self.real(data, media_type, token, progress)
        pages = []
        for number, lines in enumerate(SCANNED_PAGES, 1):
            self.held.set()
            while not self.release.wait(0.02):
                if token is not None and token.cancelled:
                    raise Cancelled()
            if token is not None:
                token.check()
            pages.append(PageText(number, "\n".join(lines), OCR))
            if progress:
                progress(number, len(SCANNED_PAGES))
        return DocumentText(pages, None, document_text.EXTRACTOR)


@pytest.fixture
def recognition(monkeypatch) -> FakeRecognition:
    return FakeRecognition(monkeypatch)


class ViewerCalls:
    """What the image viewer was given (its text, `set_document_text`; the hits, `show_hit`),
    each passed on to the viewer."""

    def __init__(self, monkeypatch) -> None:
        self.texts: list = []
        self.hits: list = []
        calls = self
        set_text, show_hit = ImageViewerWidget.set_document_text, ImageViewerWidget.show_hit

        def given_text(self, text):
            calls.texts.append(text)
            return set_text(self, text)

        def asked_hit(self, page, query):
            calls.hits.append((page, query))
            return show_hit(self, page, query)

        monkeypatch.setattr(ImageViewerWidget, "set_document_text", given_text)
        monkeypatch.setattr(ImageViewerWidget, "show_hit", asked_hit)


def open_window(qtbot, store, package=None) -> MainWindow:
    kwargs = {"credentials": [package.reviewer_identity()], "roots": [package.root]} if package else {}
    window = MainWindow(store, **kwargs)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    return window


def scan_id(store, case_id: str) -> str:
    return next(d["id"] for d in store.record(case_id)["documents"] if d["media_type"] == SCAN)


def document_ids(store, case_id: str) -> set[str]:
    return {d["id"] for d in store.record(case_id)["documents"]}


def wait_idle(qtbot, window: MainWindow, timeout: int = 60000) -> None:
    qtbot.waitUntil(lambda: not window.text_jobs.running and not window.text_jobs.queue, timeout=timeout)


def test_a_case_opened_without_its_texts_reads_them_and_a_word_of_the_scan_is_found(
        qtbot, demo_store, recognition, monkeypatch):  # noqa: F811
    store, case_id = demo_store
    viewer = ViewerCalls(monkeypatch)
    recognition.hold()
    window = open_window(qtbot, store)
    changed = []
    window.case_view.textsChanged.connect(lambda texts: changed.append(set(texts)))
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    # The job reads on a worker while the case is on screen: progress and Cancel in the status bar.
    qtbot.waitUntil(recognition.held.is_set, timeout=30000)
    status = window.text_jobs.status
    qtbot.waitUntil(lambda: status.isVisible() and status.label.text() == "Reading text: 7 of 8 documents",
                    timeout=10000)
    assert status.cancel.isVisible() and status.cancel.isEnabled()
    panel = window.case_view.search_panel
    assert panel.reading == 1  # only the scan is left
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert panel.isVisible() and panel.field.hasFocus()
    assert panel.status.text() == "Still reading the text of 1 document…"
    recognition.release.set()
    wait_idle(qtbot, window)
    assert not status.isVisible()
    assert set(TextStore(store).kept(case_id)) == document_ids(store, case_id)
    assert changed and changed[-1] == document_ids(store, case_id)
    # The word of page 2 of the scan, typed: one hit there; Enter opens the scan at that page.
    qtbot.keyClicks(panel.field, "beta-blockade")
    qtbot.waitUntil(lambda: panel.query == "beta-blockade" and panel.results.count() > 0, timeout=5000)
    hits = [panel.results.item(r).data(HIT_ROLE) for r in range(panel.results.count())]
    assert [(h.document_id, h.page) for h in hits] == [(scan_id(store, case_id), 2)]
    assert panel.status.text() == "1 hit in 1 document"
    qtbot.keyClick(panel.field, Qt.Key.Key_Down)
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: viewer.hits == [(2, "beta-blockade")], timeout=10000)
    assert [t.pages[1].text.splitlines()[0] for t in viewer.texts] == [SCANNED_PAGES[1][0]]
    shown = window.case_view.current_tabs.currentWidget()
    assert isinstance(shown, ImageViewerWidget)
    # The same hit again, the scan already open: the viewer goes there at once.
    qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert viewer.hits == [(2, "beta-blockade")] * 2
    assert window.case_view.tabs[0].count() == 1


def test_a_case_with_every_text_kept_starts_no_job(qtbot, demo_store, recognition):  # noqa: F811
    from app.dossier.case_texts import ensure_texts

    store, case_id = demo_store
    ensure_texts(store, case_id)
    recognition.calls.clear()
    window = open_window(qtbot, store)
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    QApplication.processEvents()
    assert not window.text_jobs.running and recognition.calls == []
    assert set(window.case_view.data.texts) == document_ids(store, case_id)
    assert window.case_view.data.texts_missing == []


def test_an_import_reads_the_new_case_texts(qtbot, isolated_home, demo_package, recognition):  # noqa: F811
    store = CaseStore.open(Path(isolated_home))
    window = open_window(qtbot, store, demo_package)
    requested = []
    window.importer.committed.connect(requested.extend)
    window.importer.start([demo_package.package])
    qtbot.waitUntil(lambda: requested != [], timeout=60000)
    case_id = requested[0]
    qtbot.waitUntil(lambda: set(TextStore(store).kept(case_id)) == document_ids(store, case_id), timeout=60000)
    wait_idle(qtbot, window)
    assert SCAN in recognition.calls
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    store.close()


def test_cancel_stops_the_job_and_keeps_the_documents_read(qtbot, demo_store, recognition):  # noqa: F811
    store, case_id = demo_store
    recognition.hold()
    window = open_window(qtbot, store)
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    qtbot.waitUntil(recognition.held.is_set, timeout=30000)
    status = window.text_jobs.status
    qtbot.waitUntil(status.isVisible, timeout=5000)
    with qtbot.waitSignal(window.text_jobs.finished, timeout=10000):
        qtbot.mouseClick(status.cancel, Qt.MouseButton.LeftButton)
    assert not status.isVisible()
    scan = scan_id(store, case_id)
    kept = set(TextStore(store).kept(case_id))
    assert kept == document_ids(store, case_id) - {scan}  # every letter before the scan, not the scan
    assert set(window.case_view.data.texts) == kept
    assert window.case_view.search_panel.reading == 0


def test_the_case_opens_while_its_texts_are_read(qtbot, demo_store, recognition):  # noqa: F811
    store, case_id = demo_store
    recognition.hold()
    window = open_window(qtbot, store)
    window.text_jobs.request(case_id)  # as after its import
    qtbot.waitUntil(recognition.held.is_set, timeout=30000)
    # The job holds the scan's recognition: the case opens all the same, with what is read.
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    qtbot.waitUntil(lambda: set(window.case_view.data.texts) == document_ids(store, case_id) - {scan_id(store, case_id)},
                    timeout=10000)
    assert window.text_jobs.running and window.case_view.search_panel.reading == 1
    recognition.release.set()
    qtbot.waitUntil(lambda: set(window.case_view.data.texts) == document_ids(store, case_id), timeout=30000)
    assert window.case_view.search_panel.reading == 0


def test_closing_the_window_while_text_is_read_stops_it(qtbot, demo_store, recognition):  # noqa: F811
    store, case_id = demo_store
    recognition.hold()
    window = open_window(qtbot, store)
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    qtbot.waitUntil(recognition.held.is_set, timeout=30000)
    task = window.text_jobs.task
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    assert task.token.cancelled and task.done
    assert window.runner.busy == [] and window.store_runner.busy == []
    assert scan_id(store, case_id) not in TextStore(store).kept(case_id)


def test_no_job_starts_before_the_window_is_shown(qtbot, demo_store, recognition):  # noqa: F811
    store, case_id = demo_store
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.text_jobs.request(case_id)
    qtbot.wait(100)
    assert not window.text_jobs.running and recognition.calls == []
    window.show()
    qtbot.waitUntil(lambda: window.text_jobs.running or bool(recognition.calls), timeout=5000)
    wait_idle(qtbot, window)
    assert set(TextStore(store).kept(case_id)) == document_ids(store, case_id)


def test_the_case_opened_is_read_first_and_the_other_goes_on_after(qtbot, isolated_home, demo_package,  # noqa: F811
                                                                    recognition, tmp_path):
    from tests.benchmarks.many_cases import import_many_cases

    store = CaseStore.open(Path(isolated_home))
    demo, other = import_many_cases(store, demo_package, tmp_path, 2)
    recognition.hold()
    window = open_window(qtbot, store)
    window.text_jobs.after_import([demo, other])
    qtbot.waitUntil(recognition.held.is_set, timeout=30000)  # the DEMO case's scan, held
    assert window.text_jobs.case_id == demo and window.text_jobs.queue == [other]
    finished = []
    window.text_jobs.finished.connect(finished.append)
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(other)
    # The DEMO case's job stops between pages; the case on screen is read, then the DEMO case again.
    qtbot.waitUntil(lambda: len(finished) >= 2, timeout=30000)
    assert finished[:2] == [demo, other]
    assert set(TextStore(store).kept(other)) == document_ids(store, other)
    assert set(window.case_view.data.texts) == document_ids(store, other)
    qtbot.waitUntil(lambda: window.text_jobs.case_id == demo, timeout=10000)
    recognition.release.set()
    wait_idle(qtbot, window)
    assert set(TextStore(store).kept(demo)) == document_ids(store, demo)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    store.close()


def test_texts_kept_meanwhile_by_another_reader_reach_the_case_opened_without_them(
        qtbot, demo_store, recognition, monkeypatch):  # noqa: F811
    """The case was read without its texts, which `secondo search` (or the job of before) kept
    just after: the job extracts nothing again and gives the view what is kept."""
    from app.dossier.case_texts import ensure_texts
    from app.ui import case_view

    store, case_id = demo_store
    ensure_texts(store, case_id)
    recognition.calls.clear()
    monkeypatch.setattr(case_view, "load_texts", lambda store, case_id, record: (
        {}, [d["id"] for d in record["documents"]]))
    window = open_window(qtbot, store)
    with qtbot.waitSignal(window.case_view.textsChanged, timeout=30000):
        window.open_case(case_id)
    assert set(window.case_view.data.texts) == document_ids(store, case_id)
    assert recognition.calls == []
    wait_idle(qtbot, window)
    assert window.case_view.search_panel.reading == 0
