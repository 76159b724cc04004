"""Builders of sample dossier sources and hand-made (also malicious) packages for tests."""

import hashlib
import io
import json
import tarfile
import uuid
from pathlib import Path

from app.crypto.sodp import SodpWriter

CHUNK = 1 << 16


def sample_manifest(documents=(), imaging=(), **overrides) -> dict:
    manifest = {
        "format": "sodp-manifest/1",
        "dossier_id": str(uuid.UUID(int=42)),
        "created": "2026-11-20T14:03:00Z",
        "sender": {"organisation": "DEMO Sending Hospital", "contact": "demo@demo.invalid"},
        "patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01", "sex": "F"},
        "referral": {"question": "Is the DEMO nodule to be resected?", "consented_recipients": ["patient"]},
        "documents": [{"path": p, "kind": "other", "media_type": "application/pdf"} for p in documents],
        "imaging": [{"path": p} for p in imaging],
    }
    manifest.update(overrides)
    return manifest


def write_source(directory: Path, files: dict[str, bytes], imaging=()) -> Path:
    """A SRC_DIR for `secondo pack`: the files and a manifest listing them (no hashes)."""
    for name, data in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    docs = [n for n in files if n not in imaging]
    (directory / "manifest.json").write_text(json.dumps(sample_manifest(docs, list(imaging))))
    return directory


def with_hashes(manifest: dict, files: dict[str, bytes]) -> dict:
    for entry in manifest["documents"] + manifest["imaging"]:
        data = files.get(entry["path"], b"")
        entry.setdefault("size", len(data))
        entry.setdefault("sha256", hashlib.sha256(data).hexdigest())
    return manifest


def tar_bytes(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def seal(plaintext: bytes, recipients: list, chunk_size: int = CHUNK) -> bytes:
    """An SODP file around any plaintext, bypassing every check of the packer."""
    out = io.BytesIO()
    writer = SodpWriter(out, recipients, chunk_size)
    writer.write(plaintext)
    writer.close()
    return out.getvalue()


def sealed_package(files: dict[str, bytes], recipients: list, manifest: dict | None = None,
                   extra_members=(), chunk_size: int = CHUNK) -> bytes:
    """A package whose tar is manifest + files (+ extra members), sealed for `recipients`."""
    manifest = manifest or with_hashes(sample_manifest(list(files)), files)
    members = [regular("manifest.json", json.dumps(manifest).encode())]
    members += [regular(name, data) for name, data in files.items()]
    members += list(extra_members)
    return seal(tar_bytes(members), recipients, chunk_size)


def set_field(document: dict, path: str, value) -> None:
    """Set `path` ("documents.0.title": keys and list indexes) in `document` to `value`."""
    node, keys = document, path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(keys[-1])] = value
    else:
        node[keys[-1]] = value
