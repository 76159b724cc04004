"""The workstation's trust lists: roots of sending organisations ("senders") and of signers of
opinions ("signers"), one PEM file per certificate in trust/<list>/ of the data folder.
Listing, adding (certificate authorities only) and removing by SHA-256 fingerprint; the
caller passes the store's audit log so each change is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
import hashlib
from pathlib import Path
import re
from typing import TYPE_CHECKING, Protocol

from app.core.errors import BadInputError, IdentityError
from app.core.files import atomic_output, output_error
from app.core.i18n import _
from app.store import paths

if TYPE_CHECKING:  # the certificate library loads when a list is read, not with the CLI's parser
    from cryptography import x509

SIGNERS, SENDERS = "signers", "senders"
TRUST_LISTS = (SIGNERS, SENDERS)
SUFFIXES = (".pem", ".crt", ".cer", ".der")
MIN_PREFIX = 8  # hex digits of a fingerprint enough to name one certificate


class AuditTrail(Protocol):
    def append(self, action: str, case: str | None = None, **details) -> dict: ...


def trust_dir(which: str) -> Path:
    """The folder of the list `which` ("signers" or "senders")."""
    if which not in TRUST_LISTS:
        raise BadInputError(_("There is no trust list named {name}; use signers or senders.").format(name=which))
    return paths.data_dir() / "trust" / which


def sender_roots_dir() -> Path:
    """Folder of PEM/DER root certificates whose sending organisations are trusted."""
    return trust_dir(SENDERS)


def signer_roots_dir() -> Path:
    """Folder of PEM/DER root certificates trusted for signatures on opinion PDFs."""
    return trust_dir(SIGNERS)


def load_certificates(path: Path) -> list[x509.Certificate]:
    from app.signing.certificates import load_certificates as load

    return load(path)


def _pem(certificate: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM)


def load_roots(directory: Path, extra: Sequence[Path] = ()) -> list[x509.Certificate]:
    """Every certificate in `directory` (*.pem, *.crt, *.cer, *.der) plus those in `extra`."""
    roots: list[x509.Certificate] = []
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() in SUFFIXES:
                roots.extend(load_certificates(path))
    for path in extra:
        roots.extend(load_certificates(path))
    return roots


def trusted_sender_roots(extra: Sequence[Path] = ()) -> list[x509.Certificate]:
    return load_roots(sender_roots_dir(), extra)


def trusted_signer_roots(extra: Sequence[Path] = ()) -> list[x509.Certificate]:
    """The workstation's signer roots plus those in `extra` (`secondo verify --trust`)."""
    return load_roots(signer_roots_dir(), extra)


# --- the lists as the settings show them -------------------------------------------------------

