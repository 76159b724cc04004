"""What was packaged for whom and what was sent, per case, encrypted in the vault
(outgoing/CASE.sov), and the case status that follows from it: Packaged once a package is
made, Sent once every recipient the opinion is addressed to has been sent one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
import json
from pathlib import Path
import threading
from typing import Any
import uuid

from app.core.errors import BadInputError
from app.core.i18n import _
from app.store.audit import current_user
from app.store.intents import intent
from app.store.locks import folder_lock
from app.store.paths import safe_case_id
from app.store.store import CaseStore

FORMAT = "secondo-outgoing/1"
CHANNELS = ("post", "courier", "hand", "secure-mail", "other")
# What a shipment was before the recipient's form was chosen: an SODP package on this medium.
_SODP_MEDIA = ("file", "folder", "iso")


def channel_label(channel: str) -> str:
    return {"post": _("Post"), "courier": _("Courier"), "hand": _("By hand"), "secure-mail": _("Secure e-mail"),
            "other": _("Other")}.get(channel, channel)


@dataclass
class Shipment:
    role: str
    recipient: str
    form: str  # sodp | pdf | p7m | pdi | paper (app/outgoing/package.py FORMS)
    protection: str  # certificate | passphrase | none (a PDI disc, paper)
    opinion_number: int
    package_sha256: str
    made_at: str
    made_by: str
    sent_on: str | None = None  # ISO date
    channel: str | None = None
    sent_by: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    language: str | None = None  # the cover letter's and passphrase sheet's (BCP 47); None before it was kept
    medium: str | None = None  # file | folder | iso | paper; None: the form's usual one

    def __post_init__(self) -> None:
        if self.form in _SODP_MEDIA:  # kept before forms existed: an SODP package on that medium
            self.form, self.medium = "sodp", self.medium or self.form
        if not self.medium:
            self.medium = {"paper": "paper", "pdi": "folder"}.get(self.form, "file")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Shipment:
        fields: dict[str, Any] = {k: data.get(k) for k in cls.__dataclass_fields__}
        return cls(**fields)

    @property
    def sent(self) -> bool:
        return bool(self.sent_on)


class DispatchLog:
    """`shipments(case)`, `add(case, shipment)`, `mark_sent(case, role, channel, ...)`, `to_send(case, roles)`."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.folder = store.home / "outgoing"
        self.folder.mkdir(exist_ok=True, mode=0o700)
        self._lock = threading.RLock()

    def _path(self, case_id: str):
        return self.folder / f"{safe_case_id(case_id)}.sov"

    def shipments(self, case_id: str) -> list[Shipment]:
        path = self._path(case_id)
        if not path.exists():
            return []
        data = json.loads(self.store.vault.read_file(path).decode("utf-8"))
        return [Shipment.from_json(s) for s in data.get("shipments", [])]

    def _write(self, case_id: str, shipments: list[Shipment]) -> None:
        data = {"format": FORMAT, "shipments": [s.to_json() for s in shipments]}
        self.store.vault.replace_bytes(self._path(case_id), json.dumps(data, ensure_ascii=False).encode("utf-8"))

    @contextmanager
    def placing(self, case_id: str, shipment: Shipment, *, cleanup: Sequence[Path] = (),
                **audit: Any) -> Iterator[None]:
        """The block places the package's files (all of `cleanup`); then the shipment is logged,
        the case Packaged and "package" audited with `audit`, all or nothing
        (app/store/intents.py: a crash in between is finished or undone at the next open)."""
        with self._lock, folder_lock(self.folder / ".lock"):
            data = {"format": FORMAT, "shipments": [s.to_json() for s in self.shipments(case_id) + [shipment]]}
            encrypted = self.store.vault.encrypt(json.dumps(data, ensure_ascii=False).encode("utf-8"))
            with intent(self.store, case_id, "package", witness=self._path(case_id), witness_bytes=encrypted,
                        status="packaged", only_from=("signed",), cleanup=cleanup, **audit):
                yield

    def add(self, case_id: str, shipment: Shipment) -> Shipment:
        with self._lock, folder_lock(self.folder / ".lock"):
            self._write(case_id, self.shipments(case_id) + [shipment])
        return shipment

    def mark_sent(self, case_id: str, role: str, channel: str, *, on: str | None = None,
                  by: str | None = None, addressed: Sequence[str] | None = None, opinion_number: int | None = None,
                  via: str = "gui") -> Shipment:
        """The latest unsent package for `role` is marked sent; `BadInputError` when there is none.
        With it "send" is audited, and the case becomes Sent once every role in `addressed` has
        been sent `opinion_number`, all or nothing (app/store/intents.py)."""
        if channel not in CHANNELS:
            raise BadInputError(_("The channel must be one of: {values}.").format(values=", ".join(CHANNELS)))
        on = on or date.today().isoformat()
        try:
            date.fromisoformat(on)
        except ValueError:
            raise BadInputError(_("{value} is not a date (YYYY-MM-DD).").format(value=on)) from None
        with self._lock, folder_lock(self.folder / ".lock"):
            shipments = self.shipments(case_id)
            pending = [s for s in shipments if s.role == role and not s.sent]
            if not pending:
                raise BadInputError(_("No package for {role} is waiting to be sent; make one first.").format(role=role))
            chosen = pending[-1]
            chosen.sent_on, chosen.channel, chosen.sent_by = on, channel, by or current_user()
            sent = {s.role for s in shipments if s.sent and (opinion_number is None or s.opinion_number == opinion_number)}
            all_sent = addressed is not None and not [r for r in addressed if r not in sent]
            data = {"format": FORMAT, "shipments": [s.to_json() for s in shipments]}
            encrypted = self.store.vault.encrypt(json.dumps(data, ensure_ascii=False).encode("utf-8"))
            with intent(self.store, case_id, "send", witness=self._path(case_id), witness_bytes=encrypted,
                        status="sent" if all_sent else None, via=via, role=role, channel=channel,
                        sent_on=chosen.sent_on, package_sha256=chosen.package_sha256):
                pass  # the dispatch log naming it sent is the intent's witness
            return chosen

    def to_send(self, case_id: str, roles: list[str], opinion_number: int | None = None) -> list[str]:
        """The roles in `roles` that have not been sent the opinion `opinion_number` (or any) yet."""
        sent = {s.role for s in self.shipments(case_id) if s.sent and
                (opinion_number is None or s.opinion_number == opinion_number)}
        return [r for r in roles if r not in sent]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
