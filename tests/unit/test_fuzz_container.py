"""Property tests of every parser of a package's untrusted bytes: the SODP header and its
stanzas, the STREAM of chunks, the tar subset, the manifest, BER/CMS (.p7m and the manifest
signature). Any bytes, and mutations of valid ones (bit flips, truncations, insertions and
overwrites at structural boundaries), give a result or a SecondoError, never another
exception. Derandomized, so that CI cannot flake."""

from __future__ import annotations

import io
import json
from unittest import mock

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from app.core.errors import SecondoError
from app.crypto import stanzas
from app.crypto.sodp import SodpReader, SodpWriter, read_header
from app.crypto.stanzas import VaultKey
from app.dossier import ber, manifest as manifest_mod, package
from app.dossier.manifest_signature import SignatureState, sign_manifest, verify_manifest_signature
from app.dossier.p7m import P7mReader
from tests.conftest import key_identity
from tests.hostile import tar_blocks as tb
from tests.unit.packages import sample_manifest, set_field, with_hashes

EXAMPLES = 300
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
VAULT = VaultKey(bytes(range(32)), "fuzz")
FILES = {"documents/letter.txt": b"DEMO letter for Test Patient\n" * 30, "DICOM/IM1": bytes(range(256)) * 4}
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=24)


def mutations(valid: bytes, boundaries: list[int]) -> st.SearchStrategy[bytes]:
    """Any bytes, or `valid` with bits flipped, cut short, or bytes inserted or overwritten at
    one of its structural boundaries."""
    points = st.sampled_from(sorted({b for b in boundaries if 0 <= b <= len(valid)}))

    def flip(offsets: list[tuple[int, int]]) -> bytes:
        data = bytearray(valid)
        for offset, bit in offsets:
            data[offset % len(data)] ^= 1 << bit
        return bytes(data)

    return st.one_of(
        st.binary(max_size=2048),
        st.lists(st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 7)), min_size=1, max_size=4).map(flip),
        st.integers(0, len(valid)).map(lambda n: valid[:n]),
        points.map(lambda n: valid[:n]),
        st.tuples(points, st.binary(min_size=1, max_size=600)).map(lambda t: valid[:t[0]] + t[1] + valid[t[0]:]),
        st.tuples(points, st.binary(min_size=1, max_size=32)).map(
            lambda t: valid[:t[0]] + t[1] + valid[t[0] + len(t[1]):]),
    )


def refused_or_read(action) -> None:
    try:
        action()
    except SecondoError:
        pass


def valid_tar() -> bytes:
    manifest = json.dumps(with_hashes(sample_manifest(["documents/letter.txt"], ["DICOM/IM1"]), FILES)).encode()
    return (tb.regular(b"manifest.json", manifest) + tb.regular(b"documents/letter.txt", FILES["documents/letter.txt"])
            + tb.regular(b"x", FILES["DICOM/IM1"], tb.record(b"path", b"DICOM/IM1")) + tb.end())


def sealed(plaintext: bytes) -> bytes:
    out = io.BytesIO()
    writer = SodpWriter(out, [VAULT], 1 << 16)
    writer.write(plaintext)
    writer.close()
    return out.getvalue()


TAR = valid_tar()
TAR_BOUNDARIES = list(range(0, len(TAR) + 1, 512)) + [148, 156, 157, 257, 345, 124, 136]
PACKAGE = sealed(TAR + bytes(70_000))  # two chunks: the tar, then zero padding past 64 KiB
HEADER_END = 12 + int.from_bytes(PACKAGE[8:12], "big")
PACKAGE_BOUNDARIES = [0, 8, 12, 13, HEADER_END - 1, HEADER_END, HEADER_END + 32, HEADER_END + 32 + (1 << 16) + 16,
                      len(PACKAGE) - 16, len(PACKAGE)]


class TestSodpHeader:
    @FUZZ
    @given(data=mutations(PACKAGE[:HEADER_END + 32], PACKAGE_BOUNDARIES))
    def test_read_header(self, data):
        refused_or_read(lambda: read_header(io.BytesIO(data)))

    @FUZZ
    @given(recipients=st.lists(JSON, max_size=6) | JSON,
           credentials=st.lists(st.sampled_from([stanzas.Passphrase("x"), VAULT]), max_size=2))
    def test_stanzas_of_any_shape(self, recipients, credentials):
        header = {"format": "sodp/1", "chunk_size": 65536, "payload_salt": stanzas.b64(bytes(32)),
                  "recipients": recipients}
        data = json.dumps(header).encode()
        stream = io.BytesIO(b"SODP\r\n\x1a\n" + len(data).to_bytes(4, "big") + data + bytes(32))
        with mock.patch.object(stanzas, "argon2id_kek", lambda *args: bytes(32)):  # the parsing, not the KDF
            refused_or_read(lambda: SodpReader(stream).unlock(credentials))

    @FUZZ
    @given(stanza=st.fixed_dictionaries({"type": st.just(stanzas.PASSPHRASE)},
                                        optional={k: JSON for k in ("salt", "time_cost", "memory_kib", "lanes",
                                                                    "nonce", "wrapped_key")}))
    def test_passphrase_stanza_fields(self, stanza):
        with mock.patch.object(stanzas, "argon2id_kek", lambda *args: bytes(32)):
            refused_or_read(lambda: stanzas.find_file_key([stanza], [stanzas.Passphrase("x")]))
        assert isinstance(stanzas.describe(stanza), dict)


