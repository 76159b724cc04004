"""`secondo search CASE QUERY` on the DEMO case: the texts not kept yet are read first (real
extraction: PDF text layers and OCR of the scanned letter), with their progress on stderr;
then the hits as text or --json, nothing of the texts in clear in the data folder, a second
search reading nothing again. One DEMO data folder for the module: its texts are read once."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import keyring
import pytest

from app.cli import main
from app.store.store import CaseStore
from tests.memory_keyring import MemoryKeyring
from tests.ui.case_fixtures import demo_package, import_demo  # noqa: F401 - fixture

SCAN = "documents/cardiology-letter-scan.tif"
HISTORY = "documents/history-letter.pdf"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_package):  # noqa: F811 - the fixture
    """(home, keyring, case id, documents, the first search's (code, stdout, stderr))."""
    home = tmp_path_factory.mktemp("search") / "home"
    ring, previous = MemoryKeyring(), keyring.get_keyring()
    keyring.set_keyring(ring)
    mp = pytest.MonkeyPatch()
    mp.setenv("SECONDO_HOME", str(home))
    try:
        with CaseStore.open(home) as store:
            case_id = import_demo(store, demo_package)
            documents = store.record(case_id)["documents"]
        first = run("search", case_id[:8], "echocardiography", "--json")
    finally:
        mp.undo()
        keyring.set_keyring(previous)
    return home, ring, case_id, documents, first


@pytest.fixture
def case_id(demo, monkeypatch):
    home, ring, case_id, _documents, _first = demo
    monkeypatch.setenv("SECONDO_HOME", str(home))
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    yield case_id
    keyring.set_keyring(previous)


def test_the_first_search_reads_every_text_then_finds_a_word_of_the_scan(demo):
    """The scanned cardiology letter recognised by Tesseract: its word found on page 1."""
    _home, _ring, case_id, documents, (code, out, err) = demo
    assert code == 0
    assert f"Reading the text of {len(documents)} documents…" in err
    result = json.loads(out)
    hits = result["hits"]
    assert [(h["document"], h["page"]) for h in hits] == [(SCAN, 1)]
    assert hits[0]["title"] == "Pre-operative cardiological evaluation, scanned (DEMO)"
    [(start, end)] = hits[0]["snippet_spans"]
    assert hits[0]["snippet"][start:end] == "Echocardiography"
    assert "left ventricular" in hits[0]["snippet"]
    assert result["without_text"] == [] and result["documents"] == len(documents)


def test_words_of_the_scan_and_of_the_letters_in_document_then_page_order(case_id):
    code, out, _err = run("search", case_id, "objection", "--json")
    found = [(h["document"], h["page"]) for h in json.loads(out)["hits"]]
    assert code == 0 and found == [("documents/referral-letter.pdf", 1), (SCAN, 2)]
    code, out, _err = run("search", case_id, "doxycycline", "--json")
    [hit] = json.loads(out)["hits"]
    assert (hit["document"], hit["page"], hit["title"]) == (
        HISTORY, 1, "Medical history from the general practitioner (DEMO)")


def test_a_second_search_reads_nothing_again(case_id):
    code, out, err = run("search", case_id, "Amlodipine", "5", "mg")
    assert code == 0 and err == ""
    assert f"{'Medical history from the general practitioner (DEMO)'}, page 1 ({HISTORY})" in out
    assert "Amlodipine 5 mg" in out


def test_accents_and_case_do_not_matter(case_id):
    plain = json.loads(run("search", case_id, "DOXYCYCLINE", "--json")[1])["hits"]
    accented = json.loads(run("search", case_id, "dôxycyclïne", "--json")[1])["hits"]
    assert plain == accented and len(plain) == 1


def test_no_hit_says_so_and_exits_zero(case_id):
    code, out, _err = run("search", case_id, "pneumothorax", "xyzzy")
    assert code == 0 and out.strip() == "No document of this case contains 'pneumothorax xyzzy'."
    code, out, _err = run("search", case_id, "xyzzy", "--json")
    assert code == 0 and json.loads(out)["hits"] == []


def test_an_unknown_case_is_an_error(case_id):
    code, _out, err = run("search", "ffffffff", "doxycycline")
    assert code != 0 and "There is no case ffffffff" in err


def test_nothing_of_the_texts_is_in_clear_on_disk(demo, case_id):
    home: Path = demo[0]
    raw = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file()).lower()
    for word in (b"doxycycline", b"atorvastatin", b"echocardiography", b"palpitations"):
        assert word not in raw
    kept = sorted(p.name for p in (home / "texts" / case_id).iterdir())
    assert kept == sorted(f"{d['id']}.sov" for d in demo[3])


def test_it_speaks_the_interface_language(case_id, interface_language):
    interface_language("fr")
    code, out, _err = run("search", case_id, "xyzzy")
    assert code == 0 and out.strip() == "Aucun document de ce dossier ne contient 'xyzzy'."
    interface_language("nl")
    code, out, _err = run("search", case_id, "objection")
    assert "Pre-operative cardiological evaluation, scanned (DEMO), pagina 2 (documents/cardiology-letter-scan.tif)" in out


def test_a_terminal_sees_the_documents_and_pages_read():
    from app.commands.search import TerminalProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    shown = TerminalProgress(terminal)
    shown.documents(0, 3)
    shown.pages({}, 0, 2)
    shown.pages({}, 1, 2)
    shown.documents(1, 3)
    shown.documents(3, 3)
    lines = [part.rstrip() for part in terminal.getvalue().split("\r") if part.strip()]
    assert lines == ["Document 1 of 3…", "Document 1 of 3: page 1 of 2", "Document 1 of 3: page 2 of 2",
                     "Document 2 of 3…"]
    assert terminal.getvalue().endswith("\r")  # the line wiped once all are read
    piped = io.StringIO()
    quiet = TerminalProgress(piped)
    quiet.documents(0, 3)
    quiet.pages({}, 0, 2)
    assert piped.getvalue() == ""
