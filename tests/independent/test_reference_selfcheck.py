"""Self-checks of the independent SODP v1 reference (tests/independent/sodp_reference.py)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import struct
import unicodedata

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from tests.independent import sodp_reference as ref

CS = 65536  # smallest legal chunk size keeps tests fast


def _self_signed(key, cn):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))


@pytest.fixture(scope="module")
def rsa_id():
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return key, _self_signed(key, "Reviewer RSA")


@pytest.fixture(scope="module")
def ec_id():
    key = ec.generate_private_key(ec.SECP256R1())
    return key, _self_signed(key, "Reviewer EC")


def _manifest(paths_docs=(), paths_img=()):
    return {
        "format": "sodp-manifest/1",
        "dossier_id": "0b7f4f9e-3f55-4c1e-9d0b-6f7d5a1c2e3f",
        "created": "2026-11-20T14:03:00Z",
        "patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01", "sex": "U"},
        "referral": {"question": "Is surgery needed?", "urgency": "routine"},
        "documents": [{"path": p, "kind": "other", "title": p, "media_type": "application/pdf"} for p in paths_docs],
        "imaging": [{"path": p} for p in paths_img],
        "future_key": {"kept": True},
    }


def _files():
    return {
        "documents/referral.pdf": b"%PDF-1.7 fake referral\n" * 100,
        "DICOM/DICOMDIR": b"\x00" * 128 + b"DICM" + bytes(range(256)) * 600,  # > 2 chunks of 64 KiB
    }


def _package(tmp_path, rsa_id, ec_id, **kw):
    files = _files()
    manifest = _manifest(["documents/referral.pdf"], ["DICOM/DICOMDIR"])
    p = tmp_path / "d.sodp"
    ref.write_package(p, files, manifest, certificates=[rsa_id[1], ec_id[1]], **kw)
    return p, files


# ---------------------------------------------------------------- primitives

def test_chunk_nonce_layout():
    assert ref.chunk_nonce(0, False) == bytes(12)
    assert ref.chunk_nonce(0, True) == bytes(11) + b"\x01"
    assert ref.chunk_nonce(0x0102, False) == bytes(9) + b"\x01\x02" + b"\x00"
    assert ref.chunk_nonce(2**88 - 1, True) == b"\xff" * 11 + b"\x01"
    with pytest.raises(ValueError):
        ref.chunk_nonce(2**88, False)


def test_key_derivations_differ_and_are_hkdf():
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    fk, salt = bytes(range(32)), bytes(range(32, 64))
    pk, mk = ref.derive_payload_key(fk, salt), ref.derive_header_mac_key(fk, salt)
    assert len(pk) == len(mk) == 32 and pk != mk
    assert pk == HKDF(hashes.SHA256(), 32, salt, b"sodp/1 payload").derive(fk)
    assert mk == HKDF(hashes.SHA256(), 32, salt, b"sodp/1 header").derive(fk)


def test_magic():
    assert ref.MAGIC == bytes.fromhex("534F44500D0A1A0A")


# ---------------------------------------------------------------- round trips

def test_roundtrip_passphrase_nfc_and_layout(tmp_path):
    files = {"documents/a.pdf": b"hello"}
    p = tmp_path / "p.sodp"
    composed = "caf\u00e9 pass"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    fk, salt = b"\x11" * 32, b"\x22" * 32
    stored = ref.write_package(p, files, _manifest(["documents/a.pdf"]), passphrases=[composed],
                               file_key=fk, payload_salt=salt)
    manifest, got = ref.read_package(p, passphrase=decomposed)  # NFC normalisation makes these equal
    assert got == files
    assert manifest == stored
    assert manifest["documents"][0]["sha256"] == hashlib.sha256(b"hello").hexdigest()
    assert manifest["future_key"] == {"kept": True}

    data = p.read_bytes()
    (hlen,) = struct.unpack(">I", data[8:12])
    header = json.loads(data[12:12 + hlen])
    assert data[:8] == ref.MAGIC
    assert header["format"] == "sodp/1" and header["chunk_size"] == CS
    assert header["payload_salt"] == "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="
    st = header["recipients"][0]
    assert st["type"] == "passphrase-argon2id"
    assert (st["time_cost"], st["memory_kib"], st["lanes"]) == (2, 65536, 1)
    mac = hmac.new(ref.derive_header_mac_key(fk, salt), data[:12 + hlen], hashlib.sha256).digest()
    assert data[12 + hlen:12 + hlen + 32] == mac
    # one final chunk, decryptable by hand
    body = data[12 + hlen + 32:]
    plain = AESGCM(ref.derive_payload_key(fk, salt)).decrypt(ref.chunk_nonce(0, True), body, None)
    assert plain.startswith(b"manifest.json")

    with pytest.raises(ValueError):
        ref.read_package(p, passphrase="wrong")


def test_roundtrip_rsa_and_ec(tmp_path, rsa_id, ec_id):
    p, files = _package(tmp_path, rsa_id, ec_id, manifest_signature=b"0\x80fake-cms")
    for key, cert in (rsa_id, ec_id):
        manifest, got = ref.read_package(p, private_key=key, certificate=cert)
        assert got == files
        assert {e["path"] for e in manifest["documents"] + manifest["imaging"]} == set(files)
        # without the certificate: every stanza of the key's type is tried
        assert ref.read_package(p, private_key=key)[1] == files
    m, mbytes, sig, _ = ref.read_package_full(p, private_key=ec_id[0], certificate=ec_id[1])
    assert sig == b"0\x80fake-cms" and json.loads(mbytes) == m

    header = ref.parse_header(p.read_bytes())[0]
    rsa_st, ec_st = header["recipients"]
    assert rsa_st["cert_sha256"] == hashlib.sha256(rsa_id[1].public_bytes(serialization.Encoding.DER)).hexdigest()
    assert len(ref.b64d(rsa_st["wrapped_key"])) == 384
    eph = ref.b64d(ec_st["ephemeral_public_key"])
    assert len(eph) == 65 and eph[0] == 4
    assert len(ref.b64d(ec_st["nonce"])) == 12


def test_wrong_key_or_cert(tmp_path, rsa_id, ec_id):
    p, _ = _package(tmp_path, rsa_id, ec_id)
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(ValueError):
        ref.read_package(p, private_key=other, certificate=_self_signed(other, "x"))
    with pytest.raises(ValueError):
        ref.read_package(p, private_key=other)
    with pytest.raises(ValueError):
        ref.read_package(p, passphrase="none here")
    with pytest.raises(ValueError):
        ref.read_package(p)


def test_empty_file_lists(tmp_path, ec_id):
    p = tmp_path / "e.sodp"
    ref.write_package(p, {}, _manifest(), certificates=[ec_id[1]])
    manifest, files = ref.read_package(p, private_key=ec_id[0], certificate=ec_id[1])
    assert files == {} and manifest["documents"] == [] and manifest["imaging"] == []


# ---------------------------------------------------------------- STREAM edge cases

def _container(payload, ec_id, **kw):
    return ref.build_container(payload, certificates=[ec_id[1]], file_key=b"\x01" * 32,
                               payload_salt=b"\x02" * 32, **kw)


def _open(data, ec_id):
    return ref.open_container(data, private_key=ec_id[0], certificate=ec_id[1])


def _body_offset(data):
    return ref.parse_header(data)[3]


def test_empty_stream_payload(ec_id, tmp_path):
    data = _container(b"", ec_id)
    assert len(data) - _body_offset(data) == 16  # one empty final chunk: just the tag
    assert _open(data, ec_id) == b""
    # an empty payload is a valid STREAM but not a valid package (no manifest.json)
    p = tmp_path / "empty.sodp"
    p.write_bytes(data)
    with pytest.raises(ValueError):
        ref.read_package(p, private_key=ec_id[0], certificate=ec_id[1])


@pytest.mark.parametrize("n", [CS - 1, CS, CS + 1, 2 * CS, 2 * CS + 5])
def test_chunk_boundaries(ec_id, n):
    payload = bytes(i % 251 for i in range(n))
    data = _container(payload, ec_id)
    body = data[_body_offset(data):]
    chunks = -(-n // CS)
    assert len(body) == n + 16 * chunks  # exact multiple: no extra empty chunk
    assert _open(data, ec_id) == payload
    if n == CS:
        key = ref.derive_payload_key(b"\x01" * 32, b"\x02" * 32)
        assert AESGCM(key).decrypt(ref.chunk_nonce(0, True), body, None) == payload


def test_empty_final_chunk_after_data_is_rejected(ec_id):
    data = _container(b"x" * CS, ec_id)
    off = _body_offset(data)
    aead = AESGCM(ref.derive_payload_key(b"\x01" * 32, b"\x02" * 32))
    forged = (data[:off] + aead.encrypt(ref.chunk_nonce(0, False), b"x" * CS, None)
              + aead.encrypt(ref.chunk_nonce(1, True), b"", None))
    with pytest.raises(ValueError):
        _open(forged, ec_id)


def test_tampering_rejected(ec_id):
    payload = bytes(range(256)) * (3 * CS // 256)  # exactly 3 full chunks
    data = _container(payload, ec_id)
    off = _body_offset(data)
    full = CS + 16
    cases = {
        "flip payload bit": data[:off + 100] + bytes([data[off + 100] ^ 1]) + data[off + 101:],
        "flip last byte": data[:-1] + bytes([data[-1] ^ 0x80]),
        "flip header byte": data[:20] + bytes([data[20] ^ 1]) + data[21:],
        "flip mac byte": data[:off - 1] + bytes([data[off - 1] ^ 1]) + data[off:],
        "truncate last chunk": data[:-full],
        "truncate inside chunk": data[:-10],
        "drop all chunks": data[:off],
        "trailing byte": data + b"\x00",
        "trailing chunk-sized": data + bytes(full),
        "swap chunks": data[:off] + data[off + full:off + 2 * full] + data[off:off + full] + data[off + 2 * full:],
        "bad magic": b"SODQ" + data[4:],
        "huge header length": data[:8] + struct.pack(">I", 1024 * 1024 + 1) + data[12:],
    }
    for name, bad in cases.items():
        with pytest.raises(ValueError):
            _open(bad, ec_id)
        assert bad != data, name
    assert _open(data, ec_id) == payload


def test_tampered_and_truncated_package_file(tmp_path, rsa_id, ec_id):
    p, _ = _package(tmp_path, rsa_id, ec_id)
    data = p.read_bytes()
    bad = tmp_path / "bad.sodp"
    bad.write_bytes(data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 4]) + data[len(data) // 2 + 1:])
    with pytest.raises(ValueError):
        ref.read_package(bad, private_key=ec_id[0], certificate=ec_id[1])
    bad.write_bytes(data[:-1])
    with pytest.raises(ValueError):
        ref.read_package(bad, private_key=ec_id[0], certificate=ec_id[1])


def test_header_rules(ec_id):
    with pytest.raises(ValueError):
        _container(b"", ec_id, chunk_size=3 * 65536)
    with pytest.raises(ValueError):
        _container(b"", ec_id, chunk_size=32768)
    with pytest.raises(ValueError):
        ref.build_container(b"")  # no recipients
    with pytest.raises(ValueError):
        ref.b64d("AAAAAAAAAAAAAAAAAAAAAA")  # missing padding
    with pytest.raises(ValueError):
        ref.b64d("AB==")  # non-canonical trailing bits


# ---------------------------------------------------------------- tar / manifest rules

def _tar_container(tmp_path, ec_id, files, manifest, **kw):
    p = tmp_path / "t.sodp"
    ref.write_package(p, files, manifest, certificates=[ec_id[1]], **kw)
    return p


def test_manifest_membership_rules(tmp_path, ec_id):
    k, c = ec_id
    # file present but not listed
    p = _tar_container(tmp_path, ec_id, {"a.bin": b"1"}, _manifest())
    with pytest.raises(ValueError):
        ref.read_package(p, private_key=k, certificate=c)
    # listed but absent
    m = ref.fill_manifest({"a.bin": b"1"}, _manifest(["a.bin"]))
    p = _tar_container(tmp_path, ec_id, {}, m)
    with pytest.raises(ValueError):
        ref.read_package(p, private_key=k, certificate=c)
    # wrong hash
    m["documents"][0]["sha256"] = "0" * 64
    p.write_bytes(ref.build_container(_raw_tar([("manifest.json", json.dumps(m).encode()), ("a.bin", b"1")]),
                                      certificates=[c]))
    with pytest.raises(ValueError):
        ref.read_package(p, private_key=k, certificate=c)
    # missing required key
    m2 = _manifest()
    del m2["referral"]["question"]
    p = _tar_container(tmp_path, ec_id, {}, m2)
    with pytest.raises(ValueError):
        ref.read_package(p, private_key=k, certificate=c)


def _raw_tar(members, kinds=None):
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for i, (name, data) in enumerate(members):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            if kinds and kinds[i] is not None:
                ti.type = kinds[i]
                ti.size = 0
                ti.linkname = "manifest.json"
                tf.addfile(ti)
            else:
                tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("name", ["../evil", "/abs", "C:/x", "a//b", "a\\b", "a/./b"])
def test_bad_names_rejected(tmp_path, ec_id, name):
    k, c = ec_id
    m = ref.fill_manifest({name: b"x"}, _manifest([name]))
    tar = _raw_tar([("manifest.json", json.dumps(m).encode()), (name, b"x")])
    p = tmp_path / "n.sodp"
    p.write_bytes(ref.build_container(tar, certificates=[c]))
    with pytest.raises(ValueError):
        ref.read_package(p, private_key=k, certificate=c)


def test_non_regular_and_order_rules(tmp_path, ec_id):
    import tarfile
    k, c = ec_id
    m = ref.fill_manifest({"a": b"x"}, _manifest(["a"]))
    mb = json.dumps(m).encode()
    bad_tars = [
        _raw_tar([("a", b"x"), ("manifest.json", mb)]),  # manifest not first
        _raw_tar([("manifest.json", mb), ("a", b"x"), ("a", b"x")]),  # duplicate
        _raw_tar([("manifest.json", mb), ("a", b"x"), ("manifest.json.p7s", b"s")]),  # misplaced p7s
        _raw_tar([("manifest.json", mb), ("a", b"")], kinds=[None, tarfile.SYMTYPE]),  # symlink
        _raw_tar([("manifest.json", mb), ("a", b"x")]) + b"junk",  # data after end of archive
    ]
    p = tmp_path / "o.sodp"
    for tar in bad_tars:
        p.write_bytes(ref.build_container(tar, certificates=[c]))
        with pytest.raises(ValueError):
            ref.read_package(p, private_key=k, certificate=c)
    p.write_bytes(ref.build_container(_raw_tar([("manifest.json", mb), ("manifest.json.p7s", b"s"), ("a", b"x")]),
                                      certificates=[c]))
    assert ref.read_package(p, private_key=k, certificate=c)[1] == {"a": b"x"}
