"""DICOM header indexing: instances read from whole files and from prefixes, non-image
objects, and studies/series built and ordered."""

import copy
import dataclasses
import io
import json
import random

import pytest
from pydicom import dcmwrite
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from app.core.errors import BadInputError
from app.demo.imaging import ct_series, write_fileset
from app.dossier.dicom_index import (PREFIX_SIZE, DicomParseError, InstanceInfo, StudySummary,
                                     build_studies, extract_encapsulated_pdf, read_instance,
                                     studies_from_json, studies_to_json)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n!"  # odd length
STUDY = "1.2.826.0.1.3680043.8.498.1"


def to_bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def without_meta(ds: Dataset) -> bytes:
    """An implicit VR little endian dataset with neither preamble nor file meta."""
    bare = Dataset()
    bare.update(ds)
    buffer = io.BytesIO()
    dcmwrite(buffer, bare, implicit_vr=True, little_endian=True, enforce_file_format=False)
    return buffer.getvalue()


def non_image(sop_class: str, modality: str, **elements) -> Dataset:
    uid = generate_uid()
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = sop_class, uid
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, uid
    ds.PatientName, ds.PatientBirthDate, ds.PatientID = "Test^Patient", "19700101", "TEST-1"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = STUDY, generate_uid()
    ds.StudyDate, ds.StudyTime, ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "20260914", "120000", modality, 90, 1
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


def sr_dataset() -> Dataset:
    item = Dataset()
    item.RelationshipType, item.ValueType, item.TextValue = "CONTAINS", "TEXT", "No nodule (DEMO)."
    return non_image("1.2.840.10008.5.1.4.1.1.88.33", "SR", ValueType="CONTAINER",
                     ContentSequence=Sequence([item]), SeriesDescription="Report (DEMO)")


def pdf_dataset(document: bytes = PDF) -> Dataset:
    return non_image("1.2.840.10008.5.1.4.1.1.104.1", "DOC", MIMETypeOfEncapsulatedDocument="application/pdf",
                     DocumentTitle="Report (DEMO)", EncapsulatedDocumentLength=len(document),
                     EncapsulatedDocument=document + b"\0" * (len(document) % 2))


@pytest.fixture(scope="module")
def ct() -> list[Dataset]:
    return list(ct_series(5, 64))


@pytest.fixture(scope="module")
def ct_bytes(ct) -> list[bytes]:
    return [to_bytes(ds) for ds in ct]


