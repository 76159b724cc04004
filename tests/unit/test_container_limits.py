"""The reader's resource limits (app/crypto/limits.py, SODP.md Limits) and the hostile inputs
each one was set for: deep JSON, costly or countless Argon2id stanzas, tar headers outside
the allowed subset, manifest fields of the wrong type, a dossier larger than the free disk."""

import hashlib
import io
import json
import struct

import pytest

from app.core.errors import (ManifestError, OutputError, PackageFormatError, PackageIntegrityError,
                             UnsafeMemberError, WrongKeyError)
from app.crypto import limits, stanzas
from app.crypto.sodp import MAGIC, read_header
from app.dossier import manifest as manifest_mod
from app.dossier import package, tar_stream
from tests.hostile import tar_blocks as tb
from tests.unit.packages import sample_manifest, with_hashes

DOC = b"DEMO letter for Test Patient\n" * 10
FILES = {"documents/letter.txt": DOC}


def sodp_with_header(header: bytes) -> io.BytesIO:
    return io.BytesIO(MAGIC + struct.pack(">I", len(header)) + header + b"\0" * 32)


def good_header(**changes) -> dict:
    stanza = {"type": "x509-rsa-oaep", "cert_sha256": "00" * 32, "wrapped_key": "AAAA"}
    return {"format": "sodp/1", "chunk_size": 65536, "payload_salt": stanzas.b64(bytes(32)),
            "recipients": [stanza]} | changes


def manifest_bytes(manifest: dict | None = None) -> bytes:
    return json.dumps(manifest or with_hashes(sample_manifest(list(FILES)), FILES)).encode()


def payload(*members: bytes, manifest: bytes | None = None, end: bool = True) -> bytes:
    return (tb.regular(b"manifest.json", manifest or manifest_bytes()) + b"".join(members)
            + (tb.end() if end else b""))


def read(data: bytes, **options):
    return package.read_payload(iter([data]), **options)


class TestHeader:
    def test_a_deeply_nested_header_is_refused(self):
        with pytest.raises(PackageFormatError, match="levels"):
            read_header(sodp_with_header(b"[" * 100_000 + b"]" * 100_000))

    def test_nesting_beyond_the_limit_is_refused_even_when_the_parser_copes(self):
        deep = good_header(extra=json.loads("[" * 40 + "]" * 40))
        with pytest.raises(PackageFormatError, match="levels"):
            read_header(sodp_with_header(json.dumps(deep).encode()))

    def test_more_stanzas_than_the_limit_are_refused(self):
        header = good_header()
        header["recipients"] = header["recipients"] * (limits.MAX_STANZAS + 1)
        with pytest.raises(PackageFormatError, match="at most 64"):
            read_header(sodp_with_header(json.dumps(header).encode()))

    def test_stanzas_up_to_the_limit_are_read(self):
        header = good_header()
        header["recipients"] = header["recipients"] * limits.MAX_STANZAS
        assert len(read_header(sodp_with_header(json.dumps(header).encode())).recipients) == limits.MAX_STANZAS


def passphrase_stanza(**params) -> dict:
    return {"type": stanzas.PASSPHRASE, "salt": stanzas.b64(bytes(16)), "time_cost": 2, "memory_kib": 65536,
            "lanes": 1, "nonce": stanzas.b64(bytes(12)), "wrapped_key": stanzas.b64(bytes(48))} | params


