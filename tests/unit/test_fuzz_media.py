"""Property tests of every parser of untrusted media bytes: the DICOM header path (fast
path, bounded header copy, pydicom fallback), the viewer's reading and decoding of a
frame, content sniffing, DICOMDIR walking, ISO listing, and the PDF and text document
models. Any bytes, and mutations of valid files (pydicom's test files, a DICOMDIR, a small
ISO made with pycdlib), give a result or a SecondoError, never another exception.

CI-sized and reproducible: derandomized, no deadline, EXAMPLES examples per property
(PROPERTIES properties).
"""

from __future__ import annotations

import io
import tempfile
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.data import get_testdata_file

from app.core.errors import SecondoError
from app.dossier import dicom_fast
from app.dossier.content_type import sniff
from app.dossier.dicom_head import HeaderCopy
from app.dossier.dicom_index import DicomParseError, InstanceInfo, index_header, read_instance
from app.dossier.disc import DiscFile, build_listing
from app.dossier.iso import list_iso
from tests.hostile import media_files as lies
from tests.unit import discs
from viewers.dicom.pixels import Frame, decode_frame, frame_count, read_image_file
from viewers.pdf.model import check_pdf
from viewers.text.model import decode_text

EXAMPLES = 250
PROPERTIES = 10
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
SAMPLES = ("CT_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "693_J2KI.dcm",
           "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm", "rtplan.dcm")


@lru_cache(maxsize=1)
def dicom_files() -> tuple[bytes, ...]:
    found = [lies.encode(lies.ct()), lies.jpeg(), lies.rle(lies.SIZE, lies.SIZE)]
    for name in SAMPLES:
        path = get_testdata_file(name, download=False)
        if path is not None:
            found.append(Path(path).read_bytes())
    return tuple(found)


@lru_cache(maxsize=1)
def dicomdirs() -> tuple[bytes, ...]:
    found = []
    path = get_testdata_file("DICOMDIR", download=False)
    if path is not None:
        found.append(Path(path).read_bytes())
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "DICOMDIR"
        datasets = discs.ct_instances(2, 8)
        discs.write_dicomdir(target, list(zip(datasets, discs.file_ids(2))),
                             extra_references=[["..", "SECRET"], ["DICOM", "GONE"]])
        found.append(target.read_bytes())
    return tuple(found)


@lru_cache(maxsize=1)
def small_iso() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        root = discs.make_cd(Path(folder) / "cd", slices=2, size=8)
        return discs.write_iso(root, Path(folder) / "cd.iso").read_bytes()


@st.composite
def mutated(draw, originals) -> bytes:
    """One of `originals` with a few bytes changed, a cut, or a slice repeated or removed."""
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(("flip", "set", "cut", "insert", "delete", "length")))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[at] = draw(st.sampled_from((0x00, 0xFF, 0x7F, 0x80)))
        elif action == "cut":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        else:  # a 4-byte length field made huge
            data[at:at + 4] = draw(st.sampled_from((b"\xff\xff\xff\xff", b"\xf0\xff\xff\xff", b"\xff\xff\xff\x7f")))
    return bytes(data)


def any_dicom():
    return st.one_of(st.binary(max_size=600), mutated(dicom_files()),
                     st.binary(max_size=300).map(lambda b: bytes(128) + b"DICM" + b))


@FUZZ
@given(any_dicom())
def test_the_fast_header_path(data):
    result = dicom_fast.parse_header(data)
    assert result is None or isinstance(result[1], int)


@FUZZ
@given(any_dicom(), st.booleans())
def test_indexing_a_header(data, complete):
    try:
        info = read_instance(data, "DICOM/IM1", complete=complete)
    except DicomParseError:
        return
    assert isinstance(info, InstanceInfo) and isinstance(info.frames, int)
    assert info.frames == 0 or 1 <= info.frames < 2**31


@FUZZ
@given(mutated(dicom_files()), st.integers(1, 4096))
def test_the_header_copy_fed_in_pieces(data, piece):
    copy = HeaderCopy()
    for start in range(0, len(data), piece):
        copy.feed(data[start:start + piece])
    copy.close()
    try:
        index_header(copy, "IM1", complete=True, size=len(data), whole_pixel_data=True)
    except DicomParseError:
        pass


@FUZZ
@given(mutated(dicom_files()))
def test_reading_and_decoding_a_frame(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("frame") / "IM1"
    path.write_bytes(data)
    try:
        ds = read_image_file(path)
        if frame_count(ds):
            assert isinstance(decode_frame(ds, 0), Frame)
    except SecondoError:
        pass


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(("", "a.txt", "README.TXT", "x.pdf", "DICOMDIR")))
def test_content_sniffing(data, name):
    assert sniff(data[:132], name) in (None, "sodp", "p7m", "dicom", "pdf", "jpeg", "png", "tiff", "text")


@FUZZ
@given(mutated(dicom_files()).map(lambda d: d[:132]))
def test_content_sniffing_of_mutated_heads(head):
    assert sniff(head) in (None, "sodp", "p7m", "dicom", "pdf", "jpeg", "png", "tiff", "text")


@FUZZ
@given(st.one_of(mutated(dicomdirs()), st.binary(max_size=400)))
def test_walking_a_dicomdir(data):
    files = [DiscFile("DICOMDIR", len(data), lambda: io.BytesIO(data))]
    files += [DiscFile(f"DICOM/IM{n:06d}", 10, lambda: io.BytesIO(b"x" * 10)) for n in range(1, 3)]
    try:
        listing = build_listing(files)
    except SecondoError:
        return
    assert {f.path for f in listing.files} == {f.path for f in files}
    assert all(not p.startswith(("/", "..")) for p in listing.missing)


@FUZZ
@given(mutated((small_iso()[:40960],)).map(lambda head: head + small_iso()[40960:]))
def test_listing_an_iso_image(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("iso") / "cd.iso"
    path.write_bytes(data)
    try:
        listing = list_iso(path)
    except SecondoError:
        return
    with listing:
        for disc_file in listing.files:
            assert disc_file.size >= 0
            try:
                with disc_file.opener() as handle:
                    handle.read(1 << 16)
            except (OSError, ValueError):
                pass  # the importer reports a disc that cannot be read (DossierImporter._copy)


@FUZZ
@given(st.one_of(st.binary(max_size=600),
                 mutated((discs.MINIMAL_PDF, discs.MINIMAL_PDF + b"/Encrypt 5 0 R\n%%EOF\n"))))
def test_the_pdf_model(data):
    try:
        pages = check_pdf(data)
    except SecondoError:
        return
    assert pages is None or pages > 0


@FUZZ
@given(st.one_of(st.binary(max_size=600), st.text(max_size=200).map(lambda t: t.encode("utf-16")),
                 st.text(max_size=200).map(lambda t: t.encode("utf-8"))))
def test_the_text_model(data):
    try:
        text, encoding = decode_text(data)
    except SecondoError:
        return
    assert "\r" not in text and encoding
