"""The workstation's trust lists: roots of sending organisations and of signers."""

from collections.abc import Sequence
from pathlib import Path

from cryptography import x509

from app.signing.certificates import load_certificates
from app.store import paths


def sender_roots_dir() -> Path:
    """Folder of PEM/DER root certificates whose sending organisations are trusted."""
    return paths.data_dir() / "trust" / "senders"


def load_roots(directory: Path, extra: Sequence[Path] = ()) -> list[x509.Certificate]:
    """Every certificate in `directory` (*.pem, *.crt, *.cer, *.der) plus those in `extra`."""
    roots: list[x509.Certificate] = []
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() in (".pem", ".crt", ".cer", ".der"):
                roots.extend(load_certificates(path))
    for path in extra:
        roots.extend(load_certificates(path))
    return roots


def trusted_sender_roots(extra: Sequence[Path] = ()) -> list[x509.Certificate]:
    return load_roots(sender_roots_dir(), extra)


def signer_roots_dir() -> Path:
    """Folder of PEM/DER root certificates trusted for signatures on opinion PDFs."""
    return paths.data_dir() / "trust" / "signers"


def trusted_signer_roots(extra: Sequence[Path] = ()) -> list[x509.Certificate]:
    """The workstation's signer roots plus those in `extra` (`secondo verify --trust`)."""
    return load_roots(signer_roots_dir(), extra)
