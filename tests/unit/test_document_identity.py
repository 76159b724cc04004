"""The identity check inside documents: what a letter's text says of its patient, compared
with the case's patient by the images' rule (app/dossier/identity.py, basis "document")."""

from __future__ import annotations

import pytest

from app.core.i18n import in_language
from app.core.page_text import DocumentText, PageText
from app.dossier import identity
from app.dossier.document_identity import check_document, document_checks, find_patient
from tests.unit.document_fixtures import other_patient_letter_text

PATIENT = {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01",
           "identifiers": [{"system": "national-register", "value": "70.01.01-000.00"}]}


def text(*lines: str, source: str = "layer") -> DocumentText:
    return DocumentText([PageText(1, "\n".join(lines), source)])


def status(*lines: str, patient: dict = PATIENT) -> str:
    return check_document(patient, text(*lines)).status


MATCHING = [
    "Re: Mrs Test Patient, born 01/01/1970",
    "Betreft: mevrouw Test Patient, geboren op 1 januari 1970",
    "Betreft: Test Patient, geb. 01-01-1970",
    "Betreft: uw patiënte mevr. TEST Patient (°01.01.1970)",
    "Patiënt: Test Patient\nGeboortedatum: 01/01/1970",
    "Naam: TEST Patient    Geb. datum: 01.01.1970",
    "Concerne : Madame Patient Test, née le 1er janvier 1970",
    "Concerne : votre patiente Mme Test Patient, né(e) le 01/01/1970",
    "Nom : Test Patient\nDate de naissance : 01-01-1970",
    "Patiente : Test Patient °01/01/70",
    "Patient name: Patient Test\nDOB 1970-01-01",
    "Patient: TEST, Patient\nDate of birth: January 1, 1970",
    "Re: Mrs Test Patient\nDate of birth: 1st January 1970",
    # The name and the national number, no birth date.
    "Patient: Test Patient\nNational register number: 70.01.01-000.00",
    "Patiënt: Test Patient, rijksregisternummer 70010100000",
    # Written the other way round (month first), still the same day.
    "Re: Mrs Test Patient, DOB 01/01/1970",
    # A married name with the husband's before hers.
    "Betreft: mevr. Peeters-Test Patient, °01.01.1970",
]


@pytest.mark.parametrize("letter", MATCHING)
def test_the_patients_name_and_birth_date_or_number_in_nl_fr_en_match(letter):
    assert status(letter) == "match", find_patient(text(letter))


OTHER_NAME = [
    "Re: Mr Other Testperson, born 01/01/1970",
    "Betreft: dhr. Testperson Other, geboren op 1 januari 1970",
    "Patiënt: Testperson Other",
    "Nom : Testperson Other\nDate de naissance : 01-01-1970",
    "Concerne : Monsieur Other Testperson",
    "Patient name: OTHER TESTPERSON",
    # A twin: same family name and birth date, another given name.
    "Re: Mrs Test Twin, born 01/01/1970",
]


@pytest.mark.parametrize("letter", OTHER_NAME)
def test_another_patients_name_is_a_mismatch_by_name(letter):
    result = check_document(PATIENT, text(letter))
    assert result.status == "mismatch"
    assert "name" in result.mismatches


OTHER_BIRTH = [
    "Re: Mrs Test Patient, born 02/02/1980",
    "Betreft: mevrouw Test Patient, geboren op 2 februari 1980",
    "Concerne : Madame Test Patient, née le 2 février 1980",
    "Patient: Test Patient\nDOB: 1980-02-02",
    "Patiënt: Test Patient °02.02.1980",
    "Patient: Test Patient, geb. 02-02-80",
]


@pytest.mark.parametrize("letter", OTHER_BIRTH)
def test_another_birth_date_is_a_mismatch_by_birth_date(letter):
    result = check_document(PATIENT, text(letter))
    assert (result.status, result.mismatches) == ("mismatch", ["birth date"])


@pytest.mark.parametrize("letter", ["Patiënt: Test Patient\nRijksregisternummer: 80.02.02-123.45",
                                    "Re: Mrs Test Patient, national register 80.02.02-123.45",
                                    "NISS : 80020212345\nPatient : Test Patient"])
