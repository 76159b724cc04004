"""Reading X.509 certificates from PEM or DER files, with errors a user can act on."""

from pathlib import Path

from cryptography import x509

from app.core.errors import IdentityError
from app.core.i18n import _
from app.signing.identities import read_credential_file


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM file (one or more) or a DER file."""
    data = read_credential_file(path, _("the certificate file"))
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise IdentityError(_("{path} is not an X.509 certificate (PEM or DER).")
                            .format(path=path)) from None


def load_certificate(path: Path) -> x509.Certificate:
    """The first certificate of a PEM or DER file."""
    return load_certificates(path)[0]
