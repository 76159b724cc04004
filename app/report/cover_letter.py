"""The cover letter of an outgoing package, with the address placed for a window envelope,
and the separate sheet that carries a package's passphrase (sent by another channel).

The address sits where the window of a DL/C5 envelope with a left window is (DIN 5008 form B,
used in Belgium and the Netherlands too): 20 mm from the left edge, 50 mm from the top,
85 x 40 mm, with the sender's return line above it in small type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle

from app.core.i18n import _, in_language, ngettext
from app.core.locale_format import format_date
from app.opinion.profile import load_profile
from app.report.fonts import BOLD, REGULAR, register_fonts
from app.report.letterhead import Letterhead, load_letterhead, with_reviewer_fallback
from app.report.salutation import closing, salutation
from app.report.layout import FRAME_W, GREY, MARGIN_X, PAGE_H, PAGE_W, letterhead_block, styles, text

WINDOW_X, WINDOW_TOP, WINDOW_W, WINDOW_H = 20 * mm, 50 * mm, 85 * mm, 40 * mm
BODY_TOP = 105 * mm  # below the window


@dataclass
class CoverDetails:
    """What the cover letter says; plain text, formatted here in the letter's language."""

    recipient_name: str
    address_lines: list[str]
    patient: str
    case_ref: str
    signer: str
    signed_on: str  # ISO date
    pages: int
    opinion_number: int = 0
    medium: str = "file"  # file | cd
    encrypted_to: str | None = None  # the certificate's subject, or None: a passphrase
    key_images: int = 0
    is_patient: bool = False
    package_name: str = ""
    # The salutation and the closing, made in the letter's language from the recipient's role,
    # title (Dr, Prof., Ms, Mr) and sex ('F', 'M') by app/report/salutation.py; `salutation`
    # and `closing`, when given, are printed as they are.
    salutation: str = ""
    role: str = ""
    title: str = ""
    sex: str = ""
    closing: str = ""

    def _addressee(self) -> dict:
        return {"role": "patient" if self.is_patient else self.role, "title": self.title, "sex": self.sex}


def _closing(details: CoverDetails) -> str:
    """The closing that answers the salutation: when only the salutation was given ('Madame,'),
    the sex it names decides the French closing ('Veuillez agréer, Madame, ...')."""
    who = details._addressee()
    if details.salutation and not who["sex"] and who["title"] not in ("Ms", "Mr", "Mrs"):
        for sex in ("F", "M"):
            if salutation(details.recipient_name, **(who | {"sex": sex})) == details.salutation:
                who["sex"] = sex
                break
    return closing(details.recipient_name, **who)


def _paragraphs(details: CoverDetails) -> list[str]:
    n, patient = details.opinion_number, details.patient
    if details.is_patient:
        opening = (_("Please find enclosed addendum {n} to the second opinion you asked for.").format(n=n) if n
                   else _("Please find enclosed the second opinion you asked for."))
    else:
        opening = (_("Please find enclosed addendum {n} to the second opinion on your patient {patient}.").format(
                       n=n, patient=patient) if n
                   else _("Please find enclosed the second opinion on your patient {patient}.").format(patient=patient))
    if details.medium == "cd":
        carried = _("It is on the enclosed CD as an encrypted Second-O package (.sodp).")
    elif details.package_name:
        carried = _("It is in the file {name} as an encrypted Second-O package (.sodp).").format(
            name=details.package_name)
    else:
        carried = _("It is in the file sent with this letter as an encrypted Second-O package (.sodp).")
    if details.encrypted_to:
        protection = _("It is encrypted for your certificate ({subject}): only your key opens it.").format(
            subject=details.encrypted_to)
    else:
        protection = _("It is protected by a passphrase, which reaches you separately, by another channel.")
    contents = [ngettext("The package holds the signed opinion ({pages} page) and this letter.",
                         "The package holds the signed opinion ({pages} pages) and this letter.",
                         details.pages).format(pages=details.pages)]
    if details.key_images:
        contents.append(ngettext("It also holds {n} key image.", "It also holds {n} key images.",
                                 details.key_images).format(n=details.key_images))
    contents.append(_("Open it with a Second-O workstation (File ▸ Import); the README.TXT on the CD says how.")
                    if details.medium == "cd" else _("Open it with a Second-O workstation (File ▸ Import)."))
    return [
        opening,
        _("The opinion was signed electronically by {signer} on {date} (PAdES); any PDF reader with signature "
          "validation shows whether it is intact.").format(signer=details.signer,
                                                           date=format_date(details.signed_on, "long")),
        " ".join([carried, protection]),
        " ".join(contents),
    ]


def _frames(first_page: bool) -> list[Frame]:
    def frame(name, x, top, w, h):
        return Frame(x, PAGE_H - top - h, w, h, id=name, leftPadding=0, rightPadding=0, topPadding=0,
                     bottomPadding=0)
    return [frame("head", MARGIN_X, 14 * mm, FRAME_W, 32 * mm),
            frame("address", WINDOW_X, WINDOW_TOP, WINDOW_W, WINDOW_H),
            frame("date", PAGE_W - MARGIN_X - 60 * mm, WINDOW_TOP + 28 * mm, 60 * mm, 12 * mm),
            frame("body", MARGIN_X, BODY_TOP, FRAME_W, PAGE_H - BODY_TOP - 22 * mm)]


def _footer(text: str):
    def draw(canvas, _doc):
        canvas.saveState()
        canvas.setFont(REGULAR, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN_X, 12 * mm, text)
        canvas.restoreState()
    return draw


