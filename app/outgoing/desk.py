"""The secretary's desk at a glance: per case, the days since the referral (the case sheet's or
the received manifest's referral date; else since the dossier was imported), whether that is
past the target, and who is still to be sent the signed opinion. The target (days) is
a plain setting in the data folder (desk.json)."""

from __future__ import annotations

from datetime import date, datetime

from app.core.files import read_json_object, write_json_object
from app.outgoing.dispatch import DispatchLog
from app.store.paths import data_dir

DEFAULT_TARGET_DAYS = 14
DONE = ("sent",)


def load_target_days() -> int:
    data = read_json_object(data_dir() / "desk.json") or {}
    try:
        return max(1, int(data.get("target_days", DEFAULT_TARGET_DAYS)))
    except (TypeError, ValueError):
        return DEFAULT_TARGET_DAYS


def save_target_days(days: int) -> None:
    write_json_object(data_dir() / "desk.json", {"target_days": max(1, int(days))})


def days_since(received_at: str | None, today: date | None = None) -> int | None:
    if not received_at:
        return None
    try:
        received = datetime.fromisoformat(str(received_at).replace("Z", "+00:00")).date()
    except ValueError:
        return None
    return ((today or date.today()) - received).days


def first_date(values) -> str | None:
    """The first of `values` that is a date (YYYY-MM-DD)."""
    for value in values:
        if isinstance(value, str) and days_since(value) is not None:
            return value[:10]
    return None


def referral_date(record: dict | None) -> str | None:
    """The referral's date (YYYY-MM-DD) as the case sheet, else the received manifest, gives it."""
    from app.dossier.case_details import referral

    block = referral(record or {})
    return first_date(block.get(key) for key in ("referral_date", "date"))


def desk_fields(store, case_id: str, status: str, received_at: str | None, record: dict | None = None) -> dict:
    """{"days_open", "days_from": "referral"|"import", "opened_on", "to_send": [roles]} for a
    case summary (Qt-free, on the store's thread); `record`: the case record when the caller
    has decrypted it already. Days count from the referral date when the case has one (not in
    the future), else from the import."""
    to_send: list[str] = []
    if status in ("signed", "packaged", "sent"):
        from app.outgoing.package import sending_plan  # the letters' stack: only for signed cases

        to_send = sending_plan(store, case_id, record).to_send
    referred = referral_date(record if record is not None else store.record(case_id))
    return open_days(referred, received_at) | {"to_send": to_send}


def open_days(referred: str | None, received_at: str | None) -> dict:
    """{"days_open", "days_from", "opened_on"}: since the referral date `referred` (not in the
    future), else since the import."""
    days = days_since(referred) if referred else None
    if days is not None and days >= 0:
        return {"days_open": days, "days_from": "referral", "opened_on": referred}
    return {"days_open": days_since(received_at), "days_from": "import",
            "opened_on": str(received_at or "")[:10] or None}


def is_overdue(summary: dict, target_days: int) -> bool:
    days = summary.get("days_open")
    return days is not None and days > target_days and summary.get("status") not in DONE


def _protected_roles(store, case_id: str, latest) -> set[str]:
    from app.store.opinions import SignedOpinionStore

    return set(SignedOpinionStore(store).protected_roles(case_id, latest.number)) if latest is not None else set()


def available_forms(signed: bool, certificate, certificate_details: dict | None,
                    protected: bool) -> dict[str, str | None]:
    """Per form (app/outgoing/package.py FORMS), None when it can be made for the recipient,
    else why not in words: p7m needs a usable certificate, pdf a protected copy of the opinion
    made for them at signing."""
    from app.core.i18n import _

    if not signed:
        unsigned = _("The case has no signed opinion yet.")
        return dict.fromkeys(("sodp", "pdf", "p7m", "pdi", "paper"), unsigned)
    if certificate is None and not (certificate_details or {}).get("problem"):
        p7m: str | None = _("No certificate of this recipient is in the address book: a .p7m is encrypted to it.")
    elif (certificate_details or {}).get("problem"):
        p7m = _("The recipient's certificate cannot be used: {reason}").format(
            reason=(certificate_details or {})["problem"])
    else:
        p7m = None
    pdf = None if protected else _("No protected copy of this opinion was made for this recipient when it was "
                                   "signed.")
    return {"sodp": None, "pdf": pdf, "p7m": p7m, "pdi": None, "paper": None}


def case_desk(store, case_id: str) -> dict:
    """Everything the outgoing dialog shows for a case (Qt-free, on the store's thread): the
    latest signed opinion, and per consented recipient the address-book contact, its
    certificate's state, what was packaged and sent, whether it is still to send, and which
    forms can be made for them (row["forms"]: form -> None, or why not)."""
    from app.core.errors import IdentityError
    from app.outgoing.address_book import AddressBook, certificate_details
    from app.outgoing.recipients import consented_recipients, role_label
    from app.store.annotations import AnnotationStore

    from app.outgoing.package import sending_plan

    record = store.record(case_id)
    plan = sending_plan(store, case_id, record)
    latest, addressed, to_send = plan.opinion, plan.addressed, plan.to_send
    shipments = DispatchLog(store).shipments(case_id)
    book = AddressBook(store)
    protected = _protected_roles(store, case_id, latest)
    rows = []
    for recipient in consented_recipients(record):
        contact = book.for_recipient(recipient)
        try:
            certificate = contact.certificate if contact else None
            details = certificate_details(certificate) if certificate is not None else None
        except IdentityError as exc:  # a damaged entry: shown as unusable, the passphrase route stays open
            certificate, details = None, {"name": contact.name if contact else "", "subject": "", "problem": str(exc),
                                          "not_after": ""}
        rows.append({"role": recipient.role, "label": role_label(recipient.role),
                     "recipient": recipient.merged(contact.recipient()) if contact else recipient,
                     "contact_id": contact.id if contact else None,
                     "certificate": certificate, "certificate_details": details,
                     "shipments": [s for s in shipments if s.role == recipient.role],
                     "addressed": recipient.role in addressed, "to_send": recipient.role in to_send,
                     "forms": available_forms(latest is not None, certificate, details, recipient.role in protected)})
    try:
        key_images = len(AnnotationStore(store).key_images(case_id))
    except Exception:  # noqa: BLE001 - damaged annotations: the package goes without them
        key_images = 0
    return {"case_id": case_id, "opinion": latest, "recipients": rows, "key_images": key_images,
            "status": store.index.case(case_id)["status"]}
