"""Selecting recognised words, Qt-free: turning boxes with the page, the word under a point,
a drag's words in reading order and the text they copy."""

from __future__ import annotations

import pytest

from app.core.page_text import OCR, PageText, Word
from viewers import text_selection as ts


def page_of(lines: list[list[str]], number: int = 1, source: str = OCR) -> PageText:
    """Words laid out in rows: each word 0.1 wide with a 0.05 gap, rows 0.1 apart."""
    text, words = "", []
    for row, line in enumerate(lines):
        for column, word in enumerate(line):
            if column:
                text += " "
            left, top = 0.1 + column * 0.15, 0.1 + row * 0.1
            words.append(Word(word, len(text), (left, top, left + 0.1, top + 0.05)))
            text += word
        text += "\n"
    return PageText(number, text, source, words)


PAGE = page_of([["Geachte", "collega,"], ["patiënt", "Test", "Patient"], ["geboren", "1970-01-01"]])


def test_only_recognised_pages_with_words_are_selectable():
    assert ts.selectable(PAGE)
    assert not ts.selectable(page_of([["a"]], source="layer"))
    assert not ts.selectable(PageText(1, "", OCR))
    assert not ts.selectable(None)


@pytest.mark.parametrize("rotation, expected", [
    (0, (0.1, 0.2, 0.3, 0.25)), (90, (0.75, 0.1, 0.8, 0.3)), (180, (0.7, 0.75, 0.9, 0.8)), (270, (0.2, 0.7, 0.25, 0.9)),
])
def test_a_box_turns_with_the_page(rotation, expected):
    assert ts.turn_box((0.1, 0.2, 0.3, 0.25), rotation) == pytest.approx(expected)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_a_point_turned_and_unturned_is_the_same_point(rotation):
    x, y = ts.turn_point(0.2, 0.7, rotation)
    assert ts.unturn_point(x, y, rotation) == pytest.approx((0.2, 0.7))


def test_the_word_under_a_point_and_its_slack():
    words = ts.reading_order(PAGE)
    assert words[ts.word_at(words, 0.42, 0.22)].text == "Patient"
    assert ts.word_at(words, 0.205, 0.12) is None  # in the gap between two words
    assert ts.word_at(words, 0.205, 0.12, slack=0.01) == 0


def test_the_nearest_word_prefers_the_same_line():
    words = ts.reading_order(PAGE)
    # left of the second line, a bit below it: the line's first word, not the line below
    assert words[ts.nearest_word(words, 0.02, 0.26)].text == "patiënt"
    # far right of the first line
    assert words[ts.nearest_word(words, 0.95, 0.12)].text == "collega,"
    assert ts.nearest_word([], 0.5, 0.5) is None


def test_a_drag_selects_in_reading_order_across_lines_and_copies_the_text():
    words = ts.reading_order(PAGE)
    start = ts.word_at(words, 0.27, 0.12)  # "collega,"
    end = ts.word_at(words, 0.42, 0.22)  # "Patient"
    forward = ts.Selection(1, start, end)
    backward = ts.Selection(1, end, start)
    assert [w.text for w in forward.words(words)] == ["collega,", "patiënt", "Test", "Patient"]
    assert forward.text(PAGE) == backward.text(PAGE) == "collega,\npatiënt Test Patient"


def test_select_all_takes_every_word():
    selection = ts.select_all(PAGE)
    assert selection is not None and selection.text(PAGE) == PAGE.text.strip()
    assert ts.select_all(PageText(2, "", OCR)) is None


def test_reading_order_follows_the_text_not_the_list():
    shuffled = PageText(1, PAGE.text, OCR, list(reversed(PAGE.words)))
    assert [w.text for w in ts.reading_order(shuffled)][:2] == ["Geachte", "collega,"]


def test_a_selection_is_drawn_as_one_band_per_line():
    words = ts.reading_order(PAGE)
    bands = ts.line_bands(words[1:6])  # "collega," then the whole second line, then "geboren"
    assert [v for band in bands for v in band] == pytest.approx(
        [0.25, 0.1, 0.35, 0.15, 0.1, 0.2, 0.5, 0.25, 0.1, 0.3, 0.2, 0.35])
    assert ts.line_bands([]) == []
