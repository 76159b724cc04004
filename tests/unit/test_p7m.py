"""The streaming `.p7m` reader, against real files made by the openssl CLI."""

import hashlib
import io
import json
import random
import shutil
import subprocess
import tarfile
import tracemalloc
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.core.errors import PackageFormatError, PackageIntegrityError, WrongKeyError
from app.demo.pki import DEMO_PASSPHRASE
from app.dossier.p7m import P7mReader
from app.crypto.sodp import ChunkStream
from app.signing.identities import load_pkcs12

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="the openssl CLI makes the test files; it is not installed")

MiB = 1 << 20


@pytest.fixture(scope="session")
def identities(pki_files):
    """KeyIdentity per demo identity, read from the PKCS#12 files write_pki made."""
    return {stem: load_pkcs12(pki_files[f"{stem}.p12"], DEMO_PASSPHRASE)
            for stem in ("reviewer-rsa", "reviewer-ec", "treating-physician", "sender")}


def encrypt(tmp_path: Path, payload: bytes, recipients: list[Path], *options: str,
            name: str = "dossier.p7m") -> Path:
    """`openssl cms -encrypt -binary ... -outform DER` of payload."""
    plain, out = tmp_path / f"{name}.plain", tmp_path / name
    plain.write_bytes(payload)
    command = ["openssl", "cms", "-encrypt", "-binary", "-in", str(plain), "-outform", "DER",
               "-out", str(out)]
    for recipient in recipients:
        command += ["-recip", str(recipient)]
    command += options  # after -recip, where -keyopt applies to the last recipient
    subprocess.run(command, check=True, capture_output=True)
    return out


def decrypt(data: bytes | Path, credentials: list, stream_type=io.BytesIO) -> bytes:
    raw = data.read_bytes() if isinstance(data, Path) else data
    reader = P7mReader(stream_type(raw))
    reader.unlock(credentials)
    return b"".join(reader.chunks())


def payload_of(size: int) -> bytes:
    return random.Random(size).randbytes(size)


