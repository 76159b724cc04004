"""A throw-away demo PKI (root CA, sending hospital, reviewers, treating physician).

Used by `secondo demo`, the tests and the sample dossier; none of it is secret or trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEMO_PASSPHRASE = "demo-passphrase-not-secret"

ROOT_NAME = "Second-O DEMO Root CA"
SENDER_NAME = "DEMO Sending Hospital"
REVIEWER_RSA_NAME = "Dr. Test Reviewer (DEMO)"
REVIEWER_EC_NAME = "Dr. Test Reviewer EC (DEMO)"
TREATING_NAME = "Dr. Test Treating (DEMO)"
WORKSTATION_NAME = "DEMO University Hospital Second Opinion Service"


@dataclass
class Identity:
    """A certificate with its private key and the chain up to (and including) the root."""

    name: str
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate] = field(default_factory=list)

    def to_pkcs12(self, passphrase: str) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            self.name.encode("utf-8"),
            self.private_key,
            self.certificate,
            self.chain or None,
            serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
        )

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class DemoPki:
    root: Identity
    sender: Identity
    reviewer_rsa: Identity
    reviewer_ec: Identity
    treating_physician: Identity
    workstation: Identity  # the reviewing organisation: signs the manifests of outgoing packages

    def leaves(self) -> dict[str, Identity]:
        """Issued identities keyed by the file stem `write_pki` uses."""
        return {
            "sender": self.sender,
            "reviewer-rsa": self.reviewer_rsa,
            "reviewer-ec": self.reviewer_ec,
            "treating-physician": self.treating_physician,
            "workstation": self.workstation,
        }


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Second-O DEMO (not for clinical use)"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _key_usage(**enabled: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False,
    )
    flags.update(enabled)
    return x509.KeyUsage(**flags)


def _build_root(now: datetime) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(ROOT_NAME)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now - timedelta(days=1) + timedelta(days=3652))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return Identity(ROOT_NAME, cert, key, [])


def _issue(root: Identity, common_name: str, email: str, key, key_usage: x509.KeyUsage,
           now: datetime, eku: list[x509.ObjectIdentifier] | None = None) -> Identity:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now - timedelta(days=1) + timedelta(days=1826))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                root.certificate.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier).value),
            critical=False)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    cert = builder.sign(root.private_key, hashes.SHA256())
    return Identity(common_name, cert, key, [root.certificate])


def build_pki(now: datetime | None = None) -> DemoPki:
    now = now or datetime.now(timezone.utc)
    root = _build_root(now)
    # emailProtection lets `openssl cms -verify` (purpose smimesign) accept manifest signatures.
    sender = _issue(
        root, SENDER_NAME, "secretariat@demo.invalid", rsa.generate_private_key(65537, 2048),
        _key_usage(digital_signature=True, content_commitment=True), now,
        eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])
    # Reviewers both decrypt incoming packages and sign opinions with one identity,
    # so each carries a signing usage plus its algorithm's key-transport usage.
    reviewer_rsa = _issue(
        root, REVIEWER_RSA_NAME, "reviewer@demo.invalid", rsa.generate_private_key(65537, 3072),
        _key_usage(digital_signature=True, content_commitment=True, key_encipherment=True), now)
    reviewer_ec = _issue(
        root, REVIEWER_EC_NAME, "reviewer-ec@demo.invalid", ec.generate_private_key(ec.SECP256R1()),
        _key_usage(digital_signature=True, content_commitment=True, key_agreement=True), now)
    treating = _issue(
        root, TREATING_NAME, "treating@demo.invalid", rsa.generate_private_key(65537, 2048),
        _key_usage(digital_signature=True, key_encipherment=True), now)
    workstation = _issue(
        root, WORKSTATION_NAME, "second-opinion@demo.invalid", rsa.generate_private_key(65537, 2048),
        _key_usage(digital_signature=True, content_commitment=True), now, eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])
    return DemoPki(root, sender, reviewer_rsa, reviewer_ec, treating, workstation)


def write_pki(pki: DemoPki, directory: Path, passphrase: str) -> dict[str, Path]:
    """Write root.pem and NAME.p12 / NAME.pem per identity; return {file name: path}."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = {"root.pem": directory / "root.pem"}
    written["root.pem"].write_bytes(pki.root.cert_pem())
    for stem, identity in pki.leaves().items():
        p12, pem = directory / f"{stem}.p12", directory / f"{stem}.pem"
        p12.write_bytes(identity.to_pkcs12(passphrase))
        p12.chmod(0o600)  # a private key, even a demo one, should not be world-readable
        pem.write_bytes(identity.cert_pem())
        written[p12.name], written[pem.name] = p12, pem
    return written
