"""The opinion letter as PDF (docs/ARCHITECTURE.md, "Signing"): reportlab lays out the letter from
the case record and the QuestionnaireResponse; pyHanko then embeds the response as a JSON
attachment and rewrites the file as one clean revision, ready to be signed.

`render_opinion(...)` returns a `RenderedOpinion`: the PDF bytes, the page count and the
rectangle (PDF points, origin bottom left) left empty on the LAST page for the visible
signature stamp.

Layout: A4; letterhead, addressee and date on page 1; a running header on later pages; a
footer on every page ("Page x of y", "Case <first 8 of the case id>", and "DEMO — not for
clinical use" when the sending organisation or the letterhead is a DEMO one). Text is real
text in DejaVu Sans, embedded as a subset. Key images are never upscaled: at most one image
pixel per 1/150 inch, aspect kept.

Language: the letter is written in its reader's language (`language`), not the interface's:
its fixed texts from the gettext catalogue, the form's headings and coded answers from the
template's FHIR translations (app.opinion.form_languages.localized), dates and decimals by
Babel for the reader's tag (in_language keeps its region), the national number by its country.

Limitation: items of a repeating group are rendered from its first instance only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import io
import json
import re
from typing import Any
from collections.abc import Iterable, Sequence

from babel.numbers import get_decimal_symbol
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate, Flowable, Frame, Image, KeepTogether, NextPageTemplate, PageTemplate, Paragraph,
    Spacer, Table, TableStyle)

from app.core.formatting import format_patient_name
from app.core.i18n import LANGUAGES, _, in_language, pgettext
from app.core.locale_format import format_date, locale_for
from app.dossier.case_details import details
from app.dossier.national_number import country_of, identifier_label
from app.opinion.prefill import DOCUMENT_SYSTEM, STUDY_SYSTEM, consented_roles
from app.opinion.form_languages import localized
from app.opinion.questionnaire import enabled, get_answers, prefill_source
from app.report.fonts import BOLD, REGULAR, register_fonts
from app.report.layout import (ACCENT, FRAME_W, GREY, IMAGE_DPI, MARGIN_X, PAGE_H, PAGE_W, RULE, letterhead_block,
                               styles, text)
from app.report.letterhead import Letterhead, load_letterhead, with_reviewer_fallback
from app.report.salutation import colleague_closing

TOP_FIRST, TOP_LATER, BOTTOM = 16 * mm, 24 * mm, 22 * mm
SIGNATURE_W, SIGNATURE_H = 75 * mm, 26 * mm
ATTACHMENT_NAME = "opinion-questionnaire-response.json"

# Prefill sources whose items the letter shows in its own blocks, not as sections.
ADMIN_SOURCES = {"patient", "documents", "consented_recipients", "referral.question", "key_images"}
ADMIN_LINKS = {"patient", "question", "documents-reviewed", "recipients", "reviewer"}


@dataclass(frozen=True)
class RenderedOpinion:
    pdf: bytes
    signature_box: tuple[float, float, float, float]  # x1, y1, x2, y2 on the last page, in points
    page_count: int

    @property
    def signature_page(self) -> int:
        """0-based index of the page holding the signature box (always the last one)."""
        return self.page_count - 1


# --- styles ------------------------------------------------------------------------------

def _paragraphs(value: Any, style: ParagraphStyle) -> list[Paragraph]:
    """A long text as one Paragraph per blank-line separated block (so it splits across pages)."""
    blocks = [b.strip("\n") for b in str(value).replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(text(b), style) for b in blocks if b.strip()]


# --- page decoration -------------------------------------------------------------------

def _canvas_class(footer_left: str, demo: str, header_left: str, header_right: str):
    """A canvas that draws the header and "Page x of y" footer once the page count is known."""

    class OpinionCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            kwargs["initialFontName"] = REGULAR  # else Helvetica, unembedded, lands in every page
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            page = self._pageNumber
            self.saveState()
            if page > 1:
                self.setFont(REGULAR, 7.5)
                self.setFillColor(GREY)
                y = PAGE_H - 13 * mm
                self.drawString(MARGIN_X, y, header_left)
                self.drawRightString(PAGE_W - MARGIN_X, y, header_right)
                self.setStrokeColor(RULE)
                self.setLineWidth(0.5)
                self.line(MARGIN_X, y - 2.5 * mm, PAGE_W - MARGIN_X, y - 2.5 * mm)
            y = 12 * mm
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN_X, y + 4 * mm, PAGE_W - MARGIN_X, y + 4 * mm)
            self.setFont(REGULAR, 7.5)
            self.setFillColor(GREY)
            self.drawString(MARGIN_X, y, footer_left)
            self.drawRightString(PAGE_W - MARGIN_X, y, _("Page {page} of {pages}").format(page=page, pages=total))
            if demo:
                self.setFont(BOLD, 7.5)
                self.setFillColor(colors.HexColor("#a61b1b"))
                self.drawCentredString(PAGE_W / 2, y, demo)
            self.restoreState()

    return OpinionCanvas


class _SignatureSpace(Flowable):
    """Empty space for the visible signature stamp; records where it was drawn."""

    def __init__(self, width: float, height: float, sink: dict):
        super().__init__()
        self.width, self.height, self.sink = width, height, sink

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.sink["box"] = (round(x, 2), round(y, 2), round(x + self.width, 2), round(y + self.height, 2))
        self.sink["page"] = self.canv.getPageNumber()


# --- blocks ---------------------------------------------------------------------------

def _addressee_lines(manifest: dict) -> list[str]:
    referral = manifest.get("referral") or {}
    person = referral.get("treating_physician") or referral.get("referring_physician") or {}
    if not isinstance(person, dict):
        return [str(person)] if person else []
    lines = [person.get("name"), person.get("organisation")]
    address = str(person.get("address") or "").replace("\r\n", "\n")
    lines += address.split("\n") if "\n" in address else address.split(", ", 1) if address else []
    return [str(x) for x in lines if x]


def _address_block(manifest: dict, letter_date: str, st: dict) -> list:
    addressee = [Paragraph(text(line), st["address"]) for line in _addressee_lines(manifest)]
    # The letter's own date is written out ("4 november 2026"), the dates in its tables are short.
    when = Paragraph(text(_("Date: {date}").format(date=format_date(letter_date, "long"))), st["date"])
    table = Table([[addressee or "", when]], colWidths=[FRAME_W * 0.6, FRAME_W * 0.4])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0)]))
    return [table, Spacer(1, 9 * mm)]


def _patient_line(manifest: dict) -> str:
    """'TEST, Patient, born 01/01/1970' in the reader's language and date form."""
    patient = manifest.get("patient") or {}
    if not patient.get("family_name"):
        return ""
    name = format_patient_name(patient["family_name"], patient.get("given_names"))
    born = format_date(patient.get("birth_date"))
    return _("{name}, born {date}").format(name=name, date=born) if born else name


