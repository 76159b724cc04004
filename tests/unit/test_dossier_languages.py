"""The dossier, store and crypto layers speak the interface language: an import refused for a
wrong passphrase or a tampered package reads Dutch or French (exit code unchanged), and the
labels of statuses, document kinds, identity fields and sender signatures translate while the
stored keys and `--json` values stay English."""

import json

import pytest

from app.cli import main
from app.core.errors import BadInputError
from app.core.i18n import in_language
from app.demo.package import DEMO_DOSSIER_PASSPHRASE, build_demo_package
from app.dossier import case_sheet
from app.dossier.case_documents import kind_label
from app.dossier.case_view import STATUS_LABELS, status_label
from app.dossier.identity import BIRTH_DATE, MISMATCH, NAME, IdentityResult, field_label
from app.dossier.manifest_signature import state_label


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_package(tmp_path_factory.mktemp("demo"), ct_slices=2, ct_size=32)


def secondo(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


class TestRefusedImportsInTheInterfaceLanguage:
    @pytest.mark.parametrize(("language", "words"), [
        ("nl", "Verkeerde wachtwoordzin: ze opent dit pakket niet."),
        ("fr", "Phrase secrète erronée : elle n'ouvre pas ce paquet."),
    ])
    def test_a_wrong_passphrase(self, demo, capsys, monkeypatch, interface_language, language, words):
        monkeypatch.setenv("WRONG", "not it")
        interface_language(language)
        rc, _out, err = secondo(capsys, "import", demo.package, "--passphrase-env", "WRONG")
        assert rc == 3
        assert words in err and "Wrong passphrase" not in err

    @pytest.mark.parametrize(("language", "words"), [
        ("nl", "Het pakket werd gewijzigd of is beschadigd"),
        ("fr", "Le paquet a été modifié ou endommagé"),
    ])
    def test_a_tampered_package(self, demo, capsys, monkeypatch, tmp_path, interface_language, language, words):
        monkeypatch.setenv("DOSSIER_PASS", DEMO_DOSSIER_PASSPHRASE)
        data = bytearray(demo.package.read_bytes())
        data[int(len(data) * 0.6)] ^= 0x10
        (tmp_path / "t.sodp").write_bytes(bytes(data))
        interface_language(language)
        rc, _out, err = secondo(capsys, "import", tmp_path / "t.sodp", "--passphrase-env", "DOSSIER_PASS")
        assert rc == 3
        assert words in err and "altered" not in err


class TestLabels:
    @pytest.mark.parametrize(("language", "received", "in_review", "signed"), [
        ("en", "Received", "In review", "Signed"),
        ("nl", "Ontvangen", "In behandeling", "Ondertekend"),
        ("fr", "Reçu", "En cours d'examen", "Signé"),
    ])
    def test_case_statuses(self, language, received, in_review, signed):
        with in_language(language):
            assert [status_label(s) for s in ("received", "in_review", "signed")] == [received, in_review, signed]

    def test_every_status_has_a_translation(self):
        for language in ("nl", "fr"):
            with in_language(language):
                assert all(status_label(s) != label for s, label in STATUS_LABELS.items())

    @pytest.mark.parametrize(("language", "labels"), [
        ("nl", ["Verwijsbrief", "Verslag medische beeldvorming", "Operatieverslag", "Overige"]),
        ("fr", ["Lettre de référence", "Protocole d'imagerie", "Protocole opératoire", "Autre"]),
    ])
    def test_document_kinds(self, language, labels):
        with in_language(language):
            assert [kind_label(k) for k in ("referral_letter", "imaging_report", "operation_report", "other")] == labels

    def test_an_unknown_key_is_shown_as_it_is(self):
        with in_language("nl"):
            assert kind_label("x_ray_film") == "x_ray_film" and status_label("lost") == "lost"

    def test_identity_fields_and_their_message(self):
        result = IdentityResult(MISMATCH, mismatches=[NAME, BIRTH_DATE])
        with in_language("fr"):
            assert field_label(BIRTH_DATE) == "date de naissance"
            assert result.message() == ("Peut-être les images d'un autre patient. Ne correspond pas au patient du "
                                        "dossier : nom, date de naissance.")
        assert result.to_json()["mismatches"] == ["name", "birth date"]  # stored as keys

    def test_sender_signature_states(self):
        with in_language("nl"):
            assert state_label("untrusted") == "niet vertrouwd" and state_label("unsigned") == "niet ondertekend"


def test_json_keeps_the_english_keys_while_the_text_is_dutch(demo, capsys, monkeypatch, interface_language):
    """Imported in English, shown in Dutch: the words follow the reader, the keys stay."""
    monkeypatch.setenv("DOSSIER_PASS", DEMO_DOSSIER_PASSPHRASE)
    rc, out, err = secondo(capsys, "import", demo.package, "--passphrase-env", "DOSSIER_PASS", "--json")
    assert rc == 0, err
    case_id = json.loads(out)["case_id"]
    interface_language("nl")
    rc, out, err = secondo(capsys, "show", case_id, "--json")
    view = json.loads(out)
    assert view["documents"]
    assert view["status"] == "received"
    assert {d["kind"] for d in view["documents"]} <= {"referral_letter", "history_letter", "correspondence",
                                                     "imaging_report", "operation_report", "lab_result", "other"}
    checklist = {c["item"]: c["label"] for c in view["completeness"]}
    assert checklist["referral_letter"] == "Verwijsbrief met de gestelde vraag"
    assert {s["identity"]["message"] for s in view["studies"]} == {
        "De beelden horen bij de patiënt van het dossier: naam en geboortedatum komen overeen."}
    rc, out, err = secondo(capsys, "show", case_id)
    assert rc == 0
    assert "[Ontvangen]" in out and "Volledigheid:" in out and "Verwijsbrief met de gestelde vraag" in out
    assert any(kind_label(d["kind"]) in out for d in view["documents"])
    rc, out, err = secondo(capsys, "cases")
    assert "Ontvangen" in out and "received" not in out


class TestCaseSheetChecks:
    RECORD = {"manifest": {"patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01"},
                           "referral": {"question": "Why?"}}}

    @pytest.mark.parametrize(("language", "words"), [
        ("en", "The treating physician's e-mail address is not an e-mail address."),
        ("nl", "Het e-mailadres van de behandelende arts is geen e-mailadres."),
        ("fr", "L'adresse e-mail du médecin traitant n'est pas une adresse e-mail."),
    ])
    def test_a_physician_field_is_named_in_one_phrase(self, interface_language, language, words):
        interface_language(language)
        with pytest.raises(BadInputError) as raised:
            case_sheet.apply_changes(self.RECORD, {"referral": {"treating_physician": {"email": "no address"}}},
                                     "Secretary Test")
        assert str(raised.value) == words

    def test_a_date_in_the_future_names_the_field_in_french(self, interface_language):
        interface_language("fr")
        with pytest.raises(BadInputError) as raised:
            case_sheet.apply_changes(self.RECORD, {"patient": {"birth_date": "2999-01-01"}}, "Secretary Test")
        assert str(raised.value) == "La date de naissance est dans le futur ; vérifiez la date."

    def test_what_a_case_lacks_before_signing_reads_dutch(self, interface_language):
        interface_language("nl")
        record = {"manifest": {"patient": {"family_name": "Test", "birth_date": "1970-01-01"}, "referral": {}}}
        assert case_sheet.missing_sentence(record) == (
            "Vul de dossierfiche aan: de gestelde vraag; de toestemming van de patiënt voor minstens één ontvanger; "
            "minstens één document of beeldvormingsonderzoek.")