@dataclass(frozen=True)
class TrustedCertificate:
    """One certificate of a trust list, as the settings and `secondo trust list` show it."""

    subject: str
    issuer: str
    not_before: str
    not_after: str
    sha256: str
    is_ca: bool
    file: str = ""

    @property
    def name(self) -> str:
        return common_name(self.subject)

    def to_json(self) -> dict:
        return asdict(self)


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lowercase hex."""
    from cryptography.hazmat.primitives import serialization

    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def spaced_fingerprint(value: str) -> str:
    """A fingerprint as people compare it: AB:CD:… in pairs."""
    return ":".join(value[i:i + 2] for i in range(0, len(value), 2)).upper()


def common_name(rfc4514: str) -> str:
    match = re.search(r"(?:^|,)CN=((?:[^,\\]|\\.)*)", rfc4514)
    return match.group(1).replace("\\", "") if match else rfc4514


def describe(certificate: x509.Certificate, file: str = "") -> TrustedCertificate:
    return TrustedCertificate(certificate.subject.rfc4514_string() or "?", certificate.issuer.rfc4514_string() or "?",
                              certificate.not_valid_before_utc.isoformat(timespec="seconds"),
                              certificate.not_valid_after_utc.isoformat(timespec="seconds"),
                              fingerprint(certificate), ca_problem(certificate) is None, file)


def ca_problem(certificate: x509.Certificate) -> str | None:
    """Why `certificate` cannot be a trusted issuer (it is no certificate authority), or None."""
    from cryptography import x509

    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return _("The certificate of {name} is not a certificate authority: it states no basic constraints, so "
                 "it cannot issue certificates. Trust the authority that issued it instead.").format(
            name=common_name(certificate.subject.rfc4514_string()))
    if not constraints.ca:
        return _("The certificate of {name} is not a certificate authority (it is a person's or a server's "
                 "certificate). Trust the authority that issued it instead.").format(
            name=common_name(certificate.subject.rfc4514_string()))
    return None


def _entries(which: str) -> list[tuple[Path, x509.Certificate]]:
    directory = trust_dir(which)
    found: list[tuple[Path, x509.Certificate]] = []
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() in SUFFIXES:
                found.extend((path, c) for c in load_certificates(path))
    return found


def list_trusted(which: str) -> list[TrustedCertificate]:
    """The certificates of the list `which`, in file order, without duplicates."""
    seen: set[str] = set()
    out: list[TrustedCertificate] = []
    for path, certificate in _entries(which):
        entry = describe(certificate, path.name)
        if entry.sha256 not in seen:
            seen.add(entry.sha256)
            out.append(entry)
    return out


def add_trusted(which: str, certificate: x509.Certificate, audit: AuditTrail | None = None) -> TrustedCertificate:
    """Trust `certificate` for the list `which`; a certificate that is no certificate authority
    is refused with the reason. Adding one already trusted changes nothing."""
    problem = ca_problem(certificate)
    if problem:
        raise IdentityError(problem)
    value = fingerprint(certificate)
    for entry in list_trusted(which):
        if entry.sha256 == value:
            return entry
    directory = trust_dir(which)
    path = directory / f"{value[:16]}.pem"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as out:
            out.write(_pem(certificate))
    except OSError as exc:
        raise output_error(path, exc) from None
    entry = describe(certificate, path.name)
    if audit is not None:
        audit.append("trust", None, change="add", list=which, sha256=value, subject=entry.subject)
    return entry


def normalise_fingerprint(value: str) -> str:
    """Hex digits only, lowercase ("AB:CD …" as shown, or as printed by openssl)."""
    digits = re.sub(r"[\s:]", "", value).lower()
    if not re.fullmatch(r"[0-9a-f]+", digits or "-"):
        raise BadInputError(_("{value} is not a SHA-256 fingerprint (hexadecimal digits).").format(value=value))
    return digits


def find_trusted(which: str, value: str) -> TrustedCertificate:
    """The one certificate of `which` whose fingerprint is or starts with `value`."""
    digits = normalise_fingerprint(value)
    if len(digits) < MIN_PREFIX:
        raise BadInputError(_("Give at least {n} digits of the fingerprint.").format(n=MIN_PREFIX))
    matches = [e for e in list_trusted(which) if e.sha256.startswith(digits)]
    if not matches:
        raise BadInputError(_("No certificate of the {list} list has the fingerprint {value}.").format(
            list=which, value=value))
    if len(matches) > 1:
        raise BadInputError(_("Several certificates of the {list} list start with {value}; give more digits.")
                            .format(list=which, value=value))
    return matches[0]


def remove_trusted(which: str, value: str, audit: AuditTrail | None = None) -> TrustedCertificate:
    """Stop trusting the certificate of `which` with the fingerprint (or its prefix) `value`;
    a file that held it beside others keeps the others."""
    entry = find_trusted(which, value)
    by_file: dict[Path, list[x509.Certificate]] = {}
    for path, certificate in _entries(which):
        by_file.setdefault(path, []).append(certificate)
    for path, certificates in by_file.items():
        kept = [c for c in certificates if fingerprint(c) != entry.sha256]
        if len(kept) == len(certificates):
            continue
        try:
            if kept:
                with atomic_output(path.with_suffix(".pem")) as out:
                    out.write(b"".join(_pem(c) for c in kept))
                if path.suffix.lower() != ".pem":
                    path.unlink()
            else:
                path.unlink()
        except OSError as exc:
            raise output_error(path, exc) from None
    if audit is not None:
        audit.append("trust", None, change="remove", list=which, sha256=entry.sha256, subject=entry.subject)
    return entry


def read_certificate_file(path: Path) -> x509.Certificate:
    """The certificate of a PEM/DER/.crt/.cer file to import (the first when it holds several)."""
    return load_certificates(Path(path))[0]
