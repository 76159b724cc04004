"""What the import dialog says, worked out without Qt: whom a package is for (by name, from the
certificates this workstation knows) and, after an import, what it brought, in words.

    package_recipients(path, known_certificates(store, [identity]))  -> [Addressee, ...]
    import_summary(store, result)                                    -> [CaseReport, ...]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from app.core.errors import SecondoError
from app.core.i18n import _, ngettext
from app.crypto import stanzas
from app.crypto.identity import subject_name

OK, WARN, BAD = "ok", "warn", "bad"  # how a line of the summary is marked


@dataclass
class Addressee:
    """One recipient of a package: `name` and `organisation` when its certificate is known here,
    else `name` describes what the package says of it; `opens`: the chosen identity opens it."""

    name: str
    organisation: str = ""
    known: bool = True
    opens: bool = False

    def text(self) -> str:
        who = f"{self.name} ({self.organisation})" if self.organisation else self.name
        return _("{who} — your identity opens it").format(who=who) if self.opens else who


def organisation(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    return str(names[0].value) if names else ""


def known_certificates(store, identities: Iterable = ()) -> list[x509.Certificate]:
    """The certificates a recipient may be named by: the given identities' and the address book's."""
    found = [i.certificate for i in identities if getattr(i, "certificate", None) is not None]
    if store is not None:
        from app.outgoing.address_book import AddressBook

        try:
            contacts = AddressBook(store).contacts()
        except (SecondoError, OSError, ValueError):
            contacts = []
        for contact in contacts:
            try:
                certificate = contact.certificate
            except SecondoError:
                continue
            if certificate is not None:
                found.append(certificate)
    return found


def package_recipients(path: Path, certificates: list[x509.Certificate],
                       opening: Iterable[x509.Certificate] = ()) -> list[Addressee]:
    """Whom the package at `path` is encrypted for, read from its header (no key needed);
    `opening`: the certificates of the identity chosen to open it. [] for what is not a package
    (a folder, an ISO); an unreadable header raises the reader's `SecondoError`."""
    suffix = Path(path).suffix.lower()
    opening = list(opening)
    if suffix == ".sodp":
        from app.crypto.sodp import read_header

        with open(path, "rb") as stream:
            header = read_header(stream)
        by_print = {stanzas.cert_sha256(c): c for c in certificates}
        mine = {stanzas.cert_sha256(c) for c in opening}
        result = []
        for stanza in header.recipients:
            kind = stanza.get("type")
            if kind == stanzas.PASSPHRASE:
                result.append(Addressee(_("Whoever has the package's passphrase"), known=False))
            elif kind in (stanzas.RSA_OAEP, stanzas.ECDH_ES):
                fingerprint = str(stanza.get("cert_sha256") or "")
                certificate = by_print.get(fingerprint)
                if certificate is None:
                    result.append(Addressee(_("A certificate not known on this workstation (SHA-256 {fp}…)")
                                            .format(fp=fingerprint[:16]), known=False))
                else:
                    result.append(Addressee(subject_name(certificate), organisation(certificate),
                                            opens=fingerprint in mine))
            else:
                result.append(Addressee(_("A kind of recipient this workstation cannot open"), known=False))
        return result
    if suffix == ".p7m":
        from app.dossier.p7m import P7mReader

        with open(path, "rb") as stream:
            reader = P7mReader(stream)
        result = []
        mine = reader.named_certificates(opening)
        for summary, certificate, own in zip(reader.recipients, reader.named_certificates(certificates), mine):
            if certificate is None:
                issuer = summary.get("issuer")
                name = (_("A certificate issued by {issuer}, not known on this workstation").format(issuer=issuer)
                        if issuer else _("A certificate not known on this workstation"))
                result.append(Addressee(name, known=False))
            else:
                result.append(Addressee(subject_name(certificate), organisation(certificate), opens=own is not None))
        return result
    return []


@dataclass
class CaseReport:
    """The summary of one case an import made (or found already there): `lines` of
    (what, in words, OK/WARN/BAD)."""

    case_id: str
    title: str
    lines: list[tuple[str, str, str]] = field(default_factory=list)
    duplicate: bool = False


IDENTITY_WORDS = {
    "ok": (lambda: _("OK: every study matches the patient"), OK),
    "not_verified": (lambda: _("Not verified: there is no patient to compare the images with, or data is missing"),
                     WARN),
    "mismatch": (lambda: _("MISMATCH: some studies belong to another patient"), BAD),
}
SIGNATURE_WORDS = {
    "valid": (lambda: _("Valid: signed by a trusted sender"), OK),
    "untrusted": (lambda: _("Signed, but the issuer is not trusted on this workstation"), WARN),
    "unsigned": (lambda: _("Unsigned: the sender cannot be confirmed"), WARN),
}


