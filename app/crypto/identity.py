"""A private key (RSA or EC) with the certificate that names it: what opens a package's
certificate stanza and what signs."""

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@dataclass(frozen=True)
class KeyIdentity:
    """A private key (RSA or EC) with the certificate that names it."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...] = field(default=())

    @property
    def subject(self) -> str:
        return subject_name(self.certificate)


def subject_name(certificate: x509.Certificate) -> str:
    """The common name of a certificate, or its whole subject when it has none."""
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()
