"""Making what one consented recipient gets of a signed opinion, in the form chosen for them
(FORMS): `sodp` an SODP package encrypted to the recipient's certificate or to a passphrase
(generated and printed on a separate sheet when none is given), holding the signed opinion
PDF byte for byte, a cover letter and optionally the key images, its manifest signed by the
workstation's organisation identity; `pdf` the password-protected copy made at signing;
`p7m` the signed PDF enveloped to the recipient's certificate; `pdi` an IHE PDI disc for a
PACS; `paper` the cover letter to print (app/outgoing/forms.py). Written as a file, a
CD-ready folder or an .iso image (MEDIA), always through a staging folder in the
destination, so that a failure (not writable, disk full, cancel) leaves nothing behind, and
logged in the dispatch log with the case Packaged, all or nothing.

The cover letter, the passphrase sheet, the disc's README.TXT and the package's document
titles are written in the recipient's language (app/outgoing/languages.py): the request's
`language` (`secondo outgoing --lang`), else the recipient's own, else the signed opinion's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
import hashlib
import io
import os
from pathlib import Path
import shutil
import uuid

from cryptography import x509

from app.core.errors import BadInputError
from app.core.files import atomic_output, output_error, write_synced
from app.core.i18n import _, in_language
from app.core.tasks import CancelToken, Progress, no_progress
from app.dossier import manifest as manifest_mod
from app.dossier.case_details import details
from app.crypto import stanzas
from app.crypto.passphrases import PASSPHRASE_ALPHABET, generate_passphrase  # noqa: F401 - imported from here too
from app.dossier.package import write_package
from app.opinion.addressees import addressed_roles as addressed_roles_of
from app.outgoing import disc, forms, media
from app.outgoing.dispatch import DispatchLog, Shipment, now_iso
from app.outgoing.languages import recipient_language
from app.outgoing.recipients import Recipient, consented_recipients, require_consent
from app.signing.identities import KeyIdentity, subject_name
from app.store.audit import current_user
from app.store.intents import KeptButUnrecorded
from app.store.opinions import SignedOpinion, SignedOpinionStore

FORMS = ("sodp", "pdf", "p7m", "pdi", "paper")
MEDIA = ("file", "folder", "iso")
MIN_PASSPHRASE = 10


@dataclass
class OutgoingRequest:
    role: str
    form: str = "sodp"  # one of FORMS
    medium: str = "file"  # one of MEDIA; a PDI disc is a folder unless "iso"; paper has none
    certificate: x509.Certificate | None = None  # sodp: encrypt to it, else to `passphrase`; p7m: needed
    passphrase: str | None = None  # sodp without a certificate: None generates one
    key_images: bool = False
    recipient: Recipient | None = None  # name and address from the address book; default: the dossier's
    sheet_path: Path | None = None  # where the passphrase sheet goes; default beside the package
    language: str | None = None  # the letters' language (BCP 47), instead of the recipient's own

    def __post_init__(self) -> None:
        if self.form in MEDIA:  # a request of before forms existed: an SODP package on that medium
            self.form, self.medium = "sodp", self.form
        if self.form == "pdi" and self.medium == "file":
            self.medium = "folder"


@dataclass
class OutgoingResult:
    shipment: Shipment
    recipient: Recipient
    output: Path | None  # the .sodp, .pdf, .p7m, the CD folder or the .iso; None for paper
    cover_letter: Path
    passphrase_sheet: Path | None = None
    generated_passphrase: str | None = None
    files: list[str] = field(default_factory=list)  # what it holds: the package's members, the disc's files
    language: str = "en"  # the language the cover letter, sheet and README were written in
    warnings: list[str] = field(default_factory=list)  # e.g. the passphrase sheet on the same disc


@dataclass(frozen=True)
class SendingPlan:
    """Who the case's latest signed opinion goes to, and who has not been sent it yet."""

    opinion: SignedOpinion | None  # the latest signed opinion, None while nothing is signed
    addressed: list[str]  # the consented roles its "Copy to" names (all consented when it names none)
    to_send: list[str]  # of those, the ones not sent this opinion yet ([] while nothing is signed)


