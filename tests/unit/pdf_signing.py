"""Helpers for the signing tests: plain reportlab PDFs and identities with odd certificates."""

from datetime import datetime, timedelta, timezone
import io

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from app.demo.pki import DemoPki, _key_usage, _name
from app.signing.identities import KeyIdentity

BOX = (320, 60, 532, 134)


def make_pdf(pages: int = 2, images: int = 0, image_size: int = 512) -> bytes:
    """An A4 PDF of `pages` pages with text and `images` PNG images spread over them."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    per_page = -(-images // pages) if images else 0
    drawn = 0
    for page in range(pages):
        canvas.drawString(72, 770, f"Second opinion, page {page + 1} of {pages}")
        canvas.drawString(72, 750, "Question: is resection required? Answer: CT surveillance.")
        for slot in range(per_page):
            if drawn >= images:
                break
            im = Image.new("L", (image_size, image_size), 20 * drawn)
            ImageDraw.Draw(im).ellipse((100, 100, 300, 300 + 10 * drawn), fill=220)
            canvas.drawImage(ImageReader(im), 72 + (slot % 2) * 230, 480 - (slot // 2) * 230, 220, 220)
            drawn += 1
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def odd_identity(pki: DemoPki, *, not_before: datetime | None = None, not_after: datetime | None = None,
                 key_usage: x509.KeyUsage | None | bool = True) -> KeyIdentity:
    """An EC identity issued by the DEMO root with the given validity and key usage
    (True: digitalSignature + nonRepudiation; None: no key-usage extension)."""
    now = datetime.now(timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(_name("Dr. Odd Certificate (DEMO)"))
               .issuer_name(pki.root.certificate.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before or now - timedelta(days=1))
               .not_valid_after(not_after or now + timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
    if key_usage is True:
        key_usage = _key_usage(digital_signature=True, content_commitment=True)
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    cert = builder.sign(pki.root.private_key, hashes.SHA256())
    return KeyIdentity(cert, key, (pki.root.certificate,))