def test_another_national_number_is_a_mismatch_by_patient_id(letter):
    result = check_document(PATIENT, text(letter))
    assert (result.status, result.mismatches) == ("mismatch", ["patient ID"])


def test_a_dutch_bsn_is_compared_with_the_cases_bsn():
    patient = PATIENT | {"identifiers": [{"system": "nl-bsn", "value": "123456782"}]}
    assert status("Patiënt: Test Patient\nBSN: 123456782", patient=patient) == "match"
    assert check_document(patient, text("Patiënt: Test Patient\nBSN: 111222333")).mismatches == ["patient ID"]
    # A number of another kind than the case's is not comparable: neither match nor mismatch.
    assert status("Patiënt: Test Patient\nBSN: 111222333") == "not_verified"


NOT_THE_PATIENT = [
    # Doctors, in the letterhead, the signature and the addressee: never the patient.
    "Dr. Peeters Jan\nDepartment of Cardiology\nTo: Dr. Other Surgeon\nRe: Mrs Test Patient, born 01/01/1970\n"
    "Kind regards,\nDr. Janssens Marc",
    "Prof. dr. Verhoeven\nBetreft: mevrouw Test Patient, geboren op 1 januari 1970",
    "Aan: dokter Peeters\nGeachte mevrouw Janssens,\nBetreft: mevrouw Test Patient, geboren op 01/01/1970",
    "Chère Madame Dupont,\nConcerne : Madame Test Patient, née le 01/01/1970\nDr Martin, cardiologue",
    "Patiënt: mevrouw Dr. Peeters\nBetreft: mevrouw Test Patient, °01.01.1970",
    # Relatives and carers named with a title.
    "Re: Mrs Test Patient, born 01/01/1970\nShe came with her husband, Mr Peeters, and her nurse Mrs Smith.",
    "I saw Mrs Test today with her husband, Mr Peeters. DOB 01/01/1970",
    # Other dates are everywhere; only dates after a birth word count.
    "Re: Mrs Test Patient, born 01/01/1970\nCT of 14/09/2026, operated on 12 March 2019, seen 02/02/1980.",
    # Subject lines without a person.
    "Betreft: Verwijzing voor second opinion\nRe: Mrs Test Patient, born 01/01/1970",
    "Objet : Demande d'avis - Madame Test Patient, née le 01/01/1970",
]


@pytest.mark.parametrize("letter", NOT_THE_PATIENT)
def test_doctors_addressees_relatives_and_other_dates_do_not_count(letter):
    assert status(letter) == "match", find_patient(text(letter))


def test_milliseconds_and_lower_case_words_are_no_names():
    assert status("ECG: QRS 90 ms QT 400 ms\nMrs Test would like an opinion.") == "not_verified"


def test_ocr_noise_in_a_birth_date_is_read_as_the_digit_it_stands_for():
    assert status("Re: Mrs Test Patient, born 0l/O1/197O", ) == "match"
    assert check_document(PATIENT, text("Re: Mrs Test Patient, born 0l/O2/198O", source="ocr")).mismatches == \
        ["birth date"]


def test_a_title_in_the_text_names_the_patient_only_when_no_label_does():
    # No label: a titled name that is not the patient's, and none that is: a mismatch.
    assert status("Ik zag mevrouw Janssens Maria op de raadpleging.") == "mismatch"
    # One of them is the patient: the others are people around her.
    assert status("I saw Mrs Test Patient with Mrs Janssens, born 01/01/1970.") == "match"
    # A label names the patient: a titled name elsewhere does not count.
    assert status("Patiënt: Test Patient\nGeboren: 01/01/1970\nMevrouw Janssens belde.") == "match"


@pytest.mark.parametrize("lines, reason", [
    (("Patient: Test Patient",), "birth date"),
    (("DOB 01/01/1970",), "name"),
])
def test_only_part_found_is_not_verified_naming_what_is_missing(lines, reason):
    result = check_document(PATIENT, text(*lines))
    assert result.status == "not_verified"
    assert reason in result.message()