class ShortReads(io.RawIOBase):
    """A stream that returns at most 7 bytes a read, as pipes and slow media may."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(7, size) if size is not None and size >= 0 else 7)


class TestRoundTrip:
    @pytest.mark.parametrize("size", [0, 1, 15, 16, 17, MiB + 5])
    @pytest.mark.parametrize("options", [("-aes256",), ("-aes256", "-stream")], ids=["der", "stream"])
    def test_rsa_payload_sizes(self, tmp_path, pki_files, identities, size, options):
        payload = payload_of(size)
        p7m = encrypt(tmp_path, payload, [pki_files["reviewer-rsa.pem"]], *options)
        assert decrypt(p7m, [identities["reviewer-rsa"]]) == payload

    def test_stream_output_is_ber_with_indefinite_lengths(self, tmp_path, pki_files, identities):
        payload = payload_of(50_000)
        p7m = encrypt(tmp_path, payload, [pki_files["reviewer-rsa.pem"]], "-aes256", "-stream")
        assert p7m.read_bytes()[:2] == b"\x30\x80"
        assert decrypt(p7m, [identities["reviewer-rsa"]], ShortReads) == payload

    @pytest.mark.parametrize("options", [
        ("-aes256", "-keyopt", "rsa_padding_mode:oaep"),
        ("-aes256", "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256",
         "-keyopt", "rsa_mgf1_md:sha384", "-keyopt", "rsa_oaep_label:0011"),
        ("-aes128",), ("-aes192", "-stream"), ("-aes256", "-keyid"),
        ("-aes-256-gcm",), ("-aes-128-gcm", "-stream"),
    ], ids=["oaep", "oaep-sha256-label", "aes128", "aes192-stream", "keyid", "gcm", "gcm-stream"])
    def test_rsa_variants(self, tmp_path, pki_files, identities, options):
        payload = payload_of(40_017)
        p7m = encrypt(tmp_path, payload, [pki_files["reviewer-rsa.pem"]], *options)
        assert decrypt(p7m, [identities["reviewer-rsa"]]) == payload

    @pytest.mark.parametrize("options", [
        ("-aes256",), ("-aes128", "-keyopt", "ecdh_kdf_md:sha256"),
        ("-aes256", "-stream", "-keyid", "-keyopt", "ecdh_kdf_md:sha512"),
    ], ids=["sha1kdf", "sha256kdf", "sha512kdf-stream-keyid"])
    def test_ec_recipient_uses_ecdh_key_agreement(self, tmp_path, pki_files, identities, options):
        payload = payload_of(33_333)
        p7m = encrypt(tmp_path, payload, [pki_files["reviewer-ec.pem"]], *options)
        reader = P7mReader(io.BytesIO(p7m.read_bytes()))
        assert [r["type"] for r in reader.recipients] == ["kari"]
        reader.unlock([identities["reviewer-ec"]])
        assert b"".join(reader.chunks()) == payload

    def test_several_recipients_each_open_it(self, tmp_path, pki_files, identities):
        payload = payload_of(20_000)
        p7m = encrypt(tmp_path, payload, [pki_files["treating-physician.pem"], pki_files["reviewer-ec.pem"],
                                          pki_files["reviewer-rsa.pem"]], "-aes256")
        for stem in ("treating-physician", "reviewer-ec", "reviewer-rsa"):
            assert decrypt(p7m, ["a passphrase is ignored", identities[stem]]) == payload

    def test_recipients_are_listed_without_a_key(self, tmp_path, pki, pki_files):
        p7m = encrypt(tmp_path, b"x", [pki_files["reviewer-rsa.pem"], pki_files["reviewer-ec.pem"]], "-aes256")
        recipients = P7mReader(io.BytesIO(p7m.read_bytes())).recipients
        assert recipients == [
            {"type": "ktri", "issuer": "Second-O DEMO Root CA",
             "serial": pki.reviewer_rsa.certificate.serial_number, "ski": None},
            {"type": "kari", "issuer": "Second-O DEMO Root CA",
             "serial": pki.reviewer_ec.certificate.serial_number, "ski": None},
        ]
        keyid = encrypt(tmp_path, b"x", [pki_files["reviewer-rsa.pem"]], "-aes256", "-keyid", name="k.p7m")
        (entry,) = P7mReader(io.BytesIO(keyid.read_bytes())).recipients
        assert entry["issuer"] is None and entry["serial"] is None and len(entry["ski"]) == 40

    def test_a_pax_tar_streams_through_chunk_stream(self, tmp_path, pki_files, identities):
        buffer = io.BytesIO()
        files = {"manifest.json": json.dumps({"format": "sodp-manifest/1"}).encode(),
                 "documents/referral.pdf": b"%PDF-1.7\n" + payload_of(300_000)}
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        p7m = encrypt(tmp_path, buffer.getvalue(), [pki_files["reviewer-rsa.pem"]], "-aes256", "-stream")
        reader = P7mReader(p7m.open("rb"))
        reader.unlock([identities["reviewer-rsa"]])
        with tarfile.open(fileobj=ChunkStream(reader.chunks()), mode="r|") as tar:
            seen = {member.name: tar.extractfile(member).read() for member in tar}
        assert list(seen) == list(files) and seen == files


class TestMemory:
    def test_memory_stays_bounded_whatever_the_size(self, tmp_path, pki_files, identities):
        payload = payload_of(16 * MiB)
        digest = hashlib.sha256(payload).hexdigest()
        p7m = encrypt(tmp_path, payload, [pki_files["reviewer-rsa.pem"]], "-aes256", "-stream")
        del payload
        tracemalloc.start()
        try:
            with p7m.open("rb") as stream:
                reader = P7mReader(stream)
                reader.unlock([identities["reviewer-rsa"]])
                hasher = hashlib.sha256()
                for chunk in reader.chunks():
                    hasher.update(chunk)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert hasher.hexdigest() == digest
        assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB for a 16 MiB payload"


class TestRefusals:
    def test_wrong_identity_names_whom_the_file_is_for(self, tmp_path, pki, pki_files, identities):
        p7m = encrypt(tmp_path, b"secret", [pki_files["reviewer-rsa.pem"]], "-aes256")
        with pytest.raises(WrongKeyError) as caught:
            decrypt(p7m, [identities["treating-physician"], identities["reviewer-ec"]])
        message = str(caught.value)
        assert "Dr. Test Treating (DEMO)" in message and "Dr. Test Reviewer EC (DEMO)" in message
        assert "Second-O DEMO Root CA" in message
        assert format(pki.reviewer_rsa.certificate.serial_number, "X") in message

    def test_no_identity_says_one_is_needed(self, tmp_path, pki_files):
        p7m = encrypt(tmp_path, b"secret", [pki_files["reviewer-ec.pem"]], "-aes256")
        with pytest.raises(WrongKeyError, match="give the identity"):
            decrypt(p7m, ["not a KeyIdentity"])

    @pytest.mark.parametrize("options", [("-aes256",), ("-aes256", "-stream"), ("-aes-256-gcm",)],
                             ids=["der", "stream", "gcm"])
    @pytest.mark.parametrize("cut", [1, 10, 4000, 30_000])
    def test_truncated_file(self, tmp_path, pki_files, identities, options, cut):
        p7m = encrypt(tmp_path, payload_of(40_000), [pki_files["reviewer-rsa.pem"]], *options)
        data = p7m.read_bytes()
        with pytest.raises(PackageIntegrityError, match=r"The \.p7m file is truncated"):
            decrypt(data[:-cut], [identities["reviewer-rsa"]])

    def test_truncated_stream_is_not_released_as_complete(self, tmp_path, pki_files, identities):
        """The last block is held back until the end has been checked."""
        payload = payload_of(3 * MiB)
        data = encrypt(tmp_path, payload, [pki_files["reviewer-rsa.pem"]], "-aes256", "-stream").read_bytes()
        reader = P7mReader(io.BytesIO(data[:-10]))  # every ciphertext byte, none of the EOCs
        reader.unlock([identities["reviewer-rsa"]])
        received = []
        with pytest.raises(PackageIntegrityError, match="truncated"):
            for chunk in reader.chunks():
                received.append(chunk)
        assert len(b"".join(received)) < len(payload)

    def test_bad_padding(self, tmp_path, pki_files, identities):
        data = bytearray(encrypt(tmp_path, bytes(16), [pki_files["reviewer-rsa.pem"]], "-aes256").read_bytes())
        data[-17] ^= 0xFF  # last byte of the first block: flips the last padding byte to 0xEF
        with pytest.raises(PackageIntegrityError, match="padding"):
            decrypt(bytes(data), [identities["reviewer-rsa"]])

    def test_altered_gcm_content_fails_its_tag(self, tmp_path, pki_files, identities):
        data = bytearray(encrypt(tmp_path, payload_of(1000), [pki_files["reviewer-rsa.pem"]],
                                 "-aes-256-gcm").read_bytes())
        data[-100] ^= 0x01
        with pytest.raises(PackageIntegrityError, match="tag"):
            decrypt(bytes(data), [identities["reviewer-rsa"]])

    def test_altered_encrypted_key(self, tmp_path, pki_files, identities):
        data = encrypt(tmp_path, b"x", [pki_files["reviewer-rsa.pem"]], "-aes256",
                       "-keyopt", "rsa_padding_mode:oaep").read_bytes()
        reader = P7mReader(io.BytesIO(data))
        encrypted_key = reader._recipients[0].encrypted_key
        at = data.index(encrypted_key)
        altered = data[:at] + bytes([encrypted_key[0] ^ 1]) + data[at + 1:]
        with pytest.raises(PackageIntegrityError, match="content key"):
            P7mReader(io.BytesIO(altered)).unlock([identities["reviewer-rsa"]])

    def test_bytes_appended(self, tmp_path, pki_files, identities):
        data = encrypt(tmp_path, b"abc", [pki_files["reviewer-rsa.pem"]], "-aes256").read_bytes()
        with pytest.raises(PackageIntegrityError, match="appended"):
            decrypt(data + b"\0", [identities["reviewer-rsa"]])

    @pytest.mark.parametrize("data", [
        b"", random.Random(7).randbytes(4096), b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
        b"\x30\x03\x02\x01\x00",
    ], ids=["empty", "random", "pdf", "other-der"])
    def test_not_a_p7m(self, data):
        with pytest.raises(PackageFormatError):
            P7mReader(io.BytesIO(data))

    def test_a_certificate_is_not_a_p7m(self, pki_files):
        der = x509.load_pem_x509_certificate(pki_files["reviewer-rsa.pem"].read_bytes()).public_bytes(
            serialization.Encoding.DER)
        with pytest.raises(PackageFormatError, match="not a .p7m"):
            P7mReader(io.BytesIO(der))

    def test_pem_form_is_refused_with_a_way_out(self, tmp_path, pki_files):
        p7m = encrypt(tmp_path, b"x", [pki_files["reviewer-rsa.pem"]], "-aes256")
        pem = subprocess.run(["openssl", "cms", "-cmsout", "-inform", "DER", "-outform", "PEM",
                              "-in", str(p7m)], check=True, capture_output=True).stdout
        with pytest.raises(PackageFormatError, match="DER"):
            P7mReader(io.BytesIO(pem))

    def test_signed_data_is_not_an_encrypted_dossier(self, tmp_path, pki, pki_files):
        key = tmp_path / "sender.key"
        key.write_bytes(pki.sender.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        content = tmp_path / "content"
        content.write_bytes(b"a tar stream, but only signed")
        signed = subprocess.run(["openssl", "cms", "-sign", "-binary", "-nodetach", "-in", str(content),
                                 "-signer", str(pki_files["sender.pem"]), "-inkey", str(key),
                                 "-outform", "DER"], check=True, capture_output=True).stdout
        with pytest.raises(PackageFormatError, match="SignedData"):
            P7mReader(io.BytesIO(signed))

    def test_unlock_before_chunks(self, tmp_path, pki_files):
        reader = P7mReader(encrypt(tmp_path, b"x", [pki_files["reviewer-rsa.pem"]], "-aes256").open("rb"))
        with pytest.raises(RuntimeError):
            reader.chunks()
