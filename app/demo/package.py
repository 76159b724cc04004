"""The DEMO dossier package: PKI, source folder and the signed, encrypted `.sodp` built
from them, as `secondo demo` and the tests use it."""

from dataclasses import dataclass
from pathlib import Path
import shutil

from cryptography import x509

from app.demo.dossier import build_demo_source
from app.demo.pki import DEMO_PASSPHRASE, build_pki, write_pki
from app.dossier import package
from app.crypto.stanzas import Passphrase
from app.signing.certificates import load_certificate
from app.signing.identities import KeyIdentity, load_pkcs12

#: Opens the DEMO package too; printed in the demo output, never a real secret.
DEMO_DOSSIER_PASSPHRASE = "demo-dossier-passphrase-not-secret"


@dataclass(frozen=True)
class DemoPackage:
    package: Path
    source: Path
    pki_files: dict[str, Path]

    @property
    def reviewer_p12(self) -> Path:
        return self.pki_files["reviewer-rsa.p12"]

    @property
    def root(self) -> x509.Certificate:
        return load_certificate(self.pki_files["root.pem"])

    def reviewer_identity(self) -> KeyIdentity:
        return load_pkcs12(self.reviewer_p12, DEMO_PASSPHRASE)


def build_demo_package(out_dir: Path, ct_slices: int = 200, ct_size: int = 512) -> DemoPackage:
    """Write pki/, source/ and demo-dossier.sodp into `out_dir` (which is created)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for generated in ("pki", "source"):  # from an earlier run into the same folder
        shutil.rmtree(out_dir / generated, ignore_errors=True)
    pki_files = write_pki(build_pki(), out_dir / "pki", DEMO_PASSPHRASE)
    source = out_dir / "source"
    build_demo_source(source, ct_slices, ct_size=ct_size)
    recipients = [load_certificate(pki_files["reviewer-rsa.pem"]), load_certificate(pki_files["reviewer-ec.pem"]),
                  Passphrase(DEMO_DOSSIER_PASSPHRASE)]
    sender = load_pkcs12(pki_files["sender.p12"], DEMO_PASSPHRASE)
    target = out_dir / "demo-dossier.sodp"
    package.pack_directory(source, target, recipients, signer=sender)
    return DemoPackage(target, source, pki_files)
