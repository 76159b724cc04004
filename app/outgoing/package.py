"""Making the outgoing package of a signed opinion for one consented recipient:
an SODP package encrypted to the recipient's certificate or to a passphrase (generated and
printed on a separate sheet when none is given), holding the signed opinion PDF byte for
byte, a cover letter and optionally the key images, its manifest signed by the workstation's
organisation identity. Written as a file, a CD-ready folder or an .iso image, always through
a staging folder in the destination, so that a failure (not writable, disk full, cancel)
leaves nothing behind. Nothing of the patient is written in clear except the cover letter and
the passphrase sheet, which are meant to be printed.

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
import tempfile
import uuid

from cryptography import x509

from app.core.errors import BadInputError, SecondoError
from app.core.files import atomic_output, output_error, write_synced
from app.core.i18n import _, in_language
from app.core.tasks import CancelToken, Progress, no_progress
from app.dossier import manifest as manifest_mod
from app.dossier.case_details import details
from app.crypto import stanzas
from app.crypto.passphrases import PASSPHRASE_ALPHABET, generate_passphrase  # noqa: F401 - imported from here too
from app.dossier.package import write_package
from app.opinion.addressees import addressed_roles as addressed_roles_of
from app.outgoing import disc
from app.outgoing.dispatch import DispatchLog, Shipment, now_iso
from app.outgoing.languages import recipient_language
from app.outgoing.recipients import Recipient, consented_recipients, require_consent
from app.signing.identities import KeyIdentity, subject_name
from app.store.audit import current_user
from app.store.intents import KeptButUnrecorded
from app.store.opinions import SignedOpinion, SignedOpinionStore

FORMS = ("file", "folder", "iso")
MIN_PASSPHRASE = 10


@dataclass
class OutgoingRequest:
    role: str
    form: str = "file"
    certificate: x509.Certificate | None = None  # encrypt to it; else to `passphrase`
    passphrase: str | None = None  # None without a certificate: one is generated
    key_images: bool = False
    recipient: Recipient | None = None  # name and address from the address book; default: the dossier's
    sheet_path: Path | None = None  # where the passphrase sheet goes; default beside the package
    language: str | None = None  # the letters' language (BCP 47), instead of the recipient's own


@dataclass
class OutgoingResult:
    shipment: Shipment
    recipient: Recipient
    output: Path  # the .sodp, the CD folder or the .iso
    cover_letter: Path
    passphrase_sheet: Path | None = None
    generated_passphrase: str | None = None
    files: list[str] = field(default_factory=list)  # the package's members
    language: str = "en"  # the language the cover letter, sheet and README were written in


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


def _salutation(record: dict, recipient: Recipient, language: str | None = None) -> str:
    from app.report.salutation import salutation

    if recipient.role == "patient":
        patient = details(record)["patient"]
        if patient.get("family_name"):
            return salutation(recipient.name, role="patient", title=recipient.title,
                              family_name=patient["family_name"], given_names=patient.get("given_names") or "",
                              language=language)
    return salutation(recipient.name, role=recipient.role, title=recipient.title, language=language)


def _key_images(store, case_id: str) -> list:
    from app.store.annotations import AnnotationStore

    try:
        return AnnotationStore(store).key_images(case_id)
    except (SecondoError, ValueError, KeyError) as exc:
        raise BadInputError(_("The case's key images cannot be read ({reason}); make the package without "
                              "them.").format(reason=exc)) from None


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


def _staging(out_dir: Path) -> Path:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".secondo-outgoing-", dir=out_dir))
    except OSError as exc:
        raise output_error(out_dir, exc) from None


def make_outgoing(store, case_id: str, request: OutgoingRequest, organisation: KeyIdentity, out_dir: Path, *,
                  letterhead=None, progress: Progress = no_progress, token: CancelToken | None = None,
                  via: str = "gui") -> OutgoingResult:
    """Make the package of the case's latest signed opinion for `request.role` in `out_dir`;
    see the module docstring. Refused (BadInputError) for a case not signed yet, a role the
    patient did not consent to, or a certificate that cannot receive."""
    from app.report.cover_letter import CoverDetails, render_cover_letter, render_passphrase_sheet
    from app.report.letterhead import load_letterhead

    token = token or CancelToken()
    if request.form not in FORMS:
        raise BadInputError(_("The output must be one of: {forms}.").format(forms=", ".join(FORMS)))
    opinions = SignedOpinionStore(store)
    opinion = opinions.latest(case_id)
    if opinion is None:
        raise BadInputError(_("The case has no signed opinion yet: sign it before packaging."))
    record = store.record(case_id)
    recipient = require_consent(record, request.role)
    recipient = recipient.merged(request.recipient)
    if request.certificate is not None:
        stanzas.check_recipient_certificate(request.certificate)
        key_for: list = [request.certificate]
        passphrase = generated = None
    else:
        if request.passphrase is not None and len(request.passphrase) < MIN_PASSPHRASE:
            raise BadInputError(_("That passphrase is too short to protect a medical opinion ({n} characters at "
                                  "least); leave it out and one is generated.").format(n=MIN_PASSPHRASE))
        passphrase = request.passphrase or generate_passphrase()
        generated = None if request.passphrase else passphrase
        key_for = [stanzas.Passphrase(passphrase)]
    letterhead = letterhead or load_letterhead()
    pdf = opinions.pdf(case_id, opinion.number)
    case_ref = case_id[:8]
    base = f"second-opinion-{case_ref}-{request.role.replace('_', '-')}"
    if opinion.number:
        base += f"-addendum-{opinion.number}"
    from app.opinion.prefill import patient_display
    language = recipient_language(recipient, request.language, opinion.language)
    images = _key_images(store, case_id) if request.key_images else []
    with in_language(language):  # what the recipient reads, in their language (dates too)
        details = CoverDetails(
            recipient.name, [recipient.organisation, *recipient.address_lines] if recipient.organisation
            else recipient.address_lines, patient_display(record), case_ref, opinion.signer, opinion.signed_at[:10],
            opinion.pages, opinion.number, "cd" if request.form in ("folder", "iso") else "file",
            subject_name(request.certificate) if request.certificate is not None else None,
            is_patient=request.role == "patient",
            package_name=disc.PACKAGE_NAME if request.form != "file" else f"{base}.sodp",
            salutation=_salutation(record, recipient, language))
        details.key_images = len(images)
        cover = render_cover_letter(details, letterhead, language=language)
        members = _members(opinion, pdf, cover, images)
        manifest = _manifest(record, members, letterhead)
        readme = disc.readme_text(encrypted_to=details.encrypted_to, case_ref=case_ref,
                                  organisation=letterhead.institution, language=language)
        sheet_bytes = None
        if generated is not None:
            sheet_bytes = render_passphrase_sheet(
                generated, recipient_name=recipient.name, address_lines=recipient.address_lines, case_ref=case_ref,
                package_name=details.package_name, letterhead=letterhead, language=language)
    progress(1, 4)
    token.check()

    by_path = {path: data for path, data, _meta in members}
    package = io.BytesIO()
    write_package(package, None, manifest, key_for, signer=organisation, cancel=token,
                  open_member=lambda path: io.BytesIO(by_path[path]))
    package_bytes = package.getvalue()
    progress(2, 4)
    token.check()

    staging = _staging(out_dir)
    try:
        if request.form == "file":
            name = f"{base}.sodp"
            write_synced(staging / name, package_bytes)
        else:
            files = disc.cd_files(package_bytes, readme)
            if request.form == "folder":
                name = f"{base}-cd"
                (staging / name).mkdir()
                disc.write_folder(staging / name, files)
            else:
                name = f"{base}.iso"
                write_synced(staging / name, disc.iso_image(files, f"SECONDO_{case_ref}"))
        write_synced(staging / f"{base}-cover-letter.pdf", cover)
        sheet_name, sheet_path = None, None
        if passphrase is not None and sheet_bytes is not None:
            if request.sheet_path is not None:  # elsewhere than the package: it travels another way
                sheet_path = Path(request.sheet_path).expanduser()
            else:
                sheet_name = f"{base}-passphrase-sheet.pdf"
                write_synced(staging / sheet_name, sheet_bytes)
                sheet_path = out_dir / sheet_name
        progress(3, 4)
        token.check()
        placed = [name, f"{base}-cover-letter.pdf"] + ([sheet_name] if sheet_name else [])
        for entry in placed:
            target = out_dir / entry
            if target.exists():
                raise BadInputError(_("{path} exists already; choose another destination or remove it.").format(
                    path=target))
        shipment = Shipment(request.role, recipient.name, request.form,
                            "certificate" if request.certificate is not None else "passphrase", opinion.number,
                            hashlib.sha256(package_bytes).hexdigest(), now_iso(), current_user(), language=language)
        # The passphrase sheet, when it goes elsewhere than the package (it travels another way).
        own_sheet = (sheet_path, sheet_bytes) if sheet_bytes is not None and sheet_name is None and \
            sheet_path is not None else None
        moved: list[Path] = []
        try:
            with DispatchLog(store).placing(
                    case_id, shipment,
                    cleanup=[out_dir / e for e in placed] + ([own_sheet[0]] if own_sheet else []) + [staging],
                    via=via, role=request.role, form=request.form, protection=shipment.protection,
                    opinion=opinion.number, package_sha256=shipment.package_sha256):
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
            _remove(moved)  # all of it or nothing: no package the log does not know of
            raise
    except OSError as exc:
        raise output_error(out_dir, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    progress(4, 4)
    return OutgoingResult(shipment, recipient, out_dir / name, out_dir / f"{base}-cover-letter.pdf",
                          sheet_path, generated,
                          [path for path, _data, _meta in members], language)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def mark_sent(store, case_id: str, role: str, channel: str, *, on: str | None = None, by: str | None = None,
              via: str = "gui") -> Shipment:
    """Mark the package for `role` sent, audited; the case is Sent once every addressed role has been."""
    record = store.record(case_id)
    require_consent(record, role)
    plan = sending_plan(store, case_id, record)
    return DispatchLog(store).mark_sent(case_id, role, channel, on=on, by=by, addressed=plan.addressed,
                                        opinion_number=plan.opinion.number if plan.opinion else None, via=via)
