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
import re

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

# French sets a space before : ; ? ! and after «: made non-breaking, so that no line of the
# letter starts with the sign ("(PAdES)" / "; le panneau..."). Other languages have no such space.
_SPACE_BY_SIGN = re.compile(r" (?=[:;?!»])|(?<=«) ")
_COMMAND = "openssl cms -decrypt"  # a command is typed as printed: never broken over two lines


def _typeset(value: str) -> str:
    value = _SPACE_BY_SIGN.sub("\u00a0", value).replace(_COMMAND, _COMMAND.replace(" ", "\u00a0"))
    return text(value)


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
    # The form the recipient gets (app.outgoing.package.FORMS): the letter says how THAT is
    # carried and opened. 'sodp' a Second-O package; 'pdf' the passphrase-protected signed PDF
    # `package_name`; 'p7m' the CMS envelope `package_name` for `encrypted_to`; 'pdi' the DICOM
    # CD for a PACS; 'paper' the opinion printed. Only 'sodp' names the Second-O workstation.
    form: str = "sodp"
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
    how = _HOW.get(details.form)
    if how is None:
        raise ValueError(f"no cover letter for the form {details.form!r}")
    return [_opening(details), *how(details)]


def _opening(details: CoverDetails) -> str:
    n, patient = details.opinion_number, details.patient
    if details.is_patient:
        opening = (_("Please find enclosed addendum {n} to the second opinion you asked for.").format(n=n) if n
                   else _("Please find enclosed the second opinion you asked for."))
    else:
        opening = (_("Please find enclosed addendum {n} to the second opinion on your patient {patient}.").format(
                       n=n, patient=patient) if n
                   else _("Please find enclosed the second opinion on your patient {patient}.").format(patient=patient))
    return opening


def _signed(details: CoverDetails) -> str:
    return _("The opinion was signed electronically by {signer} on {date} (PAdES); any PDF reader with signature "
             "validation shows whether it is intact.").format(signer=details.signer,
                                                              date=format_date(details.signed_on, "long"))


def _sodp(details: CoverDetails) -> list[str]:
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
    return [_signed(details), " ".join([carried, protection]), " ".join(contents)]


def _pdf(details: CoverDetails) -> list[str]:
    name = details.package_name
    if details.medium == "cd" and name:
        carried = _("It is the PDF file {name} on the enclosed CD.").format(name=name)
    elif name:
        carried = _("It is the PDF file {name}, sent with this letter.").format(name=name)
    else:
        carried = _("It is the PDF file sent with this letter.")
    return [
        " ".join([carried, _("It is protected by a passphrase, which reaches you separately, by another channel."),
                  _("It opens in any PDF reader (Adobe Acrobat Reader, a web browser, Preview on a Mac...) once "
                    "you type that passphrase.")]),
        _("The opinion was signed electronically by {signer} on {date} (PAdES); the signature panel of your PDF "
          "reader shows the signature as valid, and that the document was not changed since.").format(
              signer=details.signer, date=format_date(details.signed_on, "long")),
    ]


def _p7m(details: CoverDetails) -> list[str]:
    name = details.package_name
    if details.medium == "cd" and name:
        carried = _("It is the file {name} on the enclosed CD.").format(name=name)
    elif name:
        carried = _("It is the file {name}, sent with this letter.").format(name=name)
    else:
        carried = _("It is the file sent with this letter.")
    if details.encrypted_to:
        protection = _("It is encrypted for your certificate ({subject}) in the CMS format (.p7m) of eHealth "
                       "messages: only your private key opens it.").format(subject=details.encrypted_to)
    else:
        protection = _("It is encrypted for your certificate in the CMS format (.p7m) of eHealth messages: only "
                       "your private key opens it.")
    if details.is_patient:
        tool = _("A secure-mail or eHealth program opens it, as does OpenSSL (openssl cms -decrypt); inside is the "
                 "signed opinion as a PDF file.")
    else:
        tool = _("Your hospital's secure-mail or eHealth tool opens it, as does OpenSSL (openssl cms -decrypt); "
                 "inside is the signed opinion as a PDF file.")
    return [" ".join([carried, protection]), tool, _signed(details)]