def _build(story: list, footer: str, title: str) -> bytes:
    out = io.BytesIO()
    doc = BaseDocTemplate(out, pagesize=A4, title=title, creator="Second-O Workstation")
    doc.addPageTemplates([PageTemplate("letter", _frames(True), onPage=_footer(footer))])
    doc.build(story)
    return out.getvalue()


def _letterhead(letterhead: Letterhead | None) -> tuple[Letterhead, str]:
    """The given or saved letterhead and who signs the letter: the department (or institution),
    or when the letterhead is empty the reviewer's name and specialty as head, the name signing."""
    chosen = letterhead or load_letterhead()
    if chosen.is_empty:
        profile = load_profile()
        return with_reviewer_fallback(chosen, profile.name, profile.specialty), profile.name
    return chosen, chosen.department or chosen.institution


def _return_line(letterhead: Letterhead) -> str:
    return " · ".join(x for x in [letterhead.institution, *letterhead.address_lines[:2]] if x)


def render_cover_letter(details: CoverDetails, letterhead: Letterhead | None = None,
                        letter_date: str | None = None, *, language: str | None = None) -> bytes:
    """The cover letter as PDF bytes (one page). `language`: the recipient's language, a code or
    BCP 47 tag ('nl', 'fr-BE'); every fixed text and date of the letter is written in it,
    whatever the interface speaks; None writes in the current language."""
    with in_language(language):
        return _render_cover_letter(details, letterhead, letter_date)


def _render_cover_letter(details: CoverDetails, letterhead: Letterhead | None, letter_date: str | None) -> bytes:
    register_fonts()
    st = styles()
    letterhead, signer = _letterhead(letterhead)
    small = ParagraphStyle("return", st["body"], fontSize=6.5, leading=8, textColor=GREY, spaceAfter=2)
    story: list = letterhead_block(letterhead, st)[:1]
    story.append(FrameBreak())
    story.append(Paragraph(text(_return_line(letterhead)), small))
    story += [Paragraph(text(line), st["address"]) for line in [details.recipient_name, *details.address_lines] if line]
    story.append(FrameBreak())
    story.append(Paragraph(text(_("Date: {date}").format(
        date=format_date(letter_date or date.today().isoformat(), "long"))), st["date"]))
    story.append(FrameBreak())
    story.append(Paragraph(text(_("Second opinion — {patient}").format(patient=details.patient)), st["title"]))
    story.append(Paragraph(text(_("Our reference: case {ref}").format(ref=details.case_ref)), st["re"]))
    greeting = details.salutation or salutation(details.recipient_name, **details._addressee())
    story.append(Paragraph(text(greeting), st["body"]))
    story += [Paragraph(text(line), st["body"]) for line in _paragraphs(details)]
    farewell = details.closing or _closing(details)
    story += [Spacer(1, 6 * mm), Paragraph(text(farewell), st["body"]), Spacer(1, 4 * mm),
              Paragraph(text(signer), st["signer"])]
    footer = _("Case {ref}").format(ref=details.case_ref)
    if letterhead.is_demo:
        footer = " · ".join([footer, _("DEMO — not for clinical use")])
    return _build(story, footer, _("Cover letter — case {ref}").format(ref=details.case_ref))


def render_passphrase_sheet(passphrase: str, *, recipient_name: str, address_lines: list[str], case_ref: str,
                            package_name: str, letterhead: Letterhead | None = None,
                            language: str | None = None, letter_date: str | None = None) -> bytes:
    """The sheet with the passphrase of a package: to be sent apart from the package.
    `language`: the recipient's language, a code or BCP 47 tag ('nl', 'fr-BE'); the sheet's
    fixed texts and date are written in it; None writes in the current language. `letter_date`:
    the ISO date printed on the sheet, today when None."""
    with in_language(language):
        return _render_passphrase_sheet(passphrase, recipient_name=recipient_name, address_lines=address_lines,
                                        case_ref=case_ref, package_name=package_name, letterhead=letterhead,
                                        letter_date=letter_date)


def _render_passphrase_sheet(passphrase: str, *, recipient_name: str, address_lines: list[str], case_ref: str,
                             package_name: str, letterhead: Letterhead | None, letter_date: str | None) -> bytes:
    register_fonts()
    st = styles()
    letterhead, _signer = _letterhead(letterhead)
    story: list = letterhead_block(letterhead, st)[:1]
    story.append(FrameBreak())
    story += [Paragraph(text(line), st["address"]) for line in [recipient_name, *address_lines] if line]
    story.append(FrameBreak())
    story.append(Paragraph(text(_("Date: {date}").format(
        date=format_date(letter_date or date.today().isoformat(), "long"))), st["date"]))
    story.append(FrameBreak())
    story.append(Paragraph(text(_("Passphrase of a Second-O package")), st["title"]))
    story.append(Paragraph(text(_("Our reference: case {ref}; package {name}").format(ref=case_ref, name=package_name)),
                           st["re"]))
    story.append(Paragraph(text(_("This sheet opens the package we sent you by another channel. Keep it apart "
                                  "from the package; type the passphrase exactly as printed, with its hyphens.")),
                           st["body"]))
    big = ParagraphStyle("passphrase", st["body"], fontName=BOLD, fontSize=16, leading=22)
    table = Table([[Paragraph(text(passphrase), big)]], colWidths=[FRAME_W])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1, GREY), ("TOPPADDING", (0, 0), (-1, -1), 8),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 8), ("LEFTPADDING", (0, 0), (-1, -1), 10)]))
    story += [Spacer(1, 4 * mm), table]
    return _build(story, _("Case {ref}").format(ref=case_ref), _("Passphrase — case {ref}").format(ref=case_ref))
