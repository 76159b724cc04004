"""The dossier search panel (Ctrl+Shift+F): hits as one types, their count, the hit in bold,
accents and case folded, a query found nowhere, the documents still being read, and the
keyboard: Down into the hits, Enter opens one, Up back to the field, Esc closes."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.page_text import OCR, PLAIN, DocumentText, PageText
from app.dossier.search import SearchIndex
from app.ui.dossier_search_widget import HIT_ROLE, HTML_ROLE, DossierSearchWidget, snippet_html


def index() -> SearchIndex:
    scan = DocumentText([PageText(1, "Re: Mrs Test Patient, born 01/01/1970", OCR),
                         PageText(2, "No indication for beta-blockade. Échographie normale.", OCR)])
    letter = DocumentText([PageText(1, "Le patient présente un œdème des membres inférieurs.", PLAIN)])
    return SearchIndex([({"id": "a1", "title": "Cardiology letter, scanned", "path": "documents/scan.tif"}, scan),
                        ({"id": "b2", "title": "Lettre de sortie", "path": "documents/sortie.txt"}, letter)])


def panel(qtbot) -> DossierSearchWidget:
    widget = DossierSearchWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 500)
    widget.set_index(index())
    widget.show()
    widget.open_panel()
    return widget


def type_query(qtbot, widget: DossierSearchWidget, text: str) -> None:
    widget.field.clear()
    qtbot.keyClicks(widget.field, text)
    qtbot.waitUntil(lambda: widget.query == text, timeout=2000)  # the debounce ran


def shown_hits(widget: DossierSearchWidget) -> list[tuple[str, int]]:
    return [(widget.results.item(r).data(HIT_ROLE).title, widget.results.item(r).data(HIT_ROLE).page)
            for r in range(widget.results.count())]


def test_typing_a_word_lists_its_pages_with_the_hit_in_bold(qtbot):
    widget = panel(qtbot)
    type_query(qtbot, widget, "blockade")
    assert shown_hits(widget) == [("Cardiology letter, scanned", 2)]
    html = widget.results.item(0).data(HTML_ROLE)
    assert "<b>Cardiology letter, scanned</b>" in html and "p. 2" in html
    assert "<b>blockade</b>" in html
    assert widget.status.text() == "1 hit in 1 document"


def test_accents_and_case_do_not_matter(qtbot):
    widget = panel(qtbot)
    type_query(qtbot, widget, "ECHOGRAPHIE")
    assert shown_hits(widget) == [("Cardiology letter, scanned", 2)]
    type_query(qtbot, widget, "oedeme inferieurs")
    assert shown_hits(widget) == [("Lettre de sortie", 1)]
    assert "<b>œdème</b>" in widget.results.item(0).data(HTML_ROLE)
    type_query(qtbot, widget, "patient")
    assert shown_hits(widget) == [("Cardiology letter, scanned", 1), ("Lettre de sortie", 1)]
    assert widget.status.text() == "2 hits in 2 documents"


def test_a_word_found_nowhere_says_so(qtbot):
    widget = panel(qtbot)
    type_query(qtbot, widget, "pneumothorax")
    assert widget.results.count() == 0
    assert widget.status.text() == "No document contains “pneumothorax”."


def test_documents_still_being_read_are_counted(qtbot):
    widget = panel(qtbot)
    widget.set_reading(2)
    assert widget.status.text() == "Still reading the text of 2 documents…"
    type_query(qtbot, widget, "blockade")
    assert widget.status.text() == "1 hit in 1 document\nStill reading the text of 2 documents…"
    widget.set_reading(0)
    assert widget.status.text() == "1 hit in 1 document"


def test_the_keyboard_alone_reaches_and_opens_a_hit(qtbot):
    widget = panel(qtbot)
    opened = []
    widget.hitActivated.connect(lambda hit, query: opened.append((hit.document_id, hit.page, query)))
    type_query(qtbot, widget, "patient")
    qtbot.keyClick(widget.field, Qt.Key.Key_Down)
    assert widget.results.hasFocus() and widget.results.currentRow() == 0
    qtbot.keyClick(widget.results, Qt.Key.Key_Down)
    qtbot.keyClick(widget.results, Qt.Key.Key_Return)
    assert opened == [("b2", 1, "patient")]
    qtbot.keyClick(widget.results, Qt.Key.Key_Up)
    qtbot.keyClick(widget.results, Qt.Key.Key_Up)
    assert widget.field.hasFocus()
    qtbot.keyClick(widget.field, Qt.Key.Key_Return)  # Enter in the field: the current hit
    assert opened[-1] == ("a1", 1, "patient")
    with qtbot.waitSignal(widget.closed, timeout=1000):
        qtbot.keyClick(widget.field, Qt.Key.Key_Escape)
    assert not widget.isVisible()


def test_enter_right_after_typing_searches_without_waiting(qtbot):
    widget = panel(qtbot)
    opened = []
    widget.hitActivated.connect(lambda hit, query: opened.append((hit.page, query)))
    qtbot.keyClicks(widget.field, "blockade")
    qtbot.keyClick(widget.field, Qt.Key.Key_Return)
    assert opened == [(2, "blockade")]


def test_a_snippet_is_escaped_and_only_its_hits_are_bold():
    assert snippet_html("a <b> & ok", [(6, 7), (8, 10)]) == "a &lt;b&gt; <b>&amp;</b> <b>ok</b>"


def test_documents_whose_text_could_not_be_read_are_counted(qtbot):
    widget = panel(qtbot)
    widget.set_unreadable(1)
    assert widget.status.text() == "The text of 1 document could not be read: the search does not see it."
    type_query(qtbot, widget, "pneumothorax")
    assert widget.status.text() == ("No document contains “pneumothorax”.\n"
                                    "The text of 1 document could not be read: the search does not see it.")


def test_a_text_with_a_problem_and_no_words_is_unreadable():
    from app.ui.case_view_texts import unreadable

    assert unreadable(DocumentText([], "The image is damaged."))
    assert unreadable(DocumentText([PageText(1, "", OCR, problem="Too large")]))
    assert not unreadable(DocumentText([PageText(1, "", OCR, problem="Too large"), PageText(2, "words", OCR)]))
    assert not unreadable(DocumentText([]))  # a document with no text at all (a blank scan) was read
