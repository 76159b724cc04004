"""The tar payload: member names and types, manifest agreement, sizes and hashes."""

import io
import json
import tarfile

import pytest

from app.core.errors import ManifestError, PackageIntegrityError, UnsafeMemberError
from app.dossier import package
from tests.conftest import key_identity
from tests.unit.packages import regular, sample_manifest, seal, sealed_package, tar_bytes, with_hashes

FILES = {"documents/referral.pdf": b"%PDF-1.7 referral", "DICOM/IM000001": b"DICM" * 100}


@pytest.fixture(scope="module")
def reviewer(pki):
    return key_identity(pki.reviewer_ec)


@pytest.fixture(scope="module")
def recipients(pki):
    return [pki.reviewer_ec.certificate]


def read(data: bytes, reviewer, **kwargs):
    return package.read_package(io.BytesIO(data), [reviewer], **kwargs)


def special(name: str, kind: bytes, **fields) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in fields.items():
        setattr(info, key, value)
    return info, None


class TestGoodPackage:
    def test_reads_every_member_into_the_sink(self, reviewer, recipients):
        received: dict[str, bytearray] = {}

        class Sink:
            def __init__(self, name):
                self.name = name
                received[name] = bytearray()

            def write(self, data):
                received[self.name] += data

            def close(self):
                pass

        contents = read(sealed_package(FILES, recipients), reviewer, sink=lambda name, size: Sink(name))
        assert {k: bytes(v) for k, v in received.items()} == FILES
        assert [f["path"] for f in contents.files] == list(FILES)
        assert contents.signature.state == "unsigned"

    def test_unknown_manifest_keys_are_kept(self, reviewer, recipients):
        manifest = with_hashes(sample_manifest(list(FILES), future_key={"x": 1}), FILES)
        contents = read(sealed_package(FILES, recipients, manifest), reviewer)
        assert contents.manifest["future_key"] == {"x": 1}


UNSAFE_NAMES = ["../evil", "documents/../../evil", "/etc/passwd", "C:/evil", "c:evil", "docs\\evil",
                "./x", "a//b"]


class TestUnsafeMembers:
    @pytest.mark.parametrize("name", UNSAFE_NAMES)
    def test_unsafe_names_are_refused(self, reviewer, recipients, name):
        files = {name: b"x"}
        manifest = with_hashes(sample_manifest([name]), files)
        members = [regular("manifest.json", json.dumps(manifest).encode()), regular(name, b"x")]
        with pytest.raises(UnsafeMemberError, match="unsafe name"):
            read(seal(tar_bytes(members), recipients), reviewer)

    @pytest.mark.parametrize("member", [
        special("documents/link", tarfile.SYMTYPE, linkname="/etc/passwd"),
        special("documents/hard", tarfile.LNKTYPE, linkname="documents/referral.pdf"),
        special("documents/dev", tarfile.CHRTYPE, devmajor=1, devminor=3),
        special("documents/blk", tarfile.BLKTYPE, devmajor=8, devminor=0),
        special("documents/fifo", tarfile.FIFOTYPE),
        special("documents/dir", tarfile.DIRTYPE),
    ], ids=["symlink", "hardlink", "chardev", "blockdev", "fifo", "directory"])
    def test_anything_but_regular_files_is_refused(self, reviewer, recipients, member):
        with pytest.raises(UnsafeMemberError, match="not a regular file"):
            read(sealed_package(FILES, recipients, extra_members=[member]), reviewer)

    def test_duplicate_members_are_refused(self, reviewer, recipients):
        duplicate = regular("documents/referral.pdf", FILES["documents/referral.pdf"])
        with pytest.raises(UnsafeMemberError, match="twice"):
            read(sealed_package(FILES, recipients, extra_members=[duplicate]), reviewer)

    def test_names_differing_only_in_case_are_duplicates(self, reviewer, recipients):
        twin = regular("documents/REFERRAL.pdf", b"x")
        with pytest.raises(UnsafeMemberError, match="twice"):
            read(sealed_package(FILES, recipients, extra_members=[twin]), reviewer)


class TestManifestAgreement:
    def test_a_file_missing_from_the_manifest(self, reviewer, recipients):
        with pytest.raises(ManifestError, match="does not list"):
            read(sealed_package(FILES, recipients, extra_members=[regular("documents/extra.txt", b"x")]), reviewer)

    def test_a_manifest_entry_missing_from_the_tar(self, reviewer, recipients):
        manifest = with_hashes(sample_manifest(list(FILES) + ["documents/gone.pdf"]), FILES)
        with pytest.raises(ManifestError, match="gone.pdf, which is not in the package"):
            read(sealed_package(FILES, recipients, manifest), reviewer)

    def test_a_size_mismatch(self, reviewer, recipients):
        manifest = with_hashes(sample_manifest(list(FILES)), FILES)
        manifest["documents"][0]["size"] += 1
        with pytest.raises(ManifestError, match="bytes, but the manifest says"):
            read(sealed_package(FILES, recipients, manifest), reviewer)

    def test_a_hash_mismatch(self, reviewer, recipients):
        manifest = with_hashes(sample_manifest(list(FILES)), FILES)
        manifest["documents"][1]["sha256"] = "0" * 64
        with pytest.raises(ManifestError, match="does not match its SHA-256"):
            read(sealed_package(FILES, recipients, manifest), reviewer)

    @pytest.mark.parametrize("path", [("format",), ("dossier_id",), ("created",), ("patient",),
                                      ("patient", "family_name"), ("patient", "birth_date"), ("referral",),
                                      ("referral", "question"), ("documents",), ("imaging",)])
    def test_a_manifest_without_a_required_key(self, reviewer, recipients, path):
        manifest = with_hashes(sample_manifest(list(FILES)), FILES)
        target = manifest
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        if path == ("documents",) or path == ("imaging",):
            files = {}
        else:
            files = FILES
        with pytest.raises(ManifestError, match=path[-1] + " is missing"):
            read(sealed_package(files, recipients, manifest), reviewer)

    def test_manifest_must_come_first(self, reviewer, recipients):
        manifest = with_hashes(sample_manifest(list(FILES)), FILES)
        members = [regular(n, d) for n, d in FILES.items()] + [regular("manifest.json", json.dumps(manifest).encode())]
        with pytest.raises(ManifestError, match="does not begin with manifest.json"):
            read(seal(tar_bytes(members), recipients), reviewer)

    def test_data_after_the_tar_stream_is_refused(self, reviewer, recipients):
        manifest = with_hashes(sample_manifest(list(FILES)), FILES)
        members = [regular("manifest.json", json.dumps(manifest).encode())]
        members += [regular(n, d) for n, d in FILES.items()]
        with pytest.raises(UnsafeMemberError, match="after the end"):
            read(seal(tar_bytes(members) + b"hidden", recipients), reviewer)

    def test_garbage_instead_of_a_tar(self, reviewer, recipients):
        with pytest.raises((PackageIntegrityError, ManifestError)):
            read(seal(b"this is not a tar stream at all" * 40, recipients), reviewer)
