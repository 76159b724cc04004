"""What a keyboard-only reviewer met in Dutch and in French, walking the DEMO case: the outgoing
dialog's sent date as a Belgian writes it and its Dutch rows without a horizontal scroll bar,
the PDF viewer's search field reached by Ctrl+F and wide enough for its French placeholder, the
image viewer's patient sex in the reader's letter, and no mnemonic shared by two controls of one
dialog."""

from __future__ import annotations

from datetime import date
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from app.core.locale_format import format_date
from app.ui import outgoing_dialog
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_language_menu import empty_store  # noqa: F401 - fixture
from tests.ui.test_form_keyboard import field_of, form_focused_by_f6
from tests.ui.test_main_window import open_case, open_window
from tests.ui.test_secretary_desk import signed_store  # noqa: F401 - fixture
from tests.ui.test_viewer_and_dialogs_languages import belgium, catalogues  # noqa: F401 - autouse fixtures
from tests.unit.test_document_models import make_pdf
from app.ui.navigator_widget import DOC_ROLE
from viewers.pdf.widget import PdfViewerWidget


@pytest.fixture
def outgoing(qtbot, signed_store, interface_language, monkeypatch):  # noqa: F811 - fixture
    """The outgoing dialog of the signed DEMO case in Dutch, on a screen that has room for it."""
    interface_language("nl")
    monkeypatch.setattr(outgoing_dialog, "fit_to_screen", lambda widget: None)
    store, case_id = signed_store
    window = open_window(qtbot, store)
    dialog = window.show_outgoing(case_id)
    qtbot.waitUntil(lambda: dialog.desk is not None, timeout=10000)
    yield dialog
    dialog.close()


class TestOutgoingDialogInDutch:
    def test_the_sent_date_reads_day_slash_month_as_in_belgium(self, outgoing):
        assert outgoing.sent_on.displayFormat() == "dd/MM/yyyy"
        assert outgoing.sent_on.text() == format_date(date.today())

    def test_its_rows_fit_without_a_horizontal_scroll_bar(self, qtbot, outgoing):
        qtbot.waitExposed(outgoing)
        body = outgoing.scroll.widget()
        assert outgoing.scroll.viewport().width() >= body.minimumSizeHint().width()
        assert outgoing.scroll.horizontalScrollBar().maximum() == 0


@pytest.fixture
def french_pdf_viewer(qtbot, interface_language):
    """A PDF in the viewer in French, as wide as the viewer between the navigator and the form of
    a 1600-pixel window."""
    interface_language("fr")
    viewer = PdfViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(860, 600)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    assert viewer.show_document(make_pdf(3, word="Zanzibar"), "Lettre")
    return viewer


class TestPdfSearchInFrench:
    def test_the_search_field_is_never_squeezed_below_rechercher(self, qtbot, french_pdf_viewer):
        """However narrow the viewer, the field shows its whole placeholder, or it waits in the
        toolbar's overflow (») with the other last tools: never a field cut to "Re…"."""
        box = french_pdf_viewer.search_box
        assert box.placeholderText() == "Rechercher"
        needed = QFontMetrics(box.font()).horizontalAdvance("Rechercher") + 24
        shown = []
        for width in range(560, 1000, 20):
            french_pdf_viewer.resize(width, 600)
            qtbot.wait(10)
            if box.isVisible():
                shown.append(width)
                assert box.width() >= needed, width
        assert shown  # a wide viewer shows it


def test_ctrl_f_from_the_form_puts_the_cursor_in_the_shown_pdfs_search_field(qtbot, demo_store,  # noqa: F811
                                                                              interface_language):
    """Typing the opinion (cursor in the form), the reviewer looks something up in the shown
    letter: Ctrl+F, the word, Enter; nothing lands in the form."""
    interface_language("fr")
    store, case_id = demo_store
    window = form_focused_by_f6(qtbot, store, case_id)
    question = QApplication.focusWidget()
    before = question.toPlainText()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    shown = window.case_view.current_tabs.currentWidget()
    viewer = shown if isinstance(shown, PdfViewerWidget) else shown.findChild(PdfViewerWidget)
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.search_box.isEnabled(), timeout=10000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is viewer.search_box
    qtbot.keyClicks(viewer.search_box, "nodule")
    qtbot.waitUntil(lambda: viewer.hit_count() > 0, timeout=5000)
    assert question.toPlainText() == before



