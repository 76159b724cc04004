"""The tolerant comparison of a person's name (app.core.names) and the warning when the name on
the letter is not the signing certificate's (app.signing.certificate_checks.name_mismatch)."""

from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
import pytest

from app.core.names import name_words, same_person
from app.signing.certificate_checks import certificate_person_name, name_mismatch


@pytest.mark.parametrize("first, second", [
    ("Dr. Test Reviewer", "Test Reviewer"),
    ("Prof. Dr. Anne-Marie Peeters", "PEETERS, Anne Marie"),
    ("Anne-Marie Peeters (Signature)", "dr. anne-marie peeters"),
    ("Gaëlle Dœns", "Gaelle Doens"),
    ("Jan Van der Berg", "Jan Vanderberg"),
    ("Test Patient Reviewer", "Test Reviewer"),  # a middle name on one side only
    ("Łukasz Nowak MD PhD", "Lukasz Nowak"),
])
def test_the_same_person_written_differently(first, second):
    assert same_person(first, second) and same_person(second, first)


@pytest.mark.parametrize("first, second", [
    ("Dr. Test Reviewer", "Dr. Test Other"),
    ("Anne Peeters", "Peeters"),  # a surname alone is not enough
    ("", "Test Reviewer"),
    ("Dr.", "Dr."),
])
def test_different_people_or_no_name(first, second):
    assert not same_person(first, second)


def test_titles_and_roles_are_not_words_of_the_name():
    assert name_words("Prof. Dr. Test Reviewer (Signature)") == ["test", "reviewer"]


def certificate(common_name: str, given: str = "", surname: str = "") -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name)]
    if given:
        attributes += [x509.NameAttribute(x509.NameOID.GIVEN_NAME, given),
                       x509.NameAttribute(x509.NameOID.SURNAME, surname)]
    name = x509.Name(attributes)
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))


def test_the_certificate_names_its_person_by_given_name_and_surname():
    eid = certificate("Test Reviewer (Signature)", "Test", "Reviewer")
    assert certificate_person_name(eid) == "Test Reviewer"
    assert certificate_person_name(certificate("Dr. Test Reviewer")) == "Dr. Test Reviewer"


def test_a_letter_signed_under_another_name_is_said_in_one_sentence():
    eid = certificate("Test Reviewer (Signature)", "Test", "Reviewer")
    assert name_mismatch("Prof. Dr. Test Reviewer", eid) is None
    assert name_mismatch("", eid) is None
    assert name_mismatch("Dr. Test Other", eid) == (
        "The certificate is issued to Test Reviewer; the letter is signed as Dr. Test Other.")