def _identifiers(patient: dict) -> list[tuple[str, str]]:
    """(label, value) of each of the patient's identifiers: a national number named as its
    reader knows it ('Rijksregisternummer', 'Numéro de registre national', 'BSN'), any other
    with its system."""
    rows = []
    for ident in patient.get("identifiers") or []:
        if not (isinstance(ident, dict) and ident.get("value")):
            continue
        system = str(ident.get("system") or "")
        if country_of(system):
            rows.append((identifier_label(ident), str(ident["value"])))
        else:
            shown = system.replace("-", " ").replace("_", " ")
            rows.append((_("Identifier"), f"{ident['value']} ({shown})" if shown else str(ident["value"])))
    return rows


def _patient_block(manifest: dict, st: dict) -> list:
    patient = manifest.get("patient") or {}
    rows = []
    if patient.get("family_name"):
        rows.append((_("Name"), format_patient_name(patient["family_name"], patient.get("given_names"))))
    if patient.get("birth_date"):
        rows.append((_("Date of birth"), format_date(patient["birth_date"])))
    rows += _identifiers(patient)
    if not rows:
        return []
    data = [[Paragraph(text(k), st["cellhead"]), Paragraph(text(v), st["cell"])] for k, v in rows]
    # The labels never wrap: 'Numéro de registre national' is wider than 'Name'.
    head = st["cellhead"]
    label_w = max([35 * mm] + [stringWidth(k, head.fontName, head.fontSize) + 6 * mm for k, _v in rows])
    table = Table(data, colWidths=[label_w, FRAME_W - label_w], hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f1f4f7")),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))
    return [Paragraph(text(_("Patient")), st["h1"]), table]


def _documents_table(q, response: dict, record: dict, st: dict) -> list:
    item = next((i for i in q.walk() if prefill_source(i) == "documents" or i["linkId"] == "documents-reviewed"), None)
    documents = record.get("documents") or []
    by_code = {str(d.get("id") or d.get("path") or n): d for n, d in enumerate(documents)}
    studies = {s.get("study_uid"): s for s in record.get("studies") or []}
    if item is None:
        chosen = list(documents)
    else:
        chosen = []
        for value in get_answers(response, item["linkId"]):
            if isinstance(value, dict) and value.get("code") in by_code and (
                    not value.get("system") or value.get("system") == DOCUMENT_SYSTEM):
                chosen.append(by_code[value["code"]])
            elif isinstance(value, dict) and value.get("system") == STUDY_SYSTEM and value.get("code") in studies:
                study = studies[value["code"]]
                chosen.append({"title": str(value.get("display") or "").split(" — ")[0], "date": study.get("date")})
            elif value:
                label = value.get("display") or value.get("code") if isinstance(value, dict) else str(value)
                chosen.append({"title": label})
    if not chosen:
        return []
    # TRANSLATORS: column heads of the table of documents reviewed in the opinion letter
    head = [Paragraph(text(label), st["cellhead"]) for label in (_("Document"), pgettext("document", "Date"),
                                                                  _("Author"))]
    rows = [head] + [[Paragraph(text(d.get("title") or d.get("path") or ""), st["cell"]),
                      Paragraph(text(format_date(d.get("date"))), st["cell"]),
                      Paragraph(text(d.get("author") or ""), st["cell"])] for d in chosen]
    table = Table(rows, colWidths=[FRAME_W * 0.52, FRAME_W * 0.14, FRAME_W * 0.34], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e8ee")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT), ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))
    return [Paragraph(text(_("Documents reviewed")), st["h1"]), table]


def _image_cell(n: int, image: Any, width: float, st: dict) -> list:
    with PILImage.open(io.BytesIO(image.png)) as opened:
        opened.load()
        px_w, px_h = opened.size
        im: PILImage.Image = opened if opened.mode in ("RGB", "L") else opened.convert("RGB")
        buffer = io.BytesIO()
        im.save(buffer, "PNG")
    native_w, native_h = px_w * 72 / IMAGE_DPI, px_h * 72 / IMAGE_DPI
    scale = min(1.0, width / native_w, (95 * mm) / native_h)  # never upscaled
    buffer.seek(0)
    picture = Image(buffer, width=native_w * scale, height=native_h * scale)
    picture.hAlign = "LEFT"
    figure = _("Figure {n}.").format(n=n)
    caption = f"<b>{text(figure)}</b> {text(image.caption or '')}"
    cell: list = [picture, Paragraph(caption, st["caption"])]
    if getattr(image, "measurements", ""):
        cell.append(Paragraph(text(_decimal_commas(image.measurements)), st["measure"]))
    return cell


def _key_images_block(heading: str, key_images: list, st: dict) -> list:
    if not key_images:
        return []
    columns = 1 if len(key_images) == 1 else 2
    gap = 6 * mm
    width = (FRAME_W - gap * (columns - 1)) / columns
    cells = [_image_cell(n + 1, img, width, st) for n, img in enumerate(key_images)]
    rows = [cells[i:i + columns] + [""] * (columns - len(cells[i:i + columns])) for i in range(0, len(cells), columns)]
    table = Table(rows, colWidths=[width + (gap if c < columns - 1 else 0) for c in range(columns)], hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5 * mm)]))
    return [Paragraph(text(heading), st["h2"]), table]


