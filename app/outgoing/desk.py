"""The secretary's desk at a glance: per case, the days since the dossier was received, whether
that is past the target, and who is still to be sent the signed opinion. The target (days) is
a plain setting in the data folder (desk.json)."""

from __future__ import annotations

from datetime import date, datetime

from app.core.files import read_json_object, write_json_object
from app.outgoing.dispatch import DispatchLog
from app.store.opinions import SignedOpinionStore
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


def desk_fields(store, case_id: str, status: str, received_at: str | None) -> dict:
    """{"days_open", "to_send": [roles]} for a case summary (Qt-free, on the store's thread)."""
    to_send: list[str] = []
    if status in ("signed", "packaged", "sent"):
        from app.outgoing.package import addressed_roles

        latest = SignedOpinionStore(store).latest(case_id)
        if latest is not None:
            to_send = DispatchLog(store).to_send(case_id, addressed_roles(store, case_id), latest.number)
    return {"days_open": days_since(received_at), "to_send": to_send}


def is_overdue(summary: dict, target_days: int) -> bool:
    days = summary.get("days_open")
    return days is not None and days > target_days and summary.get("status") not in DONE