def test_nothing_found_no_text_no_patient():
    nothing = check_document(PATIENT, text("Histology: chronic cholecystitis.", "Duration 55 minutes."))
    assert nothing.status == "not_verified" and "no patient name" in nothing.message()
    assert check_document(PATIENT, None).reason == identity.NO_TEXT
    assert check_document(PATIENT, DocumentText()).reason == identity.NO_TEXT
    unreadable = check_document(PATIENT, DocumentText([], problem="The image could not be read."))
    assert unreadable.reason == identity.UNREADABLE
    assert check_document(PATIENT, text("", "  ")).reason == identity.UNREADABLE
    assert check_document({}, text("Re: Mrs Test Patient")).reason == identity.NO_PATIENT
    for result in (nothing, unreadable):
        assert result.status == "not_verified"


def test_the_messages_name_fields_never_values_and_are_translated():
    result = check_document(PATIENT, other_patient_letter_text())
    assert result.status == "mismatch" and set(result.mismatches) == {"name", "birth date"}
    data = result.to_json()
    assert data["basis"] == "document"
    for value in ("Other", "Testperson", "1980", "02/02"):
        assert value not in data["message"]
    assert {c["field"]: c["found"] for c in data["checks"]}["birth date"] == "1980-02-02"
    with in_language("fr"):
        assert "document" in identity.normalised(data)["message"]
        assert "naissance" in identity.normalised(data)["message"]
    with in_language("nl"):
        assert "geboortedatum" in identity.normalised(data)["message"]


def test_a_stored_document_check_keeps_its_status_and_counts_in_the_case():
    match = check_document(PATIENT, text("Re: Mrs Test Patient, born 01/01/1970")).to_json()
    mismatch = check_document(PATIENT, other_patient_letter_text()).to_json()
    nothing = check_document(PATIENT, text("Histology: no malignancy.")).to_json()
    studies = [{"status": "match", "basis": "dossier", "mismatches": []}]
    assert identity.study_status(match) == "match"
    assert identity.case_status(studies + [match, nothing]) == "ok"  # a nameless document does not count
    assert identity.case_status(studies + [mismatch]) == "mismatch"
    assert identity.case_status([nothing]) == "not_verified"


def test_document_checks_in_the_order_of_the_documents():
    documents = [{"id": "a1"}, {"id": "b2"}, {"id": "c3"}]
    texts = {"a1": text("Re: Mrs Test Patient, born 01/01/1970"), "b2": other_patient_letter_text()}
    assert [c["status"] for c in document_checks(PATIENT, documents, texts)] == ["match", "mismatch", "not_verified"]


def test_ocr_forms_of_born_and_of_a_dates_separators_are_read_on_recognised_pages():
    recognised = DocumentText([PageText(1, "Re: Mrs Test Patient bom 01101/1970- -pre-operatne evaluation", "ocr"),
                               PageText(2, "Re: Mrs Test Patient born 0101/1970 (continued)", "ocr")])
    assert check_document(PATIENT, recognised).status == "match"
    assert find_patient(recognised).birth_dates == ["1970-01-01", "1970-01-01"]
    # Not in a PDF's own text layer: what it says is read as written.
    assert find_patient(text("Re: Mrs Test Patient born 0101/1970")).birth_dates == []


@pytest.mark.parametrize("letter, field", [("Re: Mrs Test Patlent, born 01/01/1970", "name"),
                                           ("Re: Mrs Test Patient, born 01/01/1976", "birth date"),
                                           ("Patient: Test Patient\nNISS: 70.01.01-000.08", "patient ID")])
def test_one_misread_letter_of_ocr_is_no_mismatch_but_the_same_in_a_text_layer_is(letter, field):
    recognised = check_document(PATIENT, text(letter, source="ocr"))
    assert recognised.status != "mismatch"
    assert {c.field: c.status for c in recognised.checks}[field] == "unknown"
    written = check_document(PATIENT, text(letter))
    assert (written.status, written.mismatches) == ("mismatch", [field])
    # Another patient's name or birth date read by OCR is still one.
    assert check_document(PATIENT, text("Re: Mr Other Testperson, born 02/02/1980", source="ocr")).status == "mismatch"
