"""The stored SODP v1 test vectors: our code reproduces them, and the reference reads them."""

import io
import json

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.crypto import sodp, stanzas
from app.crypto.stanzas import Passphrase
from app.signing.identities import KeyIdentity
from tests.independent import sodp_reference as ref
from tests.unit import sodp_vectors

VECTORS = json.loads(sodp_vectors.VECTORS.read_text())


def recipient(name: str) -> KeyIdentity:
    keys = VECTORS["keys"][name]
    return KeyIdentity(x509.load_pem_x509_certificate(keys["certificate_pem"].encode()),
                       serialization.load_pem_private_key(keys["private_key_pem"].encode(), None))


def test_the_code_reproduces_every_stored_vector():
    computed = sodp_vectors.build(VECTORS["keys"])
    for name, value in computed.items():
        assert VECTORS[name] == value, name


def test_derived_keys_match_the_independent_reference():
    file_key = bytes.fromhex(VECTORS["inputs"]["file_key"])
    salt = bytes.fromhex(VECTORS["inputs"]["payload_salt"])
    assert ref.derive_payload_key(file_key, salt).hex() == VECTORS["derived"]["payload_key"]
    assert ref.derive_header_mac_key(file_key, salt).hex() == VECTORS["derived"]["header_mac_key"]
    assert ref.chunk_nonce(2, True).hex() == VECTORS["derived"]["nonce_chunk_2_final"]


def test_the_empty_payload_vector_opens_in_both_implementations():
    data = bytes.fromhex(VECTORS["empty_payload_passphrase"]["file_hex"])
    nfc = "DEMO test vector: caf\u00e9"
    assert ref.open_container(data, passphrase=nfc) == b""
    reader = sodp.SodpReader(io.BytesIO(data))
    reader.unlock([Passphrase(nfc)])
    assert b"".join(reader.chunks()) == b""


def test_the_two_chunk_vector_opens_with_the_ecdh_key_in_the_reference():
    keys = recipient("ecdh_recipient")
    data = sodp_vectors.seal_fixed(sodp_vectors.pattern(2 * 65536 + 100),
                                   json.loads(VECTORS["two_chunks_ecdh_and_passphrase"]["header_json"])["recipients"])
    assert ref.open_container(data, private_key=keys.private_key, certificate=keys.certificate) == \
        sodp_vectors.pattern(2 * 65536 + 100)


def test_the_rsa_oaep_stanza_unwraps_to_the_file_key_in_both():
    keys = recipient("rsa_oaep_recipient")
    stanza = VECTORS["keys"]["rsa_oaep_recipient"]["stanza"]
    assert stanza["cert_sha256"] == stanzas.cert_sha256(keys.certificate)
    file_key = bytes.fromhex(VECTORS["inputs"]["file_key"])
    assert stanzas.unwrap_identity(stanza, keys) == file_key
    assert ref.unwrap_file_key({"recipients": [stanza]}, private_key=keys.private_key,
                               certificate=keys.certificate) == file_key
