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
from typing import BinaryIO

from asn1crypto import cms, core
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.core.errors import PackageFormatError, PackageIntegrityError, WrongKeyError
from app.core.i18n import _
from app.dossier.ber import (CONTEXT, EOC, INTEGER, MAX_DEPTH, OCTET_STRING, OID, READ_SIZE, SEQUENCE, SET,
                              UNIVERSAL, BerInput, Tlv, malformed_error, not_p7m_error, oid)
from app.dossier.p7m_recipients import (Recipient, describe_recipient, key_agreement, key_transport,
                                        name_text)
from app.crypto.identity import KeyIdentity, subject_name

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

class _GcmParameters(core.Sequence):
    """GCMParameters of RFC 5084."""

    _fields = [
        ("aes_nonce", core.OctetString),
        ("aes_icvlen", core.Integer, {"default": 12}),
    ]


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
        self._input = BerInput(stream)
        self._frames: list[int | None] = []
        self._content_key: bytes | None = None
        self._started = False
        self.authenticated = False  # AuthEnvelopedData (AES-GCM) rather than EnvelopedData
        self.recipients: list[dict] = []
        self._recipients: list[Recipient] = []
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
                raise not_p7m_error()
            content_type = oid(oid_tlv.header + source.read(oid_tlv.length))
        except (PackageFormatError, PackageIntegrityError):
            raise not_p7m_error() from None
        if content_type not in (ENVELOPED_DATA, AUTH_ENVELOPED_DATA):
            kind = OTHER_CONTENT_TYPES.get(content_type)
            if kind == "SignedData":
                raise PackageFormatError(_(
                    "This .p7m file is signed but not encrypted (CMS SignedData); only encrypted "
                    ".p7m dossiers (CMS EnvelopedData) can be imported."))
            if kind is None:
                raise not_p7m_error()
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
            raise malformed_error(_("recipientInfos is missing"))
        self._parse_recipients(source.element_bytes(tlv))
        content_info = source.expect(UNIVERSAL, SEQUENCE, True, "EncryptedContentInfo")
        self._frames.append(source.end_of(content_info))
        inner = source.expect(UNIVERSAL, OID, False, "contentType")
        inner_type = oid(source.element_bytes(inner))
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
            raise malformed_error(_("encryptedContent is missing"))
        self._content = content

    def _parse_recipients(self, encoding: bytes) -> None:
        try:
            infos = cms.RecipientInfos.load(encoding)
            for info in infos:
                self._add_recipient(info)
        except (ValueError, TypeError, KeyError):
            raise malformed_error(_("recipientInfos cannot be read")) from None
        if not self._recipients:
            raise malformed_error(_("it names no recipients"))
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
            self._recipients.append(Recipient(summary, info, b"", None, None, None))
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
            summary = {"type": kind, "issuer": name_text(issuer) if issuer is not None else None,
                       "serial": serial, "ski": ski.hex() if ski else None}
            self._recipients.append(Recipient(summary, info, encrypted_key or b"", issuer, serial, ski))

    def named_certificates(self, certificates: list) -> list:
        """For each recipient (in the order of `recipients`), the certificate among
        `certificates` it names (issuer and serial, or key identifier), else None."""
        return [next((c for c in certificates if r.names(c)), None) for r in self._recipients]

    def _parse_content_algorithm(self, encoding: bytes) -> None:
        try:
            algorithm = cms.EncryptionAlgorithm.load(encoding)
            dotted = algorithm["algorithm"].dotted
            parameters = algorithm["parameters"]
        except (ValueError, TypeError, KeyError):
            raise malformed_error(_("contentEncryptionAlgorithm cannot be read")) from None
        if dotted not in CONTENT_ALGORITHMS:
            raise PackageFormatError(_(
                "This .p7m file is encrypted with an algorithm this workstation does not support "
                "({oid}); it reads AES-CBC and AES-GCM.").format(oid=dotted))
        self._mode, self._key_size = CONTENT_ALGORITHMS[dotted]
        if (self._mode == "gcm") != self.authenticated:
            raise malformed_error(_("the content encryption does not fit the content type"))
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
            raise malformed_error(_("the parameters of the content encryption are invalid")) from None

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
        have = "; ".join(describe_recipient(r.summary) for r in self._recipients)
        if not identities:
            raise WrongKeyError(_("This .p7m file is encrypted to a certificate; give the identity "
                                  "(PKCS#12) it is addressed to. It is for: {have}.").format(have=have))
        who = ", ".join(_("{name} (serial {serial})").format(
            name=subject_name(i.certificate), serial=format(i.certificate.serial_number, "X"))
            for i in identities)
        raise WrongKeyError(_("This .p7m file is not encrypted for {who}. It is for: {have}.")
                            .format(who=who, have=have))

    def _recover_key(self, recipient: Recipient, identity: KeyIdentity) -> bytes:
        who = subject_name(identity.certificate)
        damaged = PackageIntegrityError(_(
            "The .p7m file is damaged: its content key does not decrypt with the key of {who}."
        ).format(who=who))
        try:
            if recipient.summary["type"] == "ktri":
                key = key_transport(recipient, identity, damaged)
            else:
                key = key_agreement(recipient, identity, damaged)
        except (ValueError, TypeError, KeyError, AttributeError):  # asn1crypto parses lazily
            raise malformed_error(_("a recipientInfo cannot be read")) from None
        if len(key) != self._key_size:
            raise damaged
        return key

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
        assert key is not None  # chunks() checked it
        if self._mode == "cbc":
            decryptor = Cipher(algorithms.AES(key), modes.CBC(self._iv)).decryptor()
            unpadder = sym_padding.PKCS7(128).unpadder()
        else:
            gcm = Cipher(algorithms.AES(key), modes.GCM(self._iv, min_tag_length=self._tag_size)).decryptor()
            decryptor = gcm
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
                pending += gcm.finalize_with_tag(tag)
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

    def _octets(self, tlv: Tlv, depth: int) -> Iterator[bytes]:
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
            raise malformed_error(_("elements are nested too deeply"))
        end = source.end_of(tlv)
        while not source.at_end_of(end):
            child = source.read_header()
            if not child.is_(UNIVERSAL, OCTET_STRING):
                raise malformed_error(_("the encrypted content holds something other than octets"))
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
                raise malformed_error(_("the authentication tag is missing"))
            tag = source.read(tlv.length or 0)
            if len(tag) != self._tag_size:
                raise malformed_error(_("the authentication tag has the wrong length"))
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
                raise malformed_error(_("unexpected data after the encrypted content"))
            optional = tuple(n for n in optional if n != tlv.number)
            source.element_bytes(tlv)
