"""Patient identity check: the dossier's patient against each study's DICOM patient."""

import io
from types import SimpleNamespace

import pytest

from app.demo import DEMO_PATIENT
from app.demo.imaging import ct_series
from app.dossier.dicom_index import read_instance
from app.dossier.identity import (IdentityResult, case_status, check_studies_against_each_other, check_study,
                                  group_by_patient, normalise_name, same_patient, study_status)

PATIENT = {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01", "sex": "F",
           "identifiers": [{"system": "national-register", "value": "70.01.01-000.00"}]}


def dicom(name="Test^Patient", birth_date="19700101", patient_id="DEMO-123") -> dict:
    return {"name": name, "birth_date": birth_date, "id": patient_id, "sex": "F"}


class TestNormaliseName:
    @pytest.mark.parametrize("value", ["TEST^PATIENT", "Test^Patient^^^", "test patient", "TÉST^Patiënt",
                                       "Test^Patient^^Mrs.^", "  test^ patient ", "Test^Patient=テスト^患者"])
    def test_variants_of_one_name(self, value):
        assert normalise_name(value) == ("test", "patient")

    def test_hyphens_apostrophes_and_letters_without_decomposition(self):
        assert normalise_name("Test-Démo^Øyvind") == ("test", "demo", "oyvind")
        assert normalise_name("O'Test^Patient") == ("otest", "patient")
        assert normalise_name("^^^^") == ()


class TestCheckStudy:
    @pytest.mark.parametrize("name", ["TEST^PATIENT", "Test^Patient^^^", "test patient", "TÉST^Patiënt",
                                      "Patient Test", "Test^P", "Test^Patient Marie^^Mrs"])
    def test_name_variants_match(self, name):
        result = check_study(PATIENT, dicom(name))
        assert result.status == "match", result
        assert result.mismatches == []

    def test_accents_and_case_on_both_sides(self):
        manifest = PATIENT | {"family_name": "Tèst-Démo", "given_names": "Patiënt"}
        assert check_study(manifest, dicom("TEST DEMO^PATIENT")).status == "match"
        assert check_study(manifest, dicom("TESTDEMO^PATIENT")).status == "match"
        umlaut = PATIENT | {"family_name": "Tüst"}
        assert check_study(umlaut, dicom("TUEST^PATIENT")).status == "match"
        assert check_study(umlaut, dicom("TUST^PATIENT")).status == "match"
        assert check_study(PATIENT | {"family_name": "Tuest"}, dicom("TUST^PATIENT")).status == "mismatch"

    def test_another_persons_name(self):
        result = check_study(PATIENT, dicom("Other^Person"))
        assert (result.status, result.mismatches) == ("mismatch", ["name"])
        message = result.message()
        assert "Other" not in message and "Person" not in message and "Test" not in message
        name = next(c for c in result.checks if c.field == "name")
        assert (name.expected, name.found) == ("Patient Test", "Other^Person")  # data, not message

    def test_same_family_and_birth_date_other_given_name(self):
        # Twins: the given name is what tells them apart.
        result = check_study(PATIENT, dicom("Test^Other"))
        assert (result.status, result.mismatches) == ("mismatch", ["name"])

    def test_mismatching_birth_date(self):
        result = check_study(PATIENT, dicom(birth_date="19700102"))
        assert (result.status, result.mismatches) == ("mismatch", ["birth date"])
        assert "1970" not in result.message()
        assert "birth date" in result.message()

    @pytest.mark.parametrize("patient", [dicom(birth_date=None), dicom(name=""), dicom(name="ANONYMOUS"),
                                         dicom(name="^^^^", birth_date=None), dicom(birth_date="1970")])
    def test_missing_data_is_not_verified_not_match(self, patient):
        result = check_study(PATIENT, patient)
        assert result.status == "not_verified" and result.mismatches == []

    def test_a_mismatch_with_missing_data_is_still_a_mismatch(self):
        assert check_study(PATIENT, dicom("Other^Person", birth_date=None)).status == "mismatch"

    def test_a_hospital_local_id_is_not_compared(self):
        result = check_study(PATIENT, dicom(patient_id="12345678"))
        assert result.status == "match"
        assert next(c for c in result.checks if c.field == "patient ID").status == "not comparable"

    def test_the_same_national_number_written_differently(self):
        result = check_study(PATIENT, dicom(patient_id="70010100000"))
        assert next(c for c in result.checks if c.field == "patient ID").status == "match"

    def test_another_national_number(self):
        result = check_study(PATIENT, dicom(patient_id="70.01.01-999.99"))
        assert (result.status, result.mismatches) == ("mismatch", ["patient ID"])
        assert "70" not in result.message()
        # A valid-checksum number (fictitious: born 00/00/00) is recognised without punctuation.
        assert check_study(PATIENT, dicom(patient_id="00000000097")).mismatches == ["patient ID"]

    def test_a_dutch_bsn(self):
        manifest = PATIENT | {"identifiers": [{"system": "bsn", "value": "111222333"}]}
        assert check_study(manifest, dicom(patient_id="111222333")).checks[2].status == "match"
        assert check_study(manifest, dicom(patient_id="123456782")).mismatches == ["patient ID"]
        assert check_study(manifest, dicom(patient_id="123456789")).checks[2].status == "not comparable"

    def test_no_identifiers_in_the_manifest(self):
        manifest = {k: v for k, v in PATIENT.items() if k != "identifiers"}
        result = check_study(manifest, dicom(patient_id="70.01.01-999.99"))
        assert result.status == "match" and result.checks[2].status == "not comparable"

    def test_json_round_trip(self):
        result = check_study(PATIENT, dicom("Other^Person"))
        data = result.to_json()
        assert data["status"] == "mismatch" and data["message"] == result.message()
        assert IdentityResult.from_json(data) == result

    def test_the_demo_ct_belongs_to_the_demo_patient(self):
        buffer = io.BytesIO()
        next(ct_series(1, 32)).save_as(buffer, enforce_file_format=True)
        result = check_study(DEMO_PATIENT, read_instance(buffer.getvalue(), "CT").patient)
        assert result.status == "match"
        assert [c.status for c in result.checks] == ["match", "match", "match"]


