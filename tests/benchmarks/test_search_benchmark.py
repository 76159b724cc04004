"""The dossier search (app/dossier/search.py) over 500 pages of ~3,000 characters in Dutch,
French and English (docs/performance.md): the index built once (every page folded), then a
query answered in < 50 ms (median): a rare word, a common word (hundreds of pages, the
limit of 200 hits), several words, an accented prefix and a word found nowhere.

Run: ./scripts/bench -k search
"""

from __future__ import annotations

import random
import statistics
import time
from itertools import cycle

import pytest

from app.core.page_text import DocumentText, PageText
from app.dossier.search import SearchIndex
from tests.benchmarks.figures import record

PAGES, PAGE_CHARS, PAGES_PER_DOCUMENT = 500, 3000, 5
WORDS = {
    "nl": ("de het een patiënt geachte collega onderzoek echografie longen nodulus rechteronderkwab "
           "behandeling bloeddruk ademhaling controle ingreep hartritme verwijzing huisarts ziekenhuis "
           "geen afwijkingen besluit opvolging over drie maanden medicatie allergie röntgenfoto").split(),
    "fr": ("le la les patiente cher confrère examen échographie poumons nodule lobe inférieur droit "
           "traitement tension artérielle respiration contrôle intervention rythme cardiaque médecin "
           "traitant hôpital aucune anomalie conclusion suivi dans trois mois allergie thérapeutique").split(),
    "en": ("the a patient dear colleague examination ultrasound lungs nodule right lower lobe treatment "
           "blood pressure breathing follow-up surgery heart rhythm referral general practitioner hospital "
           "no abnormality conclusion in three months medication allergy x-ray").split(),
}
QUERIES = ("amlodipine", "patient", "nodule lobe", "echocard", "pneumothorax", "Thérapeutique contrôle")


def page_text(rng: random.Random, language: str, n: int) -> str:
    words, out, size = WORDS[language], [], 0
    while size < PAGE_CHARS:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 16))).capitalize() + "."
        out.append(sentence)
        size += len(sentence) + 1
    if n % 97 == 0:
        out.insert(rng.randrange(len(out)), "Amlodipine 5 mg, échocardiographie normale.")
    return " ".join(out)


@pytest.fixture(scope="module")
def entries() -> list[tuple[dict, DocumentText]]:
    rng = random.Random(18)
    languages = cycle(WORDS)
    documents = []
    for d in range(PAGES // PAGES_PER_DOCUMENT):
        language = next(languages)
        pages = [PageText(p, page_text(rng, language, d * PAGES_PER_DOCUMENT + p), "ocr")
                 for p in range(1, PAGES_PER_DOCUMENT + 1)]
        documents.append(({"id": f"{d:032x}", "path": f"documents/letter-{d}.pdf", "title": f"Letter {d}"},
                          DocumentText(pages)))
    return documents


def test_search_500_pages(benchmark, entries):
    builds = []
    for _ in range(3):
        start = time.perf_counter()
        index = SearchIndex(entries)
        builds.append(time.perf_counter() - start)
    assert index.page_count == PAGES
    assert 2 <= len(index.search("amlodipine")) <= 10 and index.search("pneumothorax") == []
    assert len(index.search("patient")) == 200  # the limit
    queries = cycle(QUERIES)
    benchmark.pedantic(lambda: index.search(next(queries)), rounds=60, iterations=1, warmup_rounds=6)
    per_query = {}
    for query in QUERIES:
        times = []
        for _ in range(15):
            start = time.perf_counter()
            index.search(query)
            times.append(time.perf_counter() - start)
        per_query[query] = statistics.median(times) * 1000
    chars = sum(len(p.text) for _e, t in entries for p in t.pages)
    record(benchmark, f"a query over {PAGES} pages ({chars // 1000} k characters), median of the mixed queries",
           benchmark.stats.stats.median * 1000, 50, unit="ms wall")
    record(benchmark, "the slowest query's median (a word on every page: the first 200 pages)",
           max(per_query.values()), 50, unit="ms wall", note=", ".join(f"{q}: {ms:.1f}" for q, ms in per_query.items()))
    record(benchmark, f"the index built (each of the {PAGES} pages folded once), median of 3",
           statistics.median(builds) * 1000, None, unit="ms wall")
