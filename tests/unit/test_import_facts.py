"""What the import dialog says, without Qt (app/ui/import_facts.py): the words of a case's summary
and whom a package is for."""

from app.crypto.stanzas import Passphrase
from app.ui.import_facts import BAD, OK, WARN, case_identity, case_report, missing_text, package_recipients
from tests.unit.packages import sealed_package

VIEW = {"case_id": "c1", "patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01"},
        "documents": [{"id": "d1"}], "sources": [{"kind": "folder"}],
        "studies": [{"identity": {"status": "match"}, "series": [{"instances": 3}, {"instances": 1}]}],
        "missing": [], "unreadable": [], "manifest_signature": {"state": "unsigned"}}


def test_one_of_each_is_said_in_the_singular_and_the_patient_heads_the_report():
    report = case_report(VIEW)
    lines = {what: (text, level) for what, text, level in report.lines}
    assert report.title == "TEST, Patient, born 01/01/1970"
    assert lines["Documents"] == ("1 document", OK)
    assert lines["Studies"] == ("1 study, 2 series, 4 image files", OK)
    assert lines["Sender signature"] == ("Unsigned: the sender cannot be confirmed", WARN)


def test_identity_is_ok_only_when_stated_or_checked_against_a_package_patient():
    assert case_identity(VIEW) == "not_verified"  # a plain folder: studies agreeing is not a check
    assert case_identity(VIEW | {"sources": [{"kind": "package"}]}) == "ok"
    assert case_identity(VIEW | {"identity_mismatches": 1}) == "mismatch"
    assert case_identity(VIEW | {"identity": "not_verified", "sources": [{"kind": "package"}]}) == "not_verified"
    lines = {what: level for what, _text, level in case_report(VIEW | {"identity": "mismatch"}).lines}
    assert lines["Identity"] == BAD


def test_missing_studies_are_named_by_date_and_description_then_files():
    view = VIEW | {"missing_studies": [{"study_date": "2024-05-06", "study_description": "CT ABDOMEN",
                                        "paths": ["DICOM/IM3"]}],
                   "missing_series": [], "missing_files": [{"path": "DICOM/IM9"}, {"path": "DICOM/IM8"}]}
    assert missing_text(view) == ("1 study named by the DICOMDIR is missing from the disc (06/05/2024 CT ABDOMEN); "
                                  "2 files named by the DICOMDIR are not on the disc (DICOM/IM9, DICOM/IM8)")
    assert missing_text(VIEW | {"missing": ["A", "B", "C", "D"]}).endswith("(A, B, C, …)")
    assert missing_text(VIEW) == ""


def test_a_package_for_a_passphrase_and_an_unknown_certificate(tmp_path, pki):
    path = tmp_path / "p.sodp"
    path.write_bytes(sealed_package({"a.txt": b"DEMO"}, [Passphrase("x", time_cost=1, memory_kib=8192, lanes=1),
                                                          pki.treating_physician.certificate]))
    unknown = package_recipients(path, [])
    assert [a.known for a in unknown] == [False, False]
    assert unknown[0].name == "Whoever has the package's passphrase"
    known = package_recipients(path, [pki.treating_physician.certificate], opening=[pki.treating_physician.certificate])
    assert known[1].text() == "Dr. Test Treating (DEMO) (Second-O DEMO (not for clinical use)) — your identity opens it"
    assert package_recipients(tmp_path, []) == []  # a folder is for no one in particular


def test_a_p7m_names_its_known_recipients_and_the_issuer_of_the_others(tmp_path, pki, pki_files):
    import subprocess

    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"DEMO")
    path = tmp_path / "p.p7m"
    subprocess.run(["openssl", "cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in", str(plain),
                    "-out", str(path), "-recip", str(pki_files["reviewer-rsa.pem"]),
                    "-recip", str(pki_files["treating-physician.pem"])], check=True, capture_output=True)
    named = package_recipients(path, [pki.reviewer_rsa.certificate], opening=[pki.reviewer_rsa.certificate])
    assert sorted(a.text() for a in named) == [
        "A certificate issued by Second-O DEMO Root CA, not known on this workstation",
        "Dr. Test Reviewer (DEMO) (Second-O DEMO (not for clinical use)) — your identity opens it"]
