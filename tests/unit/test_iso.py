"""Listing an ISO image: every name space gives the listing of the folder it was made from."""

import pytest

from app.core.errors import BadInputError
from app.dossier.disc import list_folder
from app.dossier.iso import list_iso
from tests.hostile import media_files as hostile
from tests.unit.discs import NESTED, image_paths, lower_case_tree, make_cd, summary, write_iso

NAME_SPACES = {
    "iso9660 level 1": dict(joliet=False, rock_ridge=False),
    "iso9660 'NAME;1'": dict(joliet=False, rock_ridge=False, period=False),
    "iso9660 level 3": dict(joliet=False, rock_ridge=False, interchange_level=3),
    "joliet": dict(joliet=True, rock_ridge=False),
    "rock ridge": dict(joliet=False, rock_ridge=True),
    "joliet and rock ridge": dict(joliet=True, rock_ridge=True),
}


@pytest.fixture(scope="module")
def cd(tmp_path_factory):
    """A disc with nested vendor folders, a missing image and a reference outside it."""
    root = make_cd(tmp_path_factory.mktemp("cd"), layout=NESTED, extra_references=[
        ["DICOM", "PA000000", "ST000000", "SE000000", "IM000099"], ["..", "SECRET.TXT"]])
    (root / "EMPTY.TXT").write_bytes(b"")
    return root


@pytest.mark.parametrize("options", NAME_SPACES.values(), ids=NAME_SPACES.keys())
def test_an_image_lists_like_the_folder_it_was_made_from(cd, tmp_path, options):
    image = write_iso(cd, tmp_path / "cd.iso", **options)
    folder = list_folder(cd)
    with list_iso(image) as listing:
        assert summary(listing) == summary(folder)
        assert listing.dicomdir == "DICOMDIR"
        assert len(image_paths(listing)) == 3
        assert listing.missing == ["DICOM/PA000000/ST000000/SE000000/IM000099"]
        assert listing.refused == ["../SECRET.TXT"]
        assert listing.total_size() == folder.total_size()


@pytest.mark.parametrize("options", [NAME_SPACES["iso9660 level 1"], NAME_SPACES["joliet and rock ridge"]],
                         ids=["iso9660", "joliet and rock ridge"])
def test_openers_stream_every_file_from_the_image(cd, tmp_path, options):
    image = write_iso(cd, tmp_path / "cd.iso", **options)
    with list_iso(image) as listing:
        for file in listing.files:
            with file.opener() as stream:
                data = b"".join(iter(lambda: stream.read(1000), b""))
            assert data == (cd / file.path).read_bytes()


@pytest.mark.parametrize("options", [NAME_SPACES["joliet"], NAME_SPACES["rock ridge"]], ids=["joliet", "rock ridge"])
def test_lower_case_names_are_kept_from_joliet_and_rock_ridge(tmp_path, options):
    folder = lower_case_tree(make_cd(tmp_path / "cd", documents=False))
    with list_iso(write_iso(folder, tmp_path / "cd.iso", **options)) as listing:
        assert listing.dicomdir == "dicomdir"
        assert image_paths(listing) == ["dicom/im000001", "dicom/im000002", "dicom/im000003"]


def test_rock_ridge_links_are_not_followed(tmp_path):
    folder = make_cd(tmp_path / "cd", documents=False)
    image = write_iso(folder, tmp_path / "cd.iso", symlinks={"PASSWD": "/etc/passwd"})
    with list_iso(image) as listing:
        assert [f.path for f in listing.files] == [
            "DICOMDIR", "DICOM/IM000001", "DICOM/IM000002", "DICOM/IM000003"]
        assert listing.notes == ["1 link on the medium was not followed."]


def test_closing_the_listing_closes_the_image(cd, tmp_path):
    image = write_iso(cd, tmp_path / "cd.iso")
    with list_iso(image) as listing:
        opener = listing.files[1].opener
        with opener() as stream:
            assert stream.read(132)[128:] == b"DICM"
    with pytest.raises(ValueError, match="closed ISO image"):
        opener()
    listing.close()  # twice is harmless


def test_a_file_that_is_not_an_image(tmp_path):
    (tmp_path / "letter.iso").write_bytes(b"%PDF-1.4\n" * 5000)
    with pytest.raises(BadInputError, match="not an ISO 9660 image"):
        list_iso(tmp_path / "letter.iso")


def test_a_damaged_image(cd, tmp_path):
    data = write_iso(cd, tmp_path / "cd.iso").read_bytes()
    (tmp_path / "cut.iso").write_bytes(data[:17 * 2048])  # volume descriptor, nothing after
    with pytest.raises(BadInputError, match="cut.iso is not an ISO 9660 image that can be read"):
        list_iso(tmp_path / "cut.iso")


def test_an_image_that_does_not_exist(tmp_path):
    with pytest.raises(BadInputError, match="does not exist"):
        list_iso(tmp_path / "none.iso")


class TestDamagedImages:
    """A truncated or garbled image is refused, or the files it cannot hold are left out
    with a note; never listed as if it were whole."""

    @pytest.fixture(scope="class")
    @classmethod
    def image(cls, tmp_path_factory) -> bytes:
        folder = make_cd(tmp_path_factory.mktemp("cd"))
        return write_iso(folder, tmp_path_factory.mktemp("iso") / "cd.iso").read_bytes()

    def listing(self, tmp_path, data: bytes):
        path = tmp_path / "damaged.iso"
        path.write_bytes(data)
        return list_iso(path)

    def test_an_empty_root_directory_record(self, tmp_path, image):
        with pytest.raises(BadInputError, match="damaged ISO 9660 image: its root directory record"):
            self.listing(tmp_path, hostile.iso_root_record_empty(image))

    @pytest.mark.parametrize("garble", [lambda i: hostile.iso_extent_past_end(i, "README.TXT"),
                                        lambda i: hostile.iso_declared_size(i, "README.TXT", 0xFFFFFFF0)],
                             ids=["extent past the end", "4 GB declared"])
    def test_a_file_that_lies_past_the_end(self, tmp_path, image, garble):
        with self.listing(tmp_path, garble(image)) as listing:
            assert "README.TXT" not in {f.path for f in listing.files}
            assert any("README.TXT lies past the end of the image" in note for note in listing.notes)
            assert len(image_paths(listing)) == 3

    @pytest.mark.parametrize("cut", [1000, 2048])
    def test_the_last_sectors_cut(self, tmp_path, image, cut):
        with self.listing(tmp_path, image[:-cut]) as listing:
            assert listing.notes[0].startswith("The image is cut short")
            assert listing.missing == ["DICOM/IM000003"]
            for disc_file in listing.files:
                with disc_file.opener() as handle:
                    assert len(handle.read()) == disc_file.size

    def test_half_an_image(self, tmp_path, image):
        with pytest.raises(BadInputError, match="damaged.iso is not an ISO 9660 image that can be read"):
            self.listing(tmp_path, image[:len(image) // 2])