def _pdi(details: CoverDetails) -> list[str]:
    n = details.key_images
    if details.is_patient:
        carried = (ngettext(
            "The enclosed CD holds the opinion and {n} key image as DICOM objects (the format of medical images) "
            "in your study, ready for your doctor's hospital to import into its imaging system (PACS) or to open "
            "in a DICOM viewer.",
            "The enclosed CD holds the opinion and {n} key images as DICOM objects (the format of medical images) "
            "in your study, ready for your doctor's hospital to import into its imaging system (PACS) or to open "
            "in a DICOM viewer.", n).format(n=n) if n
            else _("The enclosed CD holds the opinion as a DICOM object (the format of medical images) in your "
                   "study, ready for your doctor's hospital to import into its imaging system (PACS) or to open in "
                   "a DICOM viewer."))
        kept = _("The CD is not encrypted: keep it safe, as you keep your other medical records. We have recorded "
                 "to whom it was handed.")
    else:
        carried = (ngettext(
            "The enclosed CD holds the opinion and {n} key image as DICOM objects in your patient's study, ready "
            "to import into your PACS (its import of a DICOM CD or DICOMDIR) or to open in a DICOM viewer.",
            "The enclosed CD holds the opinion and {n} key images as DICOM objects in your patient's study, ready "
            "to import into your PACS (its import of a DICOM CD or DICOMDIR) or to open in a DICOM viewer.",
            n).format(n=n) if n
            else _("The enclosed CD holds the opinion as a DICOM object in your patient's study, ready to import "
                   "into your PACS (its import of a DICOM CD or DICOMDIR) or to open in a DICOM viewer."))
        kept = _("The CD is not encrypted, so that your PACS can import it: keep it as a medical record. We have "
                 "recorded to whom it was handed.")
    return [
        " ".join([carried, _("The README.TXT on the CD says how.")]),
        _("The opinion was signed electronically by {signer} on {date} (PAdES); most DICOM viewers open it from "
          "its DICOM object as a PDF, whose signature any PDF reader with signature validation checks.").format(
              signer=details.signer, date=format_date(details.signed_on, "long")),
        kept,
    ]


def _paper(details: CoverDetails) -> list[str]:
    return [
        ngettext("The signed opinion ({pages} page) is enclosed on paper.",
                 "The signed opinion ({pages} pages) is enclosed on paper.", details.pages).format(pages=details.pages),
        _("It was signed electronically by {signer} on {date} (PAdES). The paper copy carries no signature that can "
          "be verified: if you need the electronically signed original, ask us and we will send it to you.").format(
              signer=details.signer, date=format_date(details.signed_on, "long")),
    ]


_HOW = {"sodp": _sodp, "pdf": _pdf, "p7m": _p7m, "pdi": _pdi, "paper": _paper}


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
    story.append(Paragraph(_typeset(_("Date: {date}").format(
        date=format_date(letter_date or date.today().isoformat(), "long"))), st["date"]))
    story.append(FrameBreak())
    story.append(Paragraph(text(_("Second opinion — {patient}").format(patient=details.patient)), st["title"]))
    story.append(Paragraph(_typeset(_("Our reference: case {ref}").format(ref=details.case_ref)), st["re"]))
    greeting = details.salutation or salutation(details.recipient_name, **details._addressee())
    story.append(Paragraph(text(greeting), st["body"]))
    story += [Paragraph(_typeset(line), st["body"]) for line in _paragraphs(details)]
    farewell = details.closing or _closing(details)
    story += [Spacer(1, 6 * mm), Paragraph(text(farewell), st["body"]), Spacer(1, 4 * mm),
              Paragraph(text(signer), st["signer"])]
    footer = _("Case {ref}").format(ref=details.case_ref)
    if letterhead.is_demo:
        footer = " · ".join([footer, _("DEMO — not for clinical use")])
    return _build(story, footer, _("Cover letter — case {ref}").format(ref=details.case_ref))


