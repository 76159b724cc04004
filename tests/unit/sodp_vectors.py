"""Builds the SODP v1 test vectors of app/dossier/sodp-test-vectors.json from fixed inputs.

`python -m tests.unit.sodp_vectors` rewrites the file; test_sodp_vectors checks that the
code still produces exactly those bytes, and that the clean-room reference reads them.
"""

import hashlib
import io
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.crypto import sodp, stanzas

VECTORS = Path(__file__).resolve().parents[2] / "app" / "dossier" / "sodp-test-vectors.json"
FILE_KEY = bytes(range(0x00, 0x20))
PAYLOAD_SALT = bytes(range(0x20, 0x40))
PASSPHRASE = "DEMO test vector: cafe\u0301"  # decomposed é: NFC normalisation matters
ARGON_SALT = bytes(range(0x40, 0x50))
WRAP_NONCE = bytes(range(0x50, 0x5C))
EPHEMERAL_SCALAR = int.from_bytes(hashlib.sha256(b"sodp/1 vector ephemeral").digest(), "big") % (2**255)
CHUNK = 65536


def pattern(size: int) -> bytes:
    return bytes(i % 251 for i in range(size))


def seal_fixed(plaintext: bytes, stanza_list: list[dict]) -> bytes:
    out = io.BytesIO()
    writer = sodp.SodpWriter(out, [], CHUNK, file_key=FILE_KEY, payload_salt=PAYLOAD_SALT, stanza_list=stanza_list)
    writer.write(plaintext)
    writer.close()
    return out.getvalue()


def passphrase_stanza() -> dict:
    return stanzas.wrap(stanzas.Passphrase(PASSPHRASE, time_cost=2, memory_kib=65536, lanes=1), FILE_KEY,
                        salt=ARGON_SALT, nonce=WRAP_NONCE)


def ecdh_stanza(certificate: x509.Certificate) -> dict:
    ephemeral = ec.derive_private_key(EPHEMERAL_SCALAR, ec.SECP256R1())
    return stanzas.wrap(certificate, FILE_KEY, nonce=WRAP_NONCE, ephemeral_key=ephemeral)


def build(fixed: dict) -> dict:
    """The computed part of the vectors; `fixed` holds the stored keys and certificates."""
    ec_cert = x509.load_pem_x509_certificate(fixed["ecdh_recipient"]["certificate_pem"].encode())
    empty = seal_fixed(b"", [passphrase_stanza()])
    two_chunks_plain = pattern(2 * CHUNK + 100)
    two_chunks = seal_fixed(two_chunks_plain, [ecdh_stanza(ec_cert), passphrase_stanza()])
    header_len = int.from_bytes(two_chunks[8:12], "big")
    payload_start = 12 + header_len + 32
    return {
        "derived": {
            "payload_key": sodp.derive_key(FILE_KEY, PAYLOAD_SALT, sodp.PAYLOAD_INFO).hex(),
            "header_mac_key": sodp.derive_key(FILE_KEY, PAYLOAD_SALT, sodp.HEADER_INFO).hex(),
            "nonce_chunk_0": sodp.chunk_nonce(0, False).hex(),
            "nonce_chunk_2_final": sodp.chunk_nonce(2, True).hex(),
        },
        "empty_payload_passphrase": {"file_hex": empty.hex()},
        "two_chunks_ecdh_and_passphrase": {
            "plaintext": "bytes(i % 251 for i in range(2 * 65536 + 100))",
            "header_json": two_chunks[12:12 + header_len].decode(),
            "header_mac": two_chunks[12 + header_len:payload_start].hex(),
            "first_32_payload_bytes": two_chunks[payload_start:payload_start + 32].hex(),
            "final_chunk": two_chunks[payload_start + 2 * (CHUNK + 16):].hex(),
            "file_size": len(two_chunks),
            "file_sha256": hashlib.sha256(two_chunks).hexdigest(),
        },
    }


def fixed_inputs() -> dict:
    return {
        "file_key": FILE_KEY.hex(), "payload_salt": PAYLOAD_SALT.hex(), "chunk_size": CHUNK,
        "passphrase": PASSPHRASE, "passphrase_nfc_utf8": "DEMO test vector: café".encode().hex(),
        "argon2id": {"salt": ARGON_SALT.hex(), "time_cost": 2, "memory_kib": 65536, "lanes": 1},
        "wrap_nonce": WRAP_NONCE.hex(), "ephemeral_private_scalar": format(EPHEMERAL_SCALAR, "x"),
    }


def _new_fixed_keys() -> dict:
    """Recipient keys and certificates: made once, then stored (certificates are not reproducible)."""
    from app.demo.pki import build_pki  # only when regenerating
    pki = build_pki()

    def pem(identity):
        return {"certificate_pem": identity.cert_pem().decode(),
                "private_key_pem": identity.private_key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption()).decode()}

    rsa_recipient = pem(pki.treating_physician)
    wrapped = stanzas.wrap(pki.treating_physician.certificate, FILE_KEY)
    rsa_recipient.update(cert_sha256=wrapped["cert_sha256"], stanza=wrapped)
    return {"ecdh_recipient": pem(pki.reviewer_ec), "rsa_oaep_recipient": rsa_recipient}


def main() -> None:
    existing = json.loads(VECTORS.read_text()) if VECTORS.exists() else {}
    fixed = existing.get("keys") or _new_fixed_keys()
    document = {"comment": "SODP v1 test vectors (SODP.md §Test vectors). DEMO keys: never trust them.",
                "inputs": fixed_inputs(), "keys": fixed}
    document.update(build(fixed))
    VECTORS.write_text(json.dumps(document, indent=2) + "\n")
    print(VECTORS)


if __name__ == "__main__":
    main()
