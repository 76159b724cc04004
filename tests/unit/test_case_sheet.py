"""The case sheet service (app/dossier/case_sheet.py): a plain CD's case completed with its
patient, question and consent; what is checked; what is audited; two writers at once."""

from datetime import date, timedelta

import pytest

from app.cli import main
from app.core.errors import BadInputError
from app.dossier import case_sheet
from app.dossier.case_details import details
from app.dossier.case_update import CaseChangedMeanwhile
from app.store.store import CaseStore
from tests.unit.plain_case import case_id, store  # noqa: F401 - fixtures
from tests.unit.store_cds import unique_cd

PATIENT = {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01", "sex": "F"}


def belgian_number(born: str, serial: str = "123") -> str:
    """A valid rijksregisternummer for someone born on `born` (ISO)."""
    body = born[2:4] + born[5:7] + born[8:10] + serial
    base = int(body) + (2_000_000_000 if born >= "2000" else 0)
    return body + f"{97 - base % 97:02d}"


def bsn(first8: str = "11122233") -> str:
    """A BSN passing the 11-proof, from its first 8 digits."""
    total = sum(int(d) * w for d, w in zip(first8, range(9, 1, -1)))
    for last in range(10):
        if (total - last) % 11 == 0:
            return first8 + str(last)
    return bsn(str(int(first8) + 1))


def complete(store, case_id, **extra):
    changes = {"patient": dict(PATIENT), "referral": {"question": "Is the nodule malignant?"},
               "consent": {"roles": ["patient", "treating_physician"], "decided_on": "2026-11-30"}}
    changes.update(extra)
    return case_sheet.update_case(store, case_id, changes, by="Secretary Smith")


class TestPlainCd:
    def test_a_plain_cd_case_lacks_patient_question_and_consent(self, store, case_id):
        record = store.record(case_id)
        assert case_sheet.missing_for_signing(record) == [
            "the patient's name", "the patient's birth date", "the question asked",
            "the patient's consent to at least one recipient"]
        view = case_sheet.sheet_view(record)
        assert view["sources"]["patient.family_name"] == "images"  # shown, not yet confirmed
        assert view["patient"]["birth_date"] == "1970-01-01"
        assert view["consent"]["roles"] == []

    def test_the_sheet_completes_the_case(self, store, case_id):
        record = complete(store, case_id)
        assert case_sheet.missing_for_signing(record) == []
        assert case_sheet.missing_sentence(record) is None
        said = details(record)
        assert said["patient"]["family_name"] == "Test"
        assert said["referral"]["question"] == "Is the nodule malignant?"
        assert said["referral"]["consented_recipients"] == ["patient", "treating_physician"]
        assert record["manifest"] is None  # nothing invented for the sender
        again = store.record(case_id)
        assert again["sheet"] == record["sheet"]
        view = case_sheet.sheet_view(again)
        assert view["sources"]["patient.family_name"] == "sheet"
        assert view["consent"]["recorded_by"] == "Secretary Smith"
        assert view["consent"]["decided_on"] == "2026-11-30"

    def test_the_identity_check_compares_with_the_entered_patient(self, store, case_id):
        record = complete(store, case_id)
        assert [i["status"] for i in record["identity"]] == ["match"]
        record = case_sheet.update_case(store, case_id, {"patient": {"birth_date": "1971-02-03"}})
        assert [i["status"] for i in record["identity"]] == ["mismatch"]
        assert store.index.case(case_id)["identity_mismatches"] == 1

    def test_completeness_sees_the_question(self, store, case_id):
        before = {c["item"]: c for c in store.record(case_id)["completeness"]}
        assert before["referral_letter"]["note"] is None
        after = {c["item"]: c for c in complete(store, case_id)["completeness"]}
        assert "question is known" in after["referral_letter"]["note"]

    def test_an_empty_value_clears_what_the_sheet_said(self, store, case_id):
        complete(store, case_id)
        record = case_sheet.update_case(store, case_id, {"referral": {"question": ""}})
        assert "the question asked" in case_sheet.missing_for_signing(record)

    def test_nothing_changed_writes_nothing(self, store, case_id):
        complete(store, case_id)
        blob = store.index.case(case_id)["record"]
        lines = len(store.audit.entries())
        complete(store, case_id)
        assert store.index.case(case_id)["record"] == blob
        assert len(store.audit.entries()) == lines


class TestAudit:
    def test_edits_name_the_fields_and_consent_is_its_own_line(self, store, case_id, isolated_home):
        complete(store, case_id)
        entries = [e for e in store.audit.entries() if e["case"] == case_id]
        edit = next(e for e in entries if e["action"] == "case-edit")
        assert set(edit["details"]["fields"]) == {"patient.family_name", "patient.given_names",
                                                   "patient.birth_date", "patient.sex", "referral.question"}
        consent = next(e for e in entries if e["action"] == "consent")
        assert consent["details"]["roles"] == ["patient", "treating_physician"]
        assert consent["details"]["decided_on"] == "2026-11-30"
        assert consent["details"]["recorded_by"] == "Secretary Smith"
        log = (isolated_home / "audit.log").read_text()
        for value in ("Test", "Patient", "1970-01-01", "nodule"):
            assert value not in log


class TestValidation:
    @pytest.mark.parametrize("changes, words", [
        ({"patient": {"national_number": "70010112345"}}, "check digits"),
        ({"patient": {"national_number": "123456789"}}, "11-proof"),
        ({"patient": {"national_number": "12345"}}, "11 digits"),
        ({"patient": {"birth_date": (date.today() + timedelta(days=1)).isoformat()}}, "in the future"),
        ({"patient": {"birth_date": "1970-02-30"}}, "not a date"),
        ({"patient": {"sex": "X"}}, "M, F, O"),
        ({"consent": {"roles": ["neighbour"]}}, "not a recipient role"),
        ({"referral": {"treating_physician": {"email": "nobody"}}}, "not an e-mail"),
        ({"referral": {"treating_physician": {"language": "Dutch"}}}, "BCP 47 tag"),
        ({"referral": {"general_practitioner": {"language": "nl_BE"}}}, "BCP 47 tag"),
        ({"patient": {"shoe_size": "42"}}, "no field"),
    ])
    def test_bad_input_is_refused_in_one_sentence_and_nothing_saved(self, store, case_id, changes, words):
        blob = store.index.case(case_id)["record"]
        with pytest.raises(BadInputError, match=words) as raised:
            case_sheet.update_case(store, case_id, changes)
        assert "\n" not in str(raised.value)
        assert store.index.case(case_id)["record"] == blob

    def test_a_persons_language_is_kept_as_its_bcp47_tag(self, store, case_id):
        case_sheet.update_case(store, case_id, {"referral": {"treating_physician": {"language": "nl-BE"},
                                                             "general_practitioner": {"language": "fr"}}})
        said = details(store.record(case_id))["referral"]
        assert said["treating_physician"]["language"] == "nl-BE"  # the region decides a Dutch reader's dates
        assert said["general_practitioner"]["language"] == "fr"

    def test_valid_national_numbers_are_kept(self, store, case_id):
        record = case_sheet.update_case(store, case_id, {"patient": {
            "birth_date": "1970-01-01", "national_number": belgian_number("1970-01-01")}})
        assert case_sheet.sheet_view(record)["patient"]["national_number"] == belgian_number("1970-01-01")
        born_2003 = belgian_number("2003-05-06")
        record = case_sheet.update_case(store, case_id, {"patient": {
            "birth_date": "2003-05-06", "national_number": born_2003[:6] + "." + born_2003[6:]}})
        assert details(record)["patient"]["identifiers"] == [{"system": "national-register", "value": born_2003}]
        record = case_sheet.update_case(store, case_id, {"patient": {"national_number": bsn()}})
        assert details(record)["patient"]["identifiers"] == [{"system": "nl-bsn", "value": bsn()}]

    def test_a_belgian_number_must_agree_with_the_birth_date(self, store, case_id):
        with pytest.raises(BadInputError, match="does not match the birth date"):
            case_sheet.update_case(store, case_id, {"patient": {
                "birth_date": "1970-01-02", "national_number": belgian_number("1970-01-01")}})


class TestTwoWriters:
    def test_a_sheet_edit_over_an_import_into_the_case_says_changed_meanwhile(self, store, case_id, tmp_path,
                                                                            capsys, monkeypatch):
        real = case_sheet.apply_changes

        def import_meanwhile(record, changes, by):
            assert main(["import", str(unique_cd(tmp_path / "more")), "--case", case_id]) == 0
            return real(record, changes, by)

        monkeypatch.setattr(case_sheet, "apply_changes", import_meanwhile)
        with pytest.raises(CaseChangedMeanwhile, match="changed meanwhile"):
            complete(store, case_id)
        monkeypatch.setattr(case_sheet, "apply_changes", real)
        record = store.record(case_id)
        assert len(record["studies"]) == 2  # the import is whole
        assert "sheet" not in record
        complete(store, case_id)  # done again, on the new record: nothing lost
        record = store.record(case_id)
        assert len(record["studies"]) == 2 and details(record)["referral"]["question"]

    def test_an_import_into_the_case_over_a_sheet_edit_says_changed_meanwhile(self, store, case_id, tmp_path,
                                                                              capsys, monkeypatch, isolated_home):
        from app.dossier import case_record

        real = case_record.recompute_checks

        def edit_meanwhile(record):
            with CaseStore.open(isolated_home) as other:  # as the window would, on its own connection
                complete(other, case_id)
            real(record)

        monkeypatch.setattr(case_record, "recompute_checks", edit_meanwhile)
        more = unique_cd(tmp_path / "more")
        assert main(["import", str(more), "--case", case_id]) == 3
        assert "changed" in capsys.readouterr().err
        monkeypatch.setattr(case_record, "recompute_checks", real)
        record = store.record(case_id)
        assert details(record)["referral"]["question"] and len(record["studies"]) == 1  # the edit is whole
        assert main(["import", str(more), "--case", case_id]) == 0  # the import again: both kept
        record = store.record(case_id)
        assert len(record["studies"]) == 2 and details(record)["referral"]["question"] == "Is the nodule malignant?"
        assert case_sheet.missing_for_signing(record) == []


def test_a_value_the_package_says_already_is_not_copied_onto_the_sheet():
    record = {"manifest": {"patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01"},
                           "referral": {"question": "Why?", "treating_physician": {"name": "Dr A. Janssens"}}}}
    sheet, fields, consent = case_sheet.apply_changes(record, {
        "patient": {"family_name": "Test", "sex": "F"},
        "referral": {"question": "Why?", "treating_physician": {"name": "Dr A. Janssens", "email": "a@example.org"}}},
        "Secretary Smith")
    assert sheet["patient"] == {"sex": "F"}
    assert sheet["referral"] == {"treating_physician": {"email": "a@example.org"}}
    assert fields == ["patient.sex", "referral.treating_physician.email"] and consent is None
    record["sheet"] = sheet
    assert case_sheet.sheet_view(record)["sources"]["patient.family_name"] == "package"
