"""The recipients of a `.p7m` and how their content key is recovered: RSA key transport
(PKCS#1 v1.5 or OAEP) and ECDH key agreement (X9.63 KDF, then AES key wrap)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap, aes_key_unwrap, aes_key_unwrap_with_padding)

from app.core.errors import PackageFormatError, PackageIntegrityError, WrongKeyError
from app.core.i18n import _
from app.dossier.ber import der, malformed_error
from app.crypto.identity import KeyIdentity, subject_name

# ECDH key agreement schemes (RFC 5753, SEC 1) → KDF hash. Every supported curve has
# cofactor 1, so cofactor DH and standard DH give the same shared secret.
ECDH_SCHEMES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "1.3.133.16.840.63.0.2": hashes.SHA1,     # dhSinglePass-stdDH-sha1kdf-scheme
    "1.3.133.16.840.63.0.3": hashes.SHA1,     # dhSinglePass-cofactorDH-sha1kdf-scheme
    "1.3.132.1.11.0": hashes.SHA224, "1.3.132.1.11.1": hashes.SHA256,
    "1.3.132.1.11.2": hashes.SHA384, "1.3.132.1.11.3": hashes.SHA512,
    "1.3.132.1.14.0": hashes.SHA224, "1.3.132.1.14.1": hashes.SHA256,
    "1.3.132.1.14.2": hashes.SHA384, "1.3.132.1.14.3": hashes.SHA512,
}
# AES key wrap → (key length, with padding)
KEY_WRAPS = {
    "2.16.840.1.101.3.4.1.5": (16, False), "2.16.840.1.101.3.4.1.25": (24, False),
    "2.16.840.1.101.3.4.1.45": (32, False), "2.16.840.1.101.3.4.1.8": (16, True),
    "2.16.840.1.101.3.4.1.28": (24, True), "2.16.840.1.101.3.4.1.48": (32, True),
}
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
          "sha384": hashes.SHA384, "sha512": hashes.SHA512}



def name_text(name: asn1_x509.Name) -> str:
    """The common name of an issuer, or its whole name when it has none."""
    try:
        native = name.native
        common_name = native.get("common_name") if isinstance(native, dict) else None
        if isinstance(common_name, list):
            common_name = common_name[0] if common_name else None
        return str(common_name) if common_name else name.human_friendly
    except (ValueError, TypeError, KeyError):
        return "?"


def describe_recipient(recipient: dict) -> str:
    if recipient.get("serial") is not None:
        return _("the certificate with serial {serial} issued by {issuer}").format(
            serial=format(recipient["serial"], "X"), issuer=recipient["issuer"])
    if recipient.get("ski"):
        return _("the certificate with key identifier {ski}").format(ski=recipient["ski"])
    return _("a {kind} recipient, which this workstation cannot open").format(kind=recipient["type"])


def _ski_of(certificate: x509.Certificate) -> bytes | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


@dataclass
class Recipient:
    """One way to the content key: the public summary, and what is needed to use it."""

    summary: dict
    info: cms.RecipientInfo
    encrypted_key: bytes
    issuer: asn1_x509.Name | None
    serial: int | None
    ski: bytes | None

    def names(self, certificate: x509.Certificate) -> bool:
        if self.serial is not None and self.issuer is not None:
            if certificate.serial_number != self.serial:
                return False
            try:
                return asn1_x509.Name.load(certificate.issuer.public_bytes()) == self.issuer
            except ValueError:
                return False
        return self.ski is not None and self.ski == _ski_of(certificate)


def key_transport(recipient: Recipient, identity: KeyIdentity,
                  damaged: PackageIntegrityError) -> bytes:
    private_key = identity.private_key
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise WrongKeyError(_("This .p7m file is encrypted with RSA for {who}, whose key is not "
                              "an RSA key.").format(who=subject_name(identity.certificate)))
    algorithm = recipient.info.chosen["key_encryption_algorithm"]
    dotted = algorithm["algorithm"].dotted
    try:
        if dotted == "1.2.840.113549.1.1.1":
            scheme: padding.AsymmetricPadding = padding.PKCS1v15()
        elif dotted == "1.2.840.113549.1.1.7":
            scheme = _oaep(algorithm["parameters"])
        else:
            raise PackageFormatError(_(
                "This .p7m file wraps its key with an algorithm this workstation does not "
                "support ({oid}); it reads RSA (PKCS#1 v1.5 or OAEP) and ECDH.").format(oid=dotted))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise malformed_error(_("the RSA-OAEP parameters are invalid")) from None
    try:
        return private_key.decrypt(recipient.encrypted_key, scheme)
    except ValueError:
        raise damaged from None

def _oaep(parameters) -> padding.OAEP:
    if isinstance(parameters, algos.RSAESOAEPParams):
        params = parameters
    elif isinstance(parameters, (core.Void, core.Null)):
        params = algos.RSAESOAEPParams({})  # every field at its default: SHA-1, MGF1-SHA-1
    else:
        params = algos.RSAESOAEPParams.load(parameters.dump())
    hash_name = params["hash_algorithm"]["algorithm"].native
    mgf = params["mask_gen_algorithm"]
    if mgf["algorithm"].native != "mgf1":
        raise ValueError("unsupported mask generation")
    mgf_hash_name = mgf["parameters"]["algorithm"].native
    source = params["p_source_algorithm"]
    if source["algorithm"].native != "p_specified":
        raise ValueError("unsupported label source")
    label = source["parameters"].native or b""
    if hash_name not in HASHES or mgf_hash_name not in HASHES:
        raise ValueError
    return padding.OAEP(padding.MGF1(HASHES[mgf_hash_name]()), HASHES[hash_name](), label or None)

def key_agreement(recipient: Recipient, identity: KeyIdentity,
                  damaged: PackageIntegrityError) -> bytes:
    private_key = identity.private_key
    who = subject_name(identity.certificate)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise WrongKeyError(_("This .p7m file is encrypted with ECDH for {who}, whose key is not "
                              "an EC key.").format(who=who))
    info = recipient.info.chosen
    algorithm = info["key_encryption_algorithm"]
    scheme = algorithm["algorithm"].dotted
    if scheme not in ECDH_SCHEMES:
        raise PackageFormatError(_(
            "This .p7m file uses an EC key agreement this workstation does not support ({oid}); "
            "it reads dhSinglePass-stdDH/cofactorDH with SHA-1 or SHA-2.").format(oid=scheme))
    originator = info["originator"]
    if originator.name != "originator_key":
        raise PackageFormatError(_("This .p7m file uses static-static ECDH (its sender is named "
                                   "by certificate), which this workstation does not support."))
    try:
        wrap_encoding = algorithm["parameters"].dump()
        wrap_oid = cms.KeyEncryptionAlgorithm.load(wrap_encoding)["algorithm"].dotted
        if wrap_oid not in KEY_WRAPS:
            raise PackageFormatError(_(
                "This .p7m file wraps its key with an algorithm this workstation does not "
                "support ({oid}); it reads AES key wrap.").format(oid=wrap_oid))
        kek_size, padded = KEY_WRAPS[wrap_oid]
        point = originator.chosen["public_key"].contents[1:]  # after the unused-bits octet
        peer = ec.EllipticCurvePublicKey.from_encoded_point(private_key.curve, point)
        ukm = info["ukm"].native if info["ukm"].contents is not None else None
    except (ValueError, TypeError, KeyError, AttributeError):
        raise malformed_error(_("the ECDH parameters are invalid")) from None
    # ECC-CMS-SharedInfo (RFC 5753 §7.2): keyInfo, entityUInfo [0], suppPubInfo [2].
    shared_info = wrap_encoding
    if ukm is not None:
        shared_info += der(0xA0, der(0x04, ukm))
    shared_info += der(0xA2, der(0x04, (kek_size * 8).to_bytes(4, "big")))
    shared_info = der(0x30, shared_info)
    try:
        secret = private_key.exchange(ec.ECDH(), peer)
    except ValueError:
        raise damaged from None
    kek = X963KDF(ECDH_SCHEMES[scheme](), kek_size, shared_info).derive(secret)
    try:
        unwrap = aes_key_unwrap_with_padding if padded else aes_key_unwrap
        return unwrap(kek, recipient.encrypted_key)
    except (InvalidUnwrap, ValueError):
        raise damaged from None