class TestReadInstance:
    def test_a_ct_slice(self, ct_bytes):
        info = read_instance(ct_bytes[1], "DICOM/CT000002")
        assert (info.path, info.kind, info.modality, info.frames) == ("DICOM/CT000002", "image", "CT", 1)
        assert info.sop_class_uid == "1.2.840.10008.5.1.4.1.1.2"
        assert (info.rows, info.columns, info.instance_number) == (64, 64, 2)
        assert info.position[2] == -1.25 and info.orientation == [1, 0, 0, 0, 1, 0]
        assert info.slice_thickness == 1.25 and info.transfer_syntax == ExplicitVRLittleEndian
        assert info.frame_of_reference_uid
        assert info.patient == {"name": "Test^Patient", "birth_date": "19700101",
                                "id": "70.01.01-000.00", "sex": "F"}
        assert info.study == {"date": "20260914", "time": "101500", "description": "CT THORAX DEMO",
                              "accession": "DEMO0001", "id": "1", "referring": "Treating^Test^^Dr.^(DEMO)"}
        assert info.series == {"number": 2, "description": "Thorax 1.25 mm lung kernel (synthetic DEMO)",
                               "body_part": "CHEST"}
        assert InstanceInfo(**json.loads(json.dumps(dataclasses.asdict(info)))) == info
        assert InstanceInfo.from_json(info.to_json() | {"future": 1}) == info

    def test_from_a_file_object(self, ct_bytes):
        assert read_instance(io.BytesIO(ct_bytes[0]), "a") == read_instance(ct_bytes[0], "a")

    def test_without_preamble_or_file_meta(self, ct, ct_bytes):
        with_meta = read_instance(ct_bytes[0], "x")
        no_preamble = read_instance(ct_bytes[0][132:], "x")
        bare = read_instance(without_meta(ct[0]), "x")
        assert no_preamble == with_meta
        assert bare.transfer_syntax is None
        assert dataclasses.replace(bare, transfer_syntax=with_meta.transfer_syntax) == with_meta

    def test_a_prefix_that_ends_in_the_pixel_data(self, ct_bytes):
        whole = read_instance(ct_bytes[0], "x")
        assert read_instance(ct_bytes[0][:2000], "x", complete=False) == whole

    @pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom on the cut values
    def test_every_prefix_cut_in_the_header_is_refused(self, ct_bytes):
        data = ct_bytes[0]
        header_end = data.index(b"\xe0\x7f\x10\x00")  # (7FE0,0010) Pixel Data
        for cut in range(0, header_end, 23):
            with pytest.raises(DicomParseError):
                read_instance(data[:cut], "x", complete=False)

    def test_the_importers_head_of_a_big_file(self, ct):
        ds = copy.deepcopy(ct[0])
        ds.Rows = ds.Columns = 1024
        ds.PixelData = bytes(1024 * 1024 * 2)
        data = to_bytes(ds)
        assert read_instance(data[:PREFIX_SIZE], "big").rows == 1024

    def test_a_header_longer_than_the_head_needs_the_whole_file(self, ct):
        ds = copy.deepcopy(ct[0])
        # A private group before (0029,xxxx) is read as part of the indexed header.
        ds.private_block(0x0009, "SECONDO DEMO", create=True).add_new(0x01, "OB", bytes(PREFIX_SIZE + 10))
        data = to_bytes(ds)
        with pytest.raises(DicomParseError, match="DICOM/BIG"):
            read_instance(data[:PREFIX_SIZE], "DICOM/BIG")
        assert read_instance(data, "DICOM/BIG").kind == "image"

    def test_a_truncated_whole_file(self, ct_bytes):
        data = ct_bytes[0]
        cut = data.index(b"CT THORAX DEMO") + 4  # inside the study description
        with pytest.raises(DicomParseError, match="damaged"):
            read_instance(data[:cut], "x")

    @pytest.mark.parametrize("data", [b"", b"DICM", b"%PDF-1.4\n" + bytes(300), b"\x89PNG\r\n\x1a\n" + bytes(200),
                                      bytes(128) + b"DICM" + b"\xff" * 40])
    def test_not_dicom(self, data):
        with pytest.raises(DicomParseError, match="DOCS/LETTER1") as caught:
            read_instance(data, "DOCS/LETTER1")
        assert isinstance(caught.value, BadInputError)

    @pytest.mark.parametrize("missing", ["SOPInstanceUID", "StudyInstanceUID"])
    def test_without_the_uids_that_file_it(self, ct, missing):
        ds = copy.deepcopy(ct[0])
        delattr(ds, missing)
        with pytest.raises(DicomParseError, match="IM0001"):
            read_instance(to_bytes(ds), "IM0001")

    def test_a_structured_report(self):
        info = read_instance(to_bytes(sr_dataset()), "SR1")
        assert (info.kind, info.frames, info.modality, info.rows) == ("sr", 0, "SR", None)
        path = get_testdata_file("test-SR.dcm", download=False)
        if path:
            assert read_instance(open(path, "rb").read(), "sample").kind == "sr"

    def test_an_encapsulated_pdf(self, tmp_path):
        data = to_bytes(pdf_dataset())
        info = read_instance(data, "PDF1")
        assert (info.kind, info.frames, info.modality) == ("encapsulated_pdf", 0, "DOC")
        assert read_instance(data[:data.index(b"%PDF") + 10], "PDF1", complete=False) == info
        assert extract_encapsulated_pdf(data) == PDF
        assert extract_encapsulated_pdf(io.BytesIO(data)) == PDF
        (tmp_path / "PDF1").write_bytes(data)
        assert extract_encapsulated_pdf(tmp_path / "PDF1") == PDF

    def test_extracting_a_pdf_from_something_else(self, ct_bytes):
        with pytest.raises(DicomParseError):
            extract_encapsulated_pdf(ct_bytes[0])
        with pytest.raises(DicomParseError):
            extract_encapsulated_pdf(to_bytes(pdf_dataset(b"not a pdf at all")))

    def test_a_presentation_state(self):
        ds = non_image("1.2.840.10008.5.1.4.1.1.11.1", "PR", ContentLabel="DEMO", PresentationCreationDate="20260914")
        assert read_instance(to_bytes(ds), "PR1").kind == "presentation_state"

    def test_other_non_image_objects(self):
        ds = non_image("1.2.840.10008.5.1.4.1.1.481.3", "RTSTRUCT", StructureSetLabel="DEMO")
        info = read_instance(to_bytes(ds), "RS1")
        assert (info.kind, info.frames) == ("other_non_image", 0)

    def test_multi_frame(self, ct):
        ds = copy.deepcopy(ct[0])
        ds.NumberOfFrames = 4
        ds.PixelData = ds.PixelData * 4
        assert read_instance(to_bytes(ds), "MF").frames == 4
        path = get_testdata_file("examples_ybr_color.dcm", download=False)
        if path:
            assert read_instance(open(path, "rb").read(), "US").frames == 30

    def test_real_samples(self):
        for name in ("MR_small.dcm", "693_J2KI.dcm", "CT_small.dcm"):
            path = get_testdata_file(name, download=False)
            if path:
                info = read_instance(open(path, "rb").read(), name)
                assert info.kind == "image" and info.frames == 1 and info.rows

    def test_a_dicomdir(self, ct, tmp_path):
        dicomdir = write_fileset(tmp_path / "cd", ct[:2])
        data = dicomdir.read_bytes()
        info = read_instance(data, "DICOMDIR")
        assert info.kind == "dicomdir" and info.sop_class_uid == "1.2.840.10008.1.3.10"
        # Reading stops before the directory records, however many there are.
        assert read_instance(data[:data.index(b"\x04\x00\x20\x12") + 12], "DICOMDIR", complete=False) == info
        assert build_studies([info]) == []


