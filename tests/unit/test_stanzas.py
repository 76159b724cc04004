"""Recipient stanzas: each credential alone opens its stanza; the wrong one says why."""

import io
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
import pytest

from app.core.errors import IdentityError, WrongKeyError
from app.crypto import stanzas
from app.crypto.sodp import SodpReader
from app.crypto.stanzas import Passphrase
from tests.conftest import key_identity
from tests.unit.packages import seal

FAST = dict(time_cost=2, memory_kib=65536, lanes=1)


def opened(data: bytes, credentials) -> bytes:
    reader = SodpReader(io.BytesIO(data))
    reader.unlock(credentials)
    return b"".join(reader.chunks())


@pytest.fixture(scope="module")
def three_recipients(pki) -> bytes:
    return seal(b"payload", [pki.reviewer_rsa.certificate, pki.reviewer_ec.certificate,
                             Passphrase("open sesame", **FAST)])


class TestOpening:
    @pytest.mark.parametrize("who", ["reviewer_rsa", "reviewer_ec"])
    def test_each_certificate_alone_opens(self, three_recipients, pki, who):
        assert opened(three_recipients, [key_identity(getattr(pki, who))]) == b"payload"

    def test_the_passphrase_alone_opens(self, three_recipients):
        assert opened(three_recipients, [Passphrase("open sesame")]) == b"payload"

    def test_passphrase_is_nfc_normalised(self, pki):
        sealed = seal(b"p", [Passphrase("Ge\u0301raldine", **FAST)])  # decomposed é
        assert opened(sealed, [Passphrase("G\u00e9raldine")]) == b"p"

    def test_wrong_passphrase_says_so(self, three_recipients):
        with pytest.raises(WrongKeyError, match="Wrong passphrase"):
            opened(three_recipients, [Passphrase("open barley")])

    def test_a_certificate_the_package_is_not_for_lists_its_recipients(self, three_recipients, pki):
        with pytest.raises(WrongKeyError) as caught:
            opened(three_recipients, [key_identity(pki.treating_physician)])
        message = str(caught.value)
        assert "not encrypted for Dr. Test Treating (DEMO)" in message
        assert stanzas.cert_sha256(pki.reviewer_rsa.certificate)[:16] in message
        assert stanzas.cert_sha256(pki.reviewer_ec.certificate)[:16] in message
        assert "passphrase" in message

    def test_no_credential_lists_the_recipients(self, three_recipients):
        with pytest.raises(WrongKeyError, match="give a passphrase or an identity"):
            opened(three_recipients, [])

    def test_a_passphrase_on_a_certificate_only_package(self, pki):
        sealed = seal(b"p", [pki.reviewer_ec.certificate])
        with pytest.raises(WrongKeyError, match="cannot be opened with a passphrase"):
            opened(sealed, [Passphrase("x")])

    def test_stanzas_carry_the_specified_fields(self, three_recipients):
        header = SodpReader(io.BytesIO(three_recipients)).header
        assert [s["type"] for s in header.recipients] == [stanzas.RSA_OAEP, stanzas.ECDH_ES, stanzas.PASSPHRASE]
        assert set(header.recipients[1]) == {"type", "cert_sha256", "ephemeral_public_key", "nonce", "wrapped_key"}
        assert set(header.recipients[2]) == {"type", "salt", "time_cost", "memory_kib", "lanes", "nonce",
                                             "wrapped_key"}

    def test_hostile_argon2_parameters_are_refused_before_deriving(self, three_recipients):
        reader = SodpReader(io.BytesIO(three_recipients))
        stanza = dict(reader.header.recipients[2], memory_kib=1 << 30)
        with pytest.raises(Exception, match="memory_kib"):
            stanzas.unwrap_passphrase(stanza, Passphrase("open sesame"))


def _certificate(key, usage: x509.KeyUsage | None, days_from: int, days_to: int, issuer) -> x509.Certificate:
    now = datetime.now(timezone.utc)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Dr. Test Odd (DEMO)")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer.certificate.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + timedelta(days=days_from)).not_valid_after(now + timedelta(days=days_to)))
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    return builder.sign(issuer.private_key, hashes.SHA256())


def _usage(**on) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


class TestRecipientCertificates:
    def test_expired_certificate_is_refused(self, pki):
        cert = _certificate(rsa.generate_private_key(65537, 2048), None, -30, -1, pki.root)
        with pytest.raises(IdentityError, match="expired"):
            stanzas.check_recipient_certificate(cert)

    def test_not_yet_valid_certificate_is_refused(self, pki):
        cert = _certificate(ec.generate_private_key(ec.SECP256R1()), None, 2, 30, pki.root)
        with pytest.raises(IdentityError, match="not valid before"):
            stanzas.check_recipient_certificate(cert)

    def test_rsa_without_key_encipherment_is_refused(self, pki):
        cert = _certificate(rsa.generate_private_key(65537, 2048), _usage(digital_signature=True), -1, 30, pki.root)
        with pytest.raises(IdentityError, match="lacks keyEncipherment"):
            stanzas.check_recipient_certificate(cert)

    def test_ec_without_key_agreement_is_refused(self, pki):
        cert = _certificate(ec.generate_private_key(ec.SECP256R1()), _usage(digital_signature=True), -1, 30, pki.root)
        with pytest.raises(IdentityError, match="lacks keyAgreement"):
            stanzas.check_recipient_certificate(cert)

    def test_the_demo_reviewers_are_accepted(self, pki):
        stanzas.check_recipient_certificate(pki.reviewer_rsa.certificate)
        stanzas.check_recipient_certificate(pki.reviewer_ec.certificate)
