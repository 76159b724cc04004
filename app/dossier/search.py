"""Search across a case's documents, in memory: which pages hold every word of a query.

`SearchIndex(entries)` takes the case's documents with their texts (`DocumentText`, kept by
`app.store.texts`), folds each page once (`app.core.page_text.fold`: case and accents off,
é = e, ë = e, œ = oe) and answers a query with one `Hit` per page that holds every term of
it, each term matching at the start of a word ("cardio" finds "cardiologique"), in the
documents' order then the pages'. Nothing of it is written anywhere: it is rebuilt from the
kept texts when a case opens (the window) or a search runs (`secondo search`).
"""

from __future__ import annotations

from dataclasses import dataclass
import re

from app.core.page_text import DocumentText, Folded, fold, query_terms, term_pattern

#: Characters of context on either side of a snippet's first hit.
CONTEXT = 60
ELLIPSIS = "…"
_SPACE = re.compile(r"\s+")
_WORD_CHAR = re.compile(r"[^\W_]")  # what `term_pattern` must not find before a term


@dataclass(frozen=True)
class Hit:
    """A page holding every term of the query: its document (`document_index` is the
    document's place in the index's entries, the case's order), the page (1-based) and a
    snippet of the page around the first hit; `snippet_spans` are the (start, end) of the
    hits within the snippet, to show them in bold."""

    document_id: str
    document_index: int
    path: str
    title: str
    page: int
    snippet: str
    snippet_spans: tuple[tuple[int, int], ...]

    def to_json(self) -> dict:
        return {"document": self.path, "title": self.title, "page": self.page, "snippet": self.snippet,
                "document_id": self.document_id, "snippet_spans": [list(s) for s in self.snippet_spans]}


@dataclass(frozen=True)
class _Page:
    document_index: int
    number: int
    text: str
    folded: Folded


class SearchIndex:
    """The pages of a case's documents, folded once, searched in memory."""

    def __init__(self, entries: list[tuple[dict, DocumentText | None]]) -> None:
        self.documents: list[dict] = []
        self._pages: list[_Page] = []
        for index, (entry, text) in enumerate(entries):
            self.documents.append(entry)
            for page in text.pages if text is not None else ():
                if page.text.strip():
                    self._pages.append(_Page(index, page.number, page.text, fold(page.text)))

    @property
    def page_count(self) -> int:
        """How many pages with text are searched."""
        return len(self._pages)

    def search(self, query: str, limit: int = 200) -> list[Hit]:
        """The pages holding every word of `query`, in document then page order, at most
        `limit` of them; none for a query without words."""
        terms = query_terms(query)
        pattern = term_pattern(terms)
        if pattern is None or limit <= 0:
            return []
        hits: list[Hit] = []
        for page in self._pages:
            first = _first_hit(page.folded.text, terms)
            if first < 0:
                continue
            hits.append(self._hit(page, first, pattern))
            if len(hits) >= limit:
                break
        return hits

    def _hit(self, page: _Page, first: int, pattern: re.Pattern[str]) -> Hit:
        """The page's hit: its snippet around the first term found (at `first` in the folded
        text), with every hit within the snippet marked."""
        folded = page.folded
        window = range(max(0, first - 3 * CONTEXT), min(len(folded.text), first + 4 * CONTEXT))
        spans = [folded.span(m.start(), m.end()) for m in pattern.finditer(folded.text, window.start, window.stop)]
        entry = self.documents[page.document_index]
        snippet, snippet_spans = make_snippet(page.text, spans)
        return Hit(str(entry.get("id") or ""), page.document_index, str(entry.get("path") or ""),
                   str(entry.get("title") or entry.get("path") or ""), page.number, snippet, snippet_spans)


def _first_hit(folded: str, terms: list[str]) -> int:
    """Where the first of `terms` begins a word in `folded`; -1 unless every term begins one
    (the rule of `term_pattern`, found with `str.find`, much faster than the pattern over a
    whole page)."""
    first = len(folded)
    for term in terms:
        at = folded.find(term)
        while at > 0 and _WORD_CHAR.match(folded, at - 1):
            at = folded.find(term, at + 1)
        if at < 0:
            return -1
        first = min(first, at)
    return first


def make_snippet(text: str, spans: list[tuple[int, int]], context: int = CONTEXT) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The part of `text` around its first span: about `context` characters either side, cut
    at word boundaries, "…" where it was cut, runs of white space made one space; and the
    spans that fall within it, as offsets in the snippet."""
    first_start, first_end = spans[0]
    start = max(0, first_start - context)
    end = min(len(text), first_end + context)
    if start > 0:  # begin at a word's start
        space = _SPACE.search(text, start, first_start)
        start = space.end() if space else start
    if end < len(text):  # end at a word's end
        spaces = list(_SPACE.finditer(text, first_end, end))
        end = spaces[-1].start() if spaces else end
    out: list[str] = []
    where: list[int] = []  # for each original offset in [start, end], its offset in the snippet
    lead = ELLIPSIS if start > 0 else ""
    position = len(lead)
    previous_space = False
    for offset in range(start, end):
        c = text[offset]
        where.append(position)
        if c.isspace():
            if previous_space or not out:
                continue
            c = " "
            previous_space = True
        else:
            previous_space = False
        out.append(c)
        position += 1
    where.append(position)
    body = "".join(out).rstrip()
    snippet = lead + body + (ELLIPSIS if end < len(text) else "")
    limit = len(lead) + len(body)
    inside = tuple((where[s - start], min(where[e - start], limit)) for s, e in spans
                   if s >= start and e <= end and where[s - start] < limit)
    return snippet, inside
