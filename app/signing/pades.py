"""PAdES B-B signing of a PDF with pyHanko (docs/ARCHITECTURE.md, "Signing"): `/ETSI.CAdES.detached`, SHA-256, the
signing time in the signed attributes, and a visible stamp (signer and time) on the last page.

The signer is a `KeyIdentity` (a PKCS#12 file) or any pyHanko `Signer` (a PKCS#11 token, see
`app.signing.pkcs11`). The certificate is checked first (`certificate_checks`): an expired or
not-yet-valid certificate, or one not meant for signing, is refused with the reason before
anything is produced. `sign_pdf` returns bytes; writing them (atomically) is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
import io
import unicodedata

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko import stamp
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.core.errors import BadInputError, IdentityError
from app.core.i18n import _, in_language
from app.signing.certificate_checks import check_signing_certificate
from app.signing.identities import KeyIdentity, subject_name

FIELD_NAME = "SecondOSignature"
# x1, y1, x2, y2 in points on the last page, used when the caller gives no box (A4, bottom right).
DEFAULT_BOX = (320, 70, 540, 140)


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    signer: str
    signing_time: str  # ISO 8601, UTC


def to_asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def to_cryptography_certificate(certificate: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())


def identity_signer(identity: KeyIdentity) -> signers.Signer:
    """A pyHanko signer for a PKCS#12 identity (key, certificate and chain)."""
    key_der = identity.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption())
    registry = SimpleCertificateStore.from_certs([to_asn1_certificate(c) for c in identity.chain])
    return signers.SimpleSigner(signing_cert=to_asn1_certificate(identity.certificate),
                                signing_key=asn1_keys.PrivateKeyInfo.load(key_der), cert_registry=registry)


def _stamp_style() -> stamp.TextStampStyle:
    # pyHanko's built-in Courier: its OpenType engine spaces glyphs wrongly with the harfbuzz of
    # today, so the stamp uses plain Latin text (`stamp_name`) and the full name stays in the
    # certificate and in the letter's own signature block.
    return stamp.TextStampStyle(
        # TRANSLATORS: the visible stamp of a signed letter; keep %(signer)s and %(ts)s and the three line breaks.
        stamp_text=_("Digitally signed by\n%(signer)s\nDate: %(ts)s\nPAdES, see the signature panel"),
        timestamp_format="%Y-%m-%d %H:%M UTC", text_box_style=TextBoxStyle(font_size=9, leading=12),
        border_width=1, border_color=(0.12, 0.23, 0.37),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(8, 8, 6, 6), inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT))


def stamp_name(name: str) -> str:
    """`name` in characters the stamp's standard font can show: accents dropped (Gaëlle ->
    Gaelle, Łukasz -> Lukasz, Dœns -> Doens), anything else replaced by '?'."""
    special = {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "Æ": "AE",
               "æ": "ae", "ß": "ss", "Þ": "Th", "þ": "th"}
    text = "".join(special.get(c, c) for c in name)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c if ord(c) < 128 else "?" for c in text if not unicodedata.combining(c))


def sign_pdf(pdf: bytes, signer: KeyIdentity | signers.Signer, *, box: tuple[float, float, float, float] | None = None,
             field_name: str = FIELD_NAME, reason: str | None = None, location: str | None = None,
             now: datetime | None = None, language: str | None = None, password: str | None = None) -> SignedPdf:
    """`pdf` signed as PAdES B-B with a visible stamp in `box` on the last page, worded in
    `language` (the letter's; None: the current language). An encrypted `pdf` (a protected
    copy, app/signoff/protected_pdf.py) is opened with `password` and stays encrypted with it.

    Raises `IdentityError` (certificate expired, not yet valid, not for signing; token
    errors) and `BadInputError` (`pdf` is not a PDF) before anything is produced."""
    now = now or datetime.now(timezone.utc)
    pyhanko_signer = identity_signer(signer) if isinstance(signer, KeyIdentity) else signer
    if pyhanko_signer.signing_cert is None:
        raise IdentityError(_("The signing identity has no certificate."))
    certificate = to_cryptography_certificate(pyhanko_signer.signing_cert)
    check_signing_certificate(certificate, now)
    if not box or box[2] - box[0] < 1 or box[3] - box[1] < 1:
        box = DEFAULT_BOX
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if password is not None and writer.prev.encrypted:
            from pyhanko.pdf_utils.crypt import AuthStatus

            if writer.encrypt(password).status == AuthStatus.FAILED:
                raise BadInputError(_("The password does not open the document to sign."))
    except (PdfError, ValueError, IndexError, KeyError, TypeError) as exc:
        raise BadInputError(_("The document to sign is not a readable PDF ({reason}).").format(reason=exc)) from None
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location=location, name=subject_name(certificate))
    field_spec = fields.SigFieldSpec(field_name, on_page=-1, box=(round(box[0]), round(box[1]), round(box[2]), round(box[3])))
    with in_language(language):
        style = _stamp_style()
    pdf_signer = signers.PdfSigner(meta, pyhanko_signer, stamp_style=style, new_field_spec=field_spec)
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=out, appearance_text_params={"signer": stamp_name(subject_name(certificate))})
    except IdentityError:
        raise
    except PdfError as exc:
        raise BadInputError(_("The document cannot be signed ({reason}).").format(reason=exc)) from None
    except Exception as exc:  # a token or key failing mid-signature: the signer's fault, not the PDF's
        from app.signing.pkcs11 import token_error
        raise token_error(exc) from None
    return SignedPdf(out.getvalue(), subject_name(certificate), now.isoformat(timespec="seconds"))
