"""Streaming reader for `.p7m` dossiers: CMS EnvelopedData (RFC 5652) around a tar payload.

A `.p7m` is what `openssl cms -encrypt -binary -aes256 -recip reviewer.pem -outform DER`
makes, with or without `-stream` (BER, indefinite lengths, the ciphertext cut into
OCTET STRING pieces). Dossiers run to about 1 GB, and cryptography's `pkcs7_decrypt_der`
holds the whole message in memory, so this module walks the BER itself:

- `P7mReader(stream)` parses ContentInfo, the EnvelopedData header (version,
  originatorInfo, recipientInfos) and the EncryptedContentInfo up to the first byte of the
  ciphertext; nothing of the ciphertext is read. Small parts (recipientInfos, algorithm
  identifiers) are cut out with the minimal TLV reader below and parsed by asn1crypto.
- `unlock(credentials)` finds the recipient named by a `KeyIdentity` certificate (issuer
  and serial number, or subject key identifier) and recovers the content-encryption key:
  RSA key transport (PKCS#1 v1.5, openssl's default, or RSAES-OAEP) and ECDH key agreement
  (dhSinglePass-stdDH / cofactorDH with the X9.63 KDF over SHA-1/224/256/384/512, then AES
  key wrap).
- `chunks()` yields the plaintext, reading the input in blocks of `READ_SIZE`, so memory
  stays at a few MiB whatever the size of the file.

Content encryption: AES-128/192/256-CBC (EnvelopedData) and AES-128/192/256-GCM
(AuthEnvelopedData, RFC 5083/5084, `openssl cms -encrypt -aes-256-gcm`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap, aes_key_unwrap, aes_key_unwrap_with_padding)

from app.core.errors import PackageFormatError, PackageIntegrityError, WrongKeyError
from app.core.i18n import _
from app.signing.identities import KeyIdentity, subject_name

READ_SIZE = 1 << 20            # input is read, and plaintext released, in blocks of about this
MAX_HEADER_ELEMENT = 1 << 20   # largest header part (recipientInfos, originatorInfo) accepted
MAX_DEPTH = 32                 # nesting of BER elements accepted
EOC = b"\x00\x00"

# Tag classes of the identifier octet.
UNIVERSAL, CONTEXT = 0, 2
INTEGER, OCTET_STRING, OID, SEQUENCE, SET = 2, 4, 6, 16, 17

ID_DATA = "1.2.840.113549.1.7.1"
ENVELOPED_DATA = "1.2.840.113549.1.7.3"
AUTH_ENVELOPED_DATA = "1.2.840.113549.1.9.16.1.23"
OTHER_CONTENT_TYPES = {
    "1.2.840.113549.1.7.1": "Data",
    "1.2.840.113549.1.7.2": "SignedData",
    "1.2.840.113549.1.7.5": "DigestedData",
    "1.2.840.113549.1.7.6": "EncryptedData",
    "1.2.840.113549.1.9.16.1.2": "AuthenticatedData",
    "1.2.840.113549.1.9.16.1.9": "CompressedData",
}

# contentEncryptionAlgorithm → (mode, key length in bytes)
CONTENT_ALGORITHMS = {
    "2.16.840.1.101.3.4.1.2": ("cbc", 16),
    "2.16.840.1.101.3.4.1.22": ("cbc", 24),
    "2.16.840.1.101.3.4.1.42": ("cbc", 32),
    "2.16.840.1.101.3.4.1.6": ("gcm", 16),
    "2.16.840.1.101.3.4.1.26": ("gcm", 24),
    "2.16.840.1.101.3.4.1.46": ("gcm", 32),
}

# ECDH key agreement schemes (RFC 5753, SEC 1) → KDF hash. Every supported curve has
# cofactor 1, so cofactor DH and standard DH give the same shared secret.
ECDH_SCHEMES = {
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
HASHES = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
          "sha384": hashes.SHA384, "sha512": hashes.SHA512}


class _GcmParameters(core.Sequence):
    """GCMParameters of RFC 5084."""

    _fields = [
        ("aes_nonce", core.OctetString),
        ("aes_icvlen", core.Integer, {"default": 12}),
    ]


def _truncated() -> PackageIntegrityError:
    return PackageIntegrityError(_("The .p7m file is truncated: it ends before its encrypted "
                                   "content does. Ask the sender for a complete copy."))


def _malformed(detail: str) -> PackageFormatError:
    return PackageFormatError(_("The .p7m file is malformed ({detail}).").format(detail=detail))


def _not_p7m() -> PackageFormatError:
    return PackageFormatError(_("This file is not a .p7m (CMS encrypted) dossier."))


@dataclass(frozen=True)
class _Tlv:
    """The identifier and length octets of one BER element; `length` None is indefinite."""

    tag_class: int
    constructed: bool
    number: int
    length: int | None
    header: bytes

    def is_(self, tag_class: int, number: int) -> bool:
        return self.tag_class == tag_class and self.number == number


class _BerInput:
    """A forward-only BER reader over a binary stream, buffering at most about READ_SIZE."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._buffer = bytearray()
        self._offset = 0
        self.position = 0

    def _fill(self, size: int) -> None:
        if len(self._buffer) - self._offset >= size:
            return
        del self._buffer[:self._offset]
        self._offset = 0
        while len(self._buffer) < size:
            block = self._stream.read(max(size - len(self._buffer), READ_SIZE))
            if not block:
                return
            self._buffer += block

    def peek(self, size: int) -> bytes:
        """Up to `size` next bytes without consuming them; short only at the end."""
        self._fill(size)
        return bytes(self._buffer[self._offset:self._offset + size])

    def read(self, size: int) -> bytes:
        """Exactly `size` bytes; the end of the input before that is truncation."""
        self._fill(size)
        if len(self._buffer) - self._offset < size:
            raise _truncated()
        data = bytes(self._buffer[self._offset:self._offset + size])
        self._offset += size
        self.position += size
        return data

    def read_some(self, size: int) -> bytes:
        """Between 1 and `size` bytes (whatever is buffered, else one block of input)."""
        if self._offset >= len(self._buffer):
            self._fill(1)
        available = len(self._buffer) - self._offset
        if available == 0:
            raise _truncated()
        take = min(size, available)
        data = bytes(self._buffer[self._offset:self._offset + take])
        self._offset += take
        self.position += take
        return data

    def at_eof(self) -> bool:
        return not self.peek(1)

    def read_header(self) -> _Tlv:
        first = self.read(1)[0]
        header = bytearray((first,))
        tag_class, constructed, number = first >> 6, bool(first & 0x20), first & 0x1F
        if number == 0x1F:  # high tag number form
            number = 0
            for _count in range(4):
                octet = self.read(1)[0]
                header.append(octet)
                number = number << 7 | octet & 0x7F
                if not octet & 0x80:
                    break
            else:
                raise _malformed(_("a tag number is too large"))
        length_octet = self.read(1)[0]
        header.append(length_octet)
        if length_octet < 0x80:
            length: int | None = length_octet
        elif length_octet == 0x80:
            if not constructed:
                raise _malformed(_("a primitive element has an indefinite length"))
            length = None
        else:
            count = length_octet & 0x7F
            if count > 8 or length_octet == 0xFF:
                raise _malformed(_("an element length is too large"))
            raw = self.read(count)
            header += raw
            length = int.from_bytes(raw, "big")
        return _Tlv(tag_class, constructed, number, length, bytes(header))

    def at_end_of(self, end: int | None) -> bool:
        """Whether the constructed element ending at `end` (None: at an EOC) is complete;
        an EOC is consumed."""
        if end is None:
            if self.peek(2) == EOC:
                self.read(2)
                return True
            return False
        if self.position > end:
            raise _malformed(_("an element overruns the one that holds it"))
        return self.position == end

    def element_bytes(self, tlv: _Tlv, limit: int = MAX_HEADER_ELEMENT, depth: int = 0) -> bytes:
        """The whole encoding of the element whose header was just read (at most `limit`)."""
        if depth > MAX_DEPTH:
            raise _malformed(_("elements are nested too deeply"))
        if tlv.length is not None:
            if len(tlv.header) + tlv.length > limit:
                raise _malformed(_("a header element is larger than 1 MiB"))
            return tlv.header + self.read(tlv.length)
        parts, size = [tlv.header], len(tlv.header)
        while not self.at_end_of(None):
            part = self.element_bytes(self.read_header(), limit - size, depth + 1)
            parts.append(part)
            size += len(part)
        parts.append(EOC)
        return b"".join(parts)

    def expect(self, tag_class: int, number: int, constructed: bool | None, what: str) -> _Tlv:
        tlv = self.read_header()
        if not tlv.is_(tag_class, number) or (constructed is not None and tlv.constructed != constructed):
            raise _malformed(_("{what} is missing").format(what=what))
        return tlv

    def end_of(self, tlv: _Tlv) -> int | None:
        """Where a constructed element whose header was just read ends (None: at an EOC)."""
        return None if tlv.length is None else self.position + tlv.length


