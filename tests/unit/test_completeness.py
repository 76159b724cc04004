"""Dossier completeness: the checklist for the demo dossier, an empty one, and the notes."""

import dataclasses
import io
import json
from collections import Counter

import pytest

from app.demo.dossier import build_demo_source
from app.demo.imaging import ct_series
from app.dossier.completeness import CHECKLIST, assess
from app.dossier.dicom_index import build_studies, read_instance

ITEMS = [key for key, _ in CHECKLIST]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "source"
    manifest = json.loads(build_demo_source(root, ct_slices=3, ct_size=64).read_text(encoding="utf-8"))
    instances = [read_instance((root / entry["path"]).read_bytes(), entry["path"]) for entry in manifest["imaging"]]
    return manifest, build_studies(instances)


@pytest.fixture(scope="module")
def ct_study():
    buffer = io.BytesIO()
    next(ct_series(1, 32)).save_as(buffer, enforce_file_format=True)
    return read_instance(buffer.getvalue(), "CT1")


def by_item(result: list[dict]) -> dict[str, dict]:
    assert [r["item"] for r in result] == ITEMS
    return {r["item"]: r for r in result}


def doc(kind: str) -> dict:
    return {"path": f"documents/{kind}.pdf", "kind": kind}


def test_the_demo_dossier(demo):
    manifest, studies = demo
    result = by_item(assess(manifest["documents"], studies, manifest["referral"]["question"]))
    kinds = Counter(d["kind"] for d in manifest["documents"])
    assert all(r["present"] for r in result.values())
    assert result["referral_letter"]["count"] == 1 and result["history_letter"]["count"] == 1
    assert result["correspondence"]["count"] == kinds["correspondence"] >= 2
    assert result["operation_report"]["count"] == kinds["operation_report"] >= 1
    assert result["imaging_report"]["count"] == 1
    assert result["imaging"]["count"] == len(studies) >= 2  # CT, CR and pydicom's samples
    assert all(r["note"] is None for r in result.values())
    assert result["imaging"]["label"] == "Imaging (DICOM studies)"


def test_an_empty_dossier():
    result = by_item(assess([], [], None))
    assert [r["present"] for r in result.values()] == [False] * len(ITEMS)
    assert [r["count"] for r in result.values()] == [0] * len(ITEMS)
    assert [r["note"] for r in result.values()] == [None] * len(ITEMS)
    assert json.loads(json.dumps(assess([], 0, ""))) == assess([], [], None)


def test_the_referral_needs_the_letter_and_the_question():
    letter_only = by_item(assess([doc("referral_letter")], [], "  "))["referral_letter"]
    assert (letter_only["present"], letter_only["count"]) == (False, 1)
    assert "question" in letter_only["note"]
    question_only = by_item(assess([], [], "Surgery or surveillance?"))["referral_letter"]
    assert question_only["present"] is False and "letter" in question_only["note"]


def test_images_without_a_report(ct_study):
    result = by_item(assess([doc("other"), doc("lab_result")], build_studies([ct_study]), "Q?"))
    assert result["imaging"]["present"] and result["imaging"]["count"] == 1
    assert not result["imaging_report"]["present"]
    assert result["imaging_report"]["note"] == "Images without a report."


def test_a_report_inside_the_imaging(ct_study):
    sr = dataclasses.replace(ct_study, path="SR1", kind="sr", sop_class_uid="1.2.840.10008.5.1.4.1.1.88.33",
                             sop_instance_uid=ct_study.sop_instance_uid + ".9", series_uid="9", frames=0)
    pdf = dataclasses.replace(sr, path="PDF1", kind="encapsulated_pdf", sop_instance_uid=sr.sop_instance_uid + "1",
                              sop_class_uid="1.2.840.10008.5.1.4.1.1.104.1")
    result = by_item(assess([], build_studies([ct_study, sr, pdf]), None))
    assert result["imaging_report"]["present"] and result["imaging_report"]["count"] == 2
    assert "imaging" in result["imaging_report"]["note"]


def test_a_dose_report_is_no_report(ct_study):
    dose = dataclasses.replace(ct_study, path="SR1", kind="sr", sop_class_uid="1.2.840.10008.5.1.4.1.1.88.67",
                               sop_instance_uid=ct_study.sop_instance_uid + ".9", series_uid="9", frames=0)
    result = by_item(assess([], build_studies([ct_study, dose]), None))
    assert not result["imaging_report"]["present"]


def test_imaging_without_images(ct_study):
    sr = dataclasses.replace(ct_study, kind="sr", sop_class_uid="1.2.840.10008.5.1.4.1.1.88.11", frames=0)
    result = by_item(assess([], build_studies([sr]), None))
    assert not result["imaging"]["present"] and result["imaging"]["note"]
    assert result["imaging_report"]["present"]


def test_reports_without_images_and_a_bare_study_count():
    reports_only = by_item(assess([doc("imaging_report")], [], None))["imaging_report"]
    assert reports_only["present"] and reports_only["note"] == "Reports without the images."
    counted = by_item(assess([doc("imaging_report")], 2, None))
    assert counted["imaging"]["count"] == 2 and counted["imaging"]["present"]
    assert counted["imaging_report"]["note"] is None


def test_studies_as_stored_json(ct_study):
    studies = build_studies([ct_study])
    assert assess([], [s.to_json() for s in studies], None) == assess([], studies, None)
