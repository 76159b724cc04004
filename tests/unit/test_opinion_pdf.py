"""The opinion letter PDF: layout facts checked on the bytes, the text with
pdftotext, the structure and the attachment with pyHanko's reader."""

import io
import json
from pathlib import Path
import shutil
import subprocess

from PIL import Image, ImageDraw
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from app.core.key_images import KeyImage
from app.demo import DEMO_LETTERHEAD
from app.demo.dossier import build_demo_source
from app.opinion.prefill import bind, new_response
from app.opinion.profile import ReviewerProfile
from app.opinion.questionnaire import load_template, missing_required, set_answer
from app.report import Letterhead, RenderedOpinion, load_letterhead, render_opinion, save_letterhead

CASE_ID = "0123abcd-4567-89ef-0000-000000000000"
PROFILE = ReviewerProfile("Prof. Dr. Łukasz Nowak (DEMO)", "Pulmonology", "1-00000-99-000")
FINDINGS = ("Solid nodule of 9 mm in the posterior basal segment of the right lower lobe, smooth margins, "
            "no spiculation. Volume doubling time about 600 days over 14 months.\n\n"
            "No mediastinal or hilar lymphadenopathy. No other nodule.")
ANSWER = "CT surveillance is a reasonable alternative; resection is not required now."


def demo_record(folder: Path) -> dict:
    manifest = json.loads(build_demo_source(folder, ct_slices=3, ct_size=64).read_text(encoding="utf-8"))
    return {"case_id": CASE_ID, "manifest": manifest,
            "documents": [dict(d, id=f"doc{n}") for n, d in enumerate(manifest["documents"])]}


def fill(q, response: dict, **overrides) -> dict:
    answers = {
        "clinical-summary": "Woman of 56, former smoker (20 pack-years), incidental nodule on a CT for cough.",
        "findings": FINDINGS,
        "agreement": q.item("agreement")["answerOption"][1]["valueCoding"],
        "agreement-explanation": "The growth rate favours a low-grade lesion; surveillance is acceptable.",
        "diagnosis": "Slowly growing solid pulmonary nodule, low-grade adenocarcinoma not excluded.",
        "differential": ["Hamartoma", "Intrapulmonary lymph node"],
        "treatment": "CT surveillance at 3, 9 and 24 months; resection if the nodule grows or becomes subsolid.",
        "answer": ANSWER,
        "urgency": q.item("urgency")["answerOption"][0]["valueCoding"],
    }
    answers.update(overrides)
    for link, value in answers.items():
        set_answer(q, response, link, value)
    return response


def key_image(n: int, size=(512, 512)) -> KeyImage:
    im = Image.new("L", size, 10 * n)
    ImageDraw.Draw(im).ellipse((size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2), fill=200)
    buffer = io.BytesIO()
    im.save(buffer, "PNG")
    return KeyImage.new(f"Axial CT, slice {n}: the nodule", buffer.getvalue(), None, None,
                        measurements=f"Diameter {8 + n / 10:.1f} mm\nHU mean 32")


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    record = demo_record(tmp_path_factory.mktemp("demo"))
    q = bind(load_template("second-opinion"), record)
    response = fill(q, new_response(q, record, PROFILE))
    assert missing_required(q, response) == []
    return record, q, response


@pytest.fixture(scope="module")
def rendered(case):
    record, q, response = case
    return render_opinion(record, q, response, key_images=[key_image(1), key_image(2)],
                          letterhead=DEMO_LETTERHEAD, letter_date="2026-11-23")


def reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf))


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "opinion.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True, encoding="utf-8").stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_pdf_of_several_pages_with_the_signature_box_on_the_last(rendered):
    assert isinstance(rendered, RenderedOpinion)
    assert rendered.pdf.startswith(b"%PDF-")
    r = reader(rendered.pdf)
    assert r.root["/Pages"]["/Count"] == rendered.page_count >= 2
    x1, y1, x2, y2 = rendered.signature_box
    media = [float(v) for v in r.root["/Pages"]["/Kids"][-1]["/MediaBox"]]
    assert media[0] <= x1 < x2 <= media[2] and media[1] <= y1 < y2 <= media[3]
    assert x2 - x1 >= 150 and y2 - y1 >= 50
    assert rendered.signature_page == rendered.page_count - 1