def sending_plan(store, case_id: str, record: dict | None = None) -> SendingPlan:
    """The plan of the case (`record`: its decrypted record, when the caller has read it already)."""
    record = record if record is not None else store.record(case_id)
    consented = [r.role for r in consented_recipients(record)]
    opinions = SignedOpinionStore(store)
    latest = opinions.latest(case_id)
    if latest is None:
        return SendingPlan(None, consented, [])
    addressed = addressed_roles_of(record, opinions.response(case_id, latest.number))
    return SendingPlan(latest, addressed, DispatchLog(store).to_send(case_id, addressed, latest.number))


def addressed_roles(store, case_id: str) -> list[str]:
    """The consented roles the signed opinion is addressed to (its recipients item), in order."""
    return sending_plan(store, case_id).addressed


def _manifest(record: dict, members: list[tuple[str, bytes, dict]], letterhead) -> dict:
    original = record.get("manifest") or {}
    said = details(record)
    referral = said["referral"]
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    manifest = {
        "format": "sodp-manifest/1", "dossier_id": str(uuid.uuid4()), "created": created,
        "sender": {"organisation": letterhead.institution, "contact": letterhead.email},
        "patient": said["patient"],
        "referral": {"question": referral.get("question") or _("Second opinion"),
                     "reason": _("The second opinion asked for"), "in_reply_to": original.get("dossier_id")},
        "documents": [dict(meta, path=path, size=len(data), sha256=hashlib.sha256(data).hexdigest())
                      for path, data, meta in members],
        "imaging": [],
    }
    return manifest_mod.validate(manifest)


def _members(opinion, pdf: bytes, cover: bytes, images: list) -> list[tuple[str, bytes, dict]]:
    signed_on = opinion.signed_at[:10]
    title = (_("Addendum {n} to the second opinion (signed)").format(n=opinion.number) if opinion.number
             else _("Second opinion (signed)"))
    members = [
        ("documents/second-opinion.pdf", pdf, {"kind": "second_opinion", "title": title, "date": signed_on,
                                               "author": opinion.signer, "media_type": "application/pdf"}),
        ("documents/cover-letter.pdf", cover, {"kind": "correspondence", "title": _("Cover letter"),
                                              "date": datetime.now(timezone.utc).date().isoformat(),
                                              "media_type": "application/pdf"}),
    ]
    for n, image in enumerate(images, 1):
        members.append((f"documents/key-image-{n}.png", bytes(image.png),
                        {"kind": "other", "title": image.caption or _("Key image {n}").format(n=n),
                         "date": signed_on, "media_type": "image/png"}))
    return members


def _prepare_sodp(job: forms.Outgoing, request: OutgoingRequest, organisation: KeyIdentity,
                  progress: Progress) -> forms.Prepared:
    """The SODP package: encrypted to the certificate, else to the given or a generated passphrase."""
    from app.report.cover_letter import render_passphrase_sheet

    if request.certificate is not None:
        stanzas.check_recipient_certificate(request.certificate)
        key_for: list = [request.certificate]
        generated = None
    else:
        if request.passphrase is not None and len(request.passphrase) < MIN_PASSPHRASE:
            raise BadInputError(_("That passphrase is too short to protect a medical opinion ({n} characters at "
                                  "least); leave it out and one is generated.").format(n=MIN_PASSPHRASE))
        passphrase = request.passphrase or generate_passphrase()
        generated = None if request.passphrase else passphrase
        key_for = [stanzas.Passphrase(passphrase)]
    images = forms.key_images_of(job.store, job.case_id) if request.key_images else []
    package_name = disc.PACKAGE_NAME if job.medium != "file" else f"{job.base}.sodp"
    encrypted_to = subject_name(request.certificate) if request.certificate is not None else None
    cover = forms.cover_letter(job, package_name=package_name, encrypted_to=encrypted_to, key_images=len(images))
    members = _members(job.opinion, job.signed_pdf, cover, images)
    manifest = _manifest(job.record, members, job.letterhead)
    readme = disc.readme_text(encrypted_to=encrypted_to, case_ref=job.case_ref,
                              organisation=job.letterhead.institution, language=job.language)
    sheet = None
    if generated is not None:
        sheet = render_passphrase_sheet(generated, recipient_name=job.recipient.name,
                                        address_lines=job.recipient.address_lines, case_ref=job.case_ref,
                                        package_name=package_name, letterhead=job.letterhead, language=job.language)
    progress(1, 4)
    job.token.check()
    by_path = {path: data for path, data, _meta in members}
    package = io.BytesIO()
    write_package(package, None, manifest, key_for, signer=organisation, cancel=job.token,
                  open_member=lambda path: io.BytesIO(by_path[path]))
    package_bytes = package.getvalue()

    def output(staging: Path) -> bytes | None:
        if job.medium == "file":
            return package_bytes
        files = disc.cd_files(package_bytes, readme)
        if job.medium == "iso":
            return disc.iso_image(files, f"SECONDO_{job.case_ref}")
        (staging / name).mkdir()
        disc.write_folder(staging / name, files)
        return None

    name = {"file": f"{job.base}.sodp", "folder": f"{job.base}-cd", "iso": f"{job.base}.iso"}[job.medium]
    return forms.Prepared(name, cover, "certificate" if request.certificate is not None else "passphrase", output,
                          hashlib.sha256(package_bytes).hexdigest(), [path for path, _data, _meta in members],
                          sheet=sheet, generated_passphrase=generated)


