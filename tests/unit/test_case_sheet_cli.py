"""`secondo case edit | add-document | reclassify | show` (app/commands/case.py): the CLI
contract (exit 0, 3 with one `secondo:` line) and what each prints."""

import json

import pytest

from app.cli import main
from tests.unit.store_cds import unique_cd
from tests.unit.test_case_sheet import belgian_number
from tests.unit.test_case_sheet_documents import make_pdf, make_png


def secondo(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def case_id(tmp_path, capsys):
    rc, out, err = secondo(capsys, "import", unique_cd(tmp_path / "cd"), "--json")
    assert rc == 0, err
    return json.loads(out)["case_id"]


def test_edit_completes_a_plain_cd_case(capsys, case_id):
    rc, out, err = secondo(capsys, "case", "show", case_id[:8])
    assert rc == 0, err
    assert "Complete the case sheet: the patient's name; the patient's birth date; the question asked" in out
    rc, out, err = secondo(capsys, "case", "edit", case_id[:8], "--family-name", "Test", "--given-names", "Patient",
                           "--birth-date", "1970-01-01", "--sex", "F", "--national-number",
                           belgian_number("1970-01-01"), "--address", "Teststraat 1", "--address", "1000 Brussel",
                           "--question", "Is the nodule malignant?", "--treating-physician", "Dr A. Janssens",
                           "--treating-physician-email", "a.janssens@example.org",
                           "--consent", "patient", "--consent", "treating_physician", "--consent-date", "2026-11-30",
                           "--by", "Secretary Smith")
    assert rc == 0, err
    assert "The case is complete" in out
    rc, out, err = secondo(capsys, "case", "show", case_id, "--json")
    view = json.loads(out)
    assert view["patient"]["address_lines"] == ["Teststraat 1", "1000 Brussel"]
    assert view["referral"]["treating_physician"]["email"] == "a.janssens@example.org"
    assert view["consent"]["roles"] == ["patient", "treating_physician"]
    assert view["missing"] == []
    rc, out, err = secondo(capsys, "show", case_id, "--json")
    assert json.loads(out)["question"] == "Is the nodule malignant?"


@pytest.mark.parametrize("args, words", [
    (["--national-number", "70010112345"], "check digits"),
    (["--national-number", "123456789"], "11-proof"),
    (["--birth-date", "2999-01-01"], "in the future"),
    (["--consent", "neighbour"], "not a recipient role"),
    (["--sex", "Q"], "M, F, O"),
])
def test_bad_input_exits_3_with_one_line(capsys, case_id, args, words):
    rc, out, err = secondo(capsys, "case", "edit", case_id, *args)
    assert rc == 3
    assert err.count("\n") == 1 and err.startswith("secondo: ") and words in err
    assert "Traceback" not in err


def test_an_unknown_case_exits_3(capsys):
    rc, out, err = secondo(capsys, "case", "edit", "ffffffff", "--question", "Why?")
    assert rc == 3 and err.startswith("secondo: There is no case")


def test_add_document_and_reclassify(capsys, case_id, tmp_path):
    pdf, png = make_pdf(tmp_path / "letter.pdf"), make_png(tmp_path / "scan.png")
    rc, out, err = secondo(capsys, "case", "add-document", case_id, pdf, png, "--kind", "correspondence",
                           "--date", "2026-11-02", "--author", "Dr B", "--json")
    assert rc == 0, err
    ids = json.loads(out)["documents"]
    assert len(ids) == 2
    rc, out, err = secondo(capsys, "case", "reclassify", case_id, ids[0][:8], "--kind", "referral_letter")
    assert rc == 0, err
    rc, out, err = secondo(capsys, "show", case_id, "--json")
    kinds = {d["id"]: d["kind"] for d in json.loads(out)["documents"]}
    assert (kinds[ids[0]], kinds[ids[1]]) == ("referral_letter", "correspondence")
    rc, out, err = secondo(capsys, "case", "add-document", case_id, tmp_path / "absent.pdf")
    assert rc == 3 and err.count("\n") == 1 and "cannot be read" in err