class TestStream:
    @FUZZ
    @given(data=mutations(PACKAGE, PACKAGE_BOUNDARIES))
    def test_chunks(self, data):
        def read_all():
            reader = SodpReader(io.BytesIO(data))
            reader.unlock([VAULT])
            for _chunk in reader.chunks():
                pass
        refused_or_read(read_all)

    @FUZZ
    @given(data=mutations(PACKAGE, PACKAGE_BOUNDARIES))
    def test_whole_package(self, data):
        refused_or_read(lambda: package.read_package(io.BytesIO(data), [VAULT]))


class TestTarMembers:
    @FUZZ
    @given(data=mutations(TAR, TAR_BOUNDARIES))
    def test_tar_payload(self, data):
        refused_or_read(lambda: package.read_payload(iter([data])))

    @FUZZ
    @given(records=st.lists(st.tuples(st.sampled_from([b"path", b"size", b"mtime", b"linkpath", b"uid", b"uname",
                                                      b"GNU.sparse.map", b"hdrcharset", b"x"]),
                                      st.binary(max_size=40)), max_size=4),
           raw=st.binary(max_size=200))
    def test_pax_records(self, records, raw):
        body = b"".join(tb.record(k, v) for k, v in records) + raw
        data = TAR[:TAR.index(b"documents/letter.txt") // 512 * 512] + tb.pax(body) + TAR[-1024 - 512 * 3:]
        refused_or_read(lambda: package.read_payload(iter([data])))

    @FUZZ
    @given(data=st.binary(max_size=4096), split=st.integers(1, 700))
    def test_any_bytes_in_any_pieces(self, data, split):
        refused_or_read(lambda: package.read_payload(iter([data[i:i + split] for i in range(0, len(data), split)])))


def manifest_paths() -> list[str]:
    return ["format", "dossier_id", "created", "sender", "sender.organisation", "patient", "patient.family_name",
            "patient.given_names", "patient.birth_date", "patient.sex", "patient.identifiers", "referral",
            "referral.question", "referral.urgency", "referral.consented_recipients", "referral.treating_physician",
            "documents", "documents.0", "documents.0.path", "documents.0.size", "documents.0.sha256",
            "documents.0.kind", "documents.0.media_type", "documents.0.title", "documents.0.date", "imaging",
            "imaging.0", "imaging.0.path", "imaging.0.size"]


class TestManifest:
    @FUZZ
    @given(value=JSON)
    def test_any_json(self, value):
        refused_or_read(lambda: manifest_mod.validate(value))

    @FUZZ
    @given(path=st.sampled_from(manifest_paths()), value=JSON)
    def test_one_field_replaced(self, path, value):
        manifest = with_hashes(sample_manifest(["documents/letter.txt"], ["DICOM/IM1"]), FILES)
        set_field(manifest, path, value)

        def check():
            valid = manifest_mod.parse(json.dumps(manifest).encode())
            manifest_mod.file_entries(valid)
            manifest_mod.created_timestamp(valid)
        refused_or_read(check)

    @FUZZ
    @given(data=mutations(json.dumps(with_hashes(sample_manifest(["documents/letter.txt"]), FILES)).encode(),
                          [0, 1, 10, 50, 100]))
    def test_manifest_bytes(self, data):
        refused_or_read(lambda: manifest_mod.parse(data))


@pytest.fixture(scope="module")
def envelope(pki):
    """A .p7m (EnvelopedData, AES-256-CBC, RSA key transport) around the valid tar."""
    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(TAR).add_recipient(pki.reviewer_rsa.certificate)
    return builder.encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


@pytest.fixture(scope="module")
def manifest_signature(pki):
    manifest = b'{"format": "sodp-manifest/1"}'
    return manifest, sign_manifest(manifest, key_identity(pki.sender))


class TestCms:
    def test_the_envelope_opens(self, envelope, pki):
        reader = P7mReader(io.BytesIO(envelope))
        reader.unlock([key_identity(pki.reviewer_rsa)])
        assert package.read_payload(reader.chunks()).files

    @FUZZ
    @given(data=st.data())
    def test_p7m(self, data, envelope, pki):
        mutated = data.draw(mutations(envelope, [0, 2, 4, 15, 17, 30, 60, 100, len(envelope) // 2, len(envelope) - 40]))
        identity = key_identity(pki.reviewer_rsa)

        def read_all():
            reader = P7mReader(io.BytesIO(mutated))
            reader.unlock([identity])
            package.read_payload(reader.chunks())
        refused_or_read(read_all)

    @FUZZ
    @given(data=st.binary(max_size=512))
    def test_ber_elements(self, data):
        def walk():
            source = ber.BerInput(io.BytesIO(data))
            while not source.at_eof():
                source.element_bytes(source.read_header())
        refused_or_read(walk)

    @FUZZ
    @given(data=st.data())
    def test_manifest_signature(self, data, manifest_signature, pki):
        manifest, signature = manifest_signature
        mutated = data.draw(mutations(signature, [0, 2, 4, 19, 30, 60, len(signature) // 2, len(signature) - 30]))
        state = verify_manifest_signature(manifest, mutated, [pki.root.certificate])
        assert isinstance(state, SignatureState)
        if mutated != signature:
            assert state.state == "invalid"
