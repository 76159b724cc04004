"""The forms of an outgoing opinion other than the SODP package (app/outgoing/package.py
FORMS): the password-protected PDF made at signing, the `.p7m` to the recipient's
certificate, the IHE PDI disc for a PACS, and paper. Each `prepare_*` checks what its form
needs and makes everything in memory (nothing written yet); `Prepared.output` then writes it
into the staging folder that make_outgoing places all or nothing. The cover letter, the
salutation and the key images are shared with the SODP package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import hashlib
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any

from app.core.errors import BadInputError, SecondoError
from app.core.i18n import _
from app.dossier.case_details import details
from app.outgoing.recipients import Recipient
from app.store.opinions import SignedOpinion, SignedOpinionStore

if TYPE_CHECKING:
    from cryptography import x509

    from app.core.tasks import CancelToken
    from app.report.letterhead import Letterhead


@dataclass
class Outgoing:
    """What every form of one shipment is made from, gathered by make_outgoing."""

    store: Any
    case_id: str
    role: str
    form: str
    medium: str
    opinion: SignedOpinion
    signed_pdf: bytes
    record: dict
    recipient: Recipient
    language: str
    letterhead: Letterhead
    base: str  # the files' common stem: second-opinion-REF-ROLE[-addendum-N]
    token: CancelToken
    certificate: x509.Certificate | None = None
    key_images: bool = False

    @property
    def case_ref(self) -> str:
        return self.case_id[:8]


@dataclass
class Prepared:
    """One form made in memory. `output(staging)` writes `name` into the staging folder: it
    returns the bytes of a file for the caller to write, or None when it wrote a folder."""

    name: str | None  # the file or folder in the destination; None: paper, nothing but the letter
    cover: bytes
    protection: str  # certificate | passphrase | none
    output: Callable[[Path], bytes | None] | None
    package_sha256: str | None = None  # None: the hash of the bytes `output` returns
    files: list[str] = field(default_factory=list)
    sheet: bytes | None = None  # the passphrase sheet to print, when there is one
    generated_passphrase: str | None = None
    warnings: list[str] = field(default_factory=list)
    audit: dict = field(default_factory=dict)


def salutation_for(record: dict, recipient: Recipient, language: str | None = None) -> str:
    from app.report.salutation import salutation

    if recipient.role == "patient":
        patient = details(record)["patient"]
        if patient.get("family_name"):
            return salutation(recipient.name, role="patient", title=recipient.title,
                              family_name=patient["family_name"], given_names=patient.get("given_names") or "",
                              language=language)
    return salutation(recipient.name, role=recipient.role, title=recipient.title, language=language)


def key_images_of(store, case_id: str) -> list:
    from app.store.annotations import AnnotationStore

    try:
        return AnnotationStore(store).key_images(case_id)
    except (SecondoError, ValueError, KeyError) as exc:
        raise BadInputError(_("The case's key images cannot be read ({reason}); make the package without "
                              "them.").format(reason=exc)) from None


def cover_letter(job: Outgoing, *, package_name: str, encrypted_to: str | None = None, key_images: int = 0) -> bytes:
    """The cover letter of `job.form`, saying how this form is opened (in the current language:
    make_outgoing calls it inside the recipient's)."""
    from app.opinion.prefill import patient_display
    from app.report.cover_letter import CoverDetails, render_cover_letter

    recipient, opinion = job.recipient, job.opinion
    letter = CoverDetails(
        recipient.name, [recipient.organisation, *recipient.address_lines] if recipient.organisation
        else recipient.address_lines, patient_display(job.record), job.case_ref, opinion.signer,
        opinion.signed_at[:10], opinion.pages, opinion.number, "cd" if job.medium in ("folder", "iso") else "file",
        encrypted_to, is_patient=job.role == "patient", package_name=package_name,
        salutation=salutation_for(job.record, recipient, job.language), form=job.form)
    letter.key_images = key_images
    return render_cover_letter(letter, job.letterhead, language=job.language)


def _file_only(job: Outgoing) -> None:
    if job.medium != "file":
        raise BadInputError(_("This form is written as a file; choose the medium file, not {medium}.").format(
            medium=job.medium))


def prepare_pdf(job: Outgoing) -> Prepared:
    """The protected copy made at signing for this role, byte for byte, its cover letter and,
    while the passphrase is kept, its sheet. Refused when no copy was made for the role."""
    from app.report.cover_letter import render_passphrase_sheet

    _file_only(job)
    copy = SignedOpinionStore(job.store).protected_copy(job.case_id, job.opinion.number, job.role)
    name = f"{job.base}.pdf"
    cover = cover_letter(job, package_name=name)
    warnings, sheet = [], None
    if copy.passphrase is None:
        warnings.append(_("The passphrase of this protected PDF was forgotten when it was first sent: the "
                          "passphrase sheet sent then opens it; no new sheet was made."))
    else:
        recipient = job.recipient
        sheet = render_passphrase_sheet(copy.passphrase, recipient_name=recipient.name,
                                        address_lines=recipient.address_lines, case_ref=job.case_ref,
                                        package_name=name, letterhead=job.letterhead, language=job.language,
                                        form="pdf")
    pdf = copy.pdf
    return Prepared(name, cover, "passphrase", lambda _staging: pdf, files=[name], sheet=sheet, warnings=warnings,
                    audit={"sheet": sheet is not None})


def prepare_p7m(job: Outgoing) -> Prepared:
    """The signed PDF in a CMS EnvelopedData to the recipient's certificate, and its cover
    letter. Refused without a certificate, or with one that may not receive (before anything
    is written)."""
    from app.crypto.stanzas import check_recipient_certificate
    from app.outgoing.cms_envelope import envelope
    from app.signing.identities import subject_name

    _file_only(job)
    if job.certificate is None:
        raise BadInputError(_("A .p7m is encrypted to the recipient's certificate, and there is none for {role}: "
                              "add it to the address book, or choose another form.").format(role=job.role))
    check_recipient_certificate(job.certificate)
    name = f"{job.base}.pdf.p7m"
    cover = cover_letter(job, package_name=name, encrypted_to=subject_name(job.certificate))
    p7m = envelope(job.signed_pdf, [job.certificate])
    return Prepared(name, cover, "certificate", lambda _staging: p7m, files=[f"{job.base}.pdf"])


def _first_study(record: dict) -> dict | None:
    studies = record.get("studies") or []
    return studies[0] if studies and isinstance(studies[0], dict) else None


def prepare_pdi(job: Outgoing) -> Prepared:
    """An IHE PDI disc (a CD folder, or its .iso) a PACS imports: the signed PDF as a DICOM
    Encapsulated PDF and the key images as Secondary Capture in the case's study. A PACS cannot
    import an encrypted disc, so it is not encrypted: the warning says so."""
    from app.outgoing import disc
    from app.outgoing.pdi import study_context_of, write_pdi

    if job.medium not in ("folder", "iso"):
        raise BadInputError(_("A PDI disc is a CD folder or an .iso image; choose the medium folder or iso."))
    images = key_images_of(job.store, job.case_id) if job.key_images else []
    name = f"{job.base}-pdi" + (".iso" if job.medium == "iso" else "")
    cover = cover_letter(job, package_name=name, key_images=len(images))
    readme = disc.pdi_readme_text(case_ref=job.case_ref, organisation=job.letterhead.institution,
                                  key_images=len(images), language=job.language)
    patient = details(job.record)["patient"]
    context = study_context_of(_first_study(job.record))
    title = (_("Addendum {n} to the second opinion (signed)").format(n=job.opinion.number) if job.opinion.number
             else _("Second opinion (signed)"))
    signed_pdf = job.signed_pdf

    def output(staging: Path) -> bytes | None:
        folder = staging / (name if job.medium == "folder" else "pdi-tree")
        result = write_pdi(folder, signed_pdf=signed_pdf, key_images=images, patient=patient,
                           study_context=context, readme_text=readme, opinion_title=title)
        files.extend([result.opinion_file, *result.key_image_files])
        if job.medium == "folder":
            return None
        image = disc.iso_image_of_folder(folder, f"SECONDO_{job.case_ref}")
        shutil.rmtree(folder)
        return image

    files: list[str] = []
    warning = _("The PDI disc is not encrypted (a PACS cannot import an encrypted disc): it holds the opinion and "
                "the patient's name in clear. Hand it over or send it by courier, never by ordinary post.")
    return Prepared(name, cover, "none", output, hashlib.sha256(signed_pdf).hexdigest() if job.medium == "folder"
                    else None, files=files, warnings=[warning],
                    audit={"encrypted": False, "key_images": len(images)})


def prepare_paper(job: Outgoing) -> Prepared:
    """Paper: no package; the cover letter to print with the signed opinion, which the window prints."""
    cover = cover_letter(job, package_name="")
    return Prepared(None, cover, "none", None, hashlib.sha256(job.signed_pdf).hexdigest(), files=[])


PREPARE: dict[str, Callable[[Outgoing], Prepared]] = {
    "pdf": prepare_pdf, "p7m": prepare_p7m, "pdi": prepare_pdi, "paper": prepare_paper}
