"""What one import collects as it streams files into the vault: stored files, DICOM
instances, documents, and what could not be read."""

import builtins
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
import hashlib

from app.dossier.dicom_index import DicomParseError, InstanceInfo, read_instance
from app.dossier.write_pipeline import WritePipeline
from app.store.vault import BlobWriter

HEAD_LIMIT = 1 << 16  # DICOM headers are parsed from this much of the file's start; longer ones from the whole file


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
    missing: int = 0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


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


class TeeWriter:
    """Streams one file into the vault while hashing it and keeping the head of DICOM files.

    Writes go through the import's `WritePipeline`: the work runs on its thread, in order."""

    def __init__(self, stored: StoredFile, writer: BlobWriter | None, keep_head: bool,
                 on_close: Callable[["TeeWriter"], None], pipeline: WritePipeline, digest: bool = True) -> None:
        self.stored, self._writer, self._on_close, self._pipeline = stored, writer, on_close, pipeline
        # Package members are hashed by the tar reader already; hashing twice cost 10 %.
        self._digest = hashlib.sha256() if digest else None
        self.head = bytearray() if keep_head else None

    def write(self, data: bytes) -> None:
        self._pipeline.submit(lambda: self._write(data))

    def close(self) -> None:
        self._pipeline.submit(self._close)

    def _write(self, data: bytes) -> None:
        if self._digest is not None:
            self._digest.update(data)
        self.stored.size += len(data)
        if self.head is not None and len(self.head) < HEAD_LIMIT:
            self.head += data[:HEAD_LIMIT - len(self.head)]
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
    refused: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    files: int = 0
    bytes: int = 0

    def add_instance(self, info: InstanceInfo, stored: StoredFile) -> None:
        self.instances.append(info.to_json() | {"blob": stored.blob, "size": stored.size, "sha256": stored.sha256})

    def index_dicom(self, tee: TeeWriter, full_bytes: Callable[[], builtins.bytes]) -> InstanceInfo | None:
        """Parse a stored DICOM file's header (from its head, else the whole file)."""
        stored = tee.stored
        try:
            try:
                return read_instance(bytes(tee.head or b""), stored.path, complete=stored.size <= HEAD_LIMIT)
            except DicomParseError:
                if stored.size <= HEAD_LIMIT:
                    raise
                return read_instance(full_bytes(), stored.path, complete=True)
        except DicomParseError as exc:
            self.unreadable.append({"path": stored.path, "origin": stored.origin, "reason": str(exc)})
            return None
