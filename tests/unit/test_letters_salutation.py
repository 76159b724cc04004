"""Salutations and closings in the register of a Belgian or Dutch medical letter
(app/report/salutation.py): Dutch greets by title and family name, French greets a colleague
as Consœur or Confrère (Docteur when the sex is not known) and anyone else as Madame or
Monsieur, never by name; the closing matches who is greeted."""

import pytest

from app.report.salutation import closing, salutation


@pytest.mark.parametrize("name, role, title, sex, nl, fr", [
    ("Dr A. Janssens", "treating_physician", "", "", "Geachte dokter Janssens,", "Docteur,"),
    ("A. Janssens", "general_practitioner", "", "F", "Geachte dokter Janssens,", "Chère Consœur,"),
    ("A. Janssens", "general_practitioner", "", "M", "Geachte dokter Janssens,", "Cher Confrère,"),
    ("Prof. Dr. J. Peeters", "referring_physician", "", "", "Geachte professor Peeters,", "Professeur,"),
    ("", "treating_physician", "", "", "Geachte collega,", "Docteur,"),
    ("Jan Janssens", "", "", "", "Geachte Jan Janssens,", "Madame, Monsieur,"),
    ("Mevr. An Peeters", "", "", "", "Geachte mevrouw Peeters,", "Madame,"),
    ("", "", "", "", "Geachte mevrouw, geachte heer,", "Madame, Monsieur,"),
])
def test_the_salutation_in_dutch_and_french(name, role, title, sex, nl, fr):
    assert salutation(name, role=role, title=title, sex=sex, language="nl-BE") == nl
    assert salutation(name, role=role, title=title, sex=sex, language="fr-BE") == fr


@pytest.mark.parametrize("title, nl, fr, fr_closing", [
    ("Ms", "Geachte mevrouw Test,", "Madame,", "Veuillez agréer, Madame, l'expression de mes salutations distinguées."),
    ("Mr", "Geachte heer Test,", "Monsieur,", "Veuillez agréer, Monsieur, l'expression de mes salutations distinguées."),
    ("", "Geachte Patient Test,", "Madame, Monsieur,",
     "Veuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées."),
])
def test_a_patient_is_greeted_and_taken_leave_of_formally(title, nl, fr, fr_closing):
    who = {"role": "patient", "title": title, "family_name": "TEST", "given_names": "Patient"}
    assert salutation("TEST, Patient", **who, language="nl") == nl
    assert salutation("TEST, Patient", **who, language="fr") == fr
    assert closing("TEST, Patient", **who, language="nl") == "Met vriendelijke groeten,"
    assert closing("TEST, Patient", **who, language="fr") == fr_closing
    assert closing("TEST, Patient", **who, language="en") == "Yours sincerely,"


def test_a_colleague_is_taken_leave_of_collegially():
    assert closing("Dr A. Janssens", role="treating_physician", language="nl") == "Met collegiale groeten,"
    assert closing("Dr A. Janssens", role="treating_physician", language="fr") == "Bien confraternellement,"
    assert closing("Dr A. Janssens", role="treating_physician", language="en") == "Yours sincerely,"


def test_the_language_is_the_readers_not_the_interfaces(interface_language):
    interface_language("fr")
    assert salutation("Dr A. Janssens", role="treating_physician", language="nl") == "Geachte dokter Janssens,"
    assert salutation("Dr A. Janssens", role="treating_physician") == "Docteur,"  # None: the current language
