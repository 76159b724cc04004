"""The letters in their reader's language, whatever the interface speaks: the DEMO opinion, the
cover letter, the passphrase sheet and the disc's README.TXT in Dutch and French hold no
English heading, write the date out the way the reader does, use a decimal comma in
measurements and name the national number as the reader knows it."""

from __future__ import annotations

import copy
from pathlib import Path
import shutil
import subprocess

import pytest

from app.demo import DEMO_LETTERHEAD
from app.opinion.prefill import bind, new_response
from app.opinion.form_languages import localized
from app.opinion.questionnaire import load_template
from app.outgoing.disc import README_WIDTH, cd_files, readme_text
from app.report import render_opinion
from app.report.cover_letter import CoverDetails, render_cover_letter, render_passphrase_sheet
from tests.unit.test_opinion_pdf import PROFILE, demo_record, fill, key_image

LETTER_DATE = "2026-11-04"
LONG_DATE = {"nl": "4 november 2026", "fr": "4 novembre 2026", "en": "4 November 2026"}
# Fixed texts of the opinion letter in English: none may be left in a Dutch or French letter.
ENGLISH_OPINION = ["Question asked", "Documents reviewed", "Clinical summary", "Findings", "Diagnosis",
                   "Differential diagnosis", "Recommended treatment", "Answer to the question", "Urgency",
                   "\nPatient\n", "Date of birth", "\nName\n", "Identifier", "Key images", "Copy to", "Author",
                   "Re:", ", born ", "Page 1 of", "Case 0123abcd", "not for clinical use", "Yours sincerely",
                   "Registration no.", "Treating physician", "November"]
LOCAL_OPINION = {
    "nl": ["Gestelde vraag", "Beoordeelde documenten", "Klinische samenvatting", "Geboortedatum", "Patiënt",
           "Betreft:", "Pagina 1 van 3", "Dossier 0123abcd", "DEMO — niet voor klinisch gebruik",
           "Met collegiale groeten,", "Sleutelbeelden", "Kopie aan", "Figuur 1."],
    "fr": ["Question posée", "Documents examinés", "Résumé clinique", "Date de naissance", "Patient(e)",
           "Concerne", "Page 1 sur 3", "Dossier 0123abcd", "DÉMO — ne pas utiliser à des fins cliniques",
           "Bien confraternellement,", "Images clés", "Copie à"],
}
NATIONAL_NUMBER = {"nl": "Rijksregisternummer", "fr": "Numéro de registre national"}


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "letter.pdf") -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True, encoding="utf-8").stdout


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    record = demo_record(tmp_path_factory.mktemp("demo"))
    q = bind(load_template("second-opinion"), record)
    return record, q, fill(q, new_response(q, record, PROFILE))


@pytest.fixture(scope="module")
def opinions(case) -> dict[str, bytes]:
    """The DEMO opinion rendered in each language while the interface stays English."""
    record, q, response = case
    return {language: render_opinion(record, q, response, key_images=[key_image(1)], letterhead=DEMO_LETTERHEAD,
                                     letter_date=LETTER_DATE, language=language).pdf
            for language in ("nl", "fr", "en")}


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_opinion_has_no_english_heading(opinions, language, tmp_path):
    text = pdf_text(opinions[language], tmp_path)
    left = [english for english in ENGLISH_OPINION if english in text]
    assert left == [], f"English left in the {language} letter: {left}"
    missing = [local for local in LOCAL_OPINION[language] if local not in text]
    assert missing == [], f"not in the {language} letter: {missing}"


def test_the_english_letter_is_still_english(opinions, tmp_path):
    text = pdf_text(opinions["en"], tmp_path)
    assert all(english in text for english in ("Question asked", "Date of birth", "Page 1 of 3", "Yours sincerely,",
                                                LONG_DATE["en"]))


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_opinion_dates_the_letter_long_and_its_tables_short(opinions, language, tmp_path):
    text = pdf_text(opinions[language], tmp_path)
    assert LONG_DATE[language] in text
    assert "01/01/1970" in text and "1970-01-01" not in text  # the birth date, short (Belgium)


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_measurements_have_a_decimal_comma(opinions, language, tmp_path):
    text = pdf_text(opinions[language], tmp_path)
    assert "8,1 mm" in text and "8.1 mm" not in text


def test_measurements_keep_the_point_in_english(opinions, tmp_path):
    assert "8.1 mm" in pdf_text(opinions["en"], tmp_path)


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_coded_answers_and_headings_come_from_the_form_in_that_language(opinions, case, language, tmp_path):
    _record, q, _response = case
    text = pdf_text(opinions[language], tmp_path)
    shown = localized(q, language)
    for link, index in (("agreement", 1), ("urgency", 0)):
        english = q.item(link)["answerOption"][index]["valueCoding"]["display"]
        local = shown.item(link)["answerOption"][index]["valueCoding"]["display"]
        assert local != english and local in text and english not in text
    assert shown.item("clinical-summary")["text"] in text


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_belgian_national_number_is_named_as_the_reader_knows_it(opinions, language, tmp_path):
    text = pdf_text(opinions[language], tmp_path)
    assert NATIONAL_NUMBER[language] in text and "national register" not in text