def test_a_single_clean_revision(rendered):
    assert rendered.pdf.count(b"%%EOF") == 1
    assert b"/ByteRange" not in rendered.pdf


def test_the_response_is_embedded_as_json(rendered, case):
    _, _, response = case
    r = reader(rendered.pdf)
    names = r.root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == "opinion-questionnaire-response.json"
    spec = names[1].get_object()
    data = spec["/EF"]["/F"].get_object().data
    assert json.loads(data.decode("utf-8")) == response


def test_the_fonts_are_embedded_subsets(rendered):
    r = reader(rendered.pdf)
    fonts = {}
    for n in range(rendered.page_count):
        page = r.root["/Pages"]["/Kids"][n].get_object()
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"] if "/FontDescriptor" in font else \
                font["/DescendantFonts"][0]["/FontDescriptor"]
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    assert fonts and all(fonts.values())
    assert any("DejaVuSans" in name for name in fonts)
    assert all("+" in name for name in fonts)  # subset tag AAAAAA+DejaVuSans


def test_text_is_in_reading_order_with_footers(rendered, tmp_path):
    pages = page_texts(rendered.pdf, tmp_path)
    assert len(pages) == rendered.page_count
    n = rendered.page_count
    for i, page in enumerate(pages, 1):
        assert f"Page {i} of {n}" in page
        assert "Case 0123abcd" in page
        assert "DEMO — not for clinical use" in page
    text = flat("\n".join(pages))
    question = text.index("Is surgical resection of the 9 mm right lower lobe nodule")
    findings = text.index("Solid nodule of 9 mm in the posterior basal")
    answer = text.index(flat(ANSWER))
    assert question < findings < answer
    for expected in ("DEMO University Hospital", "Dr. Test Treating (DEMO)", "TEST, Patient", "01/01/1970",
                     "70.01.01-000.00", "Documents reviewed", "Figure 1.", "Diameter 8.1 mm",
                     "Prof. Dr. Łukasz Nowak (DEMO)", "Registration no. 1-00000-99-000", "Hamartoma"):
        assert expected in text, expected
    assert text.index("Agreement with the first opinion") < text.index("Diagnosis") < text.index("Urgency")
    # The letter opens with the institution, then its contact line, then the addressee.
    assert text.startswith("DEMO University Hospital Second Opinion Service")
    assert text.index("Demoplein 1") < text.index("Dr. Test Treating (DEMO)") < text.index("Second opinion Re:")


def test_the_documents_table_lists_title_date_and_author(rendered, case, tmp_path):
    record, _, _ = case
    text = flat("\n".join(page_texts(rendered.pdf, tmp_path)))
    first = record["documents"][0]
    assert first["title"].split()[0] in text and "04/11/2026" in text
    assert "Dr. Test Generalist (DEMO)" not in text.split("Copy to")[-1]  # the GP did not consent


def test_unicode_names_come_back(case, tmp_path):
    record, q, response = case
    record = json.loads(json.dumps(record))
    record["manifest"]["patient"].update(family_name="Dœns", given_names="Gaëlle")
    record["manifest"]["referral"]["treating_physician"]["name"] = "Dr. Ayşe Çelik"
    out = render_opinion(record, q, response, letterhead=DEMO_LETTERHEAD)
    text = flat("\n".join(page_texts(out.pdf, tmp_path)))
    assert "DŒNS, Gaëlle" in text and "Dr. Ayşe Çelik" in text and "Łukasz" in text