def _check_request(request: OutgoingRequest) -> None:
    if request.form not in FORMS:
        raise BadInputError(_("The form must be one of: {forms}.").format(forms=", ".join(FORMS)))
    if request.form != "paper" and request.medium not in MEDIA:
        raise BadInputError(_("The output must be one of: {forms}.").format(forms=", ".join(MEDIA)))


def make_outgoing(store, case_id: str, request: OutgoingRequest, organisation: KeyIdentity | None, out_dir: Path, *,
                  letterhead=None, progress: Progress = no_progress, token: CancelToken | None = None,
                  via: str = "gui") -> OutgoingResult:
    """Make what `request.role` gets of the case's latest signed opinion, in `request.form`, in
    `out_dir`; see the module docstring. Refused (BadInputError) before anything is written for
    a case not signed yet, a role the patient did not consent to, a certificate that cannot
    receive, a p7m without a certificate or a pdf without a protected copy for the role."""
    from app.report.letterhead import load_letterhead

    token = token or CancelToken()
    _check_request(request)
    opinions = SignedOpinionStore(store)
    opinion = opinions.latest(case_id)
    if opinion is None:
        raise BadInputError(_("The case has no signed opinion yet: sign it before packaging."))
    record = store.record(case_id)
    recipient = require_consent(record, request.role).merged(request.recipient)
    base = f"second-opinion-{case_id[:8]}-{request.role.replace('_', '-')}"
    if opinion.number:
        base += f"-addendum-{opinion.number}"
    language = recipient_language(recipient, request.language, opinion.language)
    job = forms.Outgoing(store, case_id, request.role, request.form,
                         "paper" if request.form == "paper" else request.medium, opinion,
                         opinions.pdf(case_id, opinion.number), record, recipient, language,
                         letterhead or load_letterhead(), base, token, request.certificate, request.key_images)
    with in_language(language):  # what the recipient reads, in their language (dates too)
        if request.form == "sodp":
            if organisation is None:
                raise BadInputError(_("A Second-O package is signed by the organisation's identity: choose it in the "
                                      "settings or give it, then make the package again."))
            made = _prepare_sodp(job, request, organisation, progress)
        else:
            made = forms.PREPARE[request.form](job)
            progress(1, 4)
    progress(2, 4)
    token.check()
    return _place(job, made, request, out_dir, progress, via)