def test_a_dutch_patient_has_a_bsn(case, tmp_path):
    record, q, response = case
    record = copy.deepcopy(record)
    record["manifest"]["patient"]["identifiers"] = [{"system": "nl-bsn", "value": "111222333"}]
    pdf = render_opinion(record, q, response, letterhead=DEMO_LETTERHEAD, letter_date=LETTER_DATE,
                         language="nl-NL").pdf
    text = pdf_text(pdf, tmp_path)
    assert "BSN" in text and "111222333" in text and "Rijksregisternummer" not in text
    assert "01-01-1970" in text  # a Dutch reader's short date


def test_the_letter_language_does_not_follow_the_interface(case, interface_language, tmp_path):
    record, q, response = case
    interface_language("fr")
    text = pdf_text(render_opinion(record, q, response, letterhead=DEMO_LETTERHEAD, letter_date=LETTER_DATE,
                                   language="nl-BE").pdf, tmp_path)
    assert "Gestelde vraag" in text and "Question posée" not in text


def test_an_addendum_is_titled_in_its_language(case, tmp_path):
    record, q, response = case
    pdf = render_opinion(record, q, response, letterhead=DEMO_LETTERHEAD, letter_date=LETTER_DATE, language="fr",
                         addendum_number=1, original_date="2026-11-02", changed_sections=["Conclusion"]).pdf
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "Addendum 1 à l'avis du 2 novembre 2026" in text
    assert "Cet addendum modifie les sections suivantes" in text and "This addendum" not in text


# --- the cover letter and the passphrase sheet -------------------------------------------------

def cover(**changes) -> CoverDetails:
    details = CoverDetails("Dr. A. Janssens", ["DEMO Sending Hospital", "Teststraat 1", "0000 Test City"],
                           "TEST, Patient", "0123abcd", "Prof. Dr. Test Reviewer (DEMO)", LETTER_DATE, 3,
                           key_images=2, role="treating_physician")
    for name, value in changes.items():
        setattr(details, name, value)
    return details


ENGLISH_COVER = ["Dear", "Please find enclosed", "Our reference", "Date:", "signed electronically", "The package",
                 "key image", "passphrase", "Yours sincerely", "Case 0123abcd", "not for clinical use", "November"]


@pytest.mark.parametrize("language, greeting, farewell, words", [
    ("nl", "Geachte dokter Janssens,", "Met collegiale groeten,",
     ["Hierbij vindt u de second opinion over uw patiënt TEST, Patient.", "Onze referentie: dossier 0123abcd",
      "3 pagina's", "2 sleutelbeelden", "wachtwoordzin", "Dossier 0123abcd"]),
    ("fr", "Docteur,", "Bien confraternellement,",
     ["Veuillez trouver ci-joint le deuxième avis", "Notre référence : dossier 0123abcd", "3 pages",
      "2 images clés", "phrase secrète", "Deuxième avis — TEST, Patient"]),
])
def test_the_cover_letter_to_a_colleague(language, greeting, farewell, words, tmp_path):
    text = " ".join(pdf_text(render_cover_letter(cover(), DEMO_LETTERHEAD, LETTER_DATE, language=language),
                             tmp_path).split())
    assert [english for english in ENGLISH_COVER if english in text] == []
    assert greeting in text and farewell in text and LONG_DATE[language] in text
    assert [w for w in words if w not in text] == []


@pytest.mark.parametrize("language, greeting, farewell", [
    ("nl", "Geachte mevrouw Test,", "Met vriendelijke groeten,"),
    ("fr", "Madame,", "Veuillez agréer, Madame, l'expression de mes salutations distinguées."),
    ("en", "Dear Ms Test,", "Yours sincerely,"),
])
def test_the_cover_letter_to_a_patient(language, greeting, farewell, tmp_path):
    details = cover(recipient_name="TEST, Patient", role="", is_patient=True, title="Ms", medium="cd",
                    opinion_number=1)
    text = " ".join(pdf_text(render_cover_letter(details, DEMO_LETTERHEAD, LETTER_DATE, language=language),
                             tmp_path).split())
    assert greeting in text and farewell in text and LONG_DATE[language] in text
    assert "README.TXT" in text


