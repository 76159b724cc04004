"""Checking the signatures of a signed PDF (`secondo verify`, docs/cli.md; docs/ARCHITECTURE.md, "Signing").

Each signature is validated by pyHanko against the given roots (no network: no fetching of
certificates, CRLs or OCSP). A PDF passes only when it holds at least one signature and every
signature is intact (the signed bytes match), cryptographically valid, trusted (its signer
chains to a given root, with a key usage for signing) and covers the whole file: bytes added
after a signature (an incremental update) are reported as "modified after signing", which is
a failure, however harmless pyHanko judges the change.

A password-protected PDF (a protected copy, app/signoff/protected_pdf.py) is checked when its
passphrase is given; without it the report says it is password-protected, not damaged.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import asdict, dataclass
from datetime import datetime
import hashlib
import io
import logging
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.core.errors import BadInputError
from app.core.i18n import _
from app.crypto.cms_checks import certificate_problem, strict_cms_problem
from app.signing.certificate_checks import signing_problem

def no_signature() -> str:
    return _("the PDF holds no signature")


COVERAGE: dict[SignatureCoverageLevel | None, str] = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}


@dataclass
class SignatureReport:
    field: str
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    signer: str | None = None
    signer_certificate_sha256: str | None = None
    signing_time: str | None = None
    coverage: str = "unclear"
    whole_file: bool = False
    modified_after_signing: bool = False
    subfilter: str | None = None
    issuer: str | None = None
    issuer_untrusted: bool = False  # sound in every other respect, but its issuer is on no trust list
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def only_issuer_untrusted(self) -> bool:
        return self.issuer_untrusted and len(self.problems) == 1


@dataclass
class VerifyReport:
    file: str
    signatures: list[SignatureReport] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    password_protected: bool = False  # encrypted (a protected copy); checked only when its passphrase opened it
    locked: bool = False  # password-protected and not opened: no passphrase, or a wrong one

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and not self.problems and all(s.ok for s in self.signatures)

    def to_json(self) -> dict:
        return {"file": self.file, "ok": self.ok, "signature_count": len(self.signatures),
                "signatures": [asdict(s) | {"ok": s.ok} for s in self.signatures], "problems": list(self.problems),
                "password_protected": self.password_protected, "locked": self.locked}


def password_protected() -> str:
    return _("the document is password-protected: give its passphrase to check its signature")


def wrong_password() -> str:
    return _("the passphrase does not open the password-protected document")


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer_name(cert: asn1_x509.Certificate) -> str:
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def _issuer_name(cert: asn1_x509.Certificate) -> str:
    return cert.issuer.native.get("common_name") or cert.issuer.human_friendly


def _der_length(data: bytes) -> int | None:
    """Length of the DER element at the start of `data` (header included), None if unreadable."""
    if len(data) < 2:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(data) < 2 + count:
        return None
    return 2 + count + int.from_bytes(data[2:2 + count], "big")


def _hole_problem(embedded, data: bytes) -> str | None:
    """The unsigned hole of the byte range holds the DER signature and then only zero padding
    (pyHanko reads the DER and ignores what follows, so a change there is checked here)."""
    try:
        start, length1, offset2, _length2 = (int(v) for v in embedded.sig_object["/ByteRange"])
    except Exception:
        return _("the signature has no readable byte range")
    hole = data[start + length1:offset2].strip()
    if not (hole.startswith(b"<") and hole.endswith(b">")):
        return _("the signature value is not where its byte range says")
    digits = hole[1:-1]
    if digits.upper() != digits and digits.lower() != digits:  # writers use one case: a flipped letter
        return _("the signature value is damaged: its hexadecimal digits were changed")
    try:
        contents = bytes.fromhex(digits.decode("ascii"))
    except ValueError:
        return _("the signature value is damaged")
    used = _der_length(contents)
    if used is None or used > len(contents) or contents[used:].strip(b"\x00"):
        return _("the signature value is damaged: bytes were changed after its end")
    # ContentInfo ::= SEQUENCE { contentType OID, content [0] }: the two must fill it exactly
    # (a lenient parser would ignore a changed outer length).
    inner_start = 2 + (contents[1] & 0x7F if contents[1] & 0x80 else 0)
    oid_length = _der_length(contents[inner_start:])
    content_length = _der_length(contents[inner_start + oid_length:]) if oid_length else None
    if oid_length is None or content_length is None or inner_start + oid_length + content_length != used:
        return _("the signature value is damaged: its length was changed")
    return None


async def _check(embedded, context: ValidationContext, data: bytes,
                 roots: list[asn1_x509.Certificate]) -> SignatureReport:
    try:
        return await _check_one(embedded, context, data, roots)
    except Exception as exc:  # whatever a damaged file provokes, it is a failed check, not a crash
        report = SignatureReport(field="")
        report.problems.append(_("the signature cannot be checked ({kind}: {reason})").format(
            kind=type(exc).__name__, reason=str(exc)[:200]))
        return report


async def _check_one(embedded, context: ValidationContext, data: bytes,
                     roots: list[asn1_x509.Certificate]) -> SignatureReport:
    report = SignatureReport(field=str(embedded.field_name or ""))  # a str, also from a decrypted document
    hole = _hole_problem(embedded, data)
    if hole:
        report.problems.append(hole)
    try:
        report.subfilter = str(embedded.sig_object.get("/SubFilter"))
    except Exception:
        pass
    try:
        cert = embedded.signer_cert
        report.signer = _signer_name(cert)
        report.issuer = _issuer_name(cert)
        report.signer_certificate_sha256 = hashlib.sha256(cert.dump()).hexdigest()
    except Exception:
        pass
    try:
        status = await async_validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as exc:  # malformed CMS or byte ranges: pyHanko raises many kinds
        report.problems.append(_("the signature cannot be checked ({kind}: {reason})").format(
            kind=type(exc).__name__, reason=str(exc)[:200]))
        return report
    report.intact, report.valid, report.trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
    if status.signing_cert is not None:
        report.signer = _signer_name(status.signing_cert)
        report.signer_certificate_sha256 = hashlib.sha256(status.signing_cert.dump()).hexdigest()
    if isinstance(status.signer_reported_dt, datetime):
        report.signing_time = status.signer_reported_dt.isoformat()
    report.coverage = COVERAGE.get(status.coverage, "unclear")
    report.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    report.modified_after_signing = status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    if not report.intact:
        report.problems.append(_("the document was changed: its bytes do not match the signature"))
    elif not report.valid:
        report.problems.append(_("the signature value is not valid for the signed bytes"))
    if report.intact and report.valid and not report.trusted:
        problem = _untrusted_problem(status.signing_cert)
        report.issuer_untrusted = problem == _unchained()
        report.problems.append(problem)
    elif report.trusted:
        carried = certificate_problem(embedded.signed_data, embedded.signer_cert, roots)
        if carried:
            report.problems.append(carried)
    strict = strict_cms_problem(embedded.signed_data, embedded.signer_cert)
    if strict:
        report.problems.append(strict)
    if report.modified_after_signing:
        report.problems.append(_("the document was modified after signing (an incremental update follows "
                                 "the signature)"))
    elif not report.whole_file:
        report.problems.append(_("the signature does not cover the whole file"))
    if status.docmdp_ok is False:
        report.problems.append(_("changes after signing are not permitted by the signature"))
    return report


def _untrusted_problem(signing_cert) -> str:
    """Why a sound signature is not trusted: the signer's certificate may not sign now (expired,
    not yet valid, not meant for signing), or it does not chain to a given root."""
    try:
        problem = signing_problem(x509.load_der_x509_certificate(signing_cert.dump()))
    except Exception:  # a certificate pyHanko read but cryptography cannot: no finer reason
        problem = None
    if problem:
        return _("the signer's certificate may not sign: {problem}").format(problem=problem)
    return _unchained()


def _unchained() -> str:
    return _("the signer's certificate does not chain to a trusted root")


def quiet_validation_logs() -> None:
    """pyHanko logs a traceback for every untrusted or broken signature; the report says it plainly."""
    for logger in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)


def verify_pdf_bytes(data: bytes, trusted_roots: list[x509.Certificate], name: str = "",
                     password: str | None = None) -> VerifyReport:
    """The signatures of the PDF `data` checked against `trusted_roots`; a password-protected
    PDF is opened with `password` first (without one, or with a wrong one, the report says so)."""
    from pyhanko.pdf_utils.crypt import AuthStatus

    quiet_validation_logs()
    report = VerifyReport(file=name)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            report.password_protected = True
            if password is None or reader.decrypt(password).status == AuthStatus.FAILED:
                report.locked = True
                report.problems.append(password_protected() if password is None else wrong_password())
                return report
        reader.root  # noqa: B018 - parses the trailer and the catalog: a damaged PDF fails here
    except Exception as exc:  # a damaged PDF raises anything from PdfReadError to IndexError
        report.problems.append(_("the file is not a readable PDF ({kind}: {reason})").format(
            kind=type(exc).__name__, reason=str(exc)[:200]))
        return report
    try:
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # a signature dictionary or its CMS value damaged beyond reading
        report.problems.append(_("a signature of the document is damaged and cannot be read ({kind}: {reason})")
                               .format(kind=type(exc).__name__, reason=str(exc)[:200]))
        return report
    if not signatures:
        report.problems.append(no_signature())
        return report
    roots = [_asn1(c) for c in trusted_roots]
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")

    async def check_all() -> list[SignatureReport]:
        return [await _check(s, context, data, roots) for s in signatures]

    report.signatures = asyncio.run(check_all())
    return report


def verify_pdf(path: Path, trusted_roots: list[x509.Certificate], password: str | None = None) -> VerifyReport:
    """`verify_pdf_bytes` on a file; a missing or unreadable file raises `BadInputError`."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise BadInputError(_("{path} does not exist.").format(path=path)) from None
    except IsADirectoryError:
        raise BadInputError(_("{path} is a folder, not a PDF file.").format(path=path)) from None
    except OSError as exc:
        raise BadInputError(_("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None
    return verify_pdf_bytes(data, trusted_roots, str(path), password)


def _when(iso: str | None) -> str:
    if not iso:
        return _("an unknown time")
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    from app.core.locale_format import format_datetime

    return f"{format_datetime(moment)} {moment.tzname() or ''}".strip()


def status_line(report: VerifyReport) -> tuple[str, str]:
    """("valid" | "untrusted" | "invalid", one line for a banner) saying who signed when, and
    whether the document is intact, trusted and wholly covered, or the first reason it is not.
    "untrusted": every check passed but the issuer of a signer is on no trust list."""
    if not report.signatures:
        problem = (report.problems or [no_signature()])[0]
        if report.locked:
            return "invalid", _("Password-protected: {problem}.").format(problem=problem)
        if problem == no_signature():
            return "invalid", _("Not signed: {problem}.").format(problem=problem)
        return "invalid", _("Signature check FAILED: {problem}.").format(problem=problem)
    last = report.signatures[-1]
    count = len(report.signatures)
    # TRANSLATORS: who signed last and when; "Signed by {who}" is the sentence around it.
    who = (_("{signer} on {when}") if count == 1 else _("{signer} on {when} (the last of {n} signatures)")).format(
        signer=last.signer or _("an unknown signer"), when=_when(last.signing_time), n=count)
    if report.ok:
        return "valid", _("Signed by {who}: intact, signer trusted, the signature covers the whole "
                          "document.").format(who=who)
    if not report.problems and all(s.ok or s.only_issuer_untrusted for s in report.signatures):
        issuers = sorted({s.issuer or _("an unknown issuer") for s in report.signatures if not s.ok})
        return "untrusted", _("Signed, issuer not trusted: {issuer} is on no trusted list. Signed by {who}; "
                              "the document is intact and wholly covered by the signature.").format(
            who=who, issuer=", ".join(issuers))
    problems = report.problems or [p for s in report.signatures for p in s.problems]
    return "invalid", _("Signature check FAILED: {problem}. Signed by {who}.").format(
        problem=problems[0] if problems else _("unknown reason"), who=who)


def issuer_chain(data: bytes) -> list[x509.Certificate]:
    """The certificates the last signature of the PDF `data` carries above its signer, from
    the signer's issuer up to the top (a root when it is included): what "Trust this issuer"
    offers. Empty when the signature carries none or cannot be read."""
    try:
        signature = list(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures)[-1]
        current = signature.signer_cert
        carried = list(signature.signed_data["certificates"] or [])
    except Exception:  # noqa: BLE001 - a damaged document offers nothing to trust
        return []
    chain: list[x509.Certificate] = []
    seen = {current.sha256}
    while current.issuer != current.subject:
        parent = next((c.chosen for c in carried if c.name == "certificate" and c.chosen.subject == current.issuer
                       and c.chosen.sha256 not in seen), None)
        if parent is None:
            break
        seen.add(parent.sha256)
        chain.append(x509.load_der_x509_certificate(parent.dump()))
        current = parent
    return chain
