"""app/core/page_text.py: folding, query terms, spans back in the original text, word boxes."""

from hypothesis import given, strategies as st

from app.core.page_text import (OCR, DocumentText, PageText, Word, find_spans, fold, highlight_boxes,
                                query_terms)


def test_fold_takes_case_and_accents_off_and_keeps_where_each_character_came_from():
    folded = fold("Échographie: cœur NORMAL, Straße")
    assert folded.text == "echographie: coeur normal, strasse"
    # "œ" became two characters, both pointing at it
    at = folded.text.index("oe")
    assert folded.offsets[at] == folded.offsets[at + 1] == "Échographie: cœur".index("œ")


def test_query_terms_are_folded_words_longest_first():
    assert query_terms("Né le  01/01/1970") == ["1970", "ne", "le", "01"]
    assert query_terms("  ") == []
    assert query_terms("Van't Hoff-Müller") == ["hoff-muller", "van't"]


def test_spans_are_in_the_original_text_and_every_term_must_occur():
    text = "Mevrouw Test Patiënt werd gezien. De patiënte is cardiologisch stabiel."
    folded = fold(text)
    spans = find_spans(folded, query_terms("PATIENT"))
    assert [text[a:b] for a, b in spans] == ["Patiënt", "patiënt"]
    assert find_spans(folded, query_terms("patient echografie")) == []
    # a term matches at the start of a word only
    assert find_spans(fold("antipatient"), ["patient"]) == []
    assert [text[a:b] for a, b in find_spans(folded, query_terms("cardio"))] == ["cardio"]


def test_highlight_boxes_are_the_words_a_hit_overlaps():
    page = PageText(1, "Dear colleague, the echocardiography is normal", OCR,
                    [Word("Dear", 0, (0.1, 0.1, 0.2, 0.12)), Word("colleague,", 5, (0.21, 0.1, 0.35, 0.12)),
                     Word("echocardiography", 20, (0.1, 0.2, 0.4, 0.22))])
    assert highlight_boxes(page, "ÉCHO") == [(0.1, 0.2, 0.4, 0.22)]
    assert highlight_boxes(page, "absent") == []


def test_document_text_round_trips_through_json():
    doc = DocumentText([PageText(1, "Né le 1er janvier", OCR, [Word("Né", 0, (0.1, 0.2, 0.3, 0.4))], 91.5),
                        PageText(2, "", OCR, problem="This page is too large to recognise.")])
    again = DocumentText.from_json(doc.to_json())
    assert again == doc
    assert again.recognised and again.page(2).problem


def _reference_fold(text: str) -> tuple[str, list[int]]:
    """Folding one character at a time, as `fold` must: its fast path changes nothing."""
    from app.core.page_text import _fold_char

    out, offsets = [], []
    for n, c in enumerate(text):
        f = _fold_char(c)
        out.append(f)
        offsets.extend([n] * len(f))
    return "".join(out), offsets


@given(st.text(alphabet=st.sampled_from("aZé Ëœß\u0301ﬁ.\nİÆøŁ'’-0"), max_size=80) | st.text(max_size=40))
def test_fold_is_the_same_as_folding_each_character(text):
    folded = fold(text)
    expected, offsets = _reference_fold(text)
    assert folded.text == expected and list(folded.offsets) == offsets and folded.length == len(text)


def test_fold_of_a_text_that_keeps_its_length_needs_no_offset_table():
    assert isinstance(fold("Échographie normale, patiënt").offsets, range)
    assert list(fold("cœur e\u0301").offsets) == [0, 1, 1, 2, 3, 4, 5]  # the lone accent folds to nothing


def test_a_term_is_found_inside_a_longer_term_that_begins_with_it():
    """"née" matches "ne" and "nee" both: the pattern takes the longer, the shorter counts too."""
    text = "Mevrouw Test Patient, née le 01/01/1970"
    assert [text[a:b] for a, b in find_spans(fold(text), query_terms("ne nee"))] == ["née"]
    assert find_spans(fold(text), query_terms("pat patient")) != []
    assert find_spans(fold(text), query_terms("patient patienten")) == []
