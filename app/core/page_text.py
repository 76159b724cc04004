"""The text of a document, page by page, as plain data (no Qt, no PDF or OCR library).

One shape for every way a document's words are known: a PDF's text layer, Tesseract's
recognition of a scanned page, a plain text file, the text of a DICOM report. The search
(`app.dossier.search`), the identity check inside documents and the viewers all read it:
the viewers draw `Word.box`es over a page to make recognised text selectable and to
highlight a search hit.

Matching is case- and accent-insensitive: `fold` lowers the case and takes accents off
(é, è, ë -> e; œ -> oe; ß -> ss), keeping for each folded character the offset of the
character it came from, so that a hit in folded text is a span of the original text.
A query's terms match at the start of a word ("cardio" finds "cardiologique"); a page is a
hit when it holds every term.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
import re
import string
import unicodedata

#: Where a page's text came from.
LAYER, OCR, PLAIN, DICOM = "layer", "ocr", "plain", "dicom"
FORMAT = "secondo-document-text/1"

# Letters NFKD does not take apart, folded as a reader expects.
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i",
                          "\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_TERM = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Word:
    """One positioned word of a page: `start` is its offset in `PageText.text`; `box` is
    (left, top, right, bottom) as fractions of the page's width and height (0..1, top down)."""

    text: str
    start: int
    box: tuple[float, float, float, float]

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass
class PageText:
    """The text of one page (1-based `number`), with its positioned words when known (OCR and
    PDF text layers; a plain text file has none). `problem`: why this page has no text, in
    words a user reads (a page too large to recognise, an unreadable image), else None."""

    number: int
    text: str
    source: str
    words: list[Word] = field(default_factory=list)
    confidence: float | None = None  # Tesseract's mean word confidence, 0-100
    problem: str | None = None

    def words_in(self, start: int, end: int) -> list[Word]:
        """The positioned words that overlap the span [start, end) of `text`."""
        return [w for w in self.words if w.start < end and w.end > start]

    def to_json(self) -> dict:
        return {"number": self.number, "text": self.text, "source": self.source,
                "words": [[w.text, w.start, *(round(v, 5) for v in w.box)] for w in self.words],
                "confidence": self.confidence, "problem": self.problem}

    @classmethod
    def from_json(cls, data: dict) -> PageText:
        words = [Word(str(w[0]), int(w[1]), (float(w[2]), float(w[3]), float(w[4]), float(w[5])))
                 for w in data.get("words") or []]
        return cls(int(data["number"]), str(data.get("text") or ""), str(data.get("source") or PLAIN), words,
                   data.get("confidence"), data.get("problem"))


@dataclass
class DocumentText:
    """A document's pages of text. `problem`: why the document has no text at all (a corrupt
    image, a PDF that cannot be opened), in a user's words. `extractor`: which version of the
    extraction made it, so that a better one can redo old results."""

    pages: list[PageText] = field(default_factory=list)
    problem: str | None = None
    extractor: int = 1

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def recognised(self) -> bool:
        """Whether any page's text came from OCR."""
        return any(p.source == OCR for p in self.pages)

    def page(self, number: int) -> PageText | None:
        return next((p for p in self.pages if p.number == number), None)

    def to_json(self) -> dict:
        return {"format": FORMAT, "extractor": self.extractor, "problem": self.problem,
                "pages": [p.to_json() for p in self.pages]}

    @classmethod
    def from_json(cls, data: dict) -> DocumentText:
        if data.get("format") != FORMAT:
            raise ValueError("not a document text")
        return cls([PageText.from_json(p) for p in data.get("pages") or []], data.get("problem"),
                   int(data.get("extractor") or 1))


@dataclass(frozen=True)
class Folded:
    """`text` folded (`fold`) and, for each of its characters, the offset in the original."""

    text: str
    offsets: Sequence[int]  # a range when folding kept every character one character
    length: int  # of the original text

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span of the folded span [start, end)."""
        first = self.offsets[start] if start < len(self.offsets) else self.length
        last = self.offsets[end - 1] + 1 if end - 1 < len(self.offsets) else self.length
        return first, max(first, last)


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c.isascii():
        return c.lower()
    decomposed = unicodedata.normalize("NFKD", c.casefold().translate(_LETTERS))
    return "".join(x for x in decomposed if not unicodedata.combining(x))


_ASCII_LOWER = {ord(c): c.lower() for c in string.ascii_uppercase}


def fold(text: str) -> Folded:
    """`text` case-folded with its accents taken off, and where each character came from.

    Done by `str.translate` with a table of the text's own characters, so that a page of
    3,000 characters folds in well under a millisecond; the offsets are a `range` unless a
    character became several (œ -> oe, ß -> ss) or none (a lone combining accent)."""
    if text.isascii():
        return Folded(text.lower(), range(len(text)), len(text))
    table: dict[int, str] = dict(_ASCII_LOWER)
    uneven: list[str] = []
    for c in set(text):
        if not c.isascii():
            f = _fold_char(c)
            table[ord(c)] = f
            if len(f) != 1:
                uneven.append(c)
    folded = text.translate(table)
    if not uneven:
        return Folded(folded, range(len(text)), len(text))
    offsets = array("l")
    done = 0
    for m in re.finditer("|".join(map(re.escape, uneven)), text):
        n = m.start()
        offsets.extend(range(done, n))
        offsets.extend([n] * len(table[ord(text[n])]))
        done = n + 1
    offsets.extend(range(done, len(text)))
    return Folded(folded, offsets, len(text))


def fold_text(text: str) -> str:
    """Only the folded text (for a query or a comparison)."""
    return fold(text).text


def query_terms(query: str) -> list[str]:
    """The folded words of a query, each once, longest first ("Né le" -> ["ne", "le"])."""
    terms = dict.fromkeys(m.group(0) for m in _TERM.finditer(fold_text(query)))
    return sorted(terms, key=len, reverse=True)


def term_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """A pattern matching any of the folded `terms` at the start of a word."""
    if not terms:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(t) for t in terms) + ")")


def find_spans(folded: Folded, terms: list[str], pattern: re.Pattern[str] | None = None) -> list[tuple[int, int]]:
    """The spans of the ORIGINAL text where the terms occur, in order; empty unless every
    term occurs at least once."""
    pattern = pattern or term_pattern(terms)
    if pattern is None:
        return []
    spans: list[tuple[int, int]] = []
    seen: set[str] = set()
    for m in pattern.finditer(folded.text):
        seen.add(m.group(0))
        spans.append(folded.span(m.start(), m.end()))
    # a term is found where a longer one that begins with it is ("pat" in "patient")
    return spans if all(any(found.startswith(term) for found in seen) for term in terms) else []


def highlight_boxes(page: PageText, query: str) -> list[tuple[float, float, float, float]]:
    """The boxes (page fractions) of the words of `page` that a search for `query` hits."""
    spans = find_spans(fold(page.text), query_terms(query))
    boxes: list[tuple[float, float, float, float]] = []
    for start, end in spans:
        boxes.extend(w.box for w in page.words_in(start, end))
    return list(dict.fromkeys(boxes))
