"""Selecting recognised words on a page, Qt-free: which word lies under a point, which words
a drag from one point to another selects, and the text they copy.

A page's words (`app.core.page_text.Word`) carry boxes as fractions of the page (left, top,
right, bottom, top down). A viewer may show the page turned by quarter turns: `turn_box`
gives a box as fractions of the turned page, `unturn_point` a point of the turned page back
on the page. A selection runs in reading order (the order of the words in the page's text,
which is Tesseract's reading order), from the word where the drag began to the word under
the pointer, as in a PDF reader; it copies the page's text from its first word to its last,
line breaks included.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.page_text import OCR, PageText, Word

Box = tuple[float, float, float, float]

#: How much further (in page heights) a line is from the pointer than the same distance
#: across: a point between two lines picks a word of the nearer line, not of the next column.
LINE_WEIGHT = 4.0


def selectable(page: PageText | None, sources: tuple[str, ...] = (OCR,)) -> bool:
    """Whether a page gets a text layer: text from one of `sources` (recognised by OCR; the
    PDF viewer adds a PDF's own text layer, which QPdfView does not let one select) with
    positioned words."""
    return page is not None and page.source in sources and bool(page.words)


def reading_order(page: PageText) -> list[Word]:
    """The page's words in the order of its text."""
    return sorted(page.words, key=lambda w: w.start)


def turn_point(x: float, y: float, rotation: int) -> tuple[float, float]:
    """Where the point (x, y) of the page (fractions) is once the page is turned clockwise
    by `rotation` degrees (0, 90, 180, 270)."""
    rotation %= 360
    if rotation == 90:
        return 1.0 - y, x
    if rotation == 180:
        return 1.0 - x, 1.0 - y
    if rotation == 270:
        return y, 1.0 - x
    return x, y


def unturn_point(x: float, y: float, rotation: int) -> tuple[float, float]:
    """The point of the page shown at (x, y) of the page turned by `rotation` degrees."""
    return turn_point(x, y, -rotation % 360)


def turn_box(box: Box, rotation: int) -> Box:
    """`box` as fractions of the page turned clockwise by `rotation` degrees."""
    x1, y1 = turn_point(box[0], box[1], rotation)
    x2, y2 = turn_point(box[2], box[3], rotation)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def word_at(words: list[Word], x: float, y: float, slack: float = 0.0) -> int | None:
    """The index in `words` of the word whose box (grown by `slack`) holds the point."""
    for index, word in enumerate(words):
        left, top, right, bottom = word.box
        if left - slack <= x <= right + slack and top - slack <= y <= bottom + slack:
            return index
    return None


def nearest_word(words: list[Word], x: float, y: float, aspect: float = 1.0) -> int | None:
    """The index of the word under the point, else of the nearest word, a line away counting
    more than the same distance along the line. `aspect` is the page's height / width, so
    that distances across and down are compared in the same unit."""
    hit = word_at(words, x, y)
    if hit is not None or not words:
        return hit

    def distance(word: Word) -> float:
        left, top, right, bottom = word.box
        across = max(left - x, 0.0, x - right)
        down = max(top - y, 0.0, y - bottom) * aspect
        return across + LINE_WEIGHT * down

    return min(range(len(words)), key=lambda n: distance(words[n]))


@dataclass(frozen=True)
class Selection:
    """The words of page `page` (1-based) from `anchor` to `cursor`, indices in reading order."""

    page: int
    anchor: int
    cursor: int

    @property
    def first(self) -> int:
        return min(self.anchor, self.cursor)

    @property
    def last(self) -> int:
        return max(self.anchor, self.cursor)

    def words(self, ordered: list[Word]) -> list[Word]:
        return ordered[self.first:self.last + 1]

    def text(self, page: PageText, ordered: list[Word] | None = None) -> str:
        """The page's text from the first selected word to the last (line breaks kept)."""
        ordered = ordered if ordered is not None else reading_order(page)
        chosen = self.words(ordered)
        if not chosen:
            return ""
        return page.text[chosen[0].start:chosen[-1].end]


def line_bands(words: list[Word]) -> list[Box]:
    """The selected words drawn as a reader draws a selection: one band per line, from its
    first word's left to its last word's right (words in reading order; a word starts a new
    line when it does not overlap the previous one by half its height, or lies left of it)."""
    bands: list[list[float]] = []
    previous: Box | None = None
    for word in words:
        left, top, right, bottom = word.box
        if previous is not None:
            overlap = min(bottom, previous[3]) - max(top, previous[1])
            same_line = overlap > 0.5 * min(bottom - top, previous[3] - previous[1]) and left >= previous[0]
            if same_line:
                band = bands[-1]
                band[0], band[1] = min(band[0], left), min(band[1], top)
                band[2], band[3] = max(band[2], right), max(band[3], bottom)
                previous = word.box
                continue
        bands.append([left, top, right, bottom])
        previous = word.box
    return [(b[0], b[1], b[2], b[3]) for b in bands]


def select_all(page: PageText) -> Selection | None:
    """Every word of the page, or None when it has none."""
    return Selection(page.number, 0, len(page.words) - 1) if page.words else None
