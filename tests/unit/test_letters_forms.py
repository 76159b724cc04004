"""What each recipient reads about the form they get (issue 16): the cover letter says how THIS
form is carried and opened (an SODP package, a passphrase-protected PDF, a CMS .p7m, a DICOM CD
for the PACS, paper), the passphrase sheet of a protected PDF says which file it opens and
with what, and the PDI disc's README.TXT says what is on it; in English, Dutch and French."""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from app.demo import DEMO_LETTERHEAD
from app.outgoing.disc import README_WIDTH, pdi_readme_text
from app.report.cover_letter import CoverDetails, render_cover_letter, render_passphrase_sheet
from tests.unit.test_letters_language import LETTER_DATE, cover, pdf_text

PDF_NAME = "second-opinion-0123abcd-treating-physician.pdf"
P7M_NAME = PDF_NAME + ".p7m"
SUBJECT = "Dr. A. Janssens (DEMO)"
FORMS = {"pdf": dict(form="pdf", package_name=PDF_NAME),
         "p7m": dict(form="p7m", package_name=P7M_NAME, encrypted_to=SUBJECT),
         "pdi": dict(form="pdi", medium="cd"),
         "paper": dict(form="paper")}
TO_PATIENT = dict(recipient_name="TEST, Patient", role="", is_patient=True, title="Ms")
LANGUAGES = ("en", "nl", "fr")


def letter(language: str, tmp_path, **changes) -> str:
    """The cover letter's text, its lines joined with single spaces."""
    pdf = render_cover_letter(cover(**changes), DEMO_LETTERHEAD, LETTER_DATE, language=language)
    return " ".join(pdf_text(pdf, tmp_path).split())


def missing(words: list[str], text: str) -> list[str]:
    return [w for w in words if w not in text]


class TestSodpStaysAsItWas:
    """The default form keeps the letter of before word for word."""

    def test_the_form_defaults_to_sodp(self):
        assert CoverDetails("x", [], "p", "r", "s", LETTER_DATE, 1).form == "sodp"

    @pytest.mark.parametrize("changes, carried", [
        ({}, "It is in the file sent with this letter as an encrypted Second-O package (.sodp). It is protected by "
             "a passphrase, which reaches you separately, by another channel."),
        ({"package_name": "x.sodp", "encrypted_to": "CN=Dr A"},
         "It is in the file x.sodp as an encrypted Second-O package (.sodp). It is encrypted for your certificate "
         "(CN=Dr A): only your key opens it."),
    ], ids=["passphrase", "certificate"])
    def test_the_letter_of_a_package(self, changes, carried, tmp_path):
        text = letter("en", tmp_path, **changes)
        assert " ".join([
            "Dear Dr Janssens,", "Please find enclosed the second opinion on your patient TEST, Patient.",
            "The opinion was signed electronically by Prof. Dr. Test Reviewer (DEMO) on 4 November 2026 (PAdES); "
            "any PDF reader with signature validation shows whether it is intact.", carried,
            "The package holds the signed opinion (3 pages) and this letter. It also holds 2 key images. Open it "
            "with a Second-O workstation (File ▸ Import).", "Yours sincerely,"]) in text

    def test_the_letter_of_a_package_on_cd(self, tmp_path):
        text = letter("en", tmp_path, medium="cd", key_images=0)
        assert ("It is on the enclosed CD as an encrypted Second-O package (.sodp). It is protected by a passphrase, "
                "which reaches you separately, by another channel. The package holds the signed opinion (3 pages) "
                "and this letter. Open it with a Second-O workstation (File ▸ Import); the README.TXT on the CD "
                "says how.") in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("who", [{}, TO_PATIENT], ids=["physician", "patient"])
def test_only_the_sodp_letter_names_the_second_o_workstation(form, language, who, tmp_path):
    text = letter(language, tmp_path, **FORMS[form], **who)
    assert "Second-O" not in text and ".sodp" not in text and "File ▸" not in text
    assert LETTER_DATE not in text  # the dates are written out in the reader's language