def _valuetext(item: dict, value: Any) -> str:
    if isinstance(value, dict):
        return _coded_display(item, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if item.get("type") == "date":
        return format_date(str(value))
    return str(value)


def _coded_display(item: dict, value: dict) -> str:
    """A coded answer as the (localized) form's answer option of that code displays it, so that
    the letter names it in its own language; the answer's own display otherwise."""
    for option in item.get("answerOption") or []:
        coding = option.get("valueCoding") if isinstance(option, dict) else None
        if (isinstance(coding, dict) and coding.get("code") == value.get("code")
                and (not coding.get("system") or not value.get("system") or coding["system"] == value["system"])
                and coding.get("display")):
            return str(coding["display"])
    return str(value.get("display") or value.get("code") or "")


_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")  # the viewer writes no grouping separator


def _decimal_commas(measurements: str) -> str:
    """The measurements of a key image (written by the viewer in the interface's convention,
    '9.8 mm' or '9,8 mm', never with a grouping separator) with the decimal sign of the
    letter's language: '9,8' in nl and fr, '9.8' in en."""
    return _DECIMAL.sub(get_decimal_symbol(locale_for()), measurements)


def _section_titles(questionnaire, shown, titles: list[str]) -> list[str]:
    """The titles of an addendum's changed sections (as the signing step names them, in any of
    the form's languages or by linkId) as the letter's form `shown` names them."""
    by_link = {item["linkId"]: item.get("text") or item["linkId"] for item in shown.data.get("item", [])}
    link_of = {link: link for link in by_link}
    for language in LANGUAGES:
        for item in localized(questionnaire, language).data.get("item", []):
            link_of.setdefault(item.get("text") or item["linkId"], item["linkId"])
    return [by_link.get(link_of.get(title, ""), title) for title in titles]


def _is_admin(item: dict) -> bool:
    source = prefill_source(item) or ""
    return (item["linkId"] in ADMIN_LINKS or source in ADMIN_SOURCES or source.startswith("reviewer."))


def _sections(q, response: dict, items: Iterable[dict], level: int, key_images: list, st: dict,
              placed: dict) -> list:
    out: list = []
    for item in items:
        link, kind = item["linkId"], item["type"]
        if kind == "display":
            if prefill_source(item) == "key_images" and key_images and not placed.get("images"):
                out += _key_images_block(item.get("text") or _("Key images"), key_images, st)
                placed["images"] = True
            continue
        if _is_admin(item) or not enabled(q, response, link):
            continue
        if kind == "group":
            inner = _sections(q, response, item.get("item", []), level + 1, key_images, st, placed)
            if inner:
                out += [Paragraph(text(item.get("text") or link), st["h1" if level == 0 else "h2"]), *inner]
            continue
        values = [_valuetext(item, v) for v in get_answers(response, link)]
        values = [v for v in values if v.strip()]
        if not values:
            continue
        out.append(Paragraph(text(item.get("text") or link), st["h1" if level == 0 else "h2"]))
        if len(values) == 1:
            out += _paragraphs(values[0], st["body"])
        else:
            out += [Paragraph(text(v), st["bullet"], bulletText="•") for v in values]
    return out


def _question(q, response: dict, manifest: dict) -> str:
    item = next((i for i in q.walk() if prefill_source(i) == "referral.question" or i["linkId"] == "question"), None)
    answers = [str(v) for v in get_answers(response, item["linkId"])] if item else []
    return "\n".join(a for a in answers if a.strip()) or str((manifest.get("referral") or {}).get("question") or "")


def _recipients(q, response: dict, record: dict, st: dict) -> list:
    item = next((i for i in q.walk() if prefill_source(i) == "consented_recipients" or i["linkId"] == "recipients"),
                None)
    if item is None:
        return []
    consented = set(consented_roles(record))
    shown = []
    for value in get_answers(response, item["linkId"]):
        code = value.get("code") if isinstance(value, dict) else value
        if code in consented:  # never a copy to someone the patient did not consent to
            shown.append(_valuetext(item, value))
    if not shown:
        return []
    return [Paragraph(text(_("Copy to")), st["h1"]),
            *[Paragraph(text(s), st["bullet"], bulletText="•") for s in shown]]


def _reviewer(q, response: dict) -> dict[str, str]:
    found = {}
    for item in q.walk():
        source = prefill_source(item) or ""
        key = source.split(".", 1)[1] if source.startswith("reviewer.") else {
            "reviewer-name": "name", "reviewer-specialty": "specialty",
            "reviewer-registration": "registration"}.get(item["linkId"])
        if key and key not in found:
            values = [str(v) for v in get_answers(response, item["linkId"]) if str(v).strip()]
            if values:
                found[key] = values[0]
    return found


def _signature_block(reviewer: dict, sink: dict, st: dict) -> list:
    lines = [Paragraph(text(colleague_closing()), st["body"]),
             _SignatureSpace(SIGNATURE_W, SIGNATURE_H, sink)]
    if reviewer.get("name"):
        lines.append(Paragraph(f"<b>{text(reviewer['name'])}</b>", st["signer"]))
    if reviewer.get("specialty"):
        lines.append(Paragraph(text(reviewer["specialty"]), st["signer"]))
    if reviewer.get("registration"):
        # TRANSLATORS: the reviewer's registration number with the medical council (RIZIV/INAMI, BIG) under the signature
        lines.append(Paragraph(text(_("Registration no. {number}").format(number=reviewer["registration"])),
                               st["signer"]))
    return [Spacer(1, 8 * mm), *lines]


# --- entry point --------------------------------------------------------------------------

def _is_demo(manifest: dict, letterhead: Letterhead) -> bool:
    sender = manifest.get("sender") or {}
    organisation = str(sender.get("organisation") or "") if isinstance(sender, dict) else str(sender)
    return "DEMO" in organisation or letterhead.is_demo


def _embed_response(raw: bytes, response: dict, title: str, author: str) -> bytes:
    """The PDF rewritten by pyHanko as a single revision, with the response attached."""
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(raw)))
    payload = json.dumps(response, indent=2, ensure_ascii=False).encode("utf-8")
    data = embed.EmbeddedFileObject.from_file_data(
        writer, data=payload, mime_type="application/json", params=embed.EmbeddedFileParams(embed_size=True))
    embed.embed_file(writer, embed.FileSpec(
        file_spec_string=ATTACHMENT_NAME, file_name=ATTACHMENT_NAME, embedded_data=data,
        description=_("The opinion form as FHIR QuestionnaireResponse (JSON)")))
    meta = writer.document_meta
    meta.title, meta.author = title, author or None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_opinion(record: dict, questionnaire, response: dict, *, key_images: Sequence = (),
                   letterhead: Letterhead | None = None, addendum_number: int | None = None,
                   language: str | None = None, signature_space: bool = True, original_date: str | None = None,
                   letter_date: str | None = None, changed_sections: list[str] | None = None) -> RenderedOpinion:
    """The opinion letter for the case `record` from the draft `response` of `questionnaire`.

    `key_images`: KeyImage-like objects (caption, png, measurements). `letterhead`: the saved
    one when None; an empty one heads the letter with the reviewer's name and specialty.
    `addendum_number` with `original_date` (ISO date of the signed opinion it adds to) titles
    the letter "Addendum n to the opinion of <date>".
    `letter_date`: ISO date printed on the letter, today when None. With `signature_space`
    an empty area is reserved for the stamp on the last page (`signature_box`).
    `changed_sections` (an addendum's): the titles of the sections that differ from the
    signed opinion, in any of the form's languages, said in a note under the title in the
    letter's ([] says nothing changed but the date).
    `language`: the reader's language, a code or BCP 47 tag ('nl', 'fr-BE', 'en'); every fixed
    text, the form's headings and coded answers, the dates (the region's form: 'nl-NL' writes
    01-01-1970) and the decimals of the letter are in it, whatever the interface speaks; the
    free text is the reviewer's own. None writes in the current language
    (app.core.i18n.current_language). An addendum is printed in the language it is given: the
    caller passes the opinion's own unless the reviewer changed it."""
    with in_language(language) as chosen:
        return _render_opinion(record, questionnaire, response, key_images=key_images, letterhead=letterhead,
                               addendum_number=addendum_number, language=chosen, signature_space=signature_space,
                               original_date=original_date, letter_date=letter_date,
                               changed_sections=changed_sections)