class TestArgon2id:
    @pytest.fixture
    def derivations(self, monkeypatch) -> list:
        calls: list = []

        def fake_kek(passphrase, salt, time_cost, memory_kib, lanes):
            calls.append((time_cost, memory_kib, lanes))
            return bytes(32)
        monkeypatch.setattr(stanzas, "argon2id_kek", fake_kek)
        return calls

    @pytest.mark.parametrize("params, field", [
        ({"memory_kib": 4 << 20}, "memory_kib"), ({"memory_kib": (1 << 20) + 1}, "memory_kib"),
        ({"time_cost": 17}, "time_cost"), ({"lanes": 0}, "lanes"), ({"memory_kib": "65536"}, "memory_kib"),
        ({"time_cost": True}, "time_cost"), ({"time_cost": 16, "memory_kib": 1 << 20}, "Argon2id cost"),
    ], ids=["4GiB", "over-1GiB", "time", "lanes", "string", "bool", "work"])
    def test_costs_beyond_the_bounds_are_refused_before_deriving(self, derivations, params, field):
        with pytest.raises(PackageFormatError, match=field):
            stanzas.find_file_key([passphrase_stanza(**params)], [stanzas.Passphrase("x")])
        assert derivations == []

    def test_the_largest_allowed_cost_is_derived(self, derivations):
        with pytest.raises(WrongKeyError):
            stanzas.find_file_key([passphrase_stanza(time_cost=4, memory_kib=1 << 20)], [stanzas.Passphrase("x")])
        assert derivations == [(4, 1 << 20, 1)]

    def test_one_bad_stanza_among_many_refuses_before_any_derivation(self, derivations):
        header = [passphrase_stanza()] * 3 + [passphrase_stanza(memory_kib=4 << 20)]
        with pytest.raises(PackageFormatError):
            stanzas.find_file_key(header, [stanzas.Passphrase("x")])
        assert derivations == []

    def test_at_most_four_derivations_per_open(self, derivations):
        with pytest.raises(WrongKeyError, match="Wrong passphrase"):
            stanzas.find_file_key([passphrase_stanza()] * 60, [stanzas.Passphrase("a"), stanzas.Passphrase("b")])
        assert len(derivations) == limits.MAX_ARGON2_PER_OPEN

    def test_certificate_credentials_never_derive(self, derivations, pki):
        from tests.conftest import key_identity
        with pytest.raises(WrongKeyError):
            stanzas.find_file_key([passphrase_stanza()] * 10, [key_identity(pki.reviewer_ec)])
        assert derivations == []

    def test_a_memory_error_while_deriving_is_a_clear_refusal(self, monkeypatch):
        def no_memory(*args):
            raise MemoryError
        monkeypatch.setattr(stanzas, "argon2id_kek", no_memory)
        with pytest.raises(PackageFormatError, match="not enough free memory"):
            stanzas.find_file_key([passphrase_stanza()], [stanzas.Passphrase("x")])

    def test_describe_shows_wrongly_typed_costs_as_null(self):
        shown = stanzas.describe(passphrase_stanza(memory_kib="a lot", lanes=[1], time_cost={"x": 1}))
        assert shown == {"type": stanzas.PASSPHRASE, "time_cost": None, "memory_kib": None, "lanes": None}
        assert stanzas.describe({"type": ["odd"]})["type"] == "['odd']"


