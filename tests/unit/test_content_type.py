"""Telling what a file is from its first bytes: real files of every kind, and near misses."""

import io
import os

import numpy as np
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from PIL import Image
from pydicom import dcmread
from pydicom.data import get_testdata_file
from reportlab.pdfgen import canvas

from app.demo.imaging import ct_series
from app.dossier.content_type import HEAD_SIZE, is_iso, media_type, sniff
from app.crypto.sodp import SodpWriter
from tests.unit.discs import make_cd, write_iso


def head(data: bytes) -> bytes:
    return data[:HEAD_SIZE]


def file_head(path) -> bytes:
    with open(path, "rb") as stream:
        return stream.read(HEAD_SIZE)


def written(ds, **options) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, **options)
    return buffer.getvalue()


def bare_dataset():
    """A CT slice without preamble and file meta, as ACR-NEMA era writers left them."""
    ds = next(ct_series(1, 16))
    del ds.file_meta
    return ds


class TestDicom:
    @pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "693_J2KI.dcm"])
    def test_real_files_with_preamble(self, name):
        assert sniff(file_head(get_testdata_file(name))) == "dicom"

    @pytest.mark.parametrize("name", ["rtstruct.dcm", "ExplVR_LitEndNoMeta.dcm", "ExplVR_BigEndNoMeta.dcm"])
    def test_real_files_without_preamble(self, name):
        # implicit VR little endian, explicit VR little endian, explicit VR big endian
        data = file_head(get_testdata_file(name))
        assert data[128:132] != b"DICM"
        assert sniff(data) == "dicom"

    @pytest.mark.parametrize("implicit_vr", [True, False], ids=["implicit", "explicit"])
    def test_synthetic_ct_without_preamble_or_meta(self, implicit_vr):
        data = written(bare_dataset(), implicit_vr=implicit_vr, little_endian=True)
        assert data[:2] == b"\x08\x00"
        assert sniff(head(data)) == "dicom"

    def test_file_meta_without_preamble(self):
        ds = next(ct_series(1, 16))
        ds.preamble = None
        data = written(ds)  # group 0002 first, no 128 bytes, no 'DICM'
        assert data[:2] == b"\x02\x00" and sniff(head(data)) == "dicom"
        assert dcmread(io.BytesIO(data), force=True).Modality == "CT"

    def test_the_dicomdir_is_dicom(self):
        assert sniff(file_head(get_testdata_file("DICOMDIR"))) == "dicom"

    def test_near_misses_are_not_dicom(self):
        rng = np.random.default_rng(7)
        for prefix in (b"\x08\x00", b"\x02\x00", b"\x08\x00\x05\x00", b"\x02\x00\x00\x00UL"):
            for _ in range(300):
                data = prefix + rng.bytes(HEAD_SIZE - len(prefix))
                assert sniff(data) != "dicom", data.hex()
        assert sniff(b"\x08\x00\x05\x00CS") is None  # too short to tell


