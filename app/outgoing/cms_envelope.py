"""The signed opinion as a CMS EnvelopedData `.p7m` (RFC 5652) for a recipient with a
certificate, opened by `openssl cms -decrypt` and the eHealth tools hospitals use.

The content (the signed PDF, byte for byte) is encrypted with AES-256-CBC; its key is
wrapped per recipient with RSAES-OAEP (SHA-256, MGF1-SHA-256) for RSA certificates and with
ephemeral-static ECDH (dhSinglePass-stdDH-sha256kdf, then AES-256 key wrap, RFC 5753) for EC
ones. cryptography's `PKCS7EnvelopeBuilder` only wraps with RSA PKCS#1 v1.5, so the
structure is built with asn1crypto and the primitives come from cryptography. The reader of
the same format is `app.dossier.p7m`.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from asn1crypto import algos, cms, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding as sym_padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from app.crypto.stanzas import RecipientCertificateError, check_recipient_certificate

__all__ = ["RecipientCertificateError", "envelope"]

AES256_CBC = "2.16.840.1.101.3.4.1.42"
AES256_WRAP = "2.16.840.1.101.3.4.1.45"
ECDH_STD_SHA256KDF = "1.3.132.1.11.1"  # dhSinglePass-stdDH-sha256kdf-scheme


def envelope(content: bytes, recipients: list[x509.Certificate],
             now: datetime | None = None) -> bytes:
    """DER CMS EnvelopedData of `content`, which each certificate in `recipients` opens.

    Every certificate is checked first (app.crypto.stanzas.check_recipient_certificate: key
    type, key usage, validity at `now`); one that does not fit raises
    `RecipientCertificateError` naming it and why, and nothing is made.
    """
    if not recipients:
        raise ValueError("at least one recipient")
    moment = now or datetime.now(timezone.utc)
    for certificate in recipients:
        check_recipient_certificate(certificate, moment)
    content_key = os.urandom(32)
    iv = os.urandom(16)
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(content) + padder.finalize()
    encryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    infos = [_recipient_info(certificate, content_key) for certificate in recipients]
    # RFC 5652 §6.1: version 0 when every RecipientInfo is version 0 (ktri by issuer and
    # serial), else 2 (a kari is version 3).
    version = "v0" if all(info.name == "ktri" for info in infos) else "v2"
    enveloped = cms.EnvelopedData({
        "version": version,
        "recipient_infos": infos,
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": {"algorithm": AES256_CBC,
                                             "parameters": core.OctetString(iv)},
            "encrypted_content": ciphertext,
        },
    })
    return cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()


def _issuer_and_serial(certificate: x509.Certificate) -> cms.IssuerAndSerialNumber:
    return cms.IssuerAndSerialNumber({
        "issuer": asn1_x509.Name.load(certificate.issuer.public_bytes()),
        "serial_number": certificate.serial_number,
    })


def _recipient_info(certificate: x509.Certificate, content_key: bytes) -> cms.RecipientInfo:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return _key_transport(certificate, key, content_key)
    assert isinstance(key, ec.EllipticCurvePublicKey)  # check_recipient_certificate refused the rest
    return _key_agreement(certificate, key, content_key)


def _key_transport(certificate: x509.Certificate, key: rsa.RSAPublicKey,
                   content_key: bytes) -> cms.RecipientInfo:
    sha256 = {"algorithm": "sha256"}
    oaep = algos.RSAESOAEPParams({
        "hash_algorithm": sha256,
        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": sha256},
    })
    encrypted = key.encrypt(content_key, padding.OAEP(padding.MGF1(hashes.SHA256()),
                                                      hashes.SHA256(), None))
    return cms.RecipientInfo("ktri", cms.KeyTransRecipientInfo({
        "version": "v0",
        "rid": cms.RecipientIdentifier("issuer_and_serial_number", _issuer_and_serial(certificate)),
        "key_encryption_algorithm": {"algorithm": "rsaes_oaep", "parameters": oaep},
        "encrypted_key": encrypted,
    }))


class _EccCmsSharedInfo(core.Sequence):
    """ECC-CMS-SharedInfo of RFC 5753 §7.2, the X9.63 KDF's shared info."""

    _fields = [
        ("key_info", cms.KeyEncryptionAlgorithm),
        ("entity_u_info", core.OctetString, {"explicit": 0, "optional": True}),
        ("supp_pub_info", core.OctetString, {"explicit": 2}),
    ]


def _key_agreement(certificate: x509.Certificate, key: ec.EllipticCurvePublicKey,
                   content_key: bytes) -> cms.RecipientInfo:
    ephemeral = ec.generate_private_key(key.curve)
    secret = ephemeral.exchange(ec.ECDH(), key)
    wrap = cms.KeyEncryptionAlgorithm({"algorithm": AES256_WRAP})
    shared_info = _EccCmsSharedInfo({"key_info": wrap,
                                     "supp_pub_info": (256).to_bytes(4, "big")}).dump()
    kek = X963KDF(hashes.SHA256(), 32, shared_info).derive(secret)
    point = ephemeral.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint)
    # RFC 5753 §7.1.1: id-ecPublicKey with the parameters absent, the point uncompressed.
    originator = asn1_keys.PublicKeyInfo({
        "algorithm": asn1_keys.PublicKeyAlgorithm({"algorithm": "ec"}),
        "public_key": point,
    })
    # asn1crypto knows no ECDH scheme OIDs: its parameters (the key wrap) are set as Any.
    algorithm = cms.KeyEncryptionAlgorithm({"algorithm": ECDH_STD_SHA256KDF,
                                            "parameters": core.Any.load(wrap.dump())})
    return cms.RecipientInfo("kari", cms.KeyAgreeRecipientInfo({
        "version": "v3",
        "originator": cms.OriginatorIdentifierOrKey("originator_key", originator),
        "key_encryption_algorithm": algorithm,
        "recipient_encrypted_keys": [{
            "rid": cms.KeyAgreementRecipientIdentifier("issuer_and_serial_number",
                                                       _issuer_and_serial(certificate)),
            "encrypted_key": aes_key_wrap(kek, content_key),
        }],
    }))