def _render_opinion(record: dict, questionnaire, response: dict, *, key_images: Sequence,
                    letterhead: Letterhead | None, addendum_number: int | None, language: str,
                    signature_space: bool, original_date: str | None, letter_date: str | None,
                    changed_sections: list[str] | None) -> RenderedOpinion:
    register_fonts()
    st = styles()
    shown = localized(questionnaire, language)  # headings and answer options in the letter's language
    if changed_sections:
        changed_sections = _section_titles(questionnaire, shown, changed_sections)
    questionnaire = shown
    manifest = dict(record.get("manifest") or {}) | details(record)  # the patient and referral as the case says
    key_images = list(key_images or [])
    letter_date = letter_date or date.today().isoformat()
    if addendum_number:
        title = (_("Addendum {number} to the opinion of {date}").format(number=addendum_number,
                                                                         date=format_date(original_date, "long"))
                 if original_date else _("Addendum {number} to the opinion").format(number=addendum_number))
    else:
        title = _("Second opinion")
    patient = _patient_line(manifest) or str((response.get("subject") or {}).get("display") or "")
    reviewer = _reviewer(questionnaire, response)
    letterhead = with_reviewer_fallback(letterhead or load_letterhead(), reviewer.get("name", ""),
                                        reviewer.get("specialty", ""))

    story: list = [NextPageTemplate("later")]
    story += letterhead_block(letterhead, st)
    story += _address_block(manifest, letter_date, st)
    story.append(Paragraph(text(title), st["title"]))
    if patient:
        # TRANSLATORS: the subject line of the letter (nl "Betreft: {patient}", fr "Concerne : {patient}")
        story.append(Paragraph(text(_("Re: {patient}").format(patient=patient)), st["re"]))
    if addendum_number and changed_sections is not None:
        note = (_("This addendum changes the following sections of the signed opinion: {sections}. "
                  "The other sections are repeated unchanged.").format(sections=", ".join(changed_sections))
                if changed_sections else
                _("This addendum repeats the signed opinion without changes to its sections."))
        story.append(Paragraph(text(note), st["body"]))
    story += _patient_block(manifest, st)
    question = _question(questionnaire, response, manifest)
    if question:
        story += [Paragraph(text(_("Question asked")), st["h1"]), *_paragraphs(question, st["body"])]
    story += _documents_table(questionnaire, response, record, st)
    placed: dict = {}
    story += _sections(questionnaire, response, questionnaire.data.get("item", []), 0, key_images, st, placed)
    if key_images and not placed.get("images"):
        story += _key_images_block(_("Key images"), key_images, st)
    # The recipients and the signature stay together, so the signature never stands alone on a page.
    closing = _recipients(questionnaire, response, record, st)
    sink: dict = {}
    if signature_space:
        closing += _signature_block(reviewer, sink, st)
    if closing:
        story.append(KeepTogether(closing))

    case_ref = _("Case {ref}").format(ref=str(record.get("case_id") or "")[:8])
    demo = _("DEMO — not for clinical use") if _is_demo(manifest, letterhead) else ""
    header_left = " — ".join(x for x in (letterhead.institution, title) if x)
    canvas_class = _canvas_class(case_ref, demo, header_left, patient)

    raw = io.BytesIO()
    doc = BaseDocTemplate(raw, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=TOP_FIRST,
                          bottomMargin=BOTTOM, title=title, author=reviewer.get("name", ""),
                          subject=patient, creator="Second-O Workstation")
    first = Frame(MARGIN_X, BOTTOM, FRAME_W, PAGE_H - TOP_FIRST - BOTTOM, id="first",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    later = Frame(MARGIN_X, BOTTOM, FRAME_W, PAGE_H - TOP_LATER - BOTTOM, id="later",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("first", [first]), PageTemplate("later", [later])])
    doc.build(story, canvasmaker=canvas_class)
    page_count = doc.page
    box = sink.get("box") or (0.0, 0.0, 0.0, 0.0)
    if signature_space and sink.get("page") != page_count:
        raise RuntimeError("the signature space did not land on the last page")
    pdf = _embed_response(raw.getvalue(), response, title + (f" — {patient}" if patient else ""),
                          reviewer.get("name", ""))
    return RenderedOpinion(pdf, box, page_count)