class TestDocuments:
    def test_pdf_from_reportlab(self):
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer)
        pdf.drawString(72, 720, "DEMO letter for Test^Patient")
        pdf.save()
        assert sniff(head(buffer.getvalue())) == "pdf"

    def test_pdf_after_leading_junk(self):
        # Some hospital systems prepend a byte-order mark or a line before the header.
        assert sniff(b"\xef\xbb\xbf\r\n%PDF-1.4\n%\xe2\xe3\xcf\xd3\n") == "pdf"

    @pytest.mark.parametrize("fmt,kind", [("JPEG", "jpeg"), ("PNG", "png"), ("TIFF", "tiff")])
    def test_images_from_pillow(self, fmt, kind):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, fmt)
        assert sniff(head(buffer.getvalue())) == kind

    def test_big_endian_tiff(self):
        assert sniff(b"MM\x00*\x00\x00\x00\x08" + bytes(24)) == "tiff"

    @pytest.mark.parametrize("text", [
        "Geachte collega,\r\nHierbij verwijs ik mevrouw Test voor een second opinion.\r\n",
        "Cher confrère,\n\tje vous adresse Madame Test, née le 01/01/1970 — « second avis ». " * 3,
    ])
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
    def test_text_in_the_encodings_of_real_letters(self, text, encoding):
        data = text.encode(encoding)
        assert sniff(head(data)) == "text"  # the head may cut a character in two

    def test_text_is_told_by_content_not_by_name(self):
        assert sniff(b"Report: no abnormality.\n", "REPORT") == "text"
        assert sniff(b"Report: no abnormality.\n", "IM000001.DCM") == "text"
        assert sniff(b"%PDF-1.7\n", "LETTER.TXT") == "pdf"

    def test_web_pages_of_the_viewer_are_not_letters_unless_named_txt(self):
        page = b"<!DOCTYPE html>\r\n<html><head><title>DICOM Viewer</title></head>"
        assert sniff(page, "INDEX.HTM") is None
        assert sniff(b'\xef\xbb\xbf<?xml version="1.0"?><study/>', "") is None
        assert sniff(page, "README.TXT") == "text"

    def test_an_empty_file_is_text_only_when_named_so(self):
        assert sniff(b"", "EMPTY.TXT") == "text"
        assert sniff(b"", "EMPTY") is None


class TestPackages:
    def test_sodp_from_the_writer(self):
        buffer = io.BytesIO()
        SodpWriter(buffer, [], stanza_list=[{"type": "passphrase-argon2id"}])
        assert sniff(head(buffer.getvalue())) == "sodp"

    def test_p7m_enveloped_data_in_der(self, pki):
        der = (pkcs7.PKCS7EnvelopeBuilder().set_data(b"tar payload")
               .add_recipient(pki.reviewer_rsa.certificate).encrypt(Encoding.DER, []))
        assert sniff(head(der)) == "p7m"

    def test_p7m_streamed_with_indefinite_length(self):
        # openssl cms -stream writes BER: SEQUENCE with indefinite length
        assert sniff(bytes.fromhex("3080 06092a864886f70d010703 a080 3080") + bytes(40)) == "p7m"

    def test_other_cms_types_are_not_p7m(self):
        signed_data = bytes.fromhex("30820100 06092a864886f70d010702 a08200f1")
        assert sniff(signed_data + bytes(40)) is None


class TestNothingKnown:
    def test_random_binary(self):
        rng = np.random.default_rng(20260914)
        assert [sniff(rng.bytes(HEAD_SIZE)) for _ in range(500)] == [None] * 500

    def test_programs_and_zeros(self):
        assert sniff(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(100), "VIEWER.EXE") is None
        assert sniff(bytes(HEAD_SIZE)) is None
        assert sniff(b"PK\x03\x04" + os.urandom(60)) is None


class TestIso:
    def test_an_image_is_recognised(self, tmp_path):
        image = write_iso(make_cd(tmp_path / "cd", slices=1), tmp_path / "cd.iso")
        assert is_iso(image)
        assert sniff(file_head(image)) is None  # sector 16 is beyond any head

    def test_other_files_are_not_images(self, tmp_path):
        (tmp_path / "short.iso").write_bytes(b"CD001")
        (tmp_path / "big.bin").write_bytes(bytes(40000))
        assert not is_iso(tmp_path / "short.iso")
        assert not is_iso(tmp_path / "big.bin")
        assert not is_iso(tmp_path / "absent.iso")
        assert not is_iso(tmp_path)


def test_media_types():
    assert {kind: media_type(kind) for kind in ("dicom", "pdf", "jpeg", "png", "tiff", "text")} == {
        "dicom": "application/dicom", "pdf": "application/pdf", "jpeg": "image/jpeg",
        "png": "image/png", "tiff": "image/tiff", "text": "text/plain"}
    assert media_type(None) == media_type("unknown") == "application/octet-stream"
