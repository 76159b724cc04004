"""Builders of synthetic hospital CDs for tests: IHE PDI folders with a DICOMDIR in the
layouts real discs use (flat, nested vendor folders, lower-cased mounts, references to
missing or outside files), and ISO 9660 / Joliet / Rock Ridge images of them (pycdlib).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pycdlib
from pydicom import config, dcmread
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from app.demo.imaging import ct_series

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
FLAT = "flat"  # DICOM/IM000001, DICOM/IM000002, ...
NESTED = "nested"  # DICOM/PA000000/ST000000/SE000000/IM000000, as many vendors burn them
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
README = b"DEMO disc for Test^Patient. Insert the disc and run VIEWER.EXE.\r\n"


def ct_instances(slices: int = 3, size: int = 16) -> list[Dataset]:
    return list(ct_series(slices, size))


def file_ids(count: int, layout: str = FLAT) -> list[list[str]]:
    """ReferencedFileID components of `count` images in `layout`, upper-case 8.3, no extension."""
    if layout == FLAT:
        return [["DICOM", f"IM{n + 1:06d}"] for n in range(count)]
    return [["DICOM", "PA000000", "ST000000", "SE000000", f"IM{n:06d}"] for n in range(count)]


def write_instances(root: Path, datasets: Iterable[Dataset], ids: Iterable[Sequence[str]]) -> list[Path]:
    paths = []
    for ds, components in zip(datasets, ids, strict=True):
        path = Path(root, *components)
        path.parent.mkdir(parents=True, exist_ok=True)
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _record(kind: str, **values) -> Dataset:
    record = Dataset()
    record.OffsetOfTheNextDirectoryRecord = 0
    record.RecordInUseFlag = 0xFFFF
    record.OffsetOfReferencedLowerLevelDirectoryEntity = 0
    record.DirectoryRecordType = kind
    for keyword, value in values.items():
        setattr(record, keyword, value)
    return record


def _file_id(record: Dataset, components: Sequence[str]) -> None:
    # Written as given, even '..' or lower case: pydicom would otherwise warn or refuse.
    record.add(DataElement(0x00041500, "CS", list(components), validation_mode=config.IGNORE))


def _child(siblings: list, known: dict, key: tuple, make) -> list:
    if key not in known:
        known[key] = []
        siblings.append((make(), known[key]))
    return known[key]


def write_dicomdir(path: Path, entries: Sequence[tuple[Dataset, Sequence[str]]], *,
                   extra_references: Iterable[Sequence[str]] = (),
                   inactive_references: Iterable[Sequence[str]] = (),
                   undefined_length: bool = False) -> Path:
    """A DICOMDIR with PATIENT/STUDY/SERIES/IMAGE records for (dataset, file ID) `entries`,
    with correct record offsets. `extra_references` become IMAGE records with no instance
    behind them; `inactive_references` the same with RecordInUseFlag 0 (a deleted record).
    `undefined_length` writes the sequence and its items with delimiters, as many CD
    burners do, instead of pydicom's and DCMTK's explicit lengths."""
    tree: list = []  # [(record, children)] at every level, children alike
    known: dict[tuple, list] = {}
    series: list = []
    for ds, components in entries:
        patient = _child(tree, known, (ds.PatientID,), lambda ds=ds: _record(
            "PATIENT", PatientName=ds.PatientName, PatientID=ds.PatientID,
            PatientBirthDate=ds.PatientBirthDate))
        study = _child(patient, known, (ds.PatientID, ds.StudyInstanceUID), lambda ds=ds: _record(
            "STUDY", StudyDate=ds.StudyDate, StudyTime=ds.StudyTime, StudyID=ds.StudyID,
            StudyDescription=ds.StudyDescription, StudyInstanceUID=ds.StudyInstanceUID,
            AccessionNumber=ds.AccessionNumber))
        series = _child(study, known, (ds.PatientID, ds.StudyInstanceUID, ds.SeriesInstanceUID),
                        lambda ds=ds: _record("SERIES", Modality=ds.Modality, SeriesNumber=ds.SeriesNumber,
                                              SeriesInstanceUID=ds.SeriesInstanceUID))
        image = _record("IMAGE", ReferencedSOPClassUIDInFile=ds.SOPClassUID,
                        ReferencedSOPInstanceUIDInFile=ds.SOPInstanceUID,
                        ReferencedTransferSyntaxUIDInFile=ds.file_meta.TransferSyntaxUID,
                        InstanceNumber=ds.InstanceNumber)
        _file_id(image, components)
        series.append((image, []))
    for flag, references in ((0xFFFF, extra_references), (0x0000, inactive_references)):
        for components in references:
            image = _record("IMAGE", ReferencedSOPClassUIDInFile="1.2.840.10008.5.1.4.1.1.7",
                            ReferencedSOPInstanceUIDInFile=generate_uid(),
                            ReferencedTransferSyntaxUIDInFile=ExplicitVRLittleEndian,
                            InstanceNumber=999)
            image.RecordInUseFlag = flag
            _file_id(image, components)
            series.append((image, []))
    records: list[Dataset] = []

    def flatten(nodes):
        for record, children in nodes:
            records.append(record)
            flatten(children)
    flatten(tree)

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MEDIA_STORAGE_DIRECTORY
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), Dataset(), file_meta=meta, preamble=b"\x00" * 128)
    ds.FileSetID = "SECONDO_TEST"
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    ds.DirectoryRecordSequence = DicomSequence(records)
    ds["DirectoryRecordSequence"].is_undefined_length = undefined_length
    for record in records:
        record.is_undefined_length_sequence_item = undefined_length
    # Offsets are fixed-size (UL), so a first write tells where every record will sit.
    first = io.BytesIO()
    ds.save_as(first, enforce_file_format=True)
    first.seek(0)
    where = {id(r): item.seq_item_tell
             for r, item in zip(records, dcmread(first).DirectoryRecordSequence, strict=True)}

    def link(nodes):
        for n, (record, children) in enumerate(nodes):
            if n + 1 < len(nodes):
                record.OffsetOfTheNextDirectoryRecord = where[id(nodes[n + 1][0])]
            if children:
                record.OffsetOfReferencedLowerLevelDirectoryEntity = where[id(children[0][0])]
                link(children)
    link(tree)
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = where[id(tree[0][0])]
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = where[id(tree[-1][0])]
    ds.save_as(path, enforce_file_format=True)
    return Path(path)


def make_cd(root: Path, *, layout: str = FLAT, slices: int = 3, size: int = 16,
            dicomdir: bool = True, documents: bool = True, **references) -> Path:
    """An IHE PDI disc in `root`: a CT series in `layout`, its DICOMDIR (unless told not
    to), a README.TXT and a REPORT.PDF. `references` go to `write_dicomdir`."""
    root = Path(root)
    datasets = ct_instances(slices, size)
    ids = file_ids(len(datasets), layout)
    write_instances(root, datasets, ids)
    if dicomdir:
        write_dicomdir(root / "DICOMDIR", list(zip(datasets, ids)), **references)
    if documents:
        (root / "README.TXT").write_bytes(README)
        (root / "REPORT.PDF").write_bytes(MINIMAL_PDF)
    return root


def lower_case_tree(root: Path) -> Path:
    """Rename every file and folder under `root` to lower case, as some mounts show a CD."""
    for directory, folders, files in os.walk(root, topdown=False):
        for name in folders + files:
            if name != name.lower():
                os.rename(os.path.join(directory, name), os.path.join(directory, name.lower()))
    return root


def image_paths(listing) -> list[str]:
    return [f.path for f in listing.files if f.referenced]


def summary(listing) -> tuple:
    """What must be equal between a folder and an image of it (openers aside)."""
    return ([(f.path, f.size, f.referenced) for f in listing.files], listing.dicomdir,
            listing.missing, listing.refused)


def _iso_name(name: str, is_dir: bool, period: bool, taken: set[str]) -> str:
    """An ISO 9660 level 1 name for `name`: 8.3 d-characters, made unique in its folder
    the way mastering tools do (NAME~1)."""
    stem, _dot, ext = name.upper().rpartition(".") if "." in name and not is_dir else (name.upper(), "", "")
    stem, ext = re.sub(r"[^A-Z0-9_]", "_", stem)[:8], re.sub(r"[^A-Z0-9_]", "_", ext)[:3]
    for number in range(1, 100):
        if stem + "." + ext not in taken:
            break
        stem = f"{stem[:8 - len(str(number)) - 1]}~{number}"
    taken.add(stem + "." + ext)
    if is_dir:
        return stem
    return f"{stem}.{ext};1" if ext or period else f"{stem};1"


def write_iso(folder: Path, target: Path, *, joliet: bool = True, rock_ridge: bool = True,
              interchange_level: int = 1, period: bool = True,
              symlinks: dict[str, str] | None = None) -> Path:
    """An image of `folder`. ISO 9660 names are the names upper-cased (mangled to 8.3 when
    they do not fit); `period` writes extensionless files as 'NAME.;1' (genisoimage's
    default) rather than 'NAME;1'. `symlinks` maps a link's name at the root to its target
    (Rock Ridge only)."""
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=interchange_level, joliet=3 if joliet else None,
            rock_ridge="1.09" if rock_ridge else None, vol_ident="SECONDO_TEST")
    folder = Path(folder)
    iso_paths = {folder: ""}
    taken: dict[Path, set[str]] = {}
    for path in sorted(folder.rglob("*")):
        is_dir = path.is_dir()
        iso_path = iso_paths[path.parent] + "/" + _iso_name(
            path.name, is_dir, period, taken.setdefault(path.parent, set()))
        iso_paths[path] = iso_path
        names = {"iso_path": iso_path}
        if rock_ridge:
            names["rr_name"] = path.name
        if joliet:
            names["joliet_path"] = "/" + path.relative_to(folder).as_posix()
        if is_dir:
            iso.add_directory(**names)
        else:
            data = path.read_bytes()
            iso.add_fp(io.BytesIO(data), len(data), **names)
    for link, target in (symlinks or {}).items():
        iso.add_symlink(symlink_path="/" + _iso_name(link, False, period, taken.setdefault(folder, set())),
                        rr_symlink_name=link, rr_path=target)
    iso.write(str(target))
    iso.close()
    return Path(target)