def instances(ct_bytes) -> list[InstanceInfo]:
    return [read_instance(data, f"CT{i:06d}") for i, data in enumerate(ct_bytes)]


def with_(info: InstanceInfo, **changes) -> InstanceInfo:
    return dataclasses.replace(info, **changes)


class TestBuildStudies:
    def test_slices_are_stacked_along_the_normal_whatever_order_they_arrive_in(self, ct_bytes):
        shuffled = instances(ct_bytes)  # numbers 1..5 from z 0 down to z -5
        random.Random(1).shuffle(shuffled)
        (study,) = build_studies(shuffled)
        (series,) = study.series
        assert [i.position[2] for i in series.instances] == [0.0, -1.25, -2.5, -3.75, -5.0]
        assert [i.instance_number for i in series.instances] == [1, 2, 3, 4, 5]
        assert series.frames == 5 and series.kind == "image" and series.modality == "CT"

    def test_the_stack_runs_in_the_direction_of_the_scanner_numbering(self, ct_bytes):
        renumbered = [with_(i, instance_number=5 - k) for k, i in enumerate(instances(ct_bytes))]
        (study,) = build_studies(renumbered)  # now number 1 is the lowest slice
        stack = study.series[0].instances
        assert [i.instance_number for i in stack] == [1, 2, 3, 4, 5]
        assert [i.position[2] for i in stack] == [-5.0, -3.75, -2.5, -1.25, 0.0]

    def test_geometry_wins_over_inconsistent_numbers(self, ct_bytes):
        numbers = [3, 1, 5, 2, 4]
        shuffled = [with_(i, instance_number=n) for i, n in zip(instances(ct_bytes), numbers)]
        random.Random(1).shuffle(shuffled)
        (study,) = build_studies(shuffled)
        z = [i.position[2] for i in study.series[0].instances]
        assert z in (sorted(z), sorted(z, reverse=True))
        assert len(set(z)) == 5

    def test_an_oblique_stack(self, ct_bytes):
        row, col = [1, 0, 0], [0, 0.8, -0.6]  # normal = row x col = (0, 0.6, 0.8)
        items = [with_(i, orientation=row + col, position=[0, 0.6 * d, 0.8 * d], instance_number=n)
                 for i, d, n in zip(instances(ct_bytes), [4, -2, 9, 0, 1], [1, 2, 3, 4, 5])]
        (study,) = build_studies(items)
        assert [i.instance_number for i in study.series[0].instances] == [2, 4, 5, 1, 3]

    def test_without_positions_or_with_crossing_planes_by_number(self, ct_bytes):
        items = instances(ct_bytes)
        no_position = [with_(i, position=None, instance_number=5 - k) for k, i in enumerate(items)]
        (study,) = build_studies(no_position)
        assert [i.instance_number for i in study.series[0].instances] == [1, 2, 3, 4, 5]
        localizer = [with_(items[0], orientation=[0, 1, 0, 0, 0, -1], instance_number=9),
                     with_(items[1], instance_number=1), with_(items[2], instance_number=4)]
        (study,) = build_studies(localizer)
        assert [i.instance_number for i in study.series[0].instances] == [1, 4, 9]

    def test_studies_by_date_series_by_number_duplicates_once(self, ct_bytes):
        ct = instances(ct_bytes)
        sr = with_(read_instance(to_bytes(sr_dataset()), "SR1"), study_uid=ct[0].study_uid)
        earlier = with_(ct[0], study_uid="1.2.3", series_uid="1.2.3.1", sop_instance_uid="1.2.3.1.1",
                        study=ct[0].study | {"date": "20260615", "description": "EARLIER"})
        studies = build_studies([sr, *ct, ct[2], earlier, with_(ct[3], path="ZZ/copy")])
        assert [s.date for s in studies] == ["20260615", "20260914"]
        assert studies[0].description == "EARLIER"
        assert [s.number for s in studies[1].series] == [2, 90]
        assert [s.kind for s in studies[1].series] == ["image", "sr"]
        assert studies[1].series[0].frames == 5
        assert studies[1].patient["name"] == "Test^Patient" and studies[1].has_images
        assert studies[1].accession == "DEMO0001"

    def test_json_round_trip(self, ct_bytes):
        studies = build_studies(instances(ct_bytes) + [read_instance(to_bytes(pdf_dataset()), "PDF1")])
        assert studies_from_json(studies_to_json(studies)) == studies
        assert StudySummary.from_json(json.loads(json.dumps(studies[0].to_json()))) == studies[0]

    def test_empty(self):
        assert build_studies([]) == []


def test_reading_does_not_touch_pixel_data(ct_bytes):
    # The header parse stops before the pixels: a prefix of only the header gives the same.
    data = ct_bytes[0]
    head = data[:data.index(b"\xe0\x7f\x10\x00") + 12]
    assert read_instance(head, "x", complete=False) == read_instance(data, "x")
