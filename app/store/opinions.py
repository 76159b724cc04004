"""The signed opinions of a case, encrypted at rest: the original (number 0) and its numbered
addenda (1, 2, ...). A signed PDF is never altered or replaced; a later change is a new
addendum with its own PDF.

Layout under the data folder:
    opinions/CASE.sov             the list of the case's signed opinions (JSON)
    opinions/CASE/N.pdf.sov       the signed PDF of opinion N, byte for byte
    opinions/CASE/N.json.sov      the QuestionnaireResponse it was rendered from
    opinions/CASE/N.protected-ROLE.pdf.sov   the signed, password-protected copy for ROLE
    opinions/CASE/N.passphrases.sov          the copies' passphrases (JSON, role -> passphrase)
Every file of an opinion is written before the list names it, so a crash leaves the list
as it was (and at worst unnamed files, removed or overwritten by the next signature of that
number). A list written before protected copies existed names none: its opinions have none.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import asdict, dataclass
import hashlib
import json
import re
import threading
from pathlib import Path

from app.core.errors import BadInputError
from app.core.i18n import _
from app.store.intents import intent
from app.store.locks import folder_lock
from app.store.paths import safe_case_id
from app.store.store import CaseStore

FORMAT = "secondo-opinions/1"
PASSPHRASES_FORMAT = "secondo-passphrases/1"
_ROLE = re.compile(r"[a-z][a-z_]{0,40}")  # the consent roles (app/dossier/case_details.py): safe in a file name


def no_protected_copy() -> str:
    return _("This opinion has no password-protected PDF copy for this recipient: it was signed before "
             "protected copies were made, or not addressed to them. Sign an addendum to make one, or send a "
             "Second-O package.")


@dataclass(frozen=True)
class ProtectedCopy:
    """The signed, password-protected copy of an opinion for one recipient role."""

    role: str
    pdf: bytes  # the signed, password-protected copy (R6, AES-256), byte for byte as signed
    passphrase: str | None  # None once forgotten (after that role's pdf shipment was marked sent)


@dataclass(frozen=True)
class SignedOpinion:
    number: int  # 0: the opinion itself; n: addendum n
    signed_at: str  # ISO 8601, UTC
    signer: str
    pdf_sha256: str
    pages: int
    size: int
    language: str = ""  # the letter's language (BCP 47, "nl-BE"); "" for opinions signed before it was kept
    protected: tuple[tuple[str, str], ...] = ()  # (role, SHA-256 of its protected copy); () before copies existed

    @property
    def is_addendum(self) -> bool:
        return self.number > 0

    @property
    def protected_roles(self) -> list[str]:
        return [role for role, _sha in self.protected]

    def to_json(self) -> dict:
        return dict(asdict(self), protected={role: sha for role, sha in self.protected})

    @classmethod
    def from_json(cls, data: dict) -> SignedOpinion:
        copies = data.get("protected") or {}
        return cls(int(data["number"]), str(data["signed_at"]), str(data["signer"]), str(data["pdf_sha256"]),
                   int(data["pages"]), int(data["size"]), str(data.get("language") or ""),
                   tuple((str(role), str(sha)) for role, sha in copies.items()) if isinstance(copies, dict) else ())


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

    def _copy_file(self, case_id: str, number: int, role: str) -> Path:
        if not _ROLE.fullmatch(role):
            raise BadInputError(_("{role} is not a recipient role.").format(role=role))
        return self._file(case_id, number, f"protected-{role}.pdf")

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

    def protected_roles(self, case_id: str, number: int) -> builtins.list[str]:
        """The roles opinion `number` has a protected copy for, in signing order ([] for an
        opinion signed before copies were made)."""
        return self._entry(case_id, number).protected_roles

    def protected_copy(self, case_id: str, number: int, role: str) -> ProtectedCopy:
        """The protected copy of opinion `number` for `role`, checked against the hash recorded
        when it was signed, and its passphrase (None once forgotten). `BadInputError` when the
        opinion has no copy for `role`."""
        entry = self._entry(case_id, number)
        recorded = dict(entry.protected).get(role)
        if recorded is None:
            raise BadInputError(no_protected_copy())
        data = self.store.vault.read_file(self._copy_file(case_id, number, role))
        if hashlib.sha256(data).hexdigest() != recorded:
            raise BadInputError(_("The stored protected copy of signed opinion {n} does not match its record.")
                                .format(n=number))
        return ProtectedCopy(role, data, self._passphrases(case_id, number).get(role))

    def _passphrases(self, case_id: str, number: int) -> dict[str, str]:
        path = self._file(case_id, number, "passphrases")
        if not path.exists():
            return {}
        data = json.loads(self.store.vault.read_file(path).decode("utf-8"))
        return {str(k): str(v) for k, v in (data.get("passphrases") or {}).items()}

    def _passphrases_bytes(self, passphrases: Mapping[str, str]) -> bytes:
        return json.dumps({"format": PASSPHRASES_FORMAT, "passphrases": dict(passphrases)},
                          ensure_ascii=False).encode("utf-8")

    def forget_passphrase(self, case_id: str, number: int, role: str) -> None:
        """Remove the passphrase of `role`'s protected copy from the vault (the copy stays: the
        sheet already sent still opens it). Doing it again, or for a role without a copy, does nothing."""
        with self._lock, folder_lock(self.folder / ".lock"):
            self._entry(case_id, number)
            passphrases = self._passphrases(case_id, number)
            if role not in passphrases:
                return
            del passphrases[role]
            self.store.vault.replace_bytes(self._file(case_id, number, "passphrases"),
                                           self._passphrases_bytes(passphrases))

    def add(self, case_id: str, number: int, pdf: bytes, response: dict, *, signer: str, signed_at: str,
            pages: int, via: str = "gui", language: str = "",
            protected: Mapping[str, tuple[bytes, str]] | None = None) -> SignedOpinion:
        """Keep the signed `pdf` as opinion `number`, which must be the next one, written in
        `language`, with its `protected` copies (role -> (signed protected PDF, passphrase)); the
        case becomes Signed and "sign" is audited with it (app/store/intents.py: all or nothing)."""
        protected = dict(protected or {})
        with self._lock, folder_lock(self.folder / ".lock"):
            opinions = self.list(case_id)
            if number != len(opinions):
                raise BadInputError(_("Opinion {n} of this case was signed meanwhile; sign again as the next "
                                      "addendum.").format(n=number))
            copy_paths = {role: self._copy_file(case_id, number, role) for role in protected}
            folder = self.folder / self._case(case_id)
            folder.mkdir(exist_ok=True, mode=0o700)
            # Copies (and half-written files) of this number that no list names were left by a
            # signature that crashed: under the lock, no live one writes them.
            for pattern in (f"{int(number)}.protected-*.pdf.sov", f".{int(number)}.*.part"):
                for stale in folder.glob(pattern):
                    stale.unlink(missing_ok=True)
            vault = self.store.vault
            vault.replace_bytes(self._file(case_id, number, "pdf"), bytes(pdf))
            vault.replace_bytes(self._file(case_id, number, "json"),
                                json.dumps(response, ensure_ascii=False).encode("utf-8"))
            for role, (copy_pdf, _passphrase) in protected.items():
                vault.replace_bytes(copy_paths[role], bytes(copy_pdf))
            passphrases = self._file(case_id, number, "passphrases")
            if protected:
                vault.replace_bytes(passphrases, self._passphrases_bytes(
                    {role: passphrase for role, (_pdf, passphrase) in protected.items()}))
            else:
                passphrases.unlink(missing_ok=True)
            entry = SignedOpinion(number, signed_at, signer, hashlib.sha256(pdf).hexdigest(), pages, len(pdf),
                                  language, tuple((role, hashlib.sha256(copy_pdf).hexdigest())
                                                  for role, (copy_pdf, _pw) in protected.items()))
            listing = {"format": FORMAT, "opinions": [o.to_json() for o in opinions] + [entry.to_json()]}
            encrypted = vault.encrypt(json.dumps(listing, ensure_ascii=False).encode("utf-8"))
            with intent(self.store, case_id, "sign", witness=self._list_path(case_id), witness_bytes=encrypted,
                        status="signed", via=via, signer=signer, opinion=number, pdf_sha256=entry.pdf_sha256,
                        pages=pages, protected_copies=list(protected)):
                pass  # the opinion's files are written; naming them in the list is the intent's witness
            return entry
