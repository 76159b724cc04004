"""A plain CD (pydicom's test files, no package) becomes a signed, sent opinion through the case
sheet, all by the command line: refused for signing until the sheet is complete, then the form
offers the added documents, the study and the consented recipients by name, and the cover
letters greet each recipient properly."""

import json
from pathlib import Path
import subprocess

from pydicom import dcmread
from pydicom.data import get_testdata_file
import pytest

from app.cli import main
from app.demo.pki import DEMO_PASSPHRASE
from app.opinion.prefill import STUDY_SYSTEM, bind, new_response
from app.opinion.questionnaire import get_answers, load_template
from app.store.store import CaseStore
from tests.unit.test_case_sheet import belgian_number
from tests.unit.test_case_sheet_documents import make_pdf, make_png
from tests.unit.test_opinion_pdf import PROFILE, fill


def secondo(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def plain_cd(folder: Path) -> Path:
    """pydicom's CT and MR test images, relabelled for the fictitious test patient."""
    folder.mkdir()
    for n, name in enumerate(("CT_small.dcm", "MR_small.dcm")):
        ds = dcmread(get_testdata_file(name))
        ds.PatientName, ds.PatientBirthDate, ds.PatientID = "Test^Patient", "19700101", "TEST-0001"
        ds.StudyDescription = "CT thorax" if n == 0 else "MR brain"
        ds.save_as(folder / f"IM{n:06d}")
    return folder


def response_for(store, case_id: str, path: Path) -> tuple[Path, dict]:
    record = store.record(case_id)
    q = bind(load_template("second-opinion"), record)
    response = fill(q, new_response(q, record, PROFILE))
    path.write_text(json.dumps(response), encoding="utf-8")
    return path, response


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=120).stdout


def test_a_plain_cd_is_completed_signed_and_sent(capsys, tmp_path, isolated_home, pki_files, monkeypatch):
    monkeypatch.setenv("ID_PASS", DEMO_PASSPHRASE)
    monkeypatch.setenv("PKG_PASS", "a-long-enough-passphrase")
    rc, out, err = secondo(capsys, "import", plain_cd(tmp_path / "cd"), "--json")
    assert rc == 0, err
    case_id = json.loads(out)["case_id"]
    sign = ("--identity", pki_files["reviewer-rsa.p12"], "--identity-pass-env", "ID_PASS")

    with CaseStore.open(isolated_home) as store:
        early, _response = response_for(store, case_id, tmp_path / "early.json")
    rc, out, err = secondo(capsys, "opinion", "export", case_id, "--response", early, "-o", tmp_path / "x.pdf", *sign)
    assert rc == 3 and err.count("\n") == 1
    assert "Complete the case sheet: the patient's name; the patient's birth date; the question asked; " \
           "the patient's consent to at least one recipient." in err
    assert not (tmp_path / "x.pdf").exists()

    rc, out, err = secondo(capsys, "case", "edit", case_id, "--family-name", "Test", "--given-names", "Patient",
                           "--birth-date", "1970-01-01", "--sex", "F",
                           "--national-number", belgian_number("1970-01-01"),
                           "--address", "Teststraat 1", "--address", "1000 Brussel",
                           "--question", "Is the lesion on the CT malignant?",
                           "--treating-physician", "Dr A. Janssens", "--treating-physician-organisation",
                           "Test Hospital", "--treating-physician-address", "Ziekenhuislaan 2",
                           "--consent", "patient", "--consent", "treating_physician", "--consent-date", "2026-11-30",
                           "--by", "Secretary Smith")
    assert rc == 0, err
    rc, out, err = secondo(capsys, "case", "add-document", case_id, make_pdf(tmp_path / "referral.pdf"),
                           "--kind", "referral_letter", "--date", "2026-11-20", "--author", "Dr A. Janssens",
                           "--title", "Referral letter")
    assert rc == 0, err
    rc, out, err = secondo(capsys, "case", "add-document", case_id, make_png(tmp_path / "scan.png"),
                           "--title", "Scanned lab result", "--kind", "lab_result")
    assert rc == 0, err

    with CaseStore.open(isolated_home) as store:
        record = store.record(case_id)
        q = bind(load_template("second-opinion"), record)
        documents = [o["valueCoding"] for o in q.item("documents-reviewed")["answerOption"]]
        recipients = [o["valueCoding"] for o in q.item("recipients")["answerOption"]]
        path, response = response_for(store, case_id, tmp_path / "response.json")
    displays = [d["display"] for d in documents]
    assert displays[:2] == ["Referral letter — 20/11/2026, Dr A. Janssens", "Scanned lab result"]
    assert {d["display"] for d in documents if d["system"] == STUDY_SYSTEM} == {
        "CT CT thorax — 19/01/2004", "MR MR brain — 26/08/2004"}
    assert [r["code"] for r in recipients] == ["patient", "treating_physician"]
    assert "Dr A. Janssens" in recipients[1]["display"] and "TEST, Patient" in recipients[0]["display"]
    assert len(get_answers(response, "documents-reviewed")) == 4

    rc, out, err = secondo(capsys, "opinion", "export", case_id, "--response", path, "-o", tmp_path / "signed.pdf",
                           *sign)
    assert rc == 0, err
    letter = text_of(tmp_path / "signed.pdf")
    assert "Is the lesion on the CT malignant?" in letter and "Referral letter" in letter and "CT thorax" in letter

    monkeypatch.setenv("ORG_PASS", DEMO_PASSPHRASE)
    org = ("--sign", pki_files["workstation.p12"], "--sign-pass-env", "ORG_PASS")
    rc, out, err = secondo(capsys, "outgoing", case_id, "--to", "patient", "--passphrase-env", "PKG_PASS",
                           "-o", tmp_path / "out", *org, "--json")
    assert rc == 0, err
    to_patient = text_of(Path(json.loads(out)["cover_letter"]))
    assert "Dear Ms Test," in to_patient and "Teststraat 1" in to_patient and "1000 Brussel" in to_patient
    rc, out, err = secondo(capsys, "outgoing", case_id, "--to", "treating_physician", "--recipient",
                           pki_files["treating-physician.pem"], "-o", tmp_path / "out", *org, "--json")
    assert rc == 0, err
    to_physician = text_of(Path(json.loads(out)["cover_letter"]))
    assert "Dear Dr Janssens," in to_physician and "Test Hospital" in to_physician
    rc, out, err = secondo(capsys, "outgoing", case_id, "--to", "general_practitioner", "--passphrase-env",
                           "PKG_PASS", "-o", tmp_path / "out", *org)
    assert rc == 3 and "did not consent" in err


@pytest.mark.parametrize("sex, greeting", [("M", "Dear Mr Test,"), ("U", "Dear Patient Test,")])
def test_the_patient_salutation_follows_the_recorded_sex(sex, greeting):
    from app.report.salutation import salutation

    title = {"M": "Mr", "F": "Ms"}.get(sex, "")
    assert salutation("TEST, Patient", role="patient", title=title, family_name="TEST",
                      given_names="Patient") == greeting
