"""The page and the type shared by the letters of app.report (the opinion, the cover letter,
the passphrase sheet): A4 with its margins, the colours, the paragraph styles, the letterhead
block, and plain text as Paragraph markup."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

from app.report.fonts import BOLD, ITALIC, REGULAR
from app.report.letterhead import Letterhead
from app.core.i18n import _

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
FRAME_W = PAGE_W - 2 * MARGIN_X
IMAGE_DPI = 150  # images are never shown at more than one pixel per 1/150 inch
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#9aa5b1")
ACCENT = colors.HexColor("#1f3a5f")


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=REGULAR, bulletFontName=REGULAR, fontSize=9.5, leading=13.2, spaceAfter=4)
    return {
        "body": base,
        "small": ParagraphStyle("small", base, fontSize=8.5, leading=11, spaceAfter=0),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=11, spaceAfter=0),
        "cellhead": ParagraphStyle("cellhead", base, fontName=BOLD, fontSize=8.5, leading=11, spaceAfter=0),
        "contact": ParagraphStyle("contact", base, fontSize=8, leading=10.5, textColor=GREY, spaceBefore=2,
                                  spaceAfter=0),
        "institution": ParagraphStyle("institution", base, fontName=BOLD, fontSize=14, leading=17,
                                      textColor=ACCENT, spaceAfter=1),
        "department": ParagraphStyle("department", base, fontSize=9.5, leading=12, textColor=GREY, spaceAfter=0),
        "address": ParagraphStyle("address", base, spaceAfter=0),
        "date": ParagraphStyle("date", base, alignment=TA_RIGHT, spaceAfter=0),
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=14, leading=18, textColor=ACCENT,
                                spaceBefore=4, spaceAfter=4),
        "re": ParagraphStyle("re", base, fontName=BOLD, spaceAfter=6),
        "h1": ParagraphStyle("h1", base, fontName=BOLD, fontSize=11, leading=14, textColor=ACCENT,
                             spaceBefore=9, spaceAfter=3, keepWithNext=1),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=9.5, leading=13, spaceBefore=4, spaceAfter=1,
                             keepWithNext=1),
        "bullet": ParagraphStyle("bullet", base, leftIndent=10, bulletIndent=0, spaceAfter=1),
        "caption": ParagraphStyle("caption", base, fontSize=8.5, leading=11, spaceBefore=3, spaceAfter=0),
        "measure": ParagraphStyle("measure", base, fontName=ITALIC, fontSize=8, leading=10.5, textColor=GREY,
                                  spaceAfter=0),
        "signer": ParagraphStyle("signer", base, spaceAfter=0),
    }


def text(value: Any) -> str:
    """Plain text as Paragraph markup: escaped, line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


def letterhead_block(letterhead: Letterhead, st: dict) -> list:
    # Text on the left in reading order (institution, department, contact line), the logo on
    # the right: pdftotext and screen readers then meet the institution first.
    left: list = []
    if letterhead.institution:
        left.append(Paragraph(text(letterhead.institution), st["institution"]))
    if letterhead.department:
        left.append(Paragraph(text(letterhead.department), st["department"]))
    contact = list(letterhead.address_lines)
    if letterhead.phone:
        # TRANSLATORS: the telephone number in the letterhead (nl "Tel. {phone}", fr "Tél. {phone}")
        contact.append(_("Tel. {phone}").format(phone=letterhead.phone))
    if letterhead.email:
        contact.append(letterhead.email)
    if contact:
        left.append(Paragraph(" · ".join(text(line) for line in contact), st["contact"]))
    right: list = []
    if letterhead.logo:
        try:
            with PILImage.open(letterhead.logo) as im:
                w, h = im.size
            scale = min(18 * mm / h, 55 * mm / w, 72 / IMAGE_DPI)
            logo = Image(letterhead.logo, width=w * scale, height=h * scale)
            logo.hAlign = "RIGHT"
            right.append(logo)
        except OSError:
            pass  # an unreadable logo never blocks the letter
    widths = [FRAME_W * 0.72, FRAME_W * 0.28] if right else [FRAME_W - 1, 1]
    table = Table([[left or "", right or ""]], colWidths=widths)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
        ("LINEBELOW", (0, 0), (-1, -1), 1.2, ACCENT)]))
    return [table, Spacer(1, 9 * mm)]
