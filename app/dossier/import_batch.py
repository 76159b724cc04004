"""What one import collects as it streams files into the vault: stored files, DICOM
instances, documents, and what could not be read."""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
import hashlib

from app.dossier.dicom_head import HeaderCopy
from app.dossier.dicom_index import DicomParseError, InstanceInfo, index_header
from app.dossier.write_pipeline import WritePipeline
from app.store.vault import BlobWriter


@dataclass
class ImportProgress:
    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int


@dataclass
class ImportResult:
    case_id: str
    duplicate: bool = False
    added_to_existing: bool = False
    files: int = 0
    bytes: int = 0
    signature: str = "unsigned"
    identity_mismatches: int = 0
    unreadable: int = 0
    missing: int = 0  # files the DICOMDIR names that are not on the disc
    notes: list[str] = field(default_factory=list)
    identity: str = "not_verified"  # of the first case: "ok", "not_verified" or "mismatch"
    missing_studies: int = 0  # studies the DICOMDIR names none of whose files are on the disc
    patients: int = 1  # patients found in what was imported
    cases: list[dict] = field(default_factory=list)  # each case made (or found already imported)

    def to_json(self) -> dict:
        return asdict(self)

    def case_entry(self, patient: dict | None = None, studies: int = 0, documents: int = 0) -> dict:
        """This result as one entry of a split import's `cases`."""
        return {"case_id": self.case_id, "duplicate": self.duplicate,
                "patient": {"name": (patient or {}).get("name") or "", "birth_date": (patient or {}).get("birth_date")},
                "studies": studies, "documents": documents, "identity": self.identity,
                "identity_mismatches": self.identity_mismatches}


class DuplicateDossier(Exception):
    """Raised inside an import that turns out to repeat an earlier one; never reaches a user."""

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.case_id = case_id


@dataclass
class StoredFile:
    path: str
    origin: str
    blob: str | None  # 'IMPORT/BLOB' in the vault, None when only checked
    size: int = 0
    sha256: str = ""
    named: dict | None = None  # what the DICOMDIR says the file belongs to (disc.py `named`)


class TeeWriter:
    """Streams one file into the vault while hashing it and, for a DICOM file, keeping the
    copy of its header that indexing reads (`head`, bounded whatever the file declares).

    Writes go through the import's `WritePipeline`: the work runs on its thread, in order."""

    def __init__(self, stored: StoredFile, writer: BlobWriter | None, keep_head: bool,
                 on_close: Callable[["TeeWriter"], None], pipeline: WritePipeline, digest: bool = True) -> None:
        self.stored, self._writer, self._on_close, self._pipeline = stored, writer, on_close, pipeline
        # Package members are hashed by the tar reader already; hashing twice cost 10 %.
        self._digest = hashlib.sha256() if digest else None
        self.head = HeaderCopy() if keep_head else None

    def write(self, data: bytes) -> None:
        self._pipeline.submit(lambda: self._write(data))

    def close(self) -> None:
        self._pipeline.submit(self._close)

    def _write(self, data: bytes) -> None:
        if self._digest is not None:
            self._digest.update(data)
        self.stored.size += len(data)
        if self.head is not None:
            self.head.feed(data)
        if self._writer is not None:
            self._writer.write(data)

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._digest is not None:
            self.stored.sha256 = self._digest.hexdigest()
        self._on_close(self)
        self.head = None


@dataclass
class ImportBatch:
    """Everything an import found, in plain data, before it is published."""

    import_id: str
    manifest: dict | None = None
    signature: dict | None = None
    documents: list[dict] = field(default_factory=list)
    instances: list[dict] = field(default_factory=list)  # InstanceInfo fields + blob, size, sha256
    unreadable: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # One per missing path: {"path", "reason", "patient", "study_uid", "series_uid", ...} (disc.py `named`).
    missing_detail: list[dict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    def add_instance(self, info: InstanceInfo, stored: StoredFile) -> None:
        self.instances.append(info.to_json() | {"blob": stored.blob, "size": stored.size, "sha256": stored.sha256})

    def index_dicom(self, tee: TeeWriter) -> InstanceInfo | None:
        """Index a stored DICOM file from the header copy its writer kept, or note why not."""
        stored = tee.stored
        assert tee.head is not None
        tee.head.close()
        try:
            return index_header(tee.head, stored.path, complete=True, size=stored.size, whole_pixel_data=True)
        except DicomParseError as exc:
            self.unreadable.append({"path": stored.path, "origin": stored.origin, "reason": str(exc)}
                                   | (stored.named or {}))
            return None
