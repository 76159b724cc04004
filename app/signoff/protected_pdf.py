"""The signed opinion as a password-protected PDF for a recipient who has no Second-O (a patient,
a GP without a certificate): opens in any PDF reader with a generated passphrase, and its
signature validates there (docs/ARCHITECTURE.md, "Signing").

Encrypting a signed PDF breaks its signature, so the UNSIGNED rendered letter is encrypted
(PDF 2.0 standard security handler, revision 6, AES-256) and that encrypted document is then
signed with the same signer, stamp and field as the plain copy: pyHanko's incremental writer
opened with the password keeps the signature's update encrypted the same way. One protected
copy per passphrase; `protect_and_sign` takes the signing step as a callable so that the
caller's signer (a PKCS#11 token opened once, its PIN asked once) signs every copy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import io

from app.core.errors import BadInputError
from app.core.i18n import _
from app.crypto.passphrases import generate_passphrase

# A passphrase shorter than this is refused rather than used: the copy leaves the workstation.
MIN_PASSPHRASE = 10
# R6 allows 127 bytes, but poppler (22.12, Debian 12: Evince, Okular, pdftotext) refuses an R6
# password longer than 32 bytes, so a longer one would lock the recipient out.
MAX_PASSPHRASE_BYTES = 32
# Five groups of five (29 characters, about 124 bits) instead of the packages' six.
PASSPHRASE_GROUPS = 5

# `sign(encrypted_pdf, passphrase)` -> the signed bytes; e.g.
# `lambda pdf, pw: sign_pdf(pdf, signer, box=..., reason=..., language=..., password=pw).pdf`.
SignEncrypted = Callable[[bytes, str], bytes]


def new_passphrase() -> str:
    """A passphrase for one recipient's protected copy: the one outgoing packages use too
    (app/crypto/passphrases.py) one group shorter so that every reader accepts it, printed on
    the passphrase sheet."""
    return generate_passphrase(groups=PASSPHRASE_GROUPS)


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BadInputError(_("The passphrase must have at least {n} characters.").format(n=MIN_PASSPHRASE))
    if len(passphrase.encode("utf-8")) > MAX_PASSPHRASE_BYTES:
        raise BadInputError(_("The passphrase of a protected PDF may have at most {n} characters: some PDF "
                              "readers cannot open the document with a longer one.").format(n=MAX_PASSPHRASE_BYTES))


def protect(unsigned_pdf: bytes, passphrase: str) -> bytes:
    """`unsigned_pdf` rewritten encrypted with `passphrase` (user and owner password):
    PDF 2.0 standard security handler, R6, AES-256 for strings, streams and embedded files.

    Raises `BadInputError` for a short passphrase, a PDF that is already encrypted or not a PDF."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    _check_passphrase(passphrase)
    try:
        reader = PdfFileReader(io.BytesIO(unsigned_pdf), strict=False)
        if reader.encrypted:
            raise BadInputError(_("The document is already encrypted."))
        writer = copy_into_new_writer(reader)
    except (PdfError, ValueError, IndexError, KeyError, TypeError) as exc:
        raise BadInputError(_("The document to protect is not a readable PDF ({reason}).")
                            .format(reason=exc)) from None
    # No PDF MAC (ISO 32004): readers and validators that predate it must open the copy, and
    # the signature already binds what the recipient reads.
    writer.encrypt(passphrase, passphrase, pdf_mac=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def protect_and_sign(unsigned_pdf: bytes, passphrases: Sequence[str], sign: SignEncrypted) -> list[bytes]:
    """One signed, password-protected copy of `unsigned_pdf` per passphrase, in order: each
    encrypted (`protect`) then signed by `sign(encrypted, passphrase)`. All passphrases are
    checked before anything is signed."""
    for passphrase in passphrases:
        _check_passphrase(passphrase)
    return [sign(protect(unsigned_pdf, passphrase), passphrase) for passphrase in passphrases]