def render_passphrase_sheet(passphrase: str, *, recipient_name: str, address_lines: list[str], case_ref: str,
                            package_name: str, letterhead: Letterhead | None = None,
                            language: str | None = None, letter_date: str | None = None, form: str = "sodp") -> bytes:
    """The sheet with the passphrase of a package: to be sent apart from the package.
    `language`: the recipient's language, a code or BCP 47 tag ('nl', 'fr-BE'); the sheet's
    fixed texts and date are written in it; None writes in the current language. `letter_date`:
    the ISO date printed on the sheet, today when None. `form`: 'sodp' (a Second-O package) or
    'pdf' (the passphrase opens the protected PDF file `package_name` in any PDF reader)."""
    if form not in _SHEET_WORDS:
        raise ValueError(f"no passphrase sheet for the form {form!r}")
    with in_language(language):
        return _render_passphrase_sheet(passphrase, recipient_name=recipient_name, address_lines=address_lines,
                                        case_ref=case_ref, package_name=package_name, letterhead=letterhead,
                                        letter_date=letter_date, form=form)


def _sodp_sheet_words(case_ref: str, name: str) -> tuple[str, str, str]:
    return (_("Passphrase of a Second-O package"),
            _("Our reference: case {ref}; package {name}").format(ref=case_ref, name=name),
            _("This sheet opens the package we sent you by another channel. Keep it apart from the package; type "
              "the passphrase exactly as printed, with its hyphens."))


def _pdf_sheet_words(case_ref: str, name: str) -> tuple[str, str, str]:
    return (_("Passphrase of your second opinion (PDF file)"),
            _("Our reference: case {ref}; file {name}").format(ref=case_ref, name=name),
            _("This passphrase opens the PDF file {name}, which reaches you by another channel, in any PDF reader "
              "(Adobe Acrobat Reader, a web browser, Preview on a Mac...). Keep this sheet apart from the file; type "
              "the passphrase exactly as printed, with its hyphens.").format(name=name))


_SHEET_WORDS = {"sodp": _sodp_sheet_words, "pdf": _pdf_sheet_words}


def _render_passphrase_sheet(passphrase: str, *, recipient_name: str, address_lines: list[str], case_ref: str,
                             package_name: str, letterhead: Letterhead | None, letter_date: str | None,
                             form: str) -> bytes:
    register_fonts()
    st = styles()
    letterhead, _signer = _letterhead(letterhead)
    story: list = letterhead_block(letterhead, st)[:1]
    story.append(FrameBreak())
    story += [Paragraph(text(line), st["address"]) for line in [recipient_name, *address_lines] if line]
    story.append(FrameBreak())
    story.append(Paragraph(_typeset(_("Date: {date}").format(
        date=format_date(letter_date or date.today().isoformat(), "long"))), st["date"]))
    story.append(FrameBreak())
    title, reference, body = _SHEET_WORDS[form](case_ref, package_name)
    story.append(Paragraph(_typeset(title), st["title"]))
    story.append(Paragraph(_typeset(reference), st["re"]))
    story.append(Paragraph(_typeset(body), st["body"]))
    big = ParagraphStyle("passphrase", st["body"], fontName=BOLD, fontSize=16, leading=22)
    table = Table([[Paragraph(text(passphrase), big)]], colWidths=[FRAME_W])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1, GREY), ("TOPPADDING", (0, 0), (-1, -1), 8),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 8), ("LEFTPADDING", (0, 0), (-1, -1), 10)]))
    story += [Spacer(1, 4 * mm), table]
    return _build(story, _("Case {ref}").format(ref=case_ref), _("Passphrase — case {ref}").format(ref=case_ref))
