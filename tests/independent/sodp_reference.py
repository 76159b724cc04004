"""Independent clean-room reference implementation of SODP v1 (`.sodp`).

Written only from the format's specification (app/dossier/SODP.md holds it), without
looking at the main implementation, so that the two can be checked against each other. It favours fidelity and plainness over
speed: everything is held in memory.

Only the ``cryptography`` package and the standard library are used.

Ambiguities in the spec, and the reading chosen here
=====================================================

Container / header
------------------
A1. ``header_length`` counts the header JSON bytes only (not the magic, not
    itself, not the MAC). "At most 1 MiB" is taken as ``<= 1_048_576``
    (inclusive). A length of 0 is an error (it cannot be a JSON object).
A2. Header JSON serialisation is not specified. The writer emits the keys in
    the order the spec lists them (format, chunk_size, payload_salt,
    recipients; stanza keys in the listed order), compact separators
    ``(",", ":")``, ``ensure_ascii=False``. The reader never re-serialises: the
    MAC is over the exact bytes on disk.
A3. Unknown keys in the header object and in stanzas: the spec lists keys but,
    unlike the manifest, says neither "exactly" nor "unknown keys are
    ignored". Chosen: the writer emits only the listed keys; the reader
    IGNORES unknown top-level keys and unknown stanza keys (they are covered
    by the header MAC anyway).
A4. Unknown stanza ``type`` values: ignored by the reader (they cannot be
    unwrapped), but the list must still be non-empty and every element must be
    a JSON object with a string ``type``. Stanzas of a KNOWN type are validated
    strictly (all fields present, right types, right decoded lengths) whether
    or not they are the one used; a malformed known stanza is an error.
A5. Header JSON parsing is strict: valid UTF-8 (a BOM is an error), top level
    must be an object, duplicate keys are an error, NaN/Infinity are an error.
    ``"format"`` must equal ``"sodp/1"`` exactly.
A6. ``chunk_size`` must be a JSON integer (not a bool, not a float such as
    ``65536.0``), a power of two, 65536 <= chunk_size <= 16777216 (both ends
    inclusive). The reader enforces this too. (The spec's default is 1 MiB;
    this reference's ``write_package`` defaults to 64 KiB as the brief asks.)
A7. Binary fields whose encoding the spec does not name -- ``nonce``,
    ``salt``, ``ephemeral_public_key`` -- are base64 (standard alphabet, with
    padding), like ``wrapped_key`` and ``payload_salt``. Base64 is decoded
    strictly: characters outside the alphabet, missing padding, and
    non-canonical encodings (non-zero unused trailing bits, i.e. the value does
    not re-encode to the same string) are errors.
A8. Decoded lengths are enforced: ``payload_salt`` 32 bytes, ECDH and
    passphrase ``nonce`` 12 bytes, passphrase ``salt`` 16 bytes,
    ``wrapped_key`` for AES-GCM wraps 48 bytes (32-byte key || 16-byte tag),
    RSA ``wrapped_key`` = modulus length. The unwrapped file key must be 32
    bytes.
A9. ``cert_sha256`` is exactly 64 lowercase hex characters (uppercase is an
    error), SHA-256 of the certificate's DER encoding.

Key wrapping
------------
A10. All HKDFs (ECDH KEK, payload key, header-MAC key) output 32 bytes, hash
     SHA-256. info strings are the ASCII bytes ``b"sodp/1 ecdh-es"``,
     ``b"sodp/1 header"``, ``b"sodp/1 payload"``. ``salt = payload_salt`` means
     the 32 decoded bytes, not the base64 text.
A11. ECDH-ES: "ECDH secret" = the raw shared secret as returned by
     ``cryptography``'s ``exchange(ECDH(), ...)`` (the x-coordinate, field-size
     bytes). "ephemeral point || recipient point" = both X9.62 UNCOMPRESSED
     encodings (0x04 || X || Y) concatenated; the recipient point is the
     public key in the recipient certificate. ``ephemeral_public_key`` in the
     header is base64 of that same uncompressed encoding (compressed points
     are rejected). Any NIST curve ``cryptography`` supports (P-256/384/521)
     is allowed; the ephemeral key is on the certificate key's curve. The wrap
     is AESGCM(KEK).encrypt(nonce, file_key, aad=bytes.fromhex(cert_sha256)).
A12. RSA-OAEP: OAEP(MGF1(SHA-256), SHA-256, label=None) (empty label). No
     minimum RSA modulus size is imposed (spec gives none).
A13. Argon2id: output 32 bytes, ``iterations = time_cost``,
     ``memory_cost = memory_kib`` (KiB), ``lanes = lanes`` (parallelism), no
     secret/pepper, no associated data, version 0x13 (the only one
     ``cryptography`` offers). Password = ``unicodedata.normalize("NFC",
     passphrase).encode("utf-8")``. The AAD is the ASCII bytes
     ``b"sodp/1 passphrase"``. The reader refuses (ValueError) a passphrase
     stanza with time_cost < 2 or memory_kib < 65536 or lanes < 1 (JSON
     integers, not bools). No UPPER bounds are given by the spec, so none are
     imposed (a hostile header can therefore ask for a very expensive KDF).
A14. Stanza selection on read: with ``passphrase``, every passphrase stanza is
     tried in header order until one unwraps. With ``private_key``: if a
     ``certificate`` is given, only x509 stanzas whose ``cert_sha256`` equals
     the certificate's are tried; if not, every x509 stanza of the type that
     matches the key (RSA -> x509-rsa-oaep, EC -> x509-ecdh-es) is tried. The
     recipient point for ECDH-ES is taken from the certificate if given,
     otherwise from the private key. A stanza that fails to unwrap is skipped;
     if none unwraps, ValueError. Once a file key is unwrapped, a header-MAC
     mismatch is an immediate error (no further stanzas are tried).

Payload STREAM
--------------
A15. Each chunk on disk is ``AESGCM.encrypt`` output = ciphertext || 16-byte
     tag, so a non-final chunk occupies exactly chunk_size + 16 bytes and the
     final chunk 16..chunk_size+16 bytes. Chunks have no length prefix. The
     AEAD associated data for payload chunks is EMPTY (the spec names none).
A16. The nonce is ``i.to_bytes(11, "big") + flag`` (12 bytes). Indices that do
     not fit in 11 bytes are an error.
A17. Chunk boundaries on read: the payload (everything after the MAC) is cut
     into pieces of chunk_size + 16 bytes; the piece that reaches end of file
     is the final chunk (flag 0x01), all others use flag 0x00. Consequently a
     non-empty payload whose length is an exact multiple of chunk_size is
     written as full chunks with the LAST full chunk flagged final -- never
     followed by an empty final chunk. An empty final chunk is allowed only as
     chunk 0 (the empty payload); an empty final chunk at index > 0 is an
     error. No payload bytes at all after the MAC (zero chunks) is an error.
     A final piece shorter than 16 bytes is an error.
A18. Order of checks: magic, header length, header JSON, stanza unwrap,
     header MAC (constant-time compare), then chunks in order. Each chunk's
     plaintext is only appended after its tag verified (AESGCM.decrypt does
     both at once).

Tar payload / manifest
----------------------
A19. "pax tar": the writer uses ``tarfile.PAX_FORMAT`` (for ASCII names and
     small sizes this yields plain ustar headers, which are valid pax).
     Members: type REGTYPE, mode 0o644, uid/gid 0, empty uname/gname,
     mtime 0 (deterministic). The reader accepts whatever header flavour
     Python's tarfile parses (it does not reject GNU long-name headers).
A20. "Only regular files": member types REGTYPE ('0') and AREGTYPE ('\\0')
     only. Directories, links, devices, FIFOs, contiguous files ('7') and GNU
     sparse files are errors.
A21. Names: non-empty; no leading '/'; no drive letter (``^[A-Za-z]:``); no
     backslash (it would be a separator on Windows); no NUL; split on '/',
     every segment must be non-empty and not '.' or '..' (so no '//', no
     trailing '/', no './x'). Duplicates are compared case-sensitively.
A22. ``manifest.json`` must be member 0; ``manifest.json.p7s``, if present,
     must be member 1; either name anywhere else is an error (a duplicate or a
     misplaced signature). Every other member must be listed in the manifest
     (``documents`` + ``imaging`` entries, by ``path``) with equal ``size`` and
     ``sha256``; every listed path must be present. Manifest paths must be
     unique across documents and imaging together, and must satisfy A21.
A23. After the last member, everything left in the tar stream must be zero
     bytes (end-of-archive blocks / record padding); non-zero trailing data is
     an error. The presence of the two zero blocks is not itself required.
A24. Manifest validation on read: strict JSON as in A5; ``format`` ==
     ``"sodp-manifest/1"``; required keys present as marked ``*``:
     format, dossier_id, created, patient, patient.family_name,
     patient.birth_date, referral, referral.question, documents, imaging.
     Required scalar values must be strings; documents/imaging must be lists of
     objects each with ``path`` (str), ``size`` (int >= 0, not bool) and
     ``sha256`` (64 lowercase hex). The VALUES of dossier_id (UUID syntax),
     created, birth_date, sex, kind, urgency etc. are not checked, and the
     optional per-document fields (kind, title, ...) are not required. Unknown
     keys are kept and ignored.
A25. Manifest serialisation in the writer: ``json.dumps(manifest,
     ensure_ascii=False, indent=2)`` encoded UTF-8, no trailing newline. The
     writer fills ``size``/``sha256`` into every documents/imaging entry whose
     path is in ``files`` (on a deep copy); entries not in ``files`` and
     ``files`` not in the manifest are left as they are (so invalid packages
     can be produced on purpose for negative tests).
A26. The detached signature (manifest.json.p7s) is carried but not verified
     here (signature policy is out of scope for the container).
A27. Any error -- bad JSON, base64, crypto failure, tar error, manifest
     mismatch -- surfaces as ``ValueError`` and nothing is returned.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import io
import json
import os
import re
import struct
import tarfile
import unicodedata

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"SODP\r\n\x1a\n"
assert MAGIC == bytes([0x53, 0x4F, 0x44, 0x50, 0x0D, 0x0A, 0x1A, 0x0A])
MAX_HEADER_LENGTH = 1024 * 1024
MIN_CHUNK_SIZE = 64 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
TAG_LEN = 16
FORMAT = "sodp/1"
MANIFEST_FORMAT = "sodp-manifest/1"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.json.p7s"

INFO_ECDH = b"sodp/1 ecdh-es"
INFO_HEADER = b"sodp/1 header"
INFO_PAYLOAD = b"sodp/1 payload"
AAD_PASSPHRASE = b"sodp/1 passphrase"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_DRIVE = re.compile(r"[A-Za-z]:")


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------

def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text, expected_len: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise ValueError("base64 field is not a string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"bad base64: {exc}") from None
    if b64e(raw) != text:
        raise ValueError("non-canonical base64")
    if expected_len is not None and len(raw) != expected_len:
        raise ValueError(f"base64 field decodes to {len(raw)} bytes, expected {expected_len}")
    return raw


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def _reject_dupes(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate JSON key {k!r}")
        obj[k] = v
    return obj


def _reject_constant(name):
    raise ValueError(f"JSON constant {name} not allowed")


def strict_json_loads(data: bytes):
    if data.startswith(b"\xef\xbb\xbf"):
        raise ValueError("BOM not allowed")
    text = data.decode("utf-8")  # UnicodeDecodeError is a ValueError
    return json.loads(text, object_pairs_hook=_reject_dupes, parse_constant=_reject_constant)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def cert_sha256(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def check_chunk_size(chunk_size) -> None:
    if not _is_int(chunk_size):
        raise ValueError("chunk_size must be an integer")
    if not (MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE):
        raise ValueError("chunk_size out of range")
    if chunk_size & (chunk_size - 1):
        raise ValueError("chunk_size is not a power of two")


# --------------------------------------------------------------------------
# key derivation and nonces (exposed)
# --------------------------------------------------------------------------

def derive_payload_key(file_key: bytes, payload_salt: bytes) -> bytes:
    """HKDF-SHA256(file key, salt = payload_salt, info = "sodp/1 payload")."""
    return _hkdf(file_key, payload_salt, INFO_PAYLOAD)


def derive_header_mac_key(file_key: bytes, payload_salt: bytes) -> bytes:
    """HKDF-SHA256(file key, salt = payload_salt, info = "sodp/1 header")."""
    return _hkdf(file_key, payload_salt, INFO_HEADER)


def chunk_nonce(i: int, final: bool) -> bytes:
    """i as 11 bytes big-endian || flag (0x01 on the final chunk, else 0x00)."""
    if not _is_int(i) or i < 0:
        raise ValueError("bad chunk index")
    try:
        prefix = i.to_bytes(11, "big")
    except OverflowError:
        raise ValueError("chunk index does not fit in 11 bytes") from None
    return prefix + (b"\x01" if final else b"\x00")


def header_mac(file_key: bytes, payload_salt: bytes, signed_part: bytes) -> bytes:
    """HMAC-SHA256 over magic | header_length | header."""
    return hmac.new(derive_header_mac_key(file_key, payload_salt), signed_part, hashlib.sha256).digest()


def passphrase_kek(passphrase: str, salt: bytes, time_cost: int, memory_kib: int, lanes: int) -> bytes:
    pw = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    kdf = Argon2id(salt=salt, length=32, iterations=time_cost, lanes=lanes, memory_cost=memory_kib)
    return kdf.derive(pw)


def ecdh_kek(shared_secret: bytes, ephemeral_point: bytes, recipient_point: bytes) -> bytes:
    return _hkdf(shared_secret, ephemeral_point + recipient_point, INFO_ECDH)


def _point(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


_OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


# --------------------------------------------------------------------------
# stanzas
# --------------------------------------------------------------------------

def make_passphrase_stanza(file_key: bytes, passphrase: str, *, time_cost=2, memory_kib=65536, lanes=1) -> dict:
    salt = os.urandom(16)
    nonce = os.urandom(12)
    kek = passphrase_kek(passphrase, salt, time_cost, memory_kib, lanes)
    wrapped = AESGCM(kek).encrypt(nonce, file_key, AAD_PASSPHRASE)
    return {"type": "passphrase-argon2id", "salt": b64e(salt), "time_cost": time_cost,
            "memory_kib": memory_kib, "lanes": lanes, "nonce": b64e(nonce), "wrapped_key": b64e(wrapped)}


def make_certificate_stanza(file_key: bytes, certificate: x509.Certificate) -> dict:
    digest_hex = cert_sha256(certificate)
    pub = certificate.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        return {"type": "x509-rsa-oaep", "cert_sha256": digest_hex,
                "wrapped_key": b64e(pub.encrypt(file_key, _OAEP))}
    if isinstance(pub, ec.EllipticCurvePublicKey):
        eph = ec.generate_private_key(pub.curve)
        eph_point = _point(eph.public_key())
        kek = ecdh_kek(eph.exchange(ec.ECDH(), pub), eph_point, _point(pub))
        nonce = os.urandom(12)
        wrapped = AESGCM(kek).encrypt(nonce, file_key, bytes.fromhex(digest_hex))
        return {"type": "x509-ecdh-es", "cert_sha256": digest_hex, "ephemeral_public_key": b64e(eph_point),
                "nonce": b64e(nonce), "wrapped_key": b64e(wrapped)}
    raise ValueError("certificate key must be RSA or EC")


def _validate_stanza(st) -> None:
    if not isinstance(st, dict) or not isinstance(st.get("type"), str):
        raise ValueError("stanza must be an object with a string type")
    t = st["type"]
    if t in ("x509-rsa-oaep", "x509-ecdh-es"):
        if not isinstance(st.get("cert_sha256"), str) or not _HEX64.fullmatch(st["cert_sha256"]):
            raise ValueError("bad cert_sha256")
        b64d(st.get("wrapped_key"))
        if t == "x509-ecdh-es":
            b64d(st.get("ephemeral_public_key"))
            b64d(st.get("nonce"), 12)
            b64d(st.get("wrapped_key"), 48)
    elif t == "passphrase-argon2id":
        b64d(st.get("salt"), 16)
        b64d(st.get("nonce"), 12)
        b64d(st.get("wrapped_key"), 48)
        for k, lo in (("time_cost", 2), ("memory_kib", 65536), ("lanes", 1)):
            if not _is_int(st.get(k)) or st[k] < lo:
                raise ValueError(f"passphrase stanza: bad {k}")
    # unknown types: ignored (A4)


def _unwrap_passphrase(st: dict, passphrase: str) -> bytes:
    kek = passphrase_kek(passphrase, b64d(st["salt"], 16), st["time_cost"], st["memory_kib"], st["lanes"])
    return AESGCM(kek).decrypt(b64d(st["nonce"], 12), b64d(st["wrapped_key"], 48), AAD_PASSPHRASE)


def _unwrap_rsa(st: dict, private_key) -> bytes:
    return private_key.decrypt(b64d(st["wrapped_key"]), _OAEP)


def _unwrap_ecdh(st: dict, private_key, recipient_public) -> bytes:
    eph_point = b64d(st["ephemeral_public_key"])
    if not eph_point or eph_point[0] != 0x04:
        raise ValueError("ephemeral key is not an uncompressed point")
    eph_pub = ec.EllipticCurvePublicKey.from_encoded_point(private_key.curve, eph_point)
    kek = ecdh_kek(private_key.exchange(ec.ECDH(), eph_pub), eph_point, _point(recipient_public))
    return AESGCM(kek).decrypt(b64d(st["nonce"], 12), b64d(st["wrapped_key"], 48),
                               bytes.fromhex(st["cert_sha256"]))


def unwrap_file_key(header: dict, *, passphrase=None, private_key=None, certificate=None) -> bytes:
    candidates = []
    if passphrase is not None:
        if not isinstance(passphrase, str):
            raise ValueError("passphrase must be a str")
        for st in header["recipients"]:
            if st["type"] == "passphrase-argon2id":
                candidates.append(lambda st=st: _unwrap_passphrase(st, passphrase))
    if private_key is not None:
        want = cert_sha256(certificate) if certificate is not None else None
        if isinstance(private_key, rsa.RSAPrivateKey):
            kind = "x509-rsa-oaep"
        elif isinstance(private_key, ec.EllipticCurvePrivateKey):
            kind = "x509-ecdh-es"
            recipient_public = certificate.public_key() if certificate is not None else private_key.public_key()
            if not isinstance(recipient_public, ec.EllipticCurvePublicKey):
                raise ValueError("certificate key does not match private key type")
        else:
            raise ValueError("unsupported private key type")
        for st in header["recipients"]:
            if st["type"] != kind or (want is not None and st["cert_sha256"] != want):
                continue
            if kind == "x509-rsa-oaep":
                candidates.append(lambda st=st: _unwrap_rsa(st, private_key))
            else:
                candidates.append(lambda st=st: _unwrap_ecdh(st, private_key, recipient_public))
    if passphrase is None and private_key is None:
        raise ValueError("no passphrase or private key given")
    for attempt in candidates:
        try:
            key = attempt()
        except (InvalidTag, ValueError):
            continue
        if len(key) != 32:
            continue
        return key
    raise ValueError("no recipient stanza could be unwrapped")


# --------------------------------------------------------------------------
# container (magic | header_length | header | header_mac | payload)
# --------------------------------------------------------------------------

def build_container(payload: bytes, *, passphrases=(), certificates=(), chunk_size=65536,
                    file_key=None, payload_salt=None, time_cost=2, memory_kib=65536, lanes=1) -> bytes:
    check_chunk_size(chunk_size)
    file_key = os.urandom(32) if file_key is None else file_key
    payload_salt = os.urandom(32) if payload_salt is None else payload_salt
    if len(file_key) != 32 or len(payload_salt) != 32:
        raise ValueError("file_key and payload_salt must be 32 bytes")
    recipients = [make_passphrase_stanza(file_key, p, time_cost=time_cost, memory_kib=memory_kib, lanes=lanes)
                  for p in passphrases]
    recipients += [make_certificate_stanza(file_key, c) for c in certificates]
    if not recipients:
        raise ValueError("at least one recipient is required")
    header = {"format": FORMAT, "chunk_size": chunk_size, "payload_salt": b64e(payload_salt),
              "recipients": recipients}
    header_bytes = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(header_bytes) > MAX_HEADER_LENGTH:
        raise ValueError("header too long")
    signed = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
    out = [signed, header_mac(file_key, payload_salt, signed)]
    aead = AESGCM(derive_payload_key(file_key, payload_salt))
    pieces = [payload[o:o + chunk_size] for o in range(0, len(payload), chunk_size)] or [b""]
    for i, piece in enumerate(pieces):
        out.append(aead.encrypt(chunk_nonce(i, i == len(pieces) - 1), piece, None))
    return b"".join(out)


def parse_header(data: bytes):
    """Return (header dict, signed bytes, mac, payload offset). Validates structure, not the MAC."""
    if len(data) < 12 or data[:8] != MAGIC:
        raise ValueError("bad magic")
    (hlen,) = struct.unpack(">I", data[8:12])
    if hlen == 0 or hlen > MAX_HEADER_LENGTH:
        raise ValueError("bad header length")
    if len(data) < 12 + hlen + 32:
        raise ValueError("truncated header")
    header_bytes = data[12:12 + hlen]
    header = strict_json_loads(header_bytes)
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    if header.get("format") != FORMAT:
        raise ValueError("unknown format")
    check_chunk_size(header.get("chunk_size"))
    b64d(header.get("payload_salt"), 32)
    recipients = header.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise ValueError("recipients must be a non-empty list")
    for st in recipients:
        _validate_stanza(st)
    return header, data[:12 + hlen], data[12 + hlen:12 + hlen + 32], 12 + hlen + 32


def open_container(data: bytes, *, passphrase=None, private_key=None, certificate=None) -> bytes:
    header, signed, mac, offset = parse_header(data)
    payload_salt = b64d(header["payload_salt"], 32)
    file_key = unwrap_file_key(header, passphrase=passphrase, private_key=private_key, certificate=certificate)
    if not hmac.compare_digest(header_mac(file_key, payload_salt, signed), mac):
        raise ValueError("header MAC mismatch")
    chunk_size = header["chunk_size"]
    aead = AESGCM(derive_payload_key(file_key, payload_salt))
    body = data[offset:]
    if not body:
        raise ValueError("payload missing (truncated)")
    full = chunk_size + TAG_LEN
    out = []
    pos, i = 0, 0
    while True:
        final = len(body) - pos <= full
        piece = body[pos:] if final else body[pos:pos + full]
        if len(piece) < TAG_LEN:
            raise ValueError("chunk too short")
        try:
            plain = aead.decrypt(chunk_nonce(i, final), piece, None)
        except InvalidTag:
            raise ValueError(f"chunk {i}: authentication failed") from None
        if final:
            if not plain and i > 0:
                raise ValueError("empty final chunk after non-empty chunks")
            out.append(plain)
            return b"".join(out)
        out.append(plain)
        pos += full
        i += 1


def write_container(path, payload: bytes, **kwargs) -> None:
    with open(path, "wb") as f:
        f.write(build_container(payload, **kwargs))


def read_container(path, **kwargs) -> bytes:
    with open(path, "rb") as f:
        return open_container(f.read(), **kwargs)


# --------------------------------------------------------------------------
# tar payload and manifest
# --------------------------------------------------------------------------

def check_name(name) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError("empty or non-string name")
    if "\\" in name or "\x00" in name:
        raise ValueError(f"bad character in name {name!r}")
    if name.startswith("/") or _DRIVE.match(name):
        raise ValueError(f"absolute name {name!r}")
    for seg in name.split("/"):
        if seg in ("", ".", ".."):
            raise ValueError(f"bad path segment in {name!r}")


def manifest_entries(manifest: dict) -> list:
    return list(manifest.get("documents", [])) + list(manifest.get("imaging", []))


def fill_manifest(files: dict, manifest: dict) -> dict:
    m = copy.deepcopy(manifest)
    for key in ("documents", "imaging"):
        for entry in m.get(key, []):
            if isinstance(entry, dict) and entry.get("path") in files:
                data = files[entry["path"]]
                entry["size"] = len(data)
                entry["sha256"] = hashlib.sha256(data).hexdigest()
    return m


def build_manifest_bytes(files: dict, manifest: dict) -> bytes:
    """The exact manifest.json bytes write_package will store (sign these for a .p7s)."""
    return json.dumps(fill_manifest(files, manifest), ensure_ascii=False, indent=2).encode("utf-8")


def build_tar(files: dict, manifest: dict, manifest_signature: bytes | None = None) -> bytes:
    members = [(MANIFEST_NAME, build_manifest_bytes(files, manifest))]
    if manifest_signature is not None:
        members.append((SIGNATURE_NAME, manifest_signature))
    for name, data in files.items():
        if name in (MANIFEST_NAME, SIGNATURE_NAME):
            raise ValueError(f"reserved name {name}")
        check_name(name)
        members.append((name, data))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = 0
            ti.type = tarfile.REGTYPE
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def validate_manifest(manifest) -> None:
    if not isinstance(manifest, dict):
        raise ValueError("manifest is not an object")
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError("bad manifest format")
    for k in ("dossier_id", "created"):
        if not isinstance(manifest.get(k), str):
            raise ValueError(f"manifest: missing {k}")
    patient = manifest.get("patient")
    if not isinstance(patient, dict) or not all(isinstance(patient.get(k), str) for k in ("family_name", "birth_date")):
        raise ValueError("manifest: bad patient")
    referral = manifest.get("referral")
    if not isinstance(referral, dict) or not isinstance(referral.get("question"), str):
        raise ValueError("manifest: bad referral")
    seen = set()
    for key in ("documents", "imaging"):
        entries = manifest.get(key)
        if not isinstance(entries, list):
            raise ValueError(f"manifest: {key} must be a list")
        for e in entries:
            if not isinstance(e, dict):
                raise ValueError("manifest entry is not an object")
            check_name(e.get("path"))
            if e["path"] in (MANIFEST_NAME, SIGNATURE_NAME) or e["path"] in seen:
                raise ValueError(f"manifest: duplicate or reserved path {e['path']!r}")
            seen.add(e["path"])
            if not _is_int(e.get("size")) or e["size"] < 0:
                raise ValueError("manifest: bad size")
            if not isinstance(e.get("sha256"), str) or not _HEX64.fullmatch(e["sha256"]):
                raise ValueError("manifest: bad sha256")


def parse_tar(payload: bytes):
    """Return (manifest_bytes, signature or None, files) after every check of the spec."""
    try:
        tf = tarfile.open(fileobj=io.BytesIO(payload), mode="r:")
        members = []
        for ti in tf:
            if ti.type not in (tarfile.REGTYPE, tarfile.AREGTYPE) or ti.issparse():
                raise ValueError(f"not a regular file: {ti.name!r}")
            check_name(ti.name)
            members.append((ti.name, tf.extractfile(ti).read()))
        end = tf.offset
        tf.close()
    except tarfile.TarError as exc:
        raise ValueError(f"bad tar: {exc}") from None
    if payload[end:].strip(b"\x00"):
        raise ValueError("non-zero data after end of tar archive")
    names = [n for n, _ in members]
    if len(set(names)) != len(names):
        raise ValueError("duplicate member names")
    if not members or members[0][0] != MANIFEST_NAME:
        raise ValueError("first member is not manifest.json")
    manifest_bytes = members[0][1]
    rest = members[1:]
    signature = None
    if rest and rest[0][0] == SIGNATURE_NAME:
        signature = rest[0][1]
        rest = rest[1:]
    files = {}
    for name, data in rest:
        if name in (MANIFEST_NAME, SIGNATURE_NAME):
            raise ValueError(f"misplaced {name}")
        files[name] = data
    manifest = strict_json_loads(manifest_bytes)
    validate_manifest(manifest)
    listed = {e["path"]: e for e in manifest_entries(manifest)}
    if set(listed) != set(files):
        raise ValueError("manifest entries and tar members differ")
    for name, data in files.items():
        if listed[name]["size"] != len(data) or listed[name]["sha256"] != hashlib.sha256(data).hexdigest():
            raise ValueError(f"size or sha256 mismatch for {name!r}")
    return manifest_bytes, signature, files


# --------------------------------------------------------------------------
# package API
# --------------------------------------------------------------------------

def write_package(path, files: dict[str, bytes], manifest: dict, *, passphrases=(), certificates=(),
                  chunk_size=65536, manifest_signature: bytes | None = None, file_key=None, payload_salt=None,
                  time_cost=2, memory_kib=65536, lanes=1) -> dict:
    """Write an SODP v1 file. Returns the manifest as stored (with size/sha256 filled in)."""
    payload = build_tar(files, manifest, manifest_signature)
    write_container(path, payload, passphrases=passphrases, certificates=certificates, chunk_size=chunk_size,
                    file_key=file_key, payload_salt=payload_salt, time_cost=time_cost,
                    memory_kib=memory_kib, lanes=lanes)
    return fill_manifest(files, manifest)


def read_package_full(path, *, passphrase=None, private_key=None, certificate=None):
    """Return (manifest dict, manifest.json bytes, manifest.json.p7s bytes or None, files)."""
    payload = read_container(path, passphrase=passphrase, private_key=private_key, certificate=certificate)
    manifest_bytes, signature, files = parse_tar(payload)
    return strict_json_loads(manifest_bytes), manifest_bytes, signature, files


def read_package(path, *, passphrase=None, private_key=None, certificate=None) -> tuple[dict, dict[str, bytes]]:
    """Return (manifest, files); files excludes manifest.json and manifest.json.p7s."""
    manifest, _, _, files = read_package_full(path, passphrase=passphrase, private_key=private_key,
                                              certificate=certificate)
    return manifest, files
