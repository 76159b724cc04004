"""The text of DICOM documents (app/dossier/dicom_text.py): a Structured Report's content
tree and an Encapsulated PDF's pages."""

from __future__ import annotations

import io

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from app.core.page_text import DICOM, LAYER
from app.dossier.dicom_index import ENCAPSULATED_PDF_CLASS
from app.dossier.document_text import extract_document_text
from tests.unit.test_document_text import make_pdf


def _code(meaning: str) -> Dataset:
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "1", "99TEST", meaning
    return code


def _item(kind: str, name: str, **values) -> Dataset:
    item = Dataset()
    item.RelationshipType, item.ValueType = "CONTAINS", kind
    item.ConceptNameCodeSequence = [_code(name)]
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _file(sop_class: str, **values) -> bytes:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID, ds.StudyInstanceUID = sop_class, generate_uid(), generate_uid()
    ds.PatientName, ds.PatientBirthDate = "Patient^Test", "19700101"
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def test_a_structured_report_reads_as_concept_and_value_lines():
    findings = _item("CONTAINER", "Findings", ContinuityOfContent="SEPARATE")
    measured = Dataset()
    measured.NumericValue, measured.MeasurementUnitsCodeSequence = "62", [_code("%")]
    findings.ContentSequence = [_item("TEXT", "Finding", TextValue="Geen regionale wandbewegingsstoornissen."),
                                _item("NUM", "LVEF", MeasuredValueSequence=[measured]),
                                _item("CODE", "Impression", ConceptCodeSequence=[_code("Normal echocardiogram")])]
    data = _file("1.2.840.10008.5.1.4.1.1.88.11", ValueType="CONTAINER", ContentSequence=[findings],
                 ConceptNameCodeSequence=[_code("Echocardiography report")])
    text = extract_document_text(data, "application/dicom")
    assert text.problem is None
    [page] = text.pages
    assert page.source == DICOM
    assert page.text.splitlines() == ["Echocardiography report", "Findings",
                                      "Finding: Geen regionale wandbewegingsstoornissen.", "LVEF: 62 %",
                                      "Impression: Normal echocardiogram"]


def test_an_encapsulated_pdf_gives_its_pages():
    pdf = make_pdf([["Operatieverslag: VATS wigresectie"], ["Page two"]])
    data = _file(ENCAPSULATED_PDF_CLASS, MIMETypeOfEncapsulatedDocument="application/pdf",
                 EncapsulatedDocumentLength=len(pdf), EncapsulatedDocument=pdf + b"\x00" * (len(pdf) % 2))
    text = extract_document_text(data, "application/dicom")
    assert [(p.number, p.source) for p in text.pages] == [(1, LAYER), (2, LAYER)]
    assert "wigresectie" in text.pages[0].text


def test_other_or_damaged_dicom_gives_a_problem():
    assert extract_document_text(_file("1.2.840.10008.5.1.4.1.1.2"), "application/dicom").problem
    assert extract_document_text(b"DICM" + b"\xff" * 50, "application/dicom").problem