def test_empty_sections_are_omitted(case, tmp_path):
    record, q, response = case
    response = json.loads(json.dumps(response))
    set_answer(q, response, "examinations", None)
    set_answer(q, response, "differential", None)
    set_answer(q, response, "agreement", q.item("agreement")["answerOption"][0]["valueCoding"])  # agree
    out = render_opinion(record, q, response, letterhead=DEMO_LETTERHEAD)
    text = flat("\n".join(page_texts(out.pdf, tmp_path)))
    assert "Additional examinations advised" not in text
    assert "Differential diagnosis" not in text
    assert "Explain where and why you differ" not in text  # disabled by enableWhen
    assert "Recommended treatment" in text
    # the admin items are shown in their own blocks, not again as sections
    assert text.count("Is surgical resection of the 9 mm") == 1
    assert "Registration number (RIZIV/INAMI, BIG)" not in text


def test_four_pages_with_six_key_images(case):
    record, q, response = case
    response = json.loads(json.dumps(response))
    set_answer(q, response, "examinations", "\n\n".join([FINDINGS] * 4))
    images = [key_image(n) for n in range(1, 7)]
    out = render_opinion(record, q, response, key_images=images, letterhead=DEMO_LETTERHEAD)
    assert 4 <= out.page_count <= 5
    r = reader(out.pdf)
    xobjects = [x for n in range(out.page_count)
                for x in (r.root["/Pages"]["/Kids"][n]["/Resources"].get("/XObject") or {}).values()]
    assert len(xobjects) == 6
    assert all(x.get_object()["/Width"] == 512 for x in xobjects)  # native pixels, not resampled


def test_images_are_never_upscaled(case):
    record, q, response = case
    small = key_image(1, size=(60, 40))
    out = render_opinion(record, q, response, key_images=[small], letterhead=DEMO_LETTERHEAD)
    content = b"".join(reader(out.pdf).root["/Pages"]["/Kids"][n].get_object()["/Contents"].get_object().data
                       for n in range(out.page_count))
    # drawn at 60 x 40 px at 150 dpi = 28.8 x 19.2 pt
    assert b"28.8 0 0 19.2" in content


def test_an_addendum_is_titled_as_such(case, tmp_path):
    record, q, response = case
    out = render_opinion(record, q, response, letterhead=DEMO_LETTERHEAD, addendum_number=2,
                         original_date="2026-11-20")
    text = flat("\n".join(page_texts(out.pdf, tmp_path)))
    assert "Addendum 2 to the opinion of 20 November 2026" in text  # the date written out, as in the letter


def test_no_demo_mark_for_a_real_sender(case, tmp_path):
    record, q, response = case
    record = json.loads(json.dumps(record))
    record["manifest"]["sender"]["organisation"] = "Sending Hospital"
    letterhead = Letterhead("University Hospital", "Pulmonology", ["Street 1"], "", "", None)
    out = render_opinion(record, q, response, letterhead=letterhead)
    assert "not for clinical use" not in flat("\n".join(page_texts(out.pdf, tmp_path)))


def test_a_logo_is_drawn(case, tmp_path):
    record, q, response = case
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 90), (31, 58, 95)).save(logo)
    letterhead = Letterhead("DEMO Hospital", "", [], "", "", str(logo))
    out = render_opinion(record, q, response, letterhead=letterhead)
    first = reader(out.pdf).root["/Pages"]["/Kids"][0].get_object()
    assert len(first["/Resources"]["/XObject"]) == 1


def test_letterhead_round_trip_and_empty_default(tmp_path):
    path = tmp_path / "letterhead.json"
    assert load_letterhead(path) == Letterhead()
    mine = Letterhead("UZ Test", "Pneumologie", ["Herestraat 1", "3000 Leuven"], "+32 16 00 00 00", "a@b.c", None)
    save_letterhead(mine, path)
    assert load_letterhead(path) == mine
    path.write_text("not json")
    assert load_letterhead(path) == Letterhead()
