"""`DossierImporter`: one sequential pass over each source (decrypt → untar → SHA-256 →
re-encrypt into a staging folder → check manifest and signature), then one atomic rename
that makes the case visible. A failed or cancelled import leaves nothing behind.
"""

from collections.abc import Callable, Sequence
import errno
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
import shutil
import sqlite3
from typing import Any
import uuid

from app.core.errors import BadInputError, ManifestError, OutputError
from app.core.i18n import _
from app.core.tasks import CancelToken
from app.dossier import package
from app.dossier.case_record import build_record
from app.dossier.import_split import build_cases
from app.dossier.content_type import media_type
from app.dossier.import_batch import (DuplicateDossier, ImportBatch, ImportProgress, ImportResult, StoredFile,
                                      TeeWriter)
from app.dossier.import_sources import PackagePart, ResolvedSource, resolve
from app.dossier.manifest_signature import INVALID
from app.dossier.p7m import P7mReader
from app.dossier.write_pipeline import WritePipeline
from app.store.index import index_error
from app.store.store import CaseStore

COPY_BLOCK = 1 << 20
DOCUMENT_KINDS_ON_DISC = ("pdf", "jpeg", "png", "tiff", "text")


class DossierImporter:
    def __init__(self, store: CaseStore, credentials: Sequence = (), trusted_roots: Sequence = (),
                 progress: Callable[[ImportProgress], None] | None = None,
                 cancel: CancelToken | None = None) -> None:
        self.store = store
        self.credentials = list(credentials)
        self.trusted_roots = list(trusted_roots)
        self._report: Callable[[ImportProgress], None] = progress or (lambda p: None)
        self.cancel = cancel or CancelToken()
        self._progress = ImportProgress(0, 0, 0, 0)

    def run(self, sources: list[Path], case_id: str | None = None, keep_together: bool = False) -> ImportResult:
        """Import `sources` into a new case, or into `case_id`. A plain source holding several
        patients becomes one case per patient (`import_split`) unless `keep_together`, a
        package is imported, or `case_id` is given; then the foreign studies are flagged."""
        self.keep_together = keep_together or case_id is not None
        existing = self.store.resolve_case(case_id) if case_id else None
        resolved: list[ResolvedSource] = []
        try:
            for source in sources:
                resolved.append(resolve(Path(source), self.cancel))
            self._progress.bytes_total = sum(r.total_size() for r in resolved)
            self._progress.files_total = sum(len(r.disc_files) for r in resolved)
            return self._import(resolved, existing)
        finally:
            for opened in resolved:
                opened.close()

    def _import(self, resolved: list[ResolvedSource], existing: str | None) -> ImportResult:
        import_id, staging = self.store.new_staging()
        batch = ImportBatch(import_id)
        # Decrypting and hashing here, encrypting and writing on the pipeline's thread, each file
        # fsynced in the background once written: the stages overlap, and nothing syncs the machine.
        self._syncer = self.store.staging_syncer(staging)
        self._pipeline = WritePipeline()
        try:
            for source in resolved:
                for part in source.packages:
                    self._import_package(part, batch, staging, existing)
                self._import_disc(source, batch, staging)
                batch.sources.append({"name": source.name, "kind": source.kind,
                                      "imported_at": _now()})
            self._pipeline.finish()
            self._syncer.wait()
            if self.keep_together or batch.manifest is not None:
                return build_record(self.store, batch, staging, existing)
            return build_cases(self.store, batch, staging)
        except DuplicateDossier as duplicate:
            self._abandon(staging)
            return ImportResult(duplicate.case_id, duplicate=True)
        except OSError as exc:  # a write the steps above did not name (they raise OutputError)
            self._abandon(staging)
            raise import_output_error(exc) from None
        except sqlite3.Error as exc:
            self._abandon(staging)
            raise index_error(exc) from None
        except BaseException:
            self._abandon(staging)
            raise
        finally:
            self.store.release_staging(import_id)  # only now may a sweep take what is left

    def _abandon(self, staging: Path) -> None:
        """Stop the writer and the syncer (before the removal, so that nothing is written after
        it), then remove what was staged."""
        self._pipeline.abort()
        self._syncer.abort()
        shutil.rmtree(staging, ignore_errors=True)

    # -- packages -----------------------------------------------------------------------------

    def _import_package(self, part: PackagePart, batch: ImportBatch, staging: Path, existing: str | None) -> None:
        if batch.manifest is not None:
            raise BadInputError(_("Only one dossier package can be imported at a time ({name} is a second one).")
                                .format(name=part.name))
        imaging_paths: set[str] = set()
        entries: dict[str, dict] = {}

        def on_manifest(manifest: dict) -> None:
            row = self.store.index.case_by_dossier(manifest["dossier_id"])
            if row is not None and row["id"] != existing:
                raise DuplicateDossier(row["id"])
            imaging_paths.update(e["path"] for e in manifest["imaging"])
            entries.update(package.manifest_mod.file_entries(manifest))

        stored: dict[str, StoredFile] = {}

        def sink(name: str, size: int):
            if name in imaging_paths and name.rsplit("/", 1)[-1].upper() == "DICOMDIR":
                return None  # the image index is rebuilt from the images; a document of that name is kept
            blob, writer = self.store.vault.create(staging, durable=False, syncer=self._syncer)
            # The tar reader checks this hash against the bytes before the import can succeed.
            stored[name] = StoredFile(name, part.name, f"{batch.import_id}/{blob}", sha256=entries[name]["sha256"])
            is_image = name in imaging_paths
            return TeeWriter(stored[name], writer, is_image,
                             lambda tee: self._member_done(tee, batch, is_image), self._pipeline, digest=False)

        base = self._progress.bytes_done
        options: dict[str, Any] = dict(trusted_roots=self.trusted_roots, sink=sink, cancel=self.cancel,
                                       on_manifest=on_manifest, total_size=part.size, free_space_at=staging,
                                       progress=lambda done, total: self._bytes(base + done))
        with part.opener() as stream:
            if part.kind == "sodp":
                contents = package.read_package(stream, self.credentials, **options)
            else:
                reader = P7mReader(stream)
                reader.unlock(self.credentials)
                contents = package.read_payload(reader.chunks(), **options)
        if contents.signature.state == INVALID:
            raise ManifestError(_("The manifest's signature is invalid ({reason}): the package was altered "
                                  "or forged, and it was not imported.").format(reason=contents.signature.reason))
        batch.manifest, batch.signature = contents.manifest, contents.signature.to_json()
        for entry in contents.manifest["documents"]:
            item = stored[entry["path"]]
            batch.documents.append({k: v for k, v in entry.items() if k not in ("path",)}
                                   | {"id": uuid.uuid4().hex, "blob": item.blob, "path": entry["path"],
                                      "origin": part.name, "media_type": entry.get("media_type") or
                                      "application/octet-stream", "kind": entry.get("kind", "other")})
        self._bytes(base + part.size)

    def _member_done(self, tee: TeeWriter, batch: ImportBatch, is_image: bool) -> None:
        batch.files += 1
        batch.bytes += tee.stored.size
        if is_image:
            info = batch.index_dicom(tee)
            if info is not None:
                batch.add_instance(info, tee.stored)

    # -- plain discs --------------------------------------------------------------------------

    def _import_disc(self, source: ResolvedSource, batch: ImportBatch, staging: Path) -> None:
        if source.disc is None:
            return
        batch.missing += source.disc.missing
        batch.missing_detail += [{"path": path, "reason": _("Named by the DICOMDIR, not on the disc.")}
                                 | source.disc.named.get(path, {}) for path in source.disc.missing]
        batch.refused += source.disc.refused
        batch.notes += source.disc.notes
        for disc_file in source.disc_files:
            self.cancel.check()
            kind = source.kinds.get(disc_file.path)
            if kind == "dicomdir":
                self._skip_bytes(disc_file.size)
                continue
            if kind != "dicom" and kind not in DOCUMENT_KINDS_ON_DISC and not disc_file.referenced:
                batch.skipped.append(disc_file.path)  # viewer programs, autorun files and the like
                self._skip_bytes(disc_file.size)
                continue
            is_image = kind == "dicom" or disc_file.referenced
            blob, writer = self.store.vault.create(staging, durable=False, syncer=self._syncer)
            stored = StoredFile(disc_file.path, source.name, f"{batch.import_id}/{blob}",
                                named=source.disc.named.get(disc_file.path))
            self._copy(disc_file, TeeWriter(stored, writer, is_image,
                                            partial(self._disc_file_done, batch=batch, kind=kind), self._pipeline))
            self._progress.files_done += 1

    def _disc_file_done(self, tee: TeeWriter, batch: ImportBatch, kind: str | None) -> None:
        """On the writer's thread, once the file is stored."""
        if tee.head is None:
            batch.files += 1
            batch.bytes += tee.stored.size
            batch.documents.append(_disc_document(tee.stored, kind or ""))
        else:
            self._member_done(tee, batch, True)

    def _copy(self, disc_file, tee: TeeWriter) -> None:
        read = 0
        try:
            with disc_file.opener() as handle:
                while block := handle.read(COPY_BLOCK):
                    self.cancel.check()
                    tee.write(block)
                    read += len(block)
                    self._bytes(self._progress.bytes_done + len(block))
            if read != disc_file.size:  # a damaged image or a disc that read short
                raise OSError(errno.EIO, _("read {n} of {size} bytes").format(n=read, size=disc_file.size))
            tee.close()
        except OSError as exc:
            raise BadInputError(_("The disc could not be read at {path} ({reason}). Nothing was imported; "
                                  "clean the disc or copy it to a folder and import that.")
                                .format(path=disc_file.path, reason=exc.strerror or exc)) from None

    def _skip_bytes(self, size: int) -> None:
        self._bytes(self._progress.bytes_done + size)

    def _bytes(self, done: int) -> None:
        self._progress.bytes_done = done
        self._report(self._progress)


def import_output_error(exc: OSError) -> OutputError:
    if exc.errno == errno.ENOSPC:
        reason = _("the disk is full")
    else:
        reason = exc.strerror or str(exc)
    return OutputError(_("The dossier could not be stored in the data folder: {reason}. Nothing was imported.")
                       .format(reason=reason))


def _disc_document(stored: StoredFile, kind: str) -> dict:
    return {"id": uuid.uuid4().hex, "blob": stored.blob, "path": stored.path, "origin": stored.origin,
            "kind": "other", "title": stored.path.rsplit("/", 1)[-1], "media_type": media_type(kind),
            "size": stored.size, "sha256": stored.sha256}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

