"""The search across a case's documents (app/dossier/search.py): case and accents aside
(é = e, ë = e), terms matching at a word's start, every term on the page, one hit per page
in the documents' then the pages' order, snippets cut at words with the hits marked, a
limit; Dutch, French and English."""

from __future__ import annotations

import re

from hypothesis import given, strategies as st

from app.core.page_text import DocumentText, PageText, find_spans, fold, query_terms
from app.dossier.search import ELLIPSIS, SearchIndex, make_snippet

FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. " * 3
NL = ("Geachte collega, hartelijk dank voor de verwijzing van mevrouw Test Patient, geboren 01/01/1970. "
      "Bij echografie zag ik een normale linkerventrikelfunctie. Zij neemt amlodipine 5 mg.")
FR = ("Cher confrère, je vous remercie de m'avoir adressé Madame Test Patient, née le 01/01/1970. "
      "L'échocardiographie montre une fonction ventriculaire gauche normale. Pas de réserve à l'intervention.")
EN = "Dear colleague, the CT shows a 9 mm nodule in the right lower lobe. Follow-up in three months."


def doc(doc_id: str, title: str, *pages: str) -> tuple[dict, DocumentText]:
    entry = {"id": doc_id, "path": f"documents/{doc_id}.pdf", "title": title, "media_type": "application/pdf"}
    return entry, DocumentText([PageText(n, text, "layer") for n, text in enumerate(pages, 1)])


def index() -> SearchIndex:
    return SearchIndex([doc("nl", "Verwijsbrief", FILLER, NL), doc("fr", "Lettre", FR + " " + FILLER),
                        ({"id": "none", "path": "x.tif", "title": "Scan"}, None),
                        doc("en", "CT report", EN, "", EN)])


def found(query: str) -> list[tuple[str, int]]:
    return [(h.document_id, h.page) for h in index().search(query)]


def marked(hit) -> list[str]:
    return [hit.snippet[s:e] for s, e in hit.snippet_spans]


def test_case_and_accents_do_not_matter():
    assert found("ECHOCARDIOGRAPHIE") == found("échocardiographie") == found("Echocardiographie") == [("fr", 1)]
    assert found("confrere") == found("CONFRÈRE") == [("fr", 1)]
    assert found("reserve") == [("fr", 1)]
    assert found("ne le") == [("fr", 1)]  # "née le"
    assert found("patiënt") == found("patient") == [("nl", 2), ("fr", 1)]


def test_terms_match_at_the_start_of_words_only():
    assert found("echo") == [("nl", 2), ("fr", 1)]  # echografie, échocardiographie
    assert found("cardiographie") == []  # inside a word
    assert found("ventricul") == [("fr", 1)]  # ventriculaire; "linkerventrikelfunctie" does not start so
    assert found("linkerventrikel") == [("nl", 2)]
    assert found("intervention") == [("fr", 1)]  # after "l'"


def test_every_term_must_be_on_the_page():
    assert found("amlodipine 5 mg") == [("nl", 2)]
    assert found("amlodipine nodule") == []
    assert found("nodule lobe") == [("en", 1), ("en", 3)]  # not the empty page 2


def test_results_keep_the_documents_order_then_the_pages():
    hits = index().search("patient")
    assert [(h.document_index, h.page) for h in hits] == [(0, 2), (1, 1)]
    assert (hits[0].title, hits[0].path, hits[0].document_id) == ("Verwijsbrief", "documents/nl.pdf", "nl")
    assert index().page_count == 5  # the empty page and the document without text are not searched


def test_no_hit_and_no_words():
    assert found("pneumothorax") == []
    assert index().search("") == [] and index().search(" ,;- ") == []
    assert index().search("patient", limit=0) == []


def test_a_limit_stops_the_search():
    many = SearchIndex([doc(f"d{n}", f"D{n}", *["nodule"] * 5) for n in range(10)])
    assert len(many.search("nodule")) == 50
    hits = many.search("nodule", limit=7)
    assert [(h.document_id, h.page) for h in hits] == [("d0", p) for p in range(1, 6)] + [("d1", 1), ("d1", 2)]


def test_the_snippet_shows_the_first_hit_with_its_words_marked():
    [hit] = index().search("amlodipine zij")
    assert hit.snippet.startswith(ELLIPSIS) and not hit.snippet.endswith(ELLIPSIS)
    assert hit.snippet.endswith("amlodipine 5 mg.")
    assert marked(hit) == ["Zij", "amlodipine"]
    [fr] = index().search("echocardiographie")
    assert marked(fr) == ["échocardiographie"] and fr.snippet.endswith(ELLIPSIS)
    words = fr.snippet.strip(ELLIPSIS).split()
    assert all(w in (FR + " " + FILLER).split() for w in words)  # cut at words, none cut in two
    assert 100 <= len(fr.snippet) <= 160


def test_the_snippet_makes_white_space_one_space():
    text = "Besluit:\n\n   geen   afwijkingen.\n Controle\tover een jaar."
    [hit] = SearchIndex([doc("a", "A", text)]).search("afwijking controle")
    assert hit.snippet == "Besluit: geen afwijkingen. Controle over een jaar."
    assert marked(hit) == ["afwijking", "Controle"]


def test_a_hit_serialises_for_the_command_line():
    [hit] = index().search("nodule", limit=1)
    assert hit.to_json()["document"] == "documents/en.pdf" and hit.to_json()["page"] == 1
    assert set(hit.to_json()) >= {"document", "title", "page", "snippet"}


@given(st.text(alphabet=st.sampled_from("ab éË\n\t.-'"), min_size=1, max_size=300), st.integers(0, 299),
       st.integers(1, 6))
def test_the_snippet_always_holds_the_first_hit_marked(text, at, length):
    start = min(at, len(text) - 1)
    end = min(len(text), start + length)
    while start < end and text[start].isspace():  # a hit is a word: it begins and ends with a letter
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return
    snippet, spans = make_snippet(text, [(start, end)], context=20)
    assert len(spans) == 1
    [(s, e)] = spans
    assert snippet[s:e] == re.sub(r"\s+", " ", text[start:end])
    assert snippet == snippet.strip() and "  " not in snippet


@given(st.lists(st.text(alphabet=st.sampled_from("ab éËœ_-'\n"), max_size=60), min_size=1, max_size=6),
       st.text(alphabet=st.sampled_from("abéœ _"), min_size=1, max_size=6))
def test_the_index_finds_the_pages_find_spans_finds(pages, query):
    """One rule: a page is a hit exactly when `find_spans` finds the query's terms on it, and
    the snippet marks its first span first."""
    index = SearchIndex([doc("d", "D", *pages)])
    terms = query_terms(query)
    expected = [n for n, text in enumerate(pages, 1) if text.strip() and find_spans(fold(text), terms)]
    hits = index.search(query)
    assert [h.page for h in hits] == expected
    for hit in hits:
        text = pages[hit.page - 1]
        start, end = find_spans(fold(text), terms)[0]
        assert hit.snippet[slice(*hit.snippet_spans[0])] == re.sub(r"\s+", " ", text[start:end])


def test_overlapping_terms_find_the_page_and_mark_it():
    [hit] = SearchIndex([doc("d", "D", "Madame Test Patient, née le 01/01/1970.")]).search("ne nee le")
    assert marked(hit) == ["née", "le"]