def _oid(encoding: bytes) -> str:
    try:
        return core.ObjectIdentifier.load(encoding).dotted
    except (ValueError, TypeError):
        raise _malformed(_("an object identifier is invalid")) from None


def _name_text(name: asn1_x509.Name) -> str:
    """The common name of an issuer, or its whole name when it has none."""
    try:
        native = name.native
        common_name = native.get("common_name") if isinstance(native, dict) else None
        if isinstance(common_name, list):
            common_name = common_name[0] if common_name else None
        return str(common_name) if common_name else name.human_friendly
    except (ValueError, TypeError, KeyError):
        return "?"


def _describe(recipient: dict) -> str:
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


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(raw))) + raw + content


@dataclass
class _Recipient:
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


class P7mReader:
    """Reads a CMS EnvelopedData (or AuthEnvelopedData) `.p7m`: the header at once,
    then `unlock()`, then `chunks()` once.

    CBC has no integrity of its own: a tampered ciphertext decrypts to garbage that the
    padding check catches only by chance. The integrity of the dossier comes from the
    manifest inside the tar payload (the size and SHA-256 of every file, and the
    manifest's signature), which the tar layer checks. With AES-GCM the tag is checked
    after the last byte, before `chunks()` ends. In both cases the final block of plaintext
    is held back until the whole file has been checked (padding or tag, the end of the
    BER structure, no trailing bytes), so a reader never sees a clean end of stream on a
    truncated or damaged file.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._input = _BerInput(stream)
        self._frames: list[int | None] = []
        self._content_key: bytes | None = None
        self._started = False
        self.authenticated = False  # AuthEnvelopedData (AES-GCM) rather than EnvelopedData
        self.recipients: list[dict] = []
        self._recipients: list[_Recipient] = []
        self._parse_header()

    # -- header ---------------------------------------------------------------------

    def _parse_header(self) -> None:
        source = self._input
        start = source.peek(64)
        if not start:
            raise PackageFormatError(_("The .p7m file is empty."))
        text = start.lstrip().lower()
        if text.startswith((b"-----begin", b"mime-version", b"content-type")):
            raise PackageFormatError(_(
                "This .p7m file is in text form (PEM or S/MIME); save it as binary DER, e.g. "
                "with `openssl cms -cmsout -inform PEM -outform DER` (or -inform SMIME)."))
        try:
            outer = source.expect(UNIVERSAL, SEQUENCE, True, "ContentInfo")
            outer_end = source.end_of(outer)
            oid_tlv = source.expect(UNIVERSAL, OID, False, "contentType")
            if oid_tlv.length is None or oid_tlv.length > 64:
                raise _not_p7m()
            content_type = _oid(oid_tlv.header + source.read(oid_tlv.length))
        except (PackageFormatError, PackageIntegrityError):
            raise _not_p7m() from None
        if content_type not in (ENVELOPED_DATA, AUTH_ENVELOPED_DATA):
            kind = OTHER_CONTENT_TYPES.get(content_type)
            if kind == "SignedData":
                raise PackageFormatError(_(
                    "This .p7m file is signed but not encrypted (CMS SignedData); only encrypted "
                    ".p7m dossiers (CMS EnvelopedData) can be imported."))
            if kind is None:
                raise _not_p7m()
            raise PackageFormatError(_(
                "This .p7m file holds CMS {kind}, not an encrypted dossier (CMS EnvelopedData)."
            ).format(kind=kind))
        self.authenticated = content_type == AUTH_ENVELOPED_DATA
        self._frames.append(outer_end)
        explicit = source.expect(CONTEXT, 0, True, "content")
        self._frames.append(source.end_of(explicit))
        enveloped = source.expect(UNIVERSAL, SEQUENCE, True, "EnvelopedData")
        self._frames.append(source.end_of(enveloped))
        source.element_bytes(source.expect(UNIVERSAL, INTEGER, False, "version"))
        tlv = source.read_header()
        if tlv.is_(CONTEXT, 0):  # originatorInfo: certificates and CRLs, not needed here
            source.element_bytes(tlv)
            tlv = source.read_header()
        if not (tlv.is_(UNIVERSAL, SET) and tlv.constructed):
            raise _malformed(_("recipientInfos is missing"))
        self._parse_recipients(source.element_bytes(tlv))
        content_info = source.expect(UNIVERSAL, SEQUENCE, True, "EncryptedContentInfo")
        self._frames.append(source.end_of(content_info))
        inner = source.expect(UNIVERSAL, OID, False, "contentType")
        inner_type = _oid(source.element_bytes(inner))
        if inner_type != ID_DATA:
            raise PackageFormatError(_(
                "This .p7m file encrypts CMS {kind} rather than a dossier's plain data."
            ).format(kind=OTHER_CONTENT_TYPES.get(inner_type, inner_type)))
        algorithm = source.expect(UNIVERSAL, SEQUENCE, True, "contentEncryptionAlgorithm")
        self._parse_content_algorithm(source.element_bytes(algorithm))
        if self._frames[-1] is not None and source.position == self._frames[-1]:
            raise PackageFormatError(_("This .p7m file does not carry its encrypted content "
                                       "(it is detached); it cannot be imported."))
        content = source.read_header()
        if not content.is_(CONTEXT, 0):
            if content.header[:2] == EOC:
                raise PackageFormatError(_("This .p7m file does not carry its encrypted content "
                                           "(it is detached); it cannot be imported."))
            raise _malformed(_("encryptedContent is missing"))
        self._content = content

    def _parse_recipients(self, encoding: bytes) -> None:
        try:
            infos = cms.RecipientInfos.load(encoding)
            for info in infos:
                self._add_recipient(info)
        except (ValueError, TypeError, KeyError):
            raise _malformed(_("recipientInfos cannot be read")) from None
        if not self._recipients:
            raise _malformed(_("it names no recipients"))
        self.recipients = [r.summary for r in self._recipients]

    def _add_recipient(self, info: cms.RecipientInfo) -> None:
        kind = info.name  # ktri, kari, kekri, pwri or ori
        if kind == "ktri":
            entries = [(info.chosen["rid"], info.chosen["encrypted_key"].native)]
        elif kind == "kari":
            entries = [(key["rid"], key["encrypted_key"].native)
                       for key in info.chosen["recipient_encrypted_keys"]]
        else:
            summary = {"type": kind, "issuer": None, "serial": None, "ski": None}
            self._recipients.append(_Recipient(summary, info, b"", None, None, None))
            return
        for rid, encrypted_key in entries:
            issuer = serial = ski = None
            if rid.name == "issuer_and_serial_number":
                issuer = rid.chosen["issuer"]
                serial = rid.chosen["serial_number"].native
            elif rid.name == "subject_key_identifier":
                ski = rid.chosen.native
            elif rid.name == "r_key_id":
                ski = rid.chosen["subject_key_identifier"].native
            summary = {"type": kind, "issuer": _name_text(issuer) if issuer is not None else None,
                       "serial": serial, "ski": ski.hex() if ski else None}
            self._recipients.append(_Recipient(summary, info, encrypted_key or b"", issuer, serial, ski))

    def _parse_content_algorithm(self, encoding: bytes) -> None:
        try:
            algorithm = cms.EncryptionAlgorithm.load(encoding)
            dotted = algorithm["algorithm"].dotted
            parameters = algorithm["parameters"]
        except (ValueError, TypeError, KeyError):
            raise _malformed(_("contentEncryptionAlgorithm cannot be read")) from None
        if dotted not in CONTENT_ALGORITHMS:
            raise PackageFormatError(_(
                "This .p7m file is encrypted with an algorithm this workstation does not support "
                "({oid}); it reads AES-CBC and AES-GCM.").format(oid=dotted))
        self._mode, self._key_size = CONTENT_ALGORITHMS[dotted]
        if (self._mode == "gcm") != self.authenticated:
            raise _malformed(_("the content encryption does not fit the content type"))
        try:
            raw = parameters.dump() if parameters.contents is not None else b""
            if self._mode == "cbc":
                self._iv = core.OctetString.load(raw).native
                if len(self._iv) != 16:
                    raise ValueError
            else:
                gcm = _GcmParameters.load(raw)
                self._iv = gcm["aes_nonce"].native
                self._tag_size = gcm["aes_icvlen"].native
                if not self._iv or not 12 <= self._tag_size <= 16:
                    raise ValueError
        except (ValueError, TypeError, KeyError):
            raise _malformed(_("the parameters of the content encryption are invalid")) from None

    # -- key ------------------------------------------------------------------------

    def unlock(self, credentials: list) -> None:
        """Recover the content key with the first `KeyIdentity` the file is addressed to;
        other kinds of credential are ignored. Raises `WrongKeyError` naming the recipients
        when none fits, `PackageIntegrityError` when the fitting one does not decrypt."""
        identities = [c for c in credentials if isinstance(c, KeyIdentity)]
        failure: Exception | None = None
        for identity in identities:
            for recipient in self._recipients:
                if recipient.summary["type"] not in ("ktri", "kari"):
                    continue
                if not recipient.names(identity.certificate):
                    continue
                try:
                    self._content_key = self._recover_key(recipient, identity)
                    return
                except (PackageIntegrityError, PackageFormatError, WrongKeyError) as exc:
                    failure = failure or exc
        if failure is not None:
            raise failure
        have = "; ".join(_describe(r.summary) for r in self._recipients)
        if not identities:
            raise WrongKeyError(_("This .p7m file is encrypted to a certificate; give the identity "
                                  "(PKCS#12) it is addressed to. It is for: {have}.").format(have=have))
        who = ", ".join(_("{name} (serial {serial})").format(
            name=subject_name(i.certificate), serial=format(i.certificate.serial_number, "X"))
            for i in identities)
        raise WrongKeyError(_("This .p7m file is not encrypted for {who}. It is for: {have}.")
                            .format(who=who, have=have))

    def _recover_key(self, recipient: _Recipient, identity: KeyIdentity) -> bytes:
        who = subject_name(identity.certificate)
        damaged = PackageIntegrityError(_(
            "The .p7m file is damaged: its content key does not decrypt with the key of {who}."
        ).format(who=who))
        try:
            if recipient.summary["type"] == "ktri":
                key = self._key_transport(recipient, identity, damaged)
            else:
                key = self._key_agreement(recipient, identity, damaged)
        except (ValueError, TypeError, KeyError, AttributeError):  # asn1crypto parses lazily
            raise _malformed(_("a recipientInfo cannot be read")) from None
        if len(key) != self._key_size:
            raise damaged
        return key

    def _key_transport(self, recipient: _Recipient, identity: KeyIdentity,
                       damaged: PackageIntegrityError) -> bytes:
        private_key = identity.private_key
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise WrongKeyError(_("This .p7m file is encrypted with RSA for {who}, whose key is not "
                                  "an RSA key.").format(who=subject_name(identity.certificate)))
        algorithm = recipient.info.chosen["key_encryption_algorithm"]
        dotted = algorithm["algorithm"].dotted
        try:
            if dotted == "1.2.840.113549.1.1.1":
                scheme = padding.PKCS1v15()
            elif dotted == "1.2.840.113549.1.1.7":
                scheme = self._oaep(algorithm["parameters"])
            else:
                raise PackageFormatError(_(
                    "This .p7m file wraps its key with an algorithm this workstation does not "
                    "support ({oid}); it reads RSA (PKCS#1 v1.5 or OAEP) and ECDH.").format(oid=dotted))
        except (ValueError, TypeError, KeyError, AttributeError):
            raise _malformed(_("the RSA-OAEP parameters are invalid")) from None
        try:
            return private_key.decrypt(recipient.encrypted_key, scheme)
        except ValueError:
            raise damaged from None

    @staticmethod
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

    def _key_agreement(self, recipient: _Recipient, identity: KeyIdentity,
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
            raise _malformed(_("the ECDH parameters are invalid")) from None
        # ECC-CMS-SharedInfo (RFC 5753 §7.2): keyInfo, entityUInfo [0], suppPubInfo [2].
        shared_info = wrap_encoding
        if ukm is not None:
            shared_info += _der(0xA0, _der(0x04, ukm))
        shared_info += _der(0xA2, _der(0x04, (kek_size * 8).to_bytes(4, "big")))
        shared_info = _der(0x30, shared_info)
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

    # -- content --------------------------------------------------------------------

    def chunks(self) -> Iterator[bytes]:
        """The plaintext in blocks of about READ_SIZE, read once. Truncation, a bad padding
        or GCM tag, a malformed end of the structure or trailing bytes raise before the last
        block is released."""
        if self._content_key is None:
            raise RuntimeError("unlock() first")
        if self._started:
            raise RuntimeError("chunks() can be read only once")
        self._started = True
        return self._plaintext()

    def _plaintext(self) -> Iterator[bytes]:
        key = self._content_key
        if self._mode == "cbc":
            decryptor = Cipher(algorithms.AES(key), modes.CBC(self._iv)).decryptor()
            unpadder = sym_padding.PKCS7(128).unpadder()
        else:
            decryptor = Cipher(algorithms.AES(key),
                               modes.GCM(self._iv, min_tag_length=self._tag_size)).decryptor()
            unpadder = None
        pending = b""
        for ciphertext in self._ciphertext():
            plaintext = decryptor.update(ciphertext)
            if unpadder is not None:
                plaintext = unpadder.update(plaintext)
            if pending:
                yield pending
            pending = plaintext
        tag = self._read_trailer()
        if unpadder is None:
            try:
                pending += decryptor.finalize_with_tag(tag)
            except InvalidTag:
                raise PackageIntegrityError(_("The .p7m file was altered or damaged: its "
                                              "authentication tag does not match.")) from None
        else:
            try:
                pending += decryptor.finalize()
                pending += unpadder.finalize()
            except ValueError:
                raise PackageIntegrityError(_(
                    "The .p7m file is damaged: its decrypted content does not end with valid "
                    "padding (altered, cut short, or made with another key).")) from None
        if pending:
            yield pending

    def _ciphertext(self) -> Iterator[bytes]:
        """The encryptedContent octets regrouped into blocks of about READ_SIZE."""
        parts: list[bytes] = []
        size = 0
        for piece in self._octets(self._content, 0):
            parts.append(piece)
            size += len(piece)
            if size >= READ_SIZE:
                yield b"".join(parts)
                parts, size = [], 0
        if parts:
            yield b"".join(parts)

    def _octets(self, tlv: _Tlv, depth: int) -> Iterator[bytes]:
        """The content octets of an OCTET STRING (primitive, or constructed of pieces)."""
        source = self._input
        if not tlv.constructed:
            remaining = tlv.length or 0
            while remaining:
                piece = source.read_some(min(remaining, READ_SIZE))
                remaining -= len(piece)
                yield piece
            return
        if depth >= MAX_DEPTH:
            raise _malformed(_("elements are nested too deeply"))
        end = source.end_of(tlv)
        while not source.at_end_of(end):
            child = source.read_header()
            if not child.is_(UNIVERSAL, OCTET_STRING):
                raise _malformed(_("the encrypted content holds something other than octets"))
            yield from self._octets(child, depth + 1)

    def _read_trailer(self) -> bytes:
        """Read what follows the ciphertext up to the end of the file; return the GCM tag."""
        source = self._input
        self._close(self._frames.pop())                      # EncryptedContentInfo
        tag = b""
        if self.authenticated:
            tlv = source.read_header()
            if tlv.is_(CONTEXT, 1):
                raise PackageFormatError(_("This .p7m file has authenticated attributes, which "
                                           "this workstation does not support."))
            if not (tlv.is_(UNIVERSAL, OCTET_STRING) and not tlv.constructed):
                raise _malformed(_("the authentication tag is missing"))
            tag = source.read(tlv.length or 0)
            if len(tag) != self._tag_size:
                raise _malformed(_("the authentication tag has the wrong length"))
            self._close(self._frames.pop(), optional=(2,))   # AuthEnvelopedData, unauthAttrs
        else:
            self._close(self._frames.pop(), optional=(1,))   # EnvelopedData, unprotectedAttrs
        self._close(self._frames.pop())                      # [0] content
        self._close(self._frames.pop())                      # ContentInfo
        if not source.at_eof():
            raise PackageIntegrityError(_("The .p7m file has bytes appended after its end."))
        return tag

    def _close(self, end: int | None, optional: tuple[int, ...] = ()) -> None:
        """Skip the allowed trailing [n] elements of a constructed element, then its end."""
        source = self._input
        while not source.at_end_of(end):
            tlv = source.read_header()
            if tlv.tag_class != CONTEXT or tlv.number not in optional:
                raise _malformed(_("unexpected data after the encrypted content"))
            optional = tuple(n for n in optional if n != tlv.number)
            source.element_bytes(tlv)
