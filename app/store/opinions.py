"""The signed opinions of a case, encrypted at rest: the original (number 0) and its numbered
addenda (1, 2, ...). A signed PDF is never altered or replaced; a later change is a new
addendum with its own PDF.

Layout under the data folder:
    opinions/CASE.sov             the list of the case's signed opinions (JSON)
    opinions/CASE/N.pdf.sov       the signed PDF of opinion N, byte for byte
    opinions/CASE/N.json.sov      the QuestionnaireResponse it was rendered from
Both files of an opinion are written before the list names it, so a crash leaves the list
as it was (and at worst unnamed files, overwritten by the next signature of that number).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import hashlib
import json
import threading
from pathlib import Path

from app.core.errors import BadInputError
from app.core.i18n import _
from app.store.intents import intent
from app.store.locks import folder_lock
from app.store.paths import safe_case_id
from app.store.store import CaseStore

FORMAT = "secondo-opinions/1"


@dataclass(frozen=True)
class SignedOpinion:
    number: int  # 0: the opinion itself; n: addendum n
    signed_at: str  # ISO 8601, UTC
    signer: str
    pdf_sha256: str
    pages: int
    size: int
    language: str = ""  # the letter's language (BCP 47, "nl-BE"); "" for opinions signed before it was kept

    @property
    def is_addendum(self) -> bool:
        return self.number > 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SignedOpinion:
        return cls(int(data["number"]), str(data["signed_at"]), str(data["signer"]), str(data["pdf_sha256"]),
                   int(data["pages"]), int(data["size"]), str(data.get("language") or ""))


class SignedOpinionStore:
    """`add(case, pdf, response, ...)` keeps a newly signed opinion; `list`, `pdf`, `response` read."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.folder = store.home / "opinions"
        self.folder.mkdir(exist_ok=True, mode=0o700)
        self._lock = threading.RLock()

    def _case(self, case_id: str) -> str:
        return safe_case_id(case_id)

    def _list_path(self, case_id: str) -> Path:
        return self.folder / f"{self._case(case_id)}.sov"

    def _file(self, case_id: str, number: int, kind: str) -> Path:
        return self.folder / self._case(case_id) / f"{int(number)}.{kind}.sov"

    def list(self, case_id: str) -> list[SignedOpinion]:
        """The case's signed opinions, the original first; [] when none is signed yet."""
        path = self._list_path(case_id)
        if not path.exists():
            return []
        data = json.loads(self.store.vault.read_file(path).decode("utf-8"))
        return [SignedOpinion.from_json(item) for item in data.get("opinions", [])]

    def language(self, case_id: str) -> str:
        """The language the latest signed opinion was written in ("" when none was recorded):
        an addendum keeps it unless the reviewer chooses another."""
        for opinion in reversed(self.list(case_id)):
            if opinion.language:
                return opinion.language
        return ""

    def latest(self, case_id: str) -> SignedOpinion | None:
        opinions = self.list(case_id)
        return opinions[-1] if opinions else None

    def next_number(self, case_id: str) -> int:
        return len(self.list(case_id))

    def _entry(self, case_id: str, number: int) -> SignedOpinion:
        for opinion in self.list(case_id):
            if opinion.number == number:
                return opinion
        raise BadInputError(_("The case has no signed opinion number {n}.").format(n=number))

    def pdf(self, case_id: str, number: int) -> bytes:
        """The signed PDF, checked against the hash recorded when it was signed."""
        entry = self._entry(case_id, number)
        data = self.store.vault.read_file(self._file(case_id, number, "pdf"))
        if hashlib.sha256(data).hexdigest() != entry.pdf_sha256:
            raise BadInputError(_("The stored signed opinion {n} does not match its record.").format(n=number))
        return data

    def response(self, case_id: str, number: int) -> dict:
        self._entry(case_id, number)
        return json.loads(self.store.vault.read_file(self._file(case_id, number, "json")).decode("utf-8"))

    def add(self, case_id: str, number: int, pdf: bytes, response: dict, *, signer: str, signed_at: str,
            pages: int, via: str = "gui", language: str = "") -> SignedOpinion:
        """Keep the signed `pdf` as opinion `number`, which must be the next one, written in
        `language`; the case becomes Signed and "sign" is audited with it
        (app/store/intents.py: all or nothing)."""
        with self._lock, folder_lock(self.folder / ".lock"):
            opinions = self.list(case_id)
            if number != len(opinions):
                raise BadInputError(_("Opinion {n} of this case was signed meanwhile; sign again as the next "
                                      "addendum.").format(n=number))
            (self.folder / self._case(case_id)).mkdir(exist_ok=True, mode=0o700)
            vault = self.store.vault
            vault.replace_bytes(self._file(case_id, number, "pdf"), bytes(pdf))
            vault.replace_bytes(self._file(case_id, number, "json"),
                                json.dumps(response, ensure_ascii=False).encode("utf-8"))
            entry = SignedOpinion(number, signed_at, signer, hashlib.sha256(pdf).hexdigest(), pages, len(pdf),
                                  language)
            listing = {"format": FORMAT, "opinions": [o.to_json() for o in opinions] + [entry.to_json()]}
            encrypted = vault.encrypt(json.dumps(listing, ensure_ascii=False).encode("utf-8"))
            with intent(self.store, case_id, "sign", witness=self._list_path(case_id), witness_bytes=encrypted,
                        status="signed", via=via, signer=signer, opinion=number, pdf_sha256=entry.pdf_sha256,
                        pages=pages):
                pass  # the opinion's files are written; naming them in the list is the intent's witness
            return entry