class TestTarSubset:
    def test_a_well_formed_payload_is_read(self):
        contents = read(payload(tb.regular(b"documents/letter.txt", DOC)))
        assert contents.files == [{"path": "documents/letter.txt", "size": len(DOC),
                                   "sha256": hashlib.sha256(DOC).hexdigest()}]

    def test_a_pax_path_in_utf8_is_read(self):
        files = {"documents/lettre-é.txt": DOC}
        manifest = manifest_bytes(with_hashes(sample_manifest(list(files)), files))
        member = tb.regular(b"x", DOC, tb.record(b"path", "documents/lettre-é.txt".encode()))
        assert read(payload(member, manifest=manifest)).files[0]["path"] == "documents/lettre-é.txt"

    @pytest.mark.parametrize("member, message", [
        (tb.regular(b"documents/letter.txt", DOC, tb.record(b"GNU.sparse.map", b"1,x,3")), "GNU.sparse.map"),
        (tb.regular(b"documents/letter.txt", DOC, tb.record(b"GNU.sparse.numblocks", b"99999999")), "sparse"),
        (tb.regular(b"documents/letter.txt", DOC, tb.record(b"linkpath", b"/etc/passwd")), "linkpath"),
        (tb.regular(b"documents/letter.txt", DOC, tb.record(b"path", b"documents/\xff.txt")), "not UTF-8"),
        (tb.regular(b"documents/letter.txt", DOC, tb.record(b"hdrcharset", b"BINARY")), "hdrcharset"),
        (tb.regular(b"documents/letter.txt", DOC, tb.record(b"size", b"12abc")), "not a number"),
        (tb.regular(b"documents/letter.txt", DOC, tb.record(b"path", b"a") + tb.record(b"path", b"b")), "twice"),
        (tb.regular(b"documents/\xff.txt", DOC), "not UTF-8"),
        (tb.pax(b"0" * 60_000 + b"1 path=x\n") + tb.regular(b"documents/letter.txt", DOC), "malformed pax"),
        (tb.pax(b"9" * 60_000 + b" path=x\n") + tb.regular(b"documents/letter.txt", DOC), "malformed pax"),
        (tb.pax(b"30 path=documents/letter.txt\n") + tb.regular(b"documents/letter.txt", DOC), "malformed pax"),
        (tb.header(b"PaxHeaders/x", 50 << 20, b"x") + b"1" * 4096, "at most 65536"),
        (tb.header(b"PaxHeaders/x", 300_000, b"x") + b"1" * 300_000, "at most 65536"),
        (tb.pax(tb.record(b"path", b"x")) + tb.pax(tb.record(b"path", b"y")), "two pax headers"),
        (tb.header(b"g", 0, b"g"), "global pax header"),
        (tb.header(b"././@LongLink", 10, b"L") + tb.pad(b"a" * 10), "GNU long name"),
        (tb.header(b"documents/sparse", 10, b"S"), "GNU sparse"),
        (tb.header(b"documents/link", 0, b"2", linkname=b"/etc/passwd"), "symbolic link"),
        (tb.header(b"documents/hard", 0, b"1", linkname=b"manifest.json"), "hard link"),
        (tb.header(b"documents/dir/", 0, b"5"), "folder"),
        (tb.header(b"documents/dev", 0, b"3"), "character device"),
        (tb.header(b"documents/letter.txt", len(DOC), linkname=b"x") + tb.pad(DOC), "link name"),
        (tb.header(b"documents/big", size_field=b"\x80" + b"\0" * 7 + b"\x7f\xff\xff\xff"), "base-256"),
        (tb.regular(b"x", DOC, tb.record(b"path", ("d/" + "a" * 300).encode())), "too long"),
        (tb.regular(b"x", DOC, tb.record(b"path", ("a/" * 600 + "b").encode())), "too long"),
    ], ids=["sparse-map", "sparse-blocks", "linkpath", "pax-path-not-utf8", "hdrcharset", "pax-size-text",
            "pax-key-twice", "name-not-utf8", "pax-300k-zeros", "pax-60k-digits", "pax-length-wrong", "pax-50MB",
            "pax-300k", "pax-pax", "global", "gnu-longname", "gnu-sparse", "symlink", "hardlink", "folder",
            "device", "regular-with-linkname", "base-256-size", "segment-too-long", "path-too-long"])
    def test_anything_outside_the_subset_is_refused_before_its_bytes(self, member, message):
        received = []
        with pytest.raises(UnsafeMemberError, match=message):
            read(payload(member), sink=lambda name, size: received.append(name))
        assert received == []

    @pytest.mark.parametrize("data, error", [
        (b"", PackageIntegrityError),
        (tb.header(b"manifest.json", 2, magic=b"ustar  \0") + tb.pad(b"{}") + tb.end(), PackageIntegrityError),
        (payload(end=False), PackageIntegrityError),
        (payload()[:700], PackageIntegrityError),
        (payload()[:300], PackageIntegrityError),
    ], ids=["empty", "gnu-magic", "no-end-marker", "cut-in-data", "cut-in-header"])
    def test_broken_tar_streams_are_integrity_errors(self, data, error):
        with pytest.raises(error):
            read(data)

    def test_a_bad_header_checksum_is_an_integrity_error(self):
        data = bytearray(payload(tb.regular(b"documents/letter.txt", DOC)))
        data[len(tb.regular(b"manifest.json", manifest_bytes())) + 3] ^= 0x01  # the second member's name
        with pytest.raises(PackageIntegrityError, match="checksum"):
            read(bytes(data))

    def test_the_member_count_is_capped(self, monkeypatch):
        monkeypatch.setattr(tar_stream, "MAX_MEMBERS", 3)
        files = {f"documents/{i}.txt": b"x" for i in range(4)}
        manifest = manifest_bytes(with_hashes(sample_manifest(list(files)), files))
        members = [tb.regular(name.encode(), data) for name, data in files.items()]
        with pytest.raises(UnsafeMemberError, match="more than 3 members"):
            read(payload(*members, manifest=manifest))

    def test_a_manifest_listing_more_files_than_the_limit_is_refused(self):
        entries = [{"path": f"d/{i}", "size": 1, "sha256": "0" * 64} for i in range(limits.MAX_MEMBERS + 1)]
        with pytest.raises(ManifestError, match="more than"):
            manifest_mod.validate(sample_manifest(imaging=()) | {"imaging": entries})


