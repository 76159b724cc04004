"""Files at rest: each document, image and record is its own SODP file under the vault key,
with a fresh file key and salt, named by a random id that says nothing about its content.
"""

from collections.abc import Iterator
import io
import json
import os
from pathlib import Path
import uuid

from app.core.errors import BadInputError, SecondoError
from app.core.files import atomic_output, output_error
from app.core.i18n import _
from app.crypto.sodp import ChunkStream, SodpReader, SodpWriter
from app.crypto.stanzas import VaultKey
from app.store.durable import FileSyncer

BLOB_SUFFIX = ".sov"
VAULT_CHUNK = 1 << 20


class StoredFileError(BadInputError):
    """A file in the vault cannot be read back: missing, altered at rest or truncated."""


class BlobWriter:
    """Streams plaintext into one encrypted file; `close()` finishes it, `abort()` removes it."""

    def __init__(self, path: Path, key: VaultKey, durable: bool = True, syncer: FileSyncer | None = None) -> None:
        self.path = path
        # fsync on close; a staged file is synced by the import's `syncer` in the background, or
        # by CaseStore.sync_staging before it is published
        self.durable = durable
        self._syncer = syncer
        try:
            self._file = open(path, "xb")
        except OSError as exc:
            raise output_error(path, exc) from None
        self._writer = SodpWriter(self._file, [key], VAULT_CHUNK)
        self.size = 0
        self._closed = False

    def write(self, data) -> int:
        try:
            self.size += self._writer.write(data)
        except OSError as exc:
            self.abort()
            raise output_error(self.path.parent, exc) from None
        return len(data)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._writer.close()
            self._file.flush()
            if self._syncer is not None:
                self._syncer.submit(self._file)  # fsynced and closed there
                return
            if self.durable:
                os.fsync(self._file.fileno())
            self._file.close()
        except OSError as exc:
            self.abort()
            raise output_error(self.path.parent, exc) from None

    def abort(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class Vault:
    """The encrypted files of one data folder, addressed as 'FOLDER/BLOB' relative to root."""

    def __init__(self, root: Path, key: VaultKey) -> None:
        self.root = root
        self.key = key
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    @staticmethod
    def new_blob_id() -> str:
        return uuid.uuid4().hex + BLOB_SUFFIX

    def create(self, folder: Path, durable: bool = True,
               syncer: FileSyncer | None = None) -> tuple[str, BlobWriter]:
        """A writer for a new file in `folder` (a staging or case folder); returns its name."""
        blob = self.new_blob_id()
        return blob, BlobWriter(folder / blob, self.key, durable, syncer)

    def write_bytes(self, folder: Path, data: bytes) -> str:
        blob, writer = self.create(folder)
        writer.write(data)
        writer.close()
        return blob

    def write_json(self, folder: Path, value) -> str:
        return self.write_bytes(folder, json.dumps(value, ensure_ascii=False).encode("utf-8"))

    def replace_bytes(self, path: Path, data: bytes) -> None:
        """Atomically replace an encrypted file at `path` (drafts, address book)."""
        with atomic_output(path) as out:
            writer = SodpWriter(out, [self.key], VAULT_CHUNK)
            writer.write(data)
            writer.close()

    def encrypt(self, data: bytes) -> bytes:
        """The encrypted file for `data` (a small one), to be written with `replace_encrypted`:
        its hash can be recorded before it is (CaseStore.intent's witness)."""
        buffer = io.BytesIO()
        writer = SodpWriter(buffer, [self.key], VAULT_CHUNK)
        writer.write(data)
        writer.close()
        return buffer.getvalue()

    @staticmethod
    def replace_encrypted(path: Path, encrypted: bytes) -> None:
        with atomic_output(path) as out:
            out.write(encrypted)

    def chunks(self, ref: str) -> Iterator[bytes]:
        """Plaintext of the stored file `ref` ('folder/blob'), chunk by chunk, each checked."""
        return self.file_chunks(self.root / ref, ref)

    def file_chunks(self, path: Path, ref: str | None = None) -> Iterator[bytes]:
        """Plaintext of an encrypted file at `path` (also one still in a staging folder)."""
        ref = ref or path.name
        try:
            stream = open(path, "rb")
        except FileNotFoundError:
            raise StoredFileError(_("A stored file is missing from the vault ({ref}).").format(ref=ref)) from None
        with stream:
            try:
                reader = SodpReader(stream)
                reader.unlock([self.key])
                yield from reader.chunks()
            except SecondoError as exc:
                raise StoredFileError(_("A stored file cannot be read: it was altered or damaged at rest "
                                        "({reason})").format(reason=exc)) from None

    def read_bytes(self, ref: str) -> bytes:
        return b"".join(self.chunks(ref))

    def read_file(self, path: Path) -> bytes:
        return b"".join(self.file_chunks(path))

    def read_json(self, ref: str):
        return json.loads(self.read_bytes(ref).decode("utf-8"))

    def open(self, ref: str) -> io.BufferedReader:
        """A file object over the decrypted content (reads stream chunk by chunk)."""
        return io.BufferedReader(ChunkStream(self.chunks(ref)), buffer_size=VAULT_CHUNK)

