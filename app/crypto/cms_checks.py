"""Checks of the parts of a CMS SignedData that its signature does not cover, for the PDF
signatures (app/signing/verify.py) and the manifest's (app/dossier/manifest_signature.py):
a changed byte there must not go unnoticed."""

from __future__ import annotations

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.core.i18n import _


def strict_cms_problem(signed_data, signer) -> str | None:
    """The parts of the CMS structure that its signature does not cover must be exactly what
    RFC 5652 prescribes, so that a changed byte there cannot go unnoticed: the version numbers,
    the digest algorithms listed outside the signer info (the same set, no parameters), and
    absent or NULL parameters of the digest and RSA PKCS#1 v1.5 signature algorithms."""
    damaged = _("the signature structure is damaged (an unsigned field was changed)")
    try:
        signer_infos = list(signed_data["signer_infos"])
        outer = [alg for alg in signed_data["digest_algorithms"]]
        choices = [c.name for c in signed_data["certificates"]] if signed_data["certificates"].native else []
        for info in signer_infos:
            sid = info["sid"]
            if sid.name == "issuer_and_serial_number":  # byte for byte: name matching ignores case
                if sid.chosen["issuer"].dump() != signer.issuer.dump() or \
                        sid.chosen["serial_number"].native != signer.serial_number:
                    return damaged
            elif sid.chosen.native != signer.key_identifier:
                return damaged
            expected = 1 if sid.name == "issuer_and_serial_number" else 3
            if info["version"].native != f"v{expected}":
                return damaged
            if not _null_parameters(info["digest_algorithm"]):
                return damaged
            sig_alg = info["signature_algorithm"]
            if sig_alg["algorithm"].native in ("rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa") \
                    and not _null_parameters(sig_alg):
                return damaged
        if any(not _null_parameters(alg) for alg in outer):
            return damaged
        if {a["algorithm"].dotted for a in outer} != {i["digest_algorithm"]["algorithm"].dotted for i in signer_infos} \
                or len(outer) != len({a["algorithm"].dotted for a in outer}):
            return damaged
        if "other" in choices:
            version = 5
        elif "v2_attr_cert" in choices:
            version = 4
        elif any(i["version"].native == "v3" for i in signer_infos) or \
                signed_data["encap_content_info"]["content_type"].native != "data":
            version = 3
        else:
            version = 1
        if signed_data["version"].native != f"v{version}":
            return damaged
    except Exception:
        return damaged
    return None


def _null_parameters(algorithm) -> bool:
    parameters = algorithm["parameters"]
    return isinstance(parameters, (core.Null, core.Void)) or parameters.native is None and \
        parameters.dump() in (b"", b"\x05\x00")


def certificate_problem(signed_data, signer, roots: list[asn1_x509.Certificate]) -> str | None:
    """Every certificate carried in the signature, besides the signer's own (bound by a signed
    attribute), must bear a valid signature of an issuer carried there or trusted: the CMS
    certificate set is not covered by the signature, so a damaged copy is caught here."""
    try:
        carried = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
        pool = [x509.load_der_x509_certificate(c.dump()) for c in [*carried, *roots]]
    except Exception:
        return _("the signature carries a certificate that cannot be read")
    signer_der = signer.dump()
    root_keys = {(r.subject.dump(), r.public_key.dump()): r.dump() for r in roots}
    for cert in carried:
        try:
            if cert["signature_value"].contents[:1] != b"\x00":  # unused bits: always 0 in a signature
                return _("the signature carries a certificate that is damaged or cannot be checked")
            known = root_keys.get((cert.subject.dump(), cert.public_key.dump()))
        except Exception:
            return _("the signature carries a certificate that cannot be read")
        if known is not None and known != cert.dump():
            return _("the signature carries a copy of a trusted root that was changed")
    for cert in pool[:len(carried)]:
        if not _issued_by_one_of(cert, pool, signer_der):
            return _("the signature carries a certificate that is damaged or cannot be checked")
    return None


def _issued_by_one_of(cert: x509.Certificate, pool: list[x509.Certificate], signer_der: bytes) -> bool:
    try:
        if cert.public_bytes(serialization.Encoding.DER) == signer_der:
            return True
        issuers = [c for c in pool if c.subject == cert.issuer]
    except Exception:  # a name damaged beyond reading
        return False
    for issuer in issuers:
        try:
            cert.verify_directly_issued_by(issuer)
            return True
        except Exception:  # wrong signature, wrong key type, name mismatch: try the next
            continue
    return False
