"""The fast header path gives exactly what pydicom's path gives, or steps aside."""

import io

import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
import pytest

from app.demo.imaging import cr_chest_dataset, ct_series
from app.dossier import dicom_fast, dicom_index

SHIPPED = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "693_J2KI.dcm", "examples_ybr_color.dcm",
           "SC_rgb_jpeg_dcmtk.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "rtdose.dcm",
           "examples_palette.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "image_dfl.dcm",
           "JPGExtended.dcm", "emri_small.dcm", "liver.dcm", "SC_rgb.dcm"]


def encoded(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def by_pydicom(data: bytes, monkeypatch) -> dict:
    with monkeypatch.context() as patched:
        patched.setattr(dicom_fast, "parse_header", lambda data: None)
        return dicom_index.read_instance(data, "x", complete=True).to_json()


def samples() -> list[tuple[str, bytes]]:
    found = []
    for name in SHIPPED:
        path = get_testdata_file(name, download=False)
        if path is not None:
            with open(path, "rb") as handle:
                found.append((name, handle.read()))
    found += [(f"ct{i}", encoded(ds)) for i, ds in enumerate(ct_series(3, 32))]
    found.append(("cr", encoded(cr_chest_dataset(64, 48))))
    return found


@pytest.mark.parametrize("name, data", samples(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_fast_path_agrees_with_pydicom(name, data, monkeypatch):
    expected = by_pydicom(data, monkeypatch)
    assert dicom_index.read_instance(data, "x", complete=True).to_json() == expected


def test_the_fast_path_is_taken_for_ordinary_ct_and_skipped_for_implicit_vr():
    ct = encoded(next(ct_series(1, 32)))
    assert dicom_fast.parse_header(ct) is not None
    implicit = get_testdata_file("MR_small_implicit.dcm", download=False)
    if implicit is not None:
        with open(implicit, "rb") as handle:
            assert dicom_fast.parse_header(handle.read()) is None


def test_undefined_length_sequences_are_skipped(monkeypatch):
    ds = next(ct_series(1, 32))
    item = Dataset()
    item.ReferencedSOPClassUID, item.ReferencedSOPInstanceUID = "1.2.3", "1.2.3.4"
    nested = Dataset()
    nested.CodeValue = "X"
    item.PurposeOfReferenceCodeSequence = Sequence([nested])
    ds.ReferencedImageSequence = Sequence([item, item])
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()
    # pydicom writes defined lengths; rewrite the two sequences with undefined lengths
    raw = pydicom.dcmread(io.BytesIO(data))
    raw["ReferencedImageSequence"].is_undefined_length = True
    for entry in raw.ReferencedImageSequence:
        entry.is_undefined_length_sequence_item = True
        entry["PurposeOfReferenceCodeSequence"].is_undefined_length = True
    out = io.BytesIO()
    raw.save_as(out, enforce_file_format=True)
    data = out.getvalue()
    assert b"\xfe\xff\xdd\xe0" in data  # a sequence delimitation item: the undefined form
    assert dicom_fast.parse_header(data) is not None
    assert dicom_index.read_instance(data, "x", complete=True).to_json() == by_pydicom(data, monkeypatch)


@pytest.mark.parametrize("charset, name", [("ISO_IR 100", "Dœns^Gaëlle"), ("ISO_IR 192", "Çelik^Łukasz"),
                                           (None, "Test^Patient")])
def test_names_in_latin_1_and_utf_8(charset, name, monkeypatch):
    ds = next(ct_series(1, 32))
    if charset:
        ds.SpecificCharacterSet = charset
    try:
        ds.PatientName = name
        data = encoded(ds)
    except (UnicodeEncodeError, LookupError):
        pytest.skip("pydicom cannot write this name in this character set")
    assert dicom_index.read_instance(data, "x", complete=True).to_json() == by_pydicom(data, monkeypatch)


def test_iso_2022_and_cut_headers_step_aside():
    ds = next(ct_series(1, 32))
    ds.SpecificCharacterSet = ["", "ISO 2022 IR 87"]
    assert dicom_fast.parse_header(encoded(ds)) is None
    whole = encoded(next(ct_series(1, 32)))
    assert dicom_fast.parse_header(whole[:400]) is None
