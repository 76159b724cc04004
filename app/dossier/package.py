"""Dossier packages: the pax tar payload of an SODP file, with its manifest and signature.

`pack_directory` turns a source folder into a package; `read_package` reads one in a
single streaming pass, checking names, sizes and hashes of every member against the
manifest, and hands each member's bytes to an optional sink (the importer's staging).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
import hashlib
import io
from pathlib import Path
import shutil
import tarfile
from typing import BinaryIO, Protocol

from app.core.errors import BadInputError, ManifestError, OutputError, UnsafeMemberError
from app.core.files import atomic_output
from app.core.i18n import _
from app.core.tasks import CancelToken, Progress, no_progress
from app.crypto.identity import KeyIdentity
from app.crypto.limits import DISK_OVERHEAD_PER_FILE, DISK_RESERVE, MAX_MANIFEST_SIZE, MAX_SIGNATURE_SIZE
from app.crypto.sodp import DEFAULT_CHUNK_SIZE, ChunkStream, SodpReader, SodpWriter
from app.dossier import manifest as manifest_mod
from app.dossier import member_names
from app.dossier.manifest_signature import (SIGNATURE_NAME, UNSIGNED, SignatureState, sign_manifest,
                                           verify_manifest_signature)
from app.dossier.tar_stream import TarMember, TarReader

MANIFEST_NAME = "manifest.json"
COPY_BLOCK = 1 << 20


class MemberWriter(Protocol):
    def write(self, data: bytes) -> object: ...
    def close(self) -> None: ...


#: sink(path, size) -> a writer for that member's bytes, or None to only check it.
MemberSink = Callable[[str, int], MemberWriter | None]


@dataclass
class PackageContents:
    """What a package holds, once every byte of it has been checked."""

    manifest: dict
    manifest_bytes: bytes
    signature: SignatureState
    files: list[dict] = field(default_factory=list)  # {"path", "size", "sha256"} in tar order

    @property
    def payload_size(self) -> int:
        return sum(f["size"] for f in self.files)


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    # No owner names, ids or local times of the sending machine go into the package.
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _hash_file(path: Path, cancel: CancelToken) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(COPY_BLOCK):
            cancel.check()
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def prepare_manifest(src_dir: Path, cancel: CancelToken | None = None) -> tuple[dict, list[str]]:
    """Read SRC_DIR/manifest.json, fill in each listed file's size and SHA-256, and
    return it with the paths of files in SRC_DIR that the manifest does not list."""
    cancel = cancel or CancelToken()
    src_dir = Path(src_dir)
    try:
        manifest = manifest_mod.parse_source(src_dir / MANIFEST_NAME)
    except FileNotFoundError:
        raise BadInputError(_("{src} holds no manifest.json.").format(src=src_dir)) from None
    for path, entry in manifest_mod.file_entries(manifest).items():
        member_names.check(path)
        file_path = src_dir / path
        if not file_path.is_file() or file_path.is_symlink():
            raise ManifestError(_("The manifest lists {path}, which is not a file in {src}.")
                                .format(path=path, src=src_dir))
        entry["size"], entry["sha256"] = _hash_file(file_path, cancel)
    manifest_mod.validate(manifest)
    listed = set(manifest_mod.file_entries(manifest)) | {MANIFEST_NAME, SIGNATURE_NAME}
    unlisted = sorted(p.relative_to(src_dir).as_posix() for p in src_dir.rglob("*")
                      if p.is_file() and p.relative_to(src_dir).as_posix() not in listed)
    return manifest, unlisted


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


def _add_member(out: _Writable, info: tarfile.TarInfo, source: BinaryIO, cancel: CancelToken) -> None:
    """Append one pax member; tarfile's own stream writer copies its buffer on every
    16 KiB write, which made packing several times slower than the encryption."""
    out.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
    remaining = info.size
    while remaining:
        cancel.check()
        block = source.read(min(COPY_BLOCK, remaining))
        if not block:
            raise BadInputError(_("{path} became shorter while it was being packed.").format(path=info.name))
        out.write(block)
        remaining -= len(block)
    out.write(b"\0" * (-info.size % tarfile.BLOCKSIZE))


def write_package(out: BinaryIO, src_dir: Path | None, manifest: dict, recipients: list, *,
                  signer: KeyIdentity | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
                  progress: Progress = no_progress, cancel: CancelToken | None = None,
                  open_member: Callable[[str], BinaryIO] | None = None) -> None:
    """Write the SODP package of `manifest` (sizes and hashes filled in) to `out`; each file
    is read from `src_dir`, or from `open_member(path)` (files that exist only in memory)."""
    cancel = cancel or CancelToken()
    if open_member is None:
        if src_dir is None:
            raise ValueError("write_package needs src_dir or open_member")
        folder = Path(src_dir)
        open_member = lambda path: open(folder / path, "rb")  # noqa: E731
    entries = manifest_mod.file_entries(manifest)
    total = sum(e["size"] for e in entries.values())
    manifest_bytes = manifest_mod.dumps(manifest)
    stamp = manifest_mod.created_timestamp(manifest)
    writer = SodpWriter(out, recipients, chunk_size)
    _add_member(writer, _tarinfo(MANIFEST_NAME, len(manifest_bytes), stamp), io.BytesIO(manifest_bytes), cancel)
    if signer is not None:
        signature = sign_manifest(manifest_bytes, signer)
        _add_member(writer, _tarinfo(SIGNATURE_NAME, len(signature), stamp), io.BytesIO(signature), cancel)
    done = 0
    for path, entry in entries.items():
        with open_member(path) as handle:
            _add_member(writer, _tarinfo(path, entry["size"], stamp), handle, cancel)
        done += entry["size"]
        progress(done, total)
    writer.write(b"\0" * (2 * tarfile.BLOCKSIZE))  # end-of-archive
    writer.close()


def pack_directory(src_dir: Path, out_path: Path, recipients: list, *, signer: KeyIdentity | None = None,
                   chunk_size: int = DEFAULT_CHUNK_SIZE, progress: Progress = no_progress,
                   cancel: CancelToken | None = None) -> tuple[dict, list[str]]:
    """Pack SRC_DIR into OUT_PATH atomically; return the final manifest and the unlisted files."""
    manifest, unlisted = prepare_manifest(src_dir, cancel)
    with atomic_output(out_path) as out:
        write_package(out, src_dir, manifest, recipients, signer=signer, chunk_size=chunk_size,
                      progress=progress, cancel=cancel)
    return manifest, unlisted


def _read_small(tar: TarReader, member: TarMember, limit: int) -> bytes:
    if member.size > limit:
        raise ManifestError(_("{name} in the package is too large ({size} bytes; at most {limit}).")
                            .format(name=member.name, size=member.size, limit=limit))
    data = tar.read(member.size)
    while len(data) < member.size:
        data += tar.read(member.size - len(data))
    return data


def read_package(stream: BinaryIO, credentials: list, **options) -> PackageContents:
    """Decrypt, untar and check a whole SODP package in one pass; raise on the first problem.

    Options are those of `read_payload`. Bytes handed to `sink` are provisional until this
    returns: on an exception the caller must throw away everything the sink received.
    """
    reader = SodpReader(stream)
    reader.unlock(credentials)
    return read_payload(reader.chunks(), **options)


def read_payload(chunks: Iterator[bytes], *, trusted_roots=(), sink: MemberSink | None = None,
                 progress: Progress = no_progress, cancel: CancelToken | None = None, total_size: int = 0,
                 on_manifest: Callable[[dict], None] | None = None,
                 free_space_at: Path | None = None) -> PackageContents:
    """Check a decrypted tar payload (of an SODP package or a .p7m) against its manifest.

    `on_manifest` sees the validated manifest before any file is read, and may raise to stop.
    With `free_space_at`, the files the manifest declares must fit on that folder's disk
    (`check_free_space`) before any is read.
    """
    cancel = cancel or CancelToken()
    plaintext = ChunkStream(chunks)
    contents, signature_bytes, expected = _read_members(plaintext, sink, progress, cancel, total_size,
                                                        on_manifest, free_space_at)
    missing = sorted(set(expected) - {f["path"] for f in contents.files})
    if missing:
        raise ManifestError(_("The manifest lists {path}, which is not in the package{more}.").format(
            path=missing[0], more=_(" (and {n} more)").format(n=len(missing) - 1) if len(missing) > 1 else ""))
    # An unsigned manifest needs no CMS validation (nor pyHanko loaded, a fixed cost of every import).
    contents.signature = SignatureState(UNSIGNED) if signature_bytes is None else \
        verify_manifest_signature(contents.manifest_bytes, signature_bytes, list(trusted_roots))
    return contents


def _read_members(plaintext: ChunkStream, sink: MemberSink | None, progress: Progress, cancel: CancelToken,
                  total_size: int, on_manifest, free_space_at: Path | None
                  ) -> tuple[PackageContents, bytes | None, dict]:
    tar = TarReader(plaintext)
    members = tar.members()
    first = next(members, None)
    if first is None or first.name != MANIFEST_NAME:
        raise ManifestError(_("The package does not begin with manifest.json."))
    manifest_bytes = _read_small(tar, first, MAX_MANIFEST_SIZE)
    manifest = manifest_mod.parse(manifest_bytes)
    expected = manifest_mod.file_entries(manifest)
    if free_space_at is not None:
        check_free_space(free_space_at, list(expected.values()))
    if on_manifest is not None:
        on_manifest(manifest)
    contents = PackageContents(manifest, manifest_bytes, SignatureState("unsigned"))
    signature_bytes = None
    seen: set[str] = {MANIFEST_NAME.casefold()}
    for info in members:
        cancel.check()
        if info.name.casefold() in seen:
            raise UnsafeMemberError(_("The package holds {name} twice.").format(name=info.name))
        seen.add(info.name.casefold())
        if info.name == SIGNATURE_NAME and signature_bytes is None and not contents.files:
            signature_bytes = _read_small(tar, info, MAX_SIGNATURE_SIZE)
            continue
        entry = expected.get(info.name)
        if entry is None:
            raise ManifestError(_("The package holds {name}, which its manifest does not list.")
                                .format(name=info.name))
        if info.size != entry["size"]:
            raise ManifestError(_("{name} has {size} bytes, but the manifest says {expected}.")
                                .format(name=info.name, size=info.size, expected=entry["size"]))
        digest = _copy_member(tar, info, sink, cancel)
        if digest != entry["sha256"]:
            raise ManifestError(_("{name} does not match its SHA-256 in the manifest.")
                                .format(name=info.name))
        contents.files.append({"path": info.name, "size": info.size, "sha256": digest})
        progress(plaintext.bytes_read, total_size)
    _check_end_of_payload(tar.trailing, plaintext)
    return contents, signature_bytes, expected


def check_free_space(folder: Path, entries: list[dict]) -> None:
    """Refuse, before anything is written, files that would not fit on `folder`'s disk
    (their declared sizes, with the vault's overhead and a reserve: app/crypto/limits.py)."""
    declared = sum(e.get("size", 0) for e in entries)
    needed = declared + len(entries) * DISK_OVERHEAD_PER_FILE + DISK_RESERVE
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return  # not measurable here: the writes themselves will say if the disk fills
    if needed > free:
        raise OutputError(_("There is not enough free disk space for this dossier: it needs about {need} MB "
                            "and {free} MB are free. Free some space and try again.").format(
                                need=-(-needed // 10**6), free=free // 10**6))


def _copy_member(tar: TarReader, info: TarMember, sink: MemberSink | None, cancel: CancelToken) -> str:
    digest = hashlib.sha256()
    target = sink(info.name, info.size) if sink else None
    try:
        while block := tar.read(COPY_BLOCK):
            cancel.check()
            digest.update(block)
            if target is not None:
                target.write(block)
    finally:
        if target is not None:
            target.close()
    return digest.hexdigest()


def _check_end_of_payload(read_ahead: bytes, plaintext: ChunkStream) -> None:
    """Read the payload to its final chunk (so truncation is caught) and allow only the
    zero padding that ends a tar stream after the last member."""
    block = read_ahead
    while True:
        if block.count(0) != len(block):
            raise UnsafeMemberError(_("The package holds data after the end of its tar stream."))
        block = plaintext.read(COPY_BLOCK)
        if not block:
            return
