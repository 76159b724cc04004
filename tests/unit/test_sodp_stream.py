"""The SODP STREAM layer: chunking, and every kind of damage to header, MAC and chunks."""

import io
import struct

from hypothesis import given, settings, strategies as st
import pytest

from app.core.errors import BadInputError, PackageFormatError, PackageIntegrityError
from app.crypto.sodp import MAGIC, SodpReader, SodpWriter, TAG_SIZE
from tests.conftest import key_identity
from tests.unit.packages import CHUNK, seal


@pytest.fixture(scope="module")
def reviewer(pki):
    return key_identity(pki.reviewer_rsa)


def read_all(data: bytes, credentials) -> bytes:
    reader = SodpReader(io.BytesIO(data))
    reader.unlock(credentials)
    return b"".join(reader.chunks())


def payload_offset(data: bytes) -> int:
    (length,) = struct.unpack(">I", data[8:12])
    return 12 + length + 32


class TestRoundTrip:
    @settings(max_examples=60, deadline=None)
    @given(size=st.sampled_from([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7])
           | st.integers(0, 4 * CHUNK + 3),
           splits=st.lists(st.integers(1, 3 * CHUNK), max_size=6))
    def test_random_payloads_round_trip_around_chunk_boundaries(self, pki, size, splits):
        identity = key_identity(pki.reviewer_ec)
        data = bytes((i * 7 + size) % 256 for i in range(size))
        out = io.BytesIO()
        writer = SodpWriter(out, [pki.reviewer_ec.certificate], CHUNK)
        pos = 0
        for step in splits:  # writes of arbitrary sizes must not change the chunking
            writer.write(data[pos:pos + step])
            pos += step
        writer.write(data[pos:])
        writer.close()
        sealed = out.getvalue()
        chunks = max(1, -(-size // CHUNK))
        assert len(sealed) == payload_offset(sealed) + size + chunks * TAG_SIZE
        assert read_all(sealed, [identity]) == data

    def test_every_chunk_but_the_last_is_full(self, reviewer, pki):
        sealed = seal(b"x" * (2 * CHUNK), [pki.reviewer_rsa.certificate])
        reader = SodpReader(io.BytesIO(sealed))
        reader.unlock([reviewer])
        assert [len(c) for c in reader.chunks()] == [CHUNK, CHUNK]


@pytest.fixture(scope="module")
def sealed(pki):
    """Three full chunks and a short one, for the reviewer's RSA certificate."""
    return seal(bytes(range(256)) * (3 * CHUNK // 256 + 10), [pki.reviewer_rsa.certificate])


class TestDamage:
    def test_every_header_and_mac_byte_flipped_is_refused(self, sealed, reviewer):
        for position in range(payload_offset(sealed)):
            damaged = bytearray(sealed)
            damaged[position] ^= 0x01
            with pytest.raises(BadInputError):
                read_all(bytes(damaged), [reviewer])

    def test_sampled_payload_bytes_flipped_are_refused(self, sealed, reviewer):
        start = payload_offset(sealed)
        for position in list(range(start, len(sealed), 997)) + [len(sealed) - 1]:
            damaged = bytearray(sealed)
            damaged[position] ^= 0x80
            with pytest.raises(PackageIntegrityError):
                read_all(bytes(damaged), [reviewer])

    def test_truncation_at_and_between_chunk_boundaries(self, sealed, reviewer):
        start = payload_offset(sealed)
        sealed_chunk = CHUNK + TAG_SIZE
        cuts = [start, start + 1, start + sealed_chunk - 1, start + sealed_chunk, start + sealed_chunk + 1,
                start + 2 * sealed_chunk, start + 3 * sealed_chunk, len(sealed) - 1, 5, 11, start - 1]
        for cut in cuts:
            with pytest.raises(BadInputError):
                read_all(sealed[:cut], [reviewer])

    def test_truncation_at_a_chunk_boundary_is_named(self, sealed, reviewer):
        start = payload_offset(sealed)
        with pytest.raises(PackageIntegrityError, match="truncated"):
            read_all(sealed[:start + 2 * (CHUNK + TAG_SIZE)], [reviewer])

    def test_swapped_chunks_are_refused(self, sealed, reviewer):
        start, size = payload_offset(sealed), CHUNK + TAG_SIZE
        first, second = sealed[start:start + size], sealed[start + size:start + 2 * size]
        swapped = sealed[:start] + second + first + sealed[start + 2 * size:]
        with pytest.raises(PackageIntegrityError):
            read_all(swapped, [reviewer])

    @pytest.mark.parametrize("extra", [b"\x00", b"junk", b"\x00" * (CHUNK + TAG_SIZE)])
    def test_appended_bytes_are_refused(self, sealed, reviewer, extra):
        with pytest.raises(PackageIntegrityError):
            read_all(sealed + extra, [reviewer])

    def test_a_full_final_chunk_with_appended_bytes_is_named(self, pki, reviewer):
        sealed = seal(b"y" * CHUNK, [pki.reviewer_rsa.certificate])
        with pytest.raises(PackageIntegrityError, match="appended"):
            read_all(sealed + b"z" * 20, [reviewer])

    def test_header_length_past_the_end_of_the_file(self, sealed, reviewer):
        damaged = sealed[:8] + struct.pack(">I", len(sealed)) + sealed[12:]
        with pytest.raises(PackageIntegrityError, match="truncated"):
            read_all(damaged, [reviewer])

    def test_header_length_over_one_mib(self, sealed, reviewer):
        with pytest.raises(PackageFormatError):
            read_all(sealed[:8] + struct.pack(">I", (1 << 20) + 1) + sealed[12:], [reviewer])

    def test_not_a_package(self, reviewer):
        with pytest.raises(PackageFormatError, match="not an SODP"):
            read_all(b"%PDF-1.7\n" + b"x" * 100, [reviewer])
        with pytest.raises(PackageFormatError):
            read_all(b"", [reviewer])

    def test_magic_is_the_specified_bytes(self, sealed):
        assert sealed[:8] == bytes.fromhex("534F44500D0A1A0A") == MAGIC