# The words that say how each form opens, per language: a letter in one language holds none of
# the English sentences.
HOW_IT_OPENS = {
    "pdf": {
        "en": [f"It is the PDF file {PDF_NAME}, sent with this letter.",
               "It is protected by a passphrase, which reaches you separately, by another channel.",
               "It opens in any PDF reader (Adobe Acrobat Reader, a web browser, Preview on a Mac...) once you type "
               "that passphrase.", "the signature panel of your PDF reader shows the signature as valid"],
        "nl": [f"Het is het pdf-bestand {PDF_NAME}", "wachtwoordzin", "Het opent in elke pdf-lezer (Adobe Acrobat Reader",
               "het handtekeningenpaneel van uw pdf-lezer toont de handtekening als geldig"],
        "fr": [f"Il s'agit du fichier PDF {PDF_NAME}", "phrase secrète", "Il s'ouvre dans tout lecteur PDF (Adobe "
               "Acrobat Reader", "le panneau des signatures de votre lecteur PDF indique que la signature est valide"],
    },
    "p7m": {
        "en": [f"It is the file {P7M_NAME}, sent with this letter.", f"encrypted for your certificate ({SUBJECT}) in "
               "the CMS format (.p7m) of eHealth messages", "Your hospital's secure-mail or eHealth tool opens it, as "
               "does OpenSSL (openssl cms -decrypt); inside is the signed opinion as a PDF file.",
               "any PDF reader with signature validation shows whether it is intact"],
        "nl": [f"Het is het bestand {P7M_NAME}", f"versleuteld voor uw certificaat ({SUBJECT})", "eHealth",
               "openssl cms -decrypt", "uw ziekenhuis"],
        "fr": [f"Il s'agit du fichier {P7M_NAME}", f"chiffré pour votre certificat ({SUBJECT})", "eHealth",
               "openssl cms -decrypt", "votre hôpital"],
    },
    "pdi": {
        "en": ["The enclosed CD holds the opinion and 2 key images as DICOM objects in your patient's study, ready "
               "to import into your PACS (its import of a DICOM CD or DICOMDIR) or to open in a DICOM viewer.",
               "The README.TXT on the CD says how.", "most DICOM viewers open it from its DICOM object as a PDF",
               "The CD is not encrypted, so that your PACS can import it: keep it as a medical record. We have "
               "recorded to whom it was handed."],
        "nl": ["De bijgevoegde cd bevat het advies en 2 sleutelbeelden als DICOM-objecten in het onderzoek van uw "
               "patiënt", "PACS", "README.TXT", "De cd is niet versleuteld", "medisch dossier",
               "Wij hebben geregistreerd aan wie hij werd overhandigd."],
        "fr": ["Le CD ci-joint contient l'avis et 2 images clés sous forme d'objets DICOM dans l'examen de votre "
               "patient(e)", "PACS", "README.TXT", "Le CD n'est pas chiffré", "dossier médical",
               "Nous avons enregistré à qui il a été remis."],
    },
    "paper": {
        "en": ["The signed opinion (3 pages) is enclosed on paper.", "The paper copy carries no signature that can "
               "be verified: if you need the electronically signed original, ask us and we will send it to you."],
        "nl": ["Het ondertekende advies (3 pagina's) is op papier bijgevoegd.", "De papieren kopie draagt geen "
               "handtekening die kan worden gecontroleerd", "elektronisch ondertekende origineel"],
        "fr": ["L'avis signé (3 pages) est joint sur papier.", "La copie papier ne porte aucune signature vérifiable",
               "l'original signé électroniquement"],
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("form", FORMS)
def test_the_letter_says_how_its_form_opens(form, language, tmp_path):
    text = letter(language, tmp_path, **FORMS[form])
    assert missing(HOW_IT_OPENS[form][language], text) == []
    if language != "en":
        assert [e for e in HOW_IT_OPENS[form]["en"] if e in text] == []
    others = [words[language][0] for other, words in HOW_IT_OPENS.items() if other != form]
    assert [w for w in others if w in text] == []  # nothing of another form's opening


@pytest.mark.parametrize("language, words", [
    ("en", ["Dear Ms Test,", "Please find enclosed the second opinion you asked for.", "in your study, ready for your "
            "doctor's hospital to import into its imaging system (PACS)", "The CD is not encrypted: keep it safe, as "
            "you keep your other medical records. We have recorded to whom it was handed."]),
    ("nl", ["Geachte mevrouw Test,", "in uw onderzoek", "het ziekenhuis van uw arts", "bewaar hem veilig"]),
    ("fr", ["Madame,", "dans votre examen", "l'hôpital de votre médecin", "conservez-le en lieu sûr"]),
])
def test_the_pdi_letter_to_the_patient(language, words, tmp_path):
    text = letter(language, tmp_path, **FORMS["pdi"], **TO_PATIENT)
    assert missing(words, text) == []
    assert "your patient" not in text and "uw patiënt" not in text and "votre patient" not in text


def test_the_p7m_letter_to_a_patient_names_no_hospital_tool(tmp_path):
    text = letter("en", tmp_path, **FORMS["p7m"], **TO_PATIENT)
    assert "A secure-mail or eHealth program opens it" in text and "Your hospital's" not in text


@pytest.mark.parametrize("form", ["pdf", "p7m"])
def test_a_file_on_the_enclosed_cd(form, tmp_path):
    text = letter("en", tmp_path, **FORMS[form], medium="cd")
    assert f"{FORMS[form]['package_name']} on the enclosed CD." in text


@pytest.mark.parametrize("key_images, words", [(0, "The enclosed CD holds the opinion as a DICOM object in your "
                                                   "patient's study"),
                                               (1, "The enclosed CD holds the opinion and 1 key image as DICOM")])
def test_the_pdi_letter_counts_the_key_images(key_images, words, tmp_path):
    assert words in letter("en", tmp_path, **FORMS["pdi"], key_images=key_images)


def test_an_unknown_form_is_refused():
    with pytest.raises(ValueError, match="'fax'"):
        render_cover_letter(cover(form="fax"), DEMO_LETTERHEAD, LETTER_DATE, language="en")


@pytest.mark.parametrize("form", ["sodp", *FORMS])
def test_no_french_line_starts_with_a_colon_or_a_semicolon(form, tmp_path):
    # French sets a space before ':' and ';': a breaking one let a line start with '; le panneau'.
    pdf = render_cover_letter(cover(**FORMS.get(form, {})), DEMO_LETTERHEAD, LETTER_DATE, language="fr")
    lines = [line.strip() for line in pdf_text(pdf, tmp_path).splitlines()]
    assert [line for line in lines if line[:1] in (":", ";", "?", "!")] == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("who", [{}, TO_PATIENT], ids=["physician", "patient"])
def test_the_openssl_command_stays_on_one_line(language, who, tmp_path):
    pdf = render_cover_letter(cover(**FORMS["p7m"], **who), DEMO_LETTERHEAD, LETTER_DATE, language=language)
    assert any("openssl cms -decrypt" in line for line in pdf_text(pdf, tmp_path).splitlines())


# --- the passphrase sheet of a protected PDF --------------------------------------------------------

LONG_NAME = "Mme Marie-Françoise Vandenberghe-Delacroix de Saint-Hubert-lez-Louvain née Van den Bossche-Dupont"
LONG_ADDRESS = ["Clinique universitaire Saint-Luc, service de pneumologie et d'oncologie thoracique",
                "Avenue du Professeur Jean-Baptiste Lemaire-Vanderhaeghen 1234, boîte 56", "1348 Louvain-la-Neuve"]
LONG_FILE = "second-opinion-0123abcd-treating-physician-addendum-12.pdf"


def sheet(language: str, form: str = "pdf", **changes) -> bytes:
    kwargs = dict(recipient_name="TEST, Patient", address_lines=["Teststraat 2"], case_ref="0123abcd",
                  package_name=PDF_NAME, letterhead=DEMO_LETTERHEAD, language=language, letter_date=LETTER_DATE,
                  form=form) | changes
    return render_passphrase_sheet("alpha-beta-gamma-delta-epsilon", **kwargs)


@pytest.mark.parametrize("language, words", [
    ("en", ["Passphrase of your second opinion (PDF file)", f"Our reference: case 0123abcd; file {PDF_NAME}",
            f"This passphrase opens the PDF file {PDF_NAME}, which reaches you by another channel, in any PDF reader "
            "(Adobe Acrobat Reader, a web browser, Preview on a Mac...). Keep this sheet apart from the file; type "
            "the passphrase exactly as printed, with its hyphens."]),
    ("nl", ["Wachtwoordzin van uw second opinion (pdf-bestand)", f"bestand {PDF_NAME}",
            f"Deze wachtwoordzin opent het pdf-bestand {PDF_NAME}", "in elke pdf-lezer", "Bewaar dit blad apart van "
            "het bestand"]),
    ("fr", ["Phrase secrète de votre deuxième avis (fichier PDF)", f"fichier {PDF_NAME}",
            f"Cette phrase secrète permet d'ouvrir le fichier PDF {PDF_NAME}", "dans tout lecteur PDF",
            "Conservez cette feuille séparément du fichier"]),
])
def test_the_sheet_of_a_protected_pdf(language, words, tmp_path):
    text = " ".join(pdf_text(sheet(language), tmp_path).split())
    assert missing(words, text) == []
    assert "alpha-beta-gamma-delta-epsilon" in text
    assert "Second-O" not in text and "package" not in text


def test_the_sheet_of_a_package_is_unchanged(tmp_path):
    text = " ".join(pdf_text(sheet("en", "sodp", package_name="OPINION.SOD"), tmp_path).split())
    assert ("Passphrase of a Second-O package Our reference: case 0123abcd; package OPINION.SOD This sheet opens the "
            "package we sent you by another channel. Keep it apart from the package; type the passphrase exactly as "
            "printed, with its hyphens.") in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sheet_fits_on_one_page_with_a_long_french_name(language, tmp_path):
    pdf = sheet(language, recipient_name=LONG_NAME, address_lines=LONG_ADDRESS, package_name=LONG_FILE)
    assert PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"] == 1
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "alpha-beta-gamma-delta-epsilon" in text and LONG_FILE in text and "Louvain-la-Neuve" in text


def test_a_sheet_for_another_form_is_refused():
    with pytest.raises(ValueError, match="'p7m'"):
        sheet("en", "p7m")


# --- README.TXT of the PDI disc ---------------------------------------------------------------------

README_WORDS = {
    "en": ["SECOND OPINION - DICOM disc (IHE PDI) for a PACS", "From: DEMO Hospital", "Reference: case 0123abcd",
           "DICOMDIR, at the root of the disc", "The second opinion, as a DICOM Encapsulated PDF document.",
           "- 2 key images of the opinion, as DICOM Secondary Capture images.", "in the patient's study",
           "choose its import of a DICOM CD", "\"Import DICOMDIR\"", "electronic signature (PAdES)",
           "Most viewers open the PDF document from its DICOM object",
           "This disc is not encrypted, so that a PACS can import it: keep it as a medical record"],
    "nl": ["SECOND OPINION - DICOM-schijf (IHE PDI) voor een PACS", "Van: DEMO Hospital", "Referentie: dossier 0123abcd",
           "DICOMDIR, in de hoofdmap", "Encapsulated PDF", "- 2 sleutelbeelden van het advies", "Secondary Capture",
           "in het onderzoek van de patiënt", "\"Import DICOMDIR\"", "(PAdES)", "Deze schijf is niet versleuteld"],
    "fr": ["DEUXIÈME AVIS - disque DICOM (IHE PDI) pour un PACS", "De : DEMO Hospital", "Référence : dossier 0123abcd",
           "DICOMDIR, à la racine du disque", "Encapsulated PDF", "- 2 images clés de l'avis", "Secondary Capture",
           "dans l'examen du patient", "\"Import DICOMDIR\"", "(PAdES)", "Ce disque n'est pas chiffré"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdi_readme_in_the_recipients_language(language):
    readme = pdi_readme_text(case_ref="0123abcd", organisation="DEMO Hospital", key_images=2, language=language)
    flat = " ".join(readme.split())
    assert missing(README_WORDS[language], flat) == []
    if language != "en":
        assert [e for e in README_WORDS["en"] if e in flat and e not in README_WORDS[language]] == []
    lines = readme.split("\r\n")
    assert lines[-1] == "" and all("\n" not in line and "\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= README_WIDTH
    assert "Second-O" not in readme and "passphrase" not in readme


def test_the_pdi_readme_names_no_one_and_indents_its_lists():
    readme = pdi_readme_text(case_ref="0123abcd", organisation="", key_images=1, language="en")
    assert "From: the reviewing workstation" in readme
    assert "- 1 key image of the opinion, as a DICOM Secondary Capture image." in " ".join(readme.split())
    lines = readme.split("\r\n")
    continued = [lines[i + 1] for i, line in enumerate(lines[:-1]) if re.match(r"(- |\d\. )", line)
                 and lines[i + 1] and not re.match(r"(- |\d\. )", lines[i + 1])]
    assert continued and all(line.startswith("  ") for line in continued)


def test_the_pdi_readme_without_key_images():
    readme = pdi_readme_text(case_ref="0123abcd", organisation="DEMO", key_images=0, language="en")
    assert "Secondary Capture" not in readme and "Encapsulated PDF" in readme

