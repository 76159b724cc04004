"""The demo patient's clinical letters: PDFs rendered with reportlab and one scanned letter
as a multi-page TIFF. All people, places and numbers are fictitious.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from app.demo import DEMO_PATIENT, DEMO_PEOPLE

DEMO_MARK = "DEMO \u2014 not for clinical use"
QUESTION = ("Is surgical resection of the 9 mm right lower lobe nodule indicated now, "
            "or is CT surveillance a reasonable alternative?")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_PULMO = ["Dr. Test Treating (DEMO)", "Department of Pulmonology", "DEMO Sending Hospital",
          "Demostraat 1", "0000 Demo City"]


@dataclass(frozen=True)
class Letter:
    file: str
    kind: str
    title: str
    date: str  # ISO 8601
    author: str  # key of DEMO_PEOPLE
    addressee: list[str]
    paragraphs: list[str]  # reportlab mini-markup
    salutation: str | None = "Dear colleague,"


def long_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _patient_line() -> str:
    p = DEMO_PATIENT
    born = date.fromisoformat(p["birth_date"]).strftime("%d/%m/%Y")
    return (f"Re: Mrs {p['family_name']} {p['given_names']}, born {born}, "
            f"national register {p['identifiers'][0]['value']}")


LETTERS = [
    Letter(
        "referral-letter.pdf", "referral_letter", "Referral for a second opinion (DEMO)",
        "2026-11-04", "pulmonologist",
        ["DEMO Second Opinion Centre", "Department of Pulmonology", "Tweedelaan 4",
         "0000 Demo City"],
        [
            "I am writing at the request of my patient, Mrs Test Patient, a 56-year-old woman "
            "whom I have followed since June 2026 for a solid pulmonary nodule in the right "
            "lower lobe. After discussion at our multidisciplinary thoracic oncology meeting a "
            "VATS wedge resection has been proposed. Mrs Test would like an independent opinion "
            "before she agrees to surgery, and I fully support that request.",
            "The nodule was found on a CT thorax of 15 June 2026, performed for a cough that "
            "persisted eight weeks after a lower respiratory tract infection. It measured 8 mm "
            "(volume 265 mm\u00b3) in the posterior basal segment of the right lower lobe (S10). "
            "The follow-up CT of 14 September 2026 showed a mean diameter of 9 mm and a volume "
            "of 330 mm\u00b3, an increase of 25% in 91 days, which corresponds to a volume "
            "doubling time of about 290 days. The nodule is solid with a slightly lobulated "
            "margin, without calcification or fat. There are no other nodules, no emphysema and "
            "no mediastinal or hilar lymphadenopathy.",
            "The FDG PET-CT of 28 September 2026 showed faint uptake in the nodule (SUVmax 1.6, "
            "below the mediastinal blood pool at 1.9) and no hypermetabolic lymph nodes or "
            "distant lesions. A navigational bronchoscopy with radial EBUS on 8 October 2026 "
            "reached only an adjacent view of the lesion; biopsies, brushing and lavage showed "
            "no malignant cells. The sampling is therefore non-diagnostic.",
            "She is a former smoker of 25 pack-years who stopped in 2015; her mother died of "
            "lung cancer. The Brock model gives a probability of malignancy of about 7%, the "
            "Herder model after PET about 10%. Lung function is normal (FEV1 2.61 L, 98% "
            "predicted; DLCO 81% predicted) and the pre-operative cardiological evaluation "
            "raised no objection to surgery.",
            "Our team advised a VATS wedge resection with frozen section, followed in the same "
            "session by an S10 segmentectomy with lymph node dissection if a non-small cell "
            "lung cancer is found. Because the nodule lies 18 mm beneath the pleura, the surgeon "
            "plans a pre-operative marking. Mrs Test hesitates: she has no symptoms, the growth "
            "lies at the limit of what volumetry can reliably measure, and she would accept a "
            "further CT in three months if that is a responsible option.",
            "<b>Question for the second opinion</b>",
            f"<b>{QUESTION}</b>",
            "If surveillance is reasonable, we would value your advice on its interval and "
            "duration, and on the findings that should prompt resection. The dossier contains "
            "the CT of 14 September 2026 and the chest radiograph of June 2026 on a DICOM "
            "file-set, the reports mentioned above and two operation reports. Mrs Test has "
            "consented to your opinion being sent to me and to herself; she asked that it not "
            "be sent to her general practitioner.",
        ]),
    Letter(
        "history-letter.pdf", "history_letter", "Medical history from the general practitioner (DEMO)",
        "2026-10-30", "general_practitioner", _PULMO,
        [
            "As you requested, here is a summary of the medical history of Mrs Test Patient, "
            "who has been a patient of this practice since 2003.",
            "<b>Past medical history.</b> Arterial hypertension since 2014, well controlled. "
            "Hypercholesterolaemia since 2017. Symptomatic gallstones treated by laparoscopic "
            "cholecystectomy on 12 March 2019, without complications. Two uncomplicated "
            "pregnancies (1996, 1999). Lower respiratory tract infection in April 2026, treated "
            "with doxycycline; the cough that followed led to the chest imaging of June 2026. "
            "No asthma, COPD, tuberculosis or previous malignancy.",
            "<b>Medication.</b> Amlodipine 5 mg once daily; atorvastatin 20 mg once daily. "
            "No anticoagulant or antiplatelet treatment.",
            "<b>Allergies.</b> Penicillin (generalised rash in 1988).",
            "<b>Smoking and exposure.</b> Former smoker, about 25 pack-years, stopped in 2015 "
            "with the help of a tobacco specialist. She worked as an accountant and knows of no "
            "exposure to asbestos, silica or radon. Alcohol about three units a week.",
            "<b>Family history.</b> Her mother, a heavy smoker, died of lung cancer at the age "
            "of 74. Her father had a myocardial infarction at 68. One brother, in good health.",
            "<b>Function and social situation.</b> She lives with her partner and works part "
            "time. She walks about five kilometres a day and climbs three floors without "
            "stopping. Weight 66 kg, height 1.67 m (BMI 23.7); blood pressure 132/80 mmHg at "
            "her last visit.",
            "Mrs Test has discussed the proposed operation with me at length. She fears an "
            "operation for a lesion that may prove benign, and equally fears waiting if it is "
            "a cancer. I support her wish to obtain a second opinion.",
        ]),
    Letter(
        "pulmonology-letter.pdf", "correspondence", "Pulmonology consultation and MDT outcome (DEMO)",
        "2026-10-15", "pulmonologist",
        ["Dr. Test Generalist (DEMO)", "DEMO Family Practice", "Voorbeeldlaan 2",
         "0000 Demo City"],
        [
            "I saw Mrs Test Patient again today to discuss the work-up of her right lower lobe "
            "nodule and the advice of our multidisciplinary thoracic oncology meeting of "
            "14 October 2026.",
            "<b>History.</b> The cough has fully resolved since July. No haemoptysis, weight "
            "loss, night sweats or chest pain. WHO performance status 0.",
            "<b>Examination.</b> Normal vesicular breath sounds, no wheeze, no clubbing, no "
            "palpable cervical or supraclavicular lymph nodes. SpO2 98% on room air.",
            "<b>Investigations.</b> CT thorax 15/06/2026: solid nodule of 8 mm (265 mm\u00b3) in "
            "the right lower lobe, segment S10. CT thorax 14/09/2026: 9 mm (330 mm\u00b3), volume "
            "doubling time about 290 days. PET-CT 28/09/2026: SUVmax 1.6 (blood pool 1.9), no "
            "nodal or distant uptake. Bronchoscopy with radial EBUS 08/10/2026: adjacent view "
            "only, biopsies and cytology without malignancy. Lung function 06/10/2026: FEV1 "
            "2.61 L (98%), FVC 3.30 L (102%), FEV1/FVC 79%, DLCO 81% of predicted.",
            "<b>Assessment.</b> A solid 9 mm nodule with borderline growth in a former smoker "
            "with a family history of lung cancer. The probability of malignancy is low to "
            "intermediate (Brock about 7%, Herder about 10%). Faint FDG uptake does not exclude "
            "an adenocarcinoma of this size, and a non-diagnostic bronchoscopy does not lower "
            "the probability. Benign causes include a granuloma or a post-infectious lesion; "
            "the distance of 18 mm from the pleura argues against an intrapulmonary lymph node.",
            "<b>MDT advice.</b> VATS wedge resection with frozen section and, if malignant, "
            "segmentectomy with systematic lymph node dissection in the same session. A further "
            "CT in three months was discussed as an alternative; the majority preferred "
            "resection because of the measured growth.",
            "<b>Plan.</b> Consultation with Dr. Test Surgeon (DEMO); pre-operative cardiological "
            "evaluation because of her hypertension. Mrs Test is undecided and may ask for a "
            "second opinion, which I would support.",
        ]),
    Letter(
        "thoracic-surgery-letter.pdf", "correspondence", "Thoracic surgery consultation (DEMO)",
        "2026-10-21", "thoracic_surgeon", _PULMO,
        [
            "Thank you for referring Mrs Test Patient, 56, with a solid nodule in the posterior "
            "basal segment of the right lower lobe that grew from 8 to 9 mm between June and "
            "September 2026, with faint uptake on PET-CT and a non-diagnostic bronchoscopy.",
            "She is fit and active, WHO performance status 0. Her history includes controlled "
            "hypertension, hypercholesterolaemia and a laparoscopic cholecystectomy in 2019. "
            "She stopped smoking in 2015 (25 pack-years). Lung function is normal and her risk "
            "for a limited lung resection is low; a cardiological evaluation has been requested.",
            "I reviewed the images with our radiologist. The nodule lies 18 mm beneath the "
            "visceral pleura, close to the subsegmental bronchus B10a. It will not be palpable "
            "at thoracoscopy, so a wedge resection needs pre-operative localisation, for example "
            "an indocyanine green marking during navigational bronchoscopy or a CT-guided "
            "hookwire. A primary anatomical S10 segmentectomy would give a safer margin but "
            "removes more lung for what may be a benign lesion.",
            "I proposed a uniportal VATS wedge resection after ICG marking, with frozen section. "
            "If it shows a non-small cell lung cancer we would proceed to an S10 segmentectomy "
            "with systematic hilar and mediastinal lymph node dissection. Expected hospital stay "
            "is two to three days. The main risks are a prolonged air leak (about 5%), bleeding, "
            "infection, conversion to a thoracotomy and persistent pain; mortality is well "
            "below 1%.",
            "Mrs Test asked whether it would be safe to wait for another CT. I explained that a "
            "delay of three months is unlikely to change the outcome of an early cancer, but "
            "that the team preferred a diagnosis now. She wants time to consider a second "
            "opinion; I have not yet placed her on the operating list.",
        ]),
    Letter(
        "ct-thorax-report.pdf", "imaging_report", "CT thorax report 14/09/2026 (DEMO)",
        "2026-09-14", "radiologist", _PULMO,
        [
            "<b>Examination.</b> CT thorax without intravenous contrast, 14 September 2026, "
            "accession number DEMO0001.",
            "<b>Clinical information.</b> Follow-up of an 8 mm solid nodule in the right lower "
            "lobe found on 15 June 2026. Former smoker, 25 pack-years. Stable or growing?",
            "<b>Technique.</b> Helical acquisition from the apices to the adrenal glands in full "
            "inspiration, 120 kV with tube-current modulation, CTDIvol 2.1 mGy, DLP 84 mGy.cm. "
            "Reconstructions of 1.25 mm at 1.25 mm intervals with lung and soft-tissue kernels; "
            "semi-automatic volumetry on the lung-kernel series.",
            "<b>Comparison.</b> CT thorax of 15 June 2026.",
            "<b>Findings.</b> Solid nodule in the posterior basal segment of the right lower "
            "lobe (series 2, image 140), now 9.2 x 8.6 mm (previously 8.3 x 7.9 mm), mean "
            "diameter 9 mm. Volume 330 mm\u00b3, previously 265 mm\u00b3: an increase of 25% in "
            "91 days, a volume doubling time of about 290 days. Slightly lobulated margin "
            "without spiculation; no calcification, fat or cavitation. Distance to the visceral "
            "pleura 18 mm. No other pulmonary nodules. No consolidation, ground glass, "
            "emphysema or bronchiectasis. Patent airways.",
            "Mediastinum and hila: no lymph node with a short axis of 10 mm or more. Normal "
            "heart size, no pericardial effusion, normal calibre of the thoracic aorta. No "
            "pleural effusion. Upper abdomen (limited, unenhanced): status after "
            "cholecystectomy; unchanged 6 mm hypodense lesion in liver segment 7, compatible "
            "with a simple cyst; normal adrenal glands. Mild degenerative changes of the "
            "thoracic spine, no suspicious bone lesion.",
            "<b>Impression.</b>",
            "1. Slight growth of the solid right lower lobe nodule from 8 to 9 mm (volume +25%, "
            "doubling time about 290 days). A doubling time below 400 days is suspicious, but a "
            "change of 25% lies at the limit of the reproducibility of volumetry; real growth "
            "is possible but not certain. Further characterisation with PET-CT and discussion "
            "at the multidisciplinary meeting are advised (Fleischner 2017, BTS).",
            "2. No thoracic lymphadenopathy and no other nodules.",
            "3. Unchanged small hepatic cyst.",
        ], salutation=None),
    Letter(
        "bronchoscopy-report.pdf", "operation_report",
        "Bronchoscopy report: navigational bronchoscopy with radial EBUS (DEMO)",
        "2026-10-08", "pulmonologist",
        ["Medical record", "DEMO Sending Hospital"],
        [
            "<b>Procedure.</b> Electromagnetic navigational bronchoscopy with radial "
            "endobronchial ultrasound, transbronchial biopsies, brushing and bronchoalveolar "
            "lavage of the right lower lobe.",
            "<b>Indication.</b> Growing 9 mm solid nodule in the right lower lobe (S10); tissue "
            "diagnosis before a decision on resection.",
            "<b>Anaesthesia.</b> General anaesthesia with a laryngeal mask airway; ASA 2.",
            "<b>Description.</b> Normal vocal cord movement. Normal trachea and main carina. "
            "Both bronchial trees inspected to the subsegmental level: normal mucosa, no "
            "endobronchial lesion, a little clear secretion. With the navigation plan based on "
            "the CT of 14 September 2026 the catheter was guided into B10a. The radial probe "
            "showed an adjacent (eccentric) view of a hypoechoic lesion; a concentric view "
            "could not be obtained through B10a or B10b. Under fluoroscopy five forceps "
            "biopsies and two brushings were taken at the adjacent position, followed by a "
            "lavage of B10 with 3 x 50 ml saline (85 ml recovered).",
            "<b>Complications.</b> Minor bleeding after the biopsies, controlled by wedging the "
            "bronchoscope and cold saline. No pneumothorax on the chest radiograph two hours "
            "later. Discharged the same day.",
            "<b>Results (added 15/10/2026).</b> Histology: lung parenchyma with mild "
            "interstitial fibrosis and anthracotic pigment; no granulomas, dysplasia or "
            "malignancy. Cytology of brush and lavage: no malignant cells. Auramine stain and "
            "PCR for Mycobacterium tuberculosis negative; mycobacterial culture pending.",
            "<b>Conclusion.</b> Non-diagnostic sampling of the right lower lobe nodule (adjacent "
            "radial EBUS view). A negative result does not exclude malignancy.",
        ], salutation=None),
    Letter(
        "cholecystectomy-report.pdf", "operation_report",
        "Operation report: laparoscopic cholecystectomy 2019 (DEMO)",
        "2019-03-12", "abdominal_surgeon",
        ["Medical record", "DEMO Sending Hospital"],
        [
            "<b>Indication.</b> Recurrent biliary colic; multiple gallstones on ultrasound, no "
            "signs of cholecystitis or choledocholithiasis.",
            "<b>Anaesthesia.</b> General anaesthesia with endotracheal intubation; ASA 2. "
            "Cefazolin could not be used because of the penicillin allergy; clindamycin 600 mg "
            "intravenously as prophylaxis.",
            "<b>Procedure.</b> Open introduction of a 12 mm umbilical port, pneumoperitoneum "
            "at 12 mmHg, three further 5 mm ports. Gallbladder with mild signs of chronic "
            "inflammation, few adhesions to the omentum. Dissection of the triangle of Calot "
            "until a critical view of safety was obtained. Cystic duct and cystic artery "
            "clipped and divided. Retrograde removal of the gallbladder from the liver bed with "
            "hook diathermy; careful haemostasis. Extraction in a retrieval bag through the "
            "umbilical port; fascia closed with a slowly absorbable suture. Blood loss minimal; "
            "duration 55 minutes.",
            "<b>Histology.</b> Chronic cholecystitis with cholesterol stones; no dysplasia.",
            "<b>Post-operative course.</b> Uneventful; discharged on the first post-operative "
            "day with paracetamol as needed.",
        ], salutation=None),
]

_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=6)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=9, leading=12, spaceAfter=0)
_TITLE = ParagraphStyle("title", parent=_BODY, fontName="Helvetica-Bold", fontSize=12,
                        spaceBefore=4, spaceAfter=10)


def _draw_page(canvas, doc, letter: Letter) -> None:
    person = DEMO_PEOPLE[letter.author]
    organisation, _, department = person["organisation"].partition(", ")
    width, height = A4
    canvas.saveState()
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(20 * mm, height - 20 * mm, organisation)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(20 * mm, height - 26 * mm, department or "General practice")
    canvas.drawString(20 * mm, height - 31 * mm,
                      f"{person['address']}  |  Tel. +32 0 000 00 00  |  secretariat@demo.invalid")
    canvas.setStrokeGray(0.6)
    canvas.line(20 * mm, height - 35 * mm, width - 20 * mm, height - 35 * mm)
    canvas.line(20 * mm, 18 * mm, width - 20 * mm, 18 * mm)
    canvas.setFont("Helvetica-Bold", 8)
    canvas.drawString(20 * mm, 13 * mm, f"{DEMO_MARK}  |  fictitious patient and clinicians")
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(width - 20 * mm, 13 * mm, f"page {doc.page}")
    canvas.restoreState()


def _story(letter: Letter) -> list:
    person = DEMO_PEOPLE[letter.author]
    story = [Paragraph("<br/>".join(letter.addressee), _SMALL), Spacer(1, 6 * mm),
             Paragraph(f"Demo City, {long_date(letter.date)}", _SMALL),
             Paragraph(_patient_line(), _SMALL), Spacer(1, 4 * mm),
             Paragraph(letter.title, _TITLE)]
    if letter.salutation:
        story.append(Paragraph(letter.salutation, _BODY))
    story += [Paragraph(text, _BODY) for text in letter.paragraphs]
    closing = [Paragraph("Kind regards,", _BODY)] if letter.salutation else []
    closing += [Spacer(1, 5 * mm), Paragraph(
        f"{person['name']}<br/>RIZIV/INAMI {person['registration']}", _SMALL)]
    # A signature alone at the top of a page looks like a forgery; keep it with the text.
    story[-1:] = [KeepTogether([story[-1], *closing])]
    return story


def write_pdf(letter: Letter, path: Path) -> None:
    person = DEMO_PEOPLE[letter.author]
    # invariant + no page compression: byte-identical rebuilds and text a test can find.
    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=40 * mm,
        bottomMargin=24 * mm, title=letter.title, author=person["name"], subject=DEMO_MARK,
        creator="Second-O demo generator", invariant=1, pageCompression=0)
    draw = lambda canvas, doc: _draw_page(canvas, doc, letter)  # noqa: E731
    doc.build(_story(letter), onFirstPage=draw, onLaterPages=draw)


_SIGNATURE = "<signature>"  # where the scan gets a handwritten-looking scribble
SCANNED_PAGES = [
    ["DEMO Heart Clinic - Cardiology", "Hartplein 3, 0000 Demo City  -  Tel. +32 0 000 00 00", "",
     "To: Dr. Test Surgeon (DEMO), Department of Thoracic Surgery, DEMO Sending Hospital",
     "Demo City, 27 October 2026", "",
     "Re: Mrs Test Patient, born 01/01/1970 - pre-operative cardiological evaluation", "",
     "Dear colleague,", "",
     "Thank you for asking me to see Mrs Test Patient before a planned VATS wedge resection of "
     "a right lower lobe nodule. She has arterial hypertension since 2014, treated with "
     "amlodipine 5 mg, and hypercholesterolaemia on atorvastatin 20 mg. She has no chest pain, "
     "no palpitations, no syncope and no dyspnoea on exertion (NYHA class I). She walks five "
     "kilometres a day and climbs three floors without stopping.",
     "",
     "Examination: blood pressure 134/82 mmHg, heart rate 68/min regular, normal heart sounds "
     "without murmur, no signs of heart failure, no peripheral oedema.",
     "",
     "ECG: sinus rhythm 66/min, normal axis, normal PR and QT intervals, no repolarisation "
     "abnormality.",
     "",
     "Echocardiography: normal left ventricular dimensions and wall thickness, LVEF 62% "
     "(biplane), no regional wall motion abnormality, normal diastolic function, no "
     "significant valvular disease, normal right ventricular function, estimated systolic "
     "pulmonary artery pressure 24 mmHg."],
    ["Re: Mrs Test Patient, born 01/01/1970 (continued)", "",
     "Assessment: low cardiac risk for an intermediate-risk non-cardiac operation. Revised "
     "Cardiac Risk Index 0; functional capacity well above 4 METs. No further cardiac testing "
     "is needed before surgery.",
     "",
     "Advice: continue amlodipine and atorvastatin throughout the peri-operative period, "
     "including the morning of surgery. No indication for beta-blockade or for antiplatelet "
     "therapy. Aim for a blood pressure below 140/90 mmHg after the operation.",
     "",
     "I have no objection to the proposed procedure and remain available for any question.",
     "", "Kind regards,", _SIGNATURE, "Dr. Test Cardiologist (DEMO)",
     "RIZIV/INAMI 1-00000-05-000"],
]


def _scan_page(lines: list[str], page: int, pages: int, rng: np.random.Generator) -> Image.Image:
    width, height, margin = 1700, 2200, 170
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    font, bold = ImageFont.load_default(size=34), ImageFont.load_default(size=46)
    y = margin
    for n, line in enumerate(lines):
        if line == _SIGNATURE:
            xs = np.linspace(margin, margin + 380, 60)
            ys = y + 60 + 25 * np.sin(xs / 19) + 12 * np.cos(xs / 7)
            draw.line(list(zip(xs.tolist(), ys.tolist())), fill=40, width=4)
            y += 150
            continue
        if page == 1 and n == 0:
            draw.text((margin, y), line, fill=20, font=bold)
            y += 70
            continue
        for part in textwrap.wrap(line, 78) or [""]:
            draw.text((margin, y), part, fill=35, font=font)
            y += 46
    # The bitmap font has no em dash.
    draw.text((margin, height - 120),
              f"{DEMO_MARK.replace(chr(0x2014), '-')}   -   page {page}/{pages}", fill=30,
              font=font)
    # Make it look scanned: slight skew, softened strokes, grey paper, sparse speckles.
    img = img.rotate(0.35, resample=Image.Resampling.BICUBIC, fillcolor=255).filter(ImageFilter.BLUR)
    pixels = np.asarray(img, dtype=np.int16) - 14
    speckle = rng.random(pixels.shape) < 0.0015
    pixels[speckle] = rng.integers(60, 180, int(speckle.sum()))
    pixels[:, :12] = 90  # scanner lid shadow along the edge
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def write_scanned_letter(path: Path) -> None:
    rng = np.random.default_rng(1027)
    pages = [_scan_page(lines, n, len(SCANNED_PAGES), rng)
             for n, lines in enumerate(SCANNED_PAGES, 1)]
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_adobe_deflate",
                  dpi=(200, 200))


def write_letters(directory: Path) -> list[dict]:
    """Write every letter into directory/documents; return manifest document entries."""
    out = Path(directory) / "documents"
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for letter in LETTERS:
        write_pdf(letter, out / letter.file)
        entries.append({"path": f"documents/{letter.file}", "kind": letter.kind,
                        "title": letter.title, "date": letter.date,
                        "author": DEMO_PEOPLE[letter.author]["name"],
                        "media_type": "application/pdf"})
    write_scanned_letter(out / "cardiology-letter-scan.tif")
    entries.append({"path": "documents/cardiology-letter-scan.tif", "kind": "correspondence",
                    "title": "Pre-operative cardiological evaluation, scanned (DEMO)",
                    "date": "2026-10-27", "author": DEMO_PEOPLE["cardiologist"]["name"],
                    "media_type": "image/tiff"})
    return entries