@pytest.mark.parametrize("language", ["nl", "fr"])
def test_f6_puts_the_cursor_in_the_first_field_one_types_in_not_on_the_patient(qtbot, demo_store,  # noqa: F811
                                                                                interface_language, language):
    """The patient is a pre-filled fact shown as text: F6 lands where the reviewer starts typing."""
    interface_language(language)
    store, case_id = demo_store
    form_focused_by_f6(qtbot, store, case_id)
    field = field_of(QApplication.focusWidget())
    assert field is not None and field.objectName() == "field-question"


def test_ctrl_pgdown_walks_the_navigator_top_to_bottom_and_follows_the_images(qtbot, demo_store):  # noqa: F811
    """Next document reads the navigator as the reviewer does: each group of documents in turn,
    then the series, the navigator's current line always the one shown."""
    store, case_id = demo_store
    window = open_window(qtbot, store)
    open_case(qtbot, window, case_id)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    navigator = window.case_view.navigator
    expected = [(k, v) for k, v in ((tuple(i.data(0, DOC_ROLE)) if i.data(0, DOC_ROLE) else (None, None)) for i in walk_tree(navigator)) if k]
    assert [kind for kind, _value in expected][-1] == "series"
    walked = []
    for _ in expected:
        qtbot.keyClick(window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
        current = navigator.currentItem()
        walked.append(tuple(current.data(0, DOC_ROLE)) if current is not None else None)
    assert walked == expected


def walk_tree(tree):
    """Every item of `tree`, top to bottom as shown."""
    def items(item):
        yield item
        for i in range(item.childCount()):
            yield from items(item.child(i))
    for i in range(tree.topLevelItemCount()):
        yield from items(tree.topLevelItem(i))


@pytest.mark.parametrize("language, sex, line", [
    ("nl", "F", "geb. 01/01/1970 V"), ("nl", "M", "geb. 01/01/1970 M"),
    ("fr", "F", "né(e) le 01/01/1970 F"), ("fr", "M", "né(e) le 01/01/1970 H"),
    ("en", "F", "born 01/01/1970 F"),
])
def test_the_image_overlay_abbreviates_the_patients_sex_as_the_reader_does(interface_language, language, sex, line):
    from pydicom.dataset import Dataset

    from viewers.dicom import display
    interface_language(language)
    ds = Dataset()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Test^Patient", "X1", "19700101", sex
    assert display.patient_lines(ds)[-1] == line


def mnemonic(text: str) -> str | None:
    found = re.search(r"&(.)", text.replace("&&", ""))
    return found.group(1).lower() if found else None


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_menu_mnemonic_is_one_plain_key_and_unique_in_its_menu(qtbot, empty_store, interface_language,  # noqa: F811
                                                                     language):
    """Alt+letter, then a letter: each must be a key every keyboard has (not É) and open one item."""
    from app.ui.main_window import MainWindow
    interface_language(language)
    window = MainWindow(empty_store)
    qtbot.addWidget(window)
    menus = [("bar", window.menuBar().actions())]
    menus += [(a.text(), a.menu().actions()) for _bar, actions in list(menus) for a in actions if a.menu()]
    menus += [(a.text(), a.menu().actions()) for _title, actions in list(menus[1:]) for a in actions if a.menu()]
    assert len(menus) >= 7
    for title, actions in menus:
        keys = [mnemonic(a.text()) for a in actions if not a.isSeparator()]
        assert all(k is not None and k.isascii() and k.isalnum() for k in keys), (title, keys)
        assert len(keys) == len(set(keys)), (title, keys)
