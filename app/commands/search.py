"""`secondo search CASE QUERY`: the pages of the case's documents that hold every word of
QUERY (case and accents aside), with a snippet; the texts not kept yet are read first (PDF
text layers, OCR of scans), with their progress on stderr."""

from __future__ import annotations

import argparse
import sys

from app.commands.output import print_json
from app.commands.store_access import add_vault_option, open_store
from app.core.errors import BadInputError
from app.core.i18n import _, ngettext


def add_parsers(sub: argparse._SubParsersAction) -> None:
    search = sub.add_parser(
        "search", help=_("find words in the documents of a case, scans included"),
        description=_("Find the pages of a case's documents that hold every word of QUERY, whatever their "
                      "case and accents (e = é = ë), each word matching the start of a word. The text of "
                      "documents not read yet is read first (scans are recognised, which takes a while)."))
    search.add_argument("case", metavar="CASE", help=_("the case id, or the start of it"))
    search.add_argument("query", nargs="+", metavar="QUERY", help=_("the words to find"))
    search.add_argument("--json", action="store_true")
    search.add_argument("--limit", type=int, default=200, metavar="N",
                        help=_("at most N pages found (default 200)"))
    add_vault_option(search)
    search.set_defaults(handler=run_search)


def run_search(args) -> int:
    from app.dossier.case_texts import ensure_texts, missing_texts, text_documents
    from app.dossier.search import SearchIndex

    query = " ".join(args.query).strip()
    if args.limit < 1:
        raise BadInputError(_("--limit must be at least 1."))
    with open_store(args) as store:
        case_id = store.resolve_case(args.case)
        record = store.record(case_id)
        store.audit.append("open", case_id, via="cli")
        missing = missing_texts(store, case_id, record)
        if missing:
            print(ngettext("Reading the text of {n} document…", "Reading the text of {n} documents…",
                           len(missing)).format(n=len(missing)), file=sys.stderr, flush=True)
        shown = TerminalProgress()
        texts = ensure_texts(store, case_id, record=record, progress=shown.documents, page_progress=shown.pages)
    documents = text_documents(record)
    index = SearchIndex([(doc, texts.get(doc["id"])) for doc in documents])
    hits = index.search(query, args.limit)
    unread = [(doc, texts[doc["id"]]) for doc in documents
              if doc["id"] in texts and (texts[doc["id"]].problem or not texts[doc["id"]].text.strip())]
    if args.json:
        print_json({"case": case_id, "query": query, "hits": [h.to_json() for h in hits],
                    "documents": len(documents), "pages": index.page_count,
                    "without_text": [{"document": d.get("path"), "title": d.get("title"), "problem": t.problem}
                                     for d, t in unread]})
        return 0
    if not hits:
        print(_("No document of this case contains '{query}'.").format(query=query))
    for hit in hits:
        print(_("{title}, page {page} ({document})").format(title=hit.title, page=hit.page, document=hit.path))
        print(f"    {hit.snippet}")
    problems = [(d, t) for d, t in unread if t.problem]
    if problems:
        print(ngettext("note: {n} document has no text to search:", "note: {n} documents have no text to search:",
                       len(problems)).format(n=len(problems)), file=sys.stderr)
        for doc, text in problems:
            print(f"  {doc.get('title') or doc.get('path')}: {text.problem}", file=sys.stderr)
    return 0


class TerminalProgress:
    """Where the reading is, on one line of stderr rewritten in place ("Document 2 of 8: page
    3 of 10"), when stderr is a terminal; nothing otherwise (a log gets the first line only)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.active = self.stream.isatty()
        self.document, self.total, self.shown = 0, 0, ""

    def documents(self, done: int, total: int) -> None:
        self.document, self.total = done, total
        self._show("" if done >= total else _("Document {n} of {total}…").format(n=done + 1, total=total))

    def pages(self, _doc: dict, done: int, total: int) -> None:
        if total > 1 or done == 0:
            self._show(_("Document {n} of {total}: page {page} of {pages}").format(
                n=self.document + 1, total=self.total, page=min(done + 1, total), pages=total))

    def _show(self, line: str) -> None:
        if not self.active or line == self.shown:
            return
        padding = " " * max(0, len(self.shown) - len(line))
        print("\r" + line + padding, end="" if line else "\r", file=self.stream, flush=True)
        self.shown = line