def _place(job: forms.Outgoing, made: forms.Prepared, request: OutgoingRequest, out_dir: Path, progress: Progress,
           via: str) -> OutgoingResult:
    """Write `made` into a staging folder in `out_dir`, then rename it into place and log it,
    all or nothing."""
    base, store, case_id = job.base, job.store, job.case_id
    warnings = list(made.warnings)
    staging = media.staging_folder(out_dir)
    try:
        sha256 = made.package_sha256
        if made.name is not None and made.output is not None:
            data = made.output(staging)
            if data is not None:
                write_synced(staging / made.name, data)
                sha256 = sha256 or hashlib.sha256(data).hexdigest()
        cover_name = f"{base}-cover-letter.pdf"
        write_synced(staging / cover_name, made.cover)
        sheet_name, sheet_path = None, None
        if made.sheet is not None:
            if request.sheet_path is not None:  # elsewhere than the package: it travels another way
                sheet_path = Path(request.sheet_path).expanduser()
            else:
                sheet_name = f"{base}-passphrase-sheet.pdf"
                write_synced(staging / sheet_name, made.sheet)
                sheet_path = out_dir / sheet_name
            if made.name is not None and media.sheet_on_same_medium(sheet_path, out_dir / made.name):
                warnings.append(_("The passphrase sheet is on the same medium as what it opens ({path}): whoever "
                                  "finds one finds the other. Print the sheet and send it apart.").format(
                                      path=sheet_path))
        progress(3, 4)
        job.token.check()
        placed = ([made.name] if made.name else []) + [cover_name] + ([sheet_name] if sheet_name else [])
        for entry in placed:
            target = out_dir / entry
            if target.exists():
                raise BadInputError(_("{path} exists already; choose another destination or remove it.").format(
                    path=target))
        shipment = Shipment(request.role, job.recipient.name, job.form, made.protection, job.opinion.number,
                            sha256 or "", now_iso(), current_user(), language=job.language, medium=job.medium)
        # The passphrase sheet, when it goes elsewhere than the package (it travels another way).
        own_sheet = (sheet_path, made.sheet) if made.sheet is not None and sheet_name is None and \
            sheet_path is not None else None
        moved: list[Path] = []
        try:
            with DispatchLog(store).placing(
                    case_id, shipment,
                    cleanup=[out_dir / e for e in placed] + ([own_sheet[0]] if own_sheet else []) + [staging],
                    via=via, role=request.role, form=job.form, medium=job.medium, protection=shipment.protection,
                    opinion=job.opinion.number, package_sha256=shipment.package_sha256, **made.audit):
                for entry in placed:
                    os.replace(staging / entry, out_dir / entry)
                    moved.append(out_dir / entry)
                if own_sheet:
                    own_path, own_bytes = own_sheet
                    if own_path.exists():
                        raise BadInputError(_("{path} exists already; choose another file for the passphrase "
                                              "sheet.").format(path=own_path))
                    with atomic_output(own_path) as out:
                        out.write(own_bytes)
                    moved.append(own_path)
        except KeptButUnrecorded:
            raise  # placed and logged; Packaged and audited at the next open: its files stay
        except BaseException:
            media.remove(moved)  # all of it or nothing: no package the log does not know of
            raise
    except OSError as exc:
        raise output_error(out_dir, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    progress(4, 4)
    return OutgoingResult(shipment, job.recipient, out_dir / made.name if made.name else None, out_dir / cover_name,
                          sheet_path, made.generated_passphrase, list(made.files), job.language, warnings)


def mark_sent(store, case_id: str, role: str, channel: str, *, on: str | None = None, by: str | None = None,
              via: str = "gui") -> Shipment:
    """Mark the package for `role` sent, audited; the case is Sent once every addressed role has been.
    A protected PDF's passphrase is forgotten then (its sheet was sent with it)."""
    record = store.record(case_id)
    require_consent(record, role)
    plan = sending_plan(store, case_id, record)
    shipment = DispatchLog(store).mark_sent(case_id, role, channel, on=on, by=by, addressed=plan.addressed,
                                            opinion_number=plan.opinion.number if plan.opinion else None, via=via)
    # A sent protected PDF's sheet went out: the vault keeps no copy of its passphrase. Every sent
    # one of the case, so that one left kept by a crash right after its send is forgotten now.
    opinions = SignedOpinionStore(store)
    for sent in DispatchLog(store).shipments(case_id):
        if sent.form == "pdf" and sent.sent:
            opinions.forget_passphrase(case_id, sent.opinion_number, sent.role)
    return shipment