def mutated(path: str, value) -> dict:
    manifest = with_hashes(sample_manifest(list(FILES)), FILES)
    manifest["referral"]["treating_physician"] = {"name": "Dr. DEMO"}
    manifest["patient"]["identifiers"] = [{"system": "demo", "value": "DEMO-1"}]
    keys = path.split(".")
    node = manifest
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return manifest


class TestManifestTypes:
    def test_the_base_manifest_is_valid(self):
        manifest_mod.parse(json.dumps(mutated("format", "sodp-manifest/1")).encode())

    @pytest.mark.parametrize("path, value", [
        ("dossier_id", 0x12345678123456781234567812345678), ("dossier_id", ["x"]), ("created", 5),
        ("patient", "Test"), ("patient.family_name", ["Test"]), ("patient.given_names", {"x": 1}),
        ("patient.birth_date", 19700101), ("patient.sex", ["F"]), ("patient.identifiers", "DEMO-1"),
        ("patient.identifiers", [1]), ("patient.identifiers.0", {"system": "demo", "value": 1}),
        ("sender", ["DEMO"]), ("sender.organisation", {"name": "DEMO"}), ("referral", []),
        ("referral.question", 42), ("referral.urgency", {"x": 1}), ("referral.consented_recipients", [["patient"]]),
        ("referral.consented_recipients", "patient"), ("referral.treating_physician", "Dr. DEMO"),
        ("referral.treating_physician.name", 7), ("referral.reason", ["x"]), ("documents", {"path": "x"}),
        ("documents.0", "documents/letter.txt"), ("documents.0.path", 5), ("documents.0.path", ["a"]),
        ("documents.0.path", {"a": 1}), ("documents.0.path", None), ("documents.0.size", "290"),
        ("documents.0.size", True), ("documents.0.size", 290.0), ("documents.0.size", 10 ** 30),
        ("documents.0.size", -1), ("documents.0.sha256", ["0" * 64]), ("documents.0.kind", ["other"]),
        ("documents.0.kind", {"other": 1}), ("documents.0.media_type", 3), ("documents.0.media_type", "garbage"),
        ("documents.0.media_type", ["text/plain"]), ("documents.0.title", 1), ("documents.0.author", []),
        ("documents.0.date", 20200101), ("imaging", "DICOM"),
    ])
    def test_a_field_of_the_wrong_type_is_a_manifest_error(self, path, value):
        with pytest.raises(ManifestError):
            manifest_mod.parse(json.dumps(mutated(path, value)).encode())

    def test_a_deeply_nested_manifest_is_a_manifest_error(self):
        with pytest.raises(ManifestError, match="levels"):
            manifest_mod.parse(b"[" * 200_000 + b"]" * 200_000)
        deep = mutated("future", json.loads("[" * 40 + "]" * 40))
        with pytest.raises(ManifestError, match="levels"):
            manifest_mod.parse(json.dumps(deep).encode())


class TestFreeSpace:
    def test_a_dossier_larger_than_the_free_space_is_refused_before_any_file(self, monkeypatch, tmp_path):
        monkeypatch.setattr(package.shutil, "disk_usage", lambda path: type("U", (), {"free": 10 << 20})())
        received = []
        with pytest.raises(OutputError, match="not enough free disk space"):
            read(payload(tb.regular(b"documents/letter.txt", DOC)), free_space_at=tmp_path / "staging",
                 sink=lambda name, size: received.append(name))
        assert received == []

    def test_declared_sizes_count_against_the_disk(self, monkeypatch, tmp_path):
        free = 200 << 20
        monkeypatch.setattr(package.shutil, "disk_usage", lambda path: type("U", (), {"free": free})())
        package.check_free_space(tmp_path, [{"size": 100 << 20}])
        with pytest.raises(OutputError):
            package.check_free_space(tmp_path, [{"size": free}])

    def test_enough_space_reads_the_package(self, tmp_path):
        assert read(payload(tb.regular(b"documents/letter.txt", DOC)), free_space_at=tmp_path).files