@pytest.mark.parametrize("language, words", [
    ("nl", ["Wachtwoordzin van een Second-O-pakket", "Onze referentie: dossier 0123abcd; pakket OPINION.SOD",
            "typ de wachtwoordzin precies zoals hij is afgedrukt"]),
    ("fr", ["Phrase secrète d'un paquet Second-O", "Notre référence : dossier 0123abcd",
            "tapez la phrase secrète exactement comme elle est imprimée"]),
])
def test_the_passphrase_sheet(language, words, tmp_path):
    pdf = render_passphrase_sheet("alpha-beta-gamma-delta", recipient_name="TEST, Patient", address_lines=["Teststraat 2"],
                                  case_ref="0123abcd", package_name="OPINION.SOD", letterhead=DEMO_LETTERHEAD,
                                  language=language, letter_date=LETTER_DATE)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert [english for english in ("Passphrase of", "Our reference", "This sheet", "Date:", "Case 0123abcd")
            if english in text] == []
    assert [w for w in words if w not in text] == [] and LONG_DATE[language] in text
    assert "alpha-beta-gamma-delta" in text


# --- README.TXT -------------------------------------------------------------------------------

ENGLISH_README = ["SECOND OPINION", "From:", "Reference:", "holds the signed", "To open it", "With a Second-O",
                  "Nothing on this disc", "passphrase"]


@pytest.mark.parametrize("language, words", [
    ("nl", ["SECOND OPINION - versleuteld Second-O-pakket", "Referentie: dossier 0123abcd", "Zo opent u het:",
            "Bestand > Pakket of ISO importeren...", "verstuur de wachtwoordzin niet"]),
    ("fr", ["DEUXIÈME AVIS - paquet Second-O chiffré", "dossier 0123abcd", "Pour l'ouvrir",
            "Fichier > Importer un paquet ou une ISO...", "n'envoyez pas la phrase secrète"]),
])
def test_the_readme_in_the_recipients_language(language, words):
    readme = readme_text(encrypted_to=None, case_ref="0123abcd", organisation="DEMO Hospital", language=language)
    flat = " ".join(readme.split())
    if language == "nl":  # "SECOND OPINION" is the Dutch word too
        assert [e for e in ENGLISH_README[1:] if e in flat] == []
    else:
        assert [e for e in ENGLISH_README if e in flat] == []
    assert [w for w in words if w not in flat] == []
    lines = readme.split("\r\n")
    assert lines[-1] == "" and all("\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= README_WIDTH


def test_a_readme_with_accents_carries_a_byte_order_mark():
    french = readme_text(encrypted_to="CN=x", case_ref="0123abcd", organisation="DEMO", language="fr")
    english = readme_text(encrypted_to="CN=x", case_ref="0123abcd", organisation="DEMO", language="en")
    assert cd_files(b"x", french)["README.TXT"].startswith(b"\xef\xbb\xbf")
    assert cd_files(b"x", french)["README.TXT"].decode("utf-8-sig") == french
    assert cd_files(b"x", english)["README.TXT"] == english.encode("ascii")


def test_an_addendums_changed_sections_are_named_in_its_language(case, tmp_path):
    record, q, response = case
    english = q.item("clinical-summary")["text"]
    pdf = render_opinion(record, q, response, letterhead=DEMO_LETTERHEAD, letter_date=LETTER_DATE, language="nl",
                         addendum_number=1, original_date="2026-11-02", changed_sections=[english]).pdf
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "wijzigt de volgende onderdelen van het ondertekende advies: Klinische samenvatting." in text


@pytest.mark.parametrize("written, language, printed", [("Diameter 9,8 mm", "en", "Diameter 9.8 mm"),
                                                         ("Diameter 9.8 mm", "fr", "Diameter 9,8 mm")])
def test_a_key_images_measurement_follows_the_letter_not_the_viewer(case, written, language, printed, tmp_path):
    record, q, response = case
    image = key_image(1)
    image.measurements = written
    pdf = render_opinion(record, q, response, key_images=[image], letterhead=DEMO_LETTERHEAD,
                         letter_date=LETTER_DATE, language=language).pdf
    assert printed in pdf_text(pdf, tmp_path)


@pytest.mark.parametrize("language, given, farewell", [
    ("fr", "Madame,", "Veuillez agréer, Madame, l'expression de mes salutations distinguées."),
    ("fr", "Monsieur,", "Veuillez agréer, Monsieur, l'expression de mes salutations distinguées."),
    ("nl", "Geachte mevrouw Test,", "Met vriendelijke groeten,"),
])
def test_the_closing_answers_a_salutation_given_as_text(language, given, farewell, tmp_path):
    details = cover(recipient_name="TEST, Patient", role="", is_patient=True, salutation=given)
    text = " ".join(pdf_text(render_cover_letter(details, DEMO_LETTERHEAD, LETTER_DATE, language=language),
                             tmp_path).split())
    assert given in text and farewell in text