def case_identity(view: dict) -> str:
    """The case's identity in the words of `secondo show --json` ("ok", "not_verified", "mismatch"),
    also for a view without that key: "ok" then only when a package's manifest named the patient
    the studies were checked against (studies that merely agree with each other are not verified)."""
    stated = view.get("identity")
    if stated in IDENTITY_WORDS:
        return stated
    if view.get("identity_mismatches"):
        return "mismatch"
    studies = view.get("studies") or []
    from_package = any(s.get("kind") in ("package", "p7m") for s in view.get("sources") or [])
    if from_package and studies and all((s.get("identity") or {}).get("status") == "match" for s in studies):
        return "ok"
    return "not_verified"


def _patient(view: dict) -> str:
    from app.core.formatting import format_patient_name
    from app.core.locale_format import format_date

    patient = view.get("patient") or {}
    name = format_patient_name(patient.get("family_name") or "?", patient.get("given_names"))
    born = patient.get("birth_date")
    return _("{name}, born {date}").format(name=name, date=format_date(born)) if born else name


def missing_text(view: dict) -> str:
    """What the DICOMDIR names that is not on the disc, in words: studies (by date and
    description), series, then files; "" when nothing is missing."""
    from app.core.locale_format import format_date

    parts = []
    studies = view.get("missing_studies")
    if isinstance(studies, list) and studies:
        named = "; ".join(" ".join(p for p in (format_date(s.get("study_date")) if s.get("study_date") else "",
                                               s.get("study_description") or "") if p) or _("a study")
                          for s in studies)
        parts.append(ngettext("{n} study named by the DICOMDIR is missing from the disc ({names})",
                              "{n} studies named by the DICOMDIR are missing from the disc ({names})",
                              len(studies)).format(n=len(studies), names=named))
        series = view.get("missing_series") or []
        if series:
            parts.append(ngettext("{n} series is missing", "{n} series are missing", len(series)).format(n=len(series)))
        files = view.get("missing_files") or []
    else:
        files = view.get("missing") or []
    if files:
        names = ", ".join(str(f.get("path") if isinstance(f, dict) else f) for f in files[:3])
        if len(files) > 3:
            names += ", …"
        parts.append(ngettext("{n} file named by the DICOMDIR is not on the disc ({names})",
                              "{n} files named by the DICOMDIR are not on the disc ({names})",
                              len(files)).format(n=len(files), names=names))
    return "; ".join(parts)


def case_report(view: dict, duplicate: bool = False) -> CaseReport:
    """The summary of one case from its `secondo show --json` view."""
    report = CaseReport(view["case_id"], _patient(view), duplicate=duplicate)
    lines = report.lines
    if duplicate:
        lines.append((_("Already imported"), _("This dossier was imported before: the existing case was opened, "
                                              "nothing was added."), OK))
    documents = view.get("documents") or []
    studies = view.get("studies") or []
    series = sum(len(s.get("series") or []) for s in studies)
    images = sum(se.get("instances") or 0 for s in studies for se in s.get("series") or [])
    lines.append((_("Documents"), ngettext("{n} document", "{n} documents", len(documents)).format(n=len(documents)),
                  OK))
    # TRANSLATORS: "3 studies, 12 series, 840 image files"; each part is translated on its own.
    lines.append((_("Studies"), _("{studies}, {series}, {images}").format(
        studies=ngettext("{n} study", "{n} studies", len(studies)).format(n=len(studies)),
        series=ngettext("{n} series", "{n} series", series).format(n=series),
        images=ngettext("{n} image file", "{n} image files", images).format(n=images)), OK))
    missing = missing_text(view)
    lines.append((_("Missing"), missing or _("Nothing: everything the DICOMDIR names is on the disc"),
                  BAD if missing else OK))
    unreadable = view.get("unreadable") or []
    if unreadable:
        first = unreadable[0]
        lines.append((_("Unreadable"), ngettext("{n} file could not be read ({path}: {reason})",
                                                "{n} files could not be read (first: {path}: {reason})",
                                                len(unreadable)).format(
            n=len(unreadable), path=first.get("path", "?"), reason=first.get("reason", "?")), BAD))
    else:
        lines.append((_("Unreadable"), _("None"), OK))
    words, level = IDENTITY_WORDS[case_identity(view)]
    lines.append((_("Identity"), words(), level))
    state = ((view.get("manifest_signature") or {}).get("state") or view.get("signature") or "unsigned")
    words, level = SIGNATURE_WORDS.get(state, (lambda: _("Unsigned: the sender cannot be confirmed"), WARN))
    lines.append((_("Sender signature"), words(), level))
    return report


def import_summary(store, result) -> list[CaseReport]:
    """One report per case the import made (several when a source held several patients)."""
    from app.dossier.case_view import case_json

    entries = getattr(result, "cases", None) or [{"case_id": result.case_id, "duplicate": result.duplicate}]
    return [case_report(case_json(store, entry["case_id"]), bool(entry.get("duplicate")) or result.duplicate)
            for entry in entries]
