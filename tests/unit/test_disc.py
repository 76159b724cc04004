"""Listing a mounted CD or folder: DICOMDIR layouts, quirks of real discs, bad input."""

import io
import os
import shutil
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from app.core.errors import BadInputError
from app.core.tasks import Cancelled, CancelToken
from app.demo.imaging import ct_series, write_ct_series, write_fileset
from app.dossier import disc
from app.dossier.content_type import HEAD_SIZE, sniff
from app.dossier.disc import DiscListing, list_folder, shown_name
from app.dossier.import_sources import resolve
from app.dossier.importer import DossierImporter
from app.store.store import CaseStore
from tests.unit.discs import (FLAT, MINIMAL_PDF, NESTED, README, file_ids, image_paths,
                              lower_case_tree, make_cd)

DCMTK_DIRECTORY = Path(get_testdata_file("DICOMDIR")).parent  # a real dcmmkdir file-set
DCMTK_PATIENTS = ("77654033", "98892001", "98892003")


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every path that disc.py opens, in order (its openers included)."""
    calls: list[str] = []

    def spy(path, *args, **kwargs):
        calls.append(os.fspath(path))
        return open(path, *args, **kwargs)
    monkeypatch.setattr(disc, "open", spy, raising=False)
    return calls


def read_all(listing: DiscListing) -> dict[str, bytes]:
    contents = {}
    for file in listing.files:
        with file.opener() as stream:
            contents[file.path] = stream.read()
    return contents


class TestDicomdirLayouts:
    def test_flat_layout_references_every_image_and_lists_the_documents(self, tmp_path):
        listing = list_folder(make_cd(tmp_path, layout=FLAT))
        assert listing.dicomdir == "DICOMDIR"
        assert [f.path for f in listing.files] == [
            "DICOMDIR", "DICOM/IM000001", "DICOM/IM000002", "DICOM/IM000003", "README.TXT", "REPORT.PDF"]
        assert image_paths(listing) == ["DICOM/IM000001", "DICOM/IM000002", "DICOM/IM000003"]
        assert (listing.missing, listing.refused, listing.notes) == ([], [], [])
        assert listing.total_size() == sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())

    def test_hierarchical_vendor_layout_in_nested_folders(self, tmp_path):
        listing = list_folder(make_cd(tmp_path, layout=NESTED))
        expected = ["/".join(c) for c in file_ids(3, NESTED)]
        assert image_paths(listing) == expected == [
            "DICOM/PA000000/ST000000/SE000000/IM000000", "DICOM/PA000000/ST000000/SE000000/IM000001",
            "DICOM/PA000000/ST000000/SE000000/IM000002"]
        assert listing.missing == []

    def test_pydicom_fileset_layout(self, tmp_path):
        write_fileset(tmp_path, ct_series(2, 16))
        listing = list_folder(tmp_path)
        assert image_paths(listing) == ["PT000000/ST000000/SE000000/IM000000",
                                        "PT000000/ST000000/SE000000/IM000001"]

    @pytest.mark.parametrize("variant", ["DICOMDIR", "DICOMDIR-implicit", "DICOMDIR-bigEnd",
                                         "DICOMDIR-reordered", "DICOMDIR-nooffset"])
    def test_real_dcmtk_dicomdir_and_its_encodings(self, tmp_path, variant):
        # Numeric file names without extension in patient/series folders, as written by
        # DCMTK, then in implicit VR, big endian, with records out of order, offsets left out.
        for patient in DCMTK_PATIENTS:
            shutil.copytree(DCMTK_DIRECTORY / patient, tmp_path / patient)
        shutil.copy(DCMTK_DIRECTORY / variant, tmp_path / "DICOMDIR")
        listing = list_folder(tmp_path)
        assert listing.dicomdir == "DICOMDIR"
        assert len(image_paths(listing)) == len(listing.files) - 1 == 31
        assert "77654033/CT2/17106" in image_paths(listing)
        assert (listing.missing, listing.notes) == ([], [])

    def test_lower_cased_mount(self, tmp_path):
        lower_case_tree(make_cd(tmp_path, layout=NESTED))
        listing = list_folder(tmp_path)
        assert listing.dicomdir == "dicomdir"
        assert listing.files[0].path == "dicomdir"
        assert image_paths(listing) == [
            "dicom/pa000000/st000000/se000000/im000000", "dicom/pa000000/st000000/se000000/im000001",
            "dicom/pa000000/st000000/se000000/im000002"]
        assert listing.missing == []

    def test_iso9660_version_and_period_shown_by_the_mount(self, tmp_path):
        # A mount with ISO 9660 name mapping off shows 'DICOMDIR.;1' and 'IM000001.;1'.
        make_cd(tmp_path, documents=False)
        for path in sorted(tmp_path.rglob("*"), reverse=True):
            if path.is_file():
                path.rename(path.with_name(path.name + ".;1"))
        listing = list_folder(tmp_path)
        assert listing.dicomdir == "DICOMDIR.;1"
        assert image_paths(listing) == ["DICOM/IM000001.;1", "DICOM/IM000002.;1", "DICOM/IM000003.;1"]

    def test_dicomdir_of_a_disc_copied_into_a_folder(self, tmp_path):
        make_cd(tmp_path / "CD_2026", documents=False)
        listing = list_folder(tmp_path)
        assert listing.dicomdir == "CD_2026/DICOMDIR"
        assert image_paths(listing) == ["CD_2026/DICOM/IM000001", "CD_2026/DICOM/IM000002",
                                        "CD_2026/DICOM/IM000003"]


class TestWithoutDicomdir:
    def test_every_file_listed_none_referenced(self, tmp_path):
        make_cd(tmp_path, dicomdir=False)
        listing = list_folder(tmp_path)
        assert listing.dicomdir is None
        assert [f.path for f in listing.files] == [
            "DICOM/IM000001", "DICOM/IM000002", "DICOM/IM000003", "README.TXT", "REPORT.PDF"]
        assert not any(f.referenced for f in listing.files)
        assert (listing.missing, listing.refused, listing.notes) == ([], [], [])

    def test_upper_case_8_3_names_without_extensions_are_found_by_content(self, tmp_path):
        write_ct_series(tmp_path / "DICOM" / "CT0001", slices=2, size=16)
        bare = tmp_path / "DICOM" / "RAW00001"  # no preamble, no file meta: old ACR-NEMA style
        ds = next(ct_series(1, 16))
        del ds.file_meta
        ds.save_as(bare, implicit_vr=True, little_endian=True)
        (tmp_path / "README").write_bytes(README)
        (tmp_path / "REPORT").write_bytes(MINIMAL_PDF)
        listing = list_folder(tmp_path)
        kinds = {}
        for file in listing.files:
            with file.opener() as stream:
                kinds[file.path] = sniff(stream.read(HEAD_SIZE))
        assert kinds == {"DICOM/CT0001/CT000001": "dicom", "DICOM/CT0001/CT000002": "dicom",
                         "DICOM/RAW00001": "dicom", "README": "text", "REPORT": "pdf"}


class TestBrokenDicomdir:
    def test_missing_files_are_reported_and_the_rest_listed(self, tmp_path):
        make_cd(tmp_path, layout=NESTED, extra_references=[["DICOM", "PA000000", "ST000000", "SE000000", "IM000099"]])
        (tmp_path / "DICOM/PA000000/ST000000/SE000000/IM000001").unlink()
        listing = list_folder(tmp_path)
        assert listing.missing == ["DICOM/PA000000/ST000000/SE000000/IM000001",
                                   "DICOM/PA000000/ST000000/SE000000/IM000099"]
        assert image_paths(listing) == ["DICOM/PA000000/ST000000/SE000000/IM000000",
                                        "DICOM/PA000000/ST000000/SE000000/IM000002"]
        assert listing.dicomdir == "DICOMDIR" and listing.notes == []

    def test_references_outside_the_medium_are_refused_and_never_opened(self, tmp_path, opened):
        secret = tmp_path / "SECRET.TXT"
        secret.write_bytes(b"not on the disc")
        cd = make_cd(tmp_path / "cd", extra_references=[
            ["..", "SECRET.TXT"], ["DICOM", "..", "..", "SECRET.TXT"], ["", "etc", "passwd"],
            ["C:", "WINDOWS", "WIN.INI"]])
        listing = list_folder(cd)
        assert listing.refused == ["../SECRET.TXT", "DICOM/../../SECRET.TXT", "/etc/passwd",
                                   "C:/WINDOWS/WIN.INI"]
        assert listing.missing == []
        assert len(image_paths(listing)) == 3
        read_all(listing)
        assert str(secret) not in opened and all(Path(p).is_relative_to(cd) for p in opened)

    @pytest.mark.parametrize("damage", ["garbage", "truncated", "truncated (undefined length)",
                                        "cut in the last record", "empty", "not dicom"])
    def test_a_corrupt_dicomdir_is_noted_and_every_file_listed(self, tmp_path, damage):
        # pydicom reads a cut DICOMDIR without complaint and returns the records it got.
        make_cd(tmp_path, layout=NESTED, undefined_length="undefined" in damage)
        data = (tmp_path / "DICOMDIR").read_bytes()
        broken = {"garbage": data[:132] + os.urandom(600), "truncated": data[:len(data) // 2],
                  "truncated (undefined length)": data[:len(data) // 2],
                  "cut in the last record": data[:-12], "empty": b"", "not dicom": README}[damage]
        (tmp_path / "DICOMDIR").write_bytes(broken)
        listing = list_folder(tmp_path)
        assert listing.dicomdir is None
        assert listing.notes == ["The DICOMDIR could not be read; every file was scanned instead."]
        assert len(listing.files) == 6 and not any(f.referenced for f in listing.files)
        assert (listing.missing, listing.refused) == ([], [])

    def test_a_dicomdir_that_cannot_be_read_from_the_disc(self, tmp_path, monkeypatch):
        make_cd(tmp_path, documents=False)

        def scratched(path, *args, **kwargs):
            raise OSError(5, "Input/output error")
        monkeypatch.setattr(disc, "open", scratched, raising=False)
        listing = list_folder(tmp_path)
        assert listing.dicomdir is None and listing.files[0].path == "DICOMDIR"
        assert listing.notes == ["The DICOMDIR could not be read from the medium (Input/output "
                                 "error); every file was scanned instead."]

    def test_sequence_of_undefined_length(self, tmp_path):
        make_cd(tmp_path, layout=NESTED, undefined_length=True)
        assert len(image_paths(list_folder(tmp_path))) == 3

    def test_inactive_records_are_not_missing_files(self, tmp_path):
        make_cd(tmp_path, inactive_references=[["DICOM", "IM000042"]])
        listing = list_folder(tmp_path)
        assert listing.missing == [] and len(image_paths(listing)) == 3


class TestReading:
    def test_the_dicomdir_is_read_once_and_no_other_file_while_listing(self, tmp_path, opened):
        make_cd(tmp_path)
        listing = list_folder(tmp_path)
        assert opened == [str(tmp_path / "DICOMDIR")]
        stream = listing.files[0].opener()
        assert isinstance(stream, io.BytesIO)
        assert stream.read() == (tmp_path / "DICOMDIR").read_bytes()
        assert opened == [str(tmp_path / "DICOMDIR")]

    def test_openers_stream_each_file_as_on_the_medium(self, tmp_path):
        make_cd(tmp_path)
        with list_folder(tmp_path) as listing:
            contents = read_all(listing)
        assert contents == {p.relative_to(tmp_path).as_posix(): p.read_bytes()
                            for p in tmp_path.rglob("*") if p.is_file()}
        assert all(f.size == len(contents[f.path]) for f in listing.files)

    def test_order_is_dicomdir_first_then_paths_case_insensitively(self, tmp_path):
        for name in ("b.txt", "A.TXT", "c/Z", "C0", "a/y", "DICOMDIR"):
            (tmp_path / name).parent.mkdir(exist_ok=True)
            (tmp_path / name).write_bytes(b"x")
        (tmp_path / "DICOMDIR").write_bytes(b"")
        assert [f.path for f in list_folder(tmp_path).files] == [
            "DICOMDIR", "A.TXT", "a/y", "b.txt", "c/Z", "C0"]


class TestFilesystem:
    def test_os_junk_is_skipped(self, tmp_path):
        make_cd(tmp_path, documents=False)
        for junk in (".DS_Store", "Thumbs.db", "desktop.ini", "DICOM/._IM000001", "__MACOSX/DICOM/._IM000001",
                     "$RECYCLE.BIN/S-1-5-21/$I123.pdf", "System Volume Information/IndexerVolumeGuid",
                     ".Trashes/501/x"):
            (tmp_path / junk).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / junk).write_bytes(b"junk")
        listing = list_folder(tmp_path)
        assert [f.path for f in listing.files] == [
            "DICOMDIR", "DICOM/IM000001", "DICOM/IM000002", "DICOM/IM000003"]

    @pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX links")
    def test_links_are_not_followed_and_special_files_skipped(self, tmp_path, opened):
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "PRIVATE.TXT").write_bytes(b"private")
        cd = make_cd(tmp_path / "cd", documents=False)
        (cd / "LINKFILE").symlink_to(outside / "PRIVATE.TXT")
        (cd / "LINKDIR").symlink_to(outside, target_is_directory=True)
        (cd / "DICOM" / "SAME").symlink_to(cd / "DICOM" / "IM000001")
        os.mkfifo(cd / "FIFO")
        listing = list_folder(cd)
        assert [f.path for f in listing.files] == [
            "DICOMDIR", "DICOM/IM000001", "DICOM/IM000002", "DICOM/IM000003"]
        assert listing.notes == ["3 links on the medium were not followed."]
        read_all(listing)
        assert all(Path(p).is_relative_to(cd) for p in opened)

    def test_a_subfolder_that_cannot_be_read_is_noted(self, tmp_path, monkeypatch):
        make_cd(tmp_path, documents=False)
        real_scandir = os.scandir

        def failing(path):
            if Path(path).name == "DICOM":  # a scratched disc: EIO on one directory
                raise OSError(5, "Input/output error")
            return real_scandir(path)
        monkeypatch.setattr(disc.os, "scandir", failing)
        listing = list_folder(tmp_path)
        assert [f.path for f in listing.files] == ["DICOMDIR"]
        assert listing.missing == ["DICOM/IM000001", "DICOM/IM000002", "DICOM/IM000003"]
        assert listing.notes == ["The folder DICOM could not be read (Input/output error); its "
                                 "files were not imported."]

    def test_a_folder_that_does_not_exist(self, tmp_path):
        with pytest.raises(BadInputError, match="cannot be read.*Check that the disc is inserted"):
            list_folder(tmp_path / "no-such-cd")

    def test_a_file_instead_of_a_folder(self, tmp_path):
        (tmp_path / "disc.txt").write_bytes(b"x")
        with pytest.raises(BadInputError, match="is a file, not a folder"):
            list_folder(tmp_path / "disc.txt")

    def test_a_folder_listing_is_a_context_manager_with_nothing_to_close(self, tmp_path):
        make_cd(tmp_path)
        with list_folder(tmp_path) as listing:
            pass
        listing.close()
        with listing.files[1].opener() as stream:
            assert stream.read(HEAD_SIZE)[128:132] == b"DICM"


def test_reference_components_are_lenient_about_separators_and_padding():
    assert disc._components(b"DICOM\\IM000001 ") == ["DICOM", "IM000001"]
    assert disc._components(b"DICOM/IM000001\x00") == ["DICOM", "IM000001"]
    assert disc._components(b"DICOM\\IM000001\\") == ["DICOM", "IM000001"]
    assert disc.name_key("IM000001.;1") == disc.name_key("im000001") == "im000001"


class TestHostileFolders:
    def test_names_that_are_not_utf_8_are_listed_as_text_and_imported(self, tmp_path):
        root = tmp_path / "cd"
        root.mkdir()
        (root / os.fsdecode(b"brief\xe9.txt")).write_bytes(b"DEMO letter for Test Patient.\n")
        (root / os.fsdecode(b"lettr\xe9.txt")).write_bytes(b"DEMO\n")
        (root / "lettr\u00e9.txt").write_bytes(b"DEMO\n")  # the same name once decoded
        paths = {f.path for f in list_folder(root).files}
        assert paths == {"brief\u00e9.txt", "lettr\u00e9.txt", "lettr\u00e9.txt (2)"}
        store = CaseStore.open(tmp_path / "home")
        try:
            result = DossierImporter(store).run([root])
            assert result.files == 3
        finally:
            store.close()

    def test_two_names_that_decode_alike_stay_two(self):
        taken: set[str] = set()
        assert shown_name(os.fsdecode(b"IM\xff"), taken) == "IM\u00ff"
        assert shown_name("IM\u00ff", taken) == "IM\u00ff (2)"

    def test_listing_a_big_disc_can_be_cancelled(self, tmp_path):
        for n in range(600):
            (tmp_path / f"IM{n:04d}").write_bytes(b"x")
        token = CancelToken()
        token.cancel()
        with pytest.raises(Cancelled):
            resolve(tmp_path, token)
        with pytest.raises(Cancelled):
            list_folder(tmp_path, token)

    def test_a_dicomdir_of_too_many_records_is_not_parsed(self, tmp_path, monkeypatch):
        root = make_cd(tmp_path / "cd", slices=3)  # patient, study, series and 3 image records
        monkeypatch.setattr(disc, "MAX_DICOMDIR_RECORDS", 5)
        listing = list_folder(root)
        assert any("more than 5 records" in note for note in listing.notes)
        assert listing.dicomdir is None and len(image_paths(listing)) == 0
        assert {"DICOM/IM000001", "DICOM/IM000002", "DICOM/IM000003"} <= {f.path for f in listing.files}
        monkeypatch.setattr(disc, "MAX_DICOMDIR_RECORDS", 6)
        assert len(image_paths(list_folder(root))) == 3