def study(uid: str, **patient) -> SimpleNamespace:
    return SimpleNamespace(study_uid=uid, patient=dicom(**patient))


class TestAgainstEachOther:
    def test_the_odd_one_out_is_flagged(self):
        studies = [study("1", name="Other^Person", birth_date="19800101"), study("2"),
                   study("3", name="TEST^PATIENT"), study("4", name="test patient")]
        results = check_studies_against_each_other(studies)
        assert [r["study_uid"] for r in results] == ["1", "2", "3", "4"]
        # Without a case patient, agreeing with each other confirms no one: never "match".
        assert [r["status"] for r in results] == ["mismatch", "not_verified", "not_verified", "not_verified"]
        assert set(results[0]["mismatches"]) == {"name", "birth date"}
        assert "other studies" in results[0]["message"]

    def test_local_ids_from_two_hospitals_are_not_a_mismatch(self):
        results = check_studies_against_each_other([study("1", patient_id="A1"), study("2", patient_id="B2")])
        assert [r["status"] for r in results] == ["not_verified", "not_verified"]

    def test_anonymised_and_empty(self):
        results = check_studies_against_each_other([study("1"), study("2", name="", birth_date=None)])
        assert [r["status"] for r in results] == ["not_verified", "not_verified"]
        assert check_studies_against_each_other([]) == []

    def test_anonymised_studies_with_different_ids_are_two_patients(self):
        results = check_studies_against_each_other([study("1", name="", birth_date=None, patient_id="A1"),
                                                    study("2", name="", birth_date=None, patient_id="A1"),
                                                    study("3", name="", birth_date=None, patient_id="B2")])
        assert [r["status"] for r in results] == ["not_verified", "not_verified", "mismatch"]
        assert results[2]["mismatches"] == ["patient ID"]


class TestGroupByPatient:
    def test_one_group_per_person_with_tolerant_names(self):
        patients = [dicom("Test^Patient"), dicom("Other^Person", birth_date="19800101"),
                    dicom("TEST^PATIENT^^^", patient_id="LOCAL-9"), dicom("test patient")]
        assert group_by_patient([p for p in patients]) == [[0, 2, 3], [1]]

    def test_same_family_and_birth_date_other_given_name_is_another_person(self):
        # Twins: one family name, one birth date, two given names.
        assert not same_patient(dicom("Test^Patient"), dicom("Test^Other"))
        assert same_patient(dicom("Test^Patient"), dicom("Test^P"))

    def test_ids_decide_only_when_names_cannot(self):
        assert not same_patient(dicom("", None, "A1"), dicom("", None, "B2"))
        assert same_patient(dicom("", None, "A1"), dicom("", None, "A1"))
        assert same_patient(dicom(patient_id="A1"), dicom(patient_id="B2"))  # named, born the same: one person
        assert group_by_patient([]) == []


class TestCaseStatus:
    def test_ok_only_when_every_check_matched(self):
        assert case_status([{"status": "match"}, {"status": "match"}]) == "ok"
        assert case_status([{"status": "match"}, {"status": "not_verified"}]) == "not_verified"
        assert case_status([{"status": "match"}, {"status": "mismatch"}]) == "mismatch"
        assert case_status([]) == "not_verified"

    def test_records_of_earlier_versions_read_in_todays_words(self):
        # "match" against the other studies (no case patient) and "unknown" are "not_verified".
        assert study_status({"status": "match", "basis": "studies"}) == "not_verified"
        assert study_status({"status": "unknown"}) == "not_verified"
        assert study_status({"status": "match"}) == "match"
        assert case_status([{"status": "match", "basis": "studies"}]) == "not_verified"
