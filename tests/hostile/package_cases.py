"""Hostile dossier packages: real SODP files (made with the project's writer, encrypted to the
corpus passphrase so that every hostile byte is reached) holding broken containers, tar
streams and manifests, and broken manifest signatures."""

from __future__ import annotations

from functools import lru_cache
import hashlib
import io
import json
from pathlib import Path
import tarfile

from app.crypto import stanzas
from app.crypto.sodp import SodpWriter
from tests.hostile.corpus import PASSPHRASE, PASSPHRASE_ENV, HostileCase

CHUNK = 1 << 16
FILE_KEY = bytes(range(32))
PAYLOAD_SALT = bytes(range(32, 64))
DOCUMENT = b"DEMO referral letter for Test Patient, born 1970-01-01.\n" * 40


@lru_cache(maxsize=1)
def passphrase_stanza() -> dict:
    """One Argon2id stanza for the corpus's file key: derived once, reused by every package."""
    return stanzas.wrap(stanzas.Passphrase(PASSPHRASE, time_cost=2, lanes=1), FILE_KEY)


def seal(plaintext: bytes, chunk_size: int = CHUNK, stanza_list: list[dict] | None = None) -> bytes:
    """An SODP file around any plaintext, bypassing every check of the packer."""
    out = io.BytesIO()
    writer = SodpWriter(out, [], chunk_size, file_key=FILE_KEY, payload_salt=PAYLOAD_SALT,
                        stanza_list=stanza_list or [passphrase_stanza()])
    writer.write(plaintext)
    writer.close()
    return out.getvalue()


def manifest_of(files: dict[str, bytes], **overrides) -> dict:
    manifest = {
        "format": "sodp-manifest/1",
        "dossier_id": "00000000-0000-4000-8000-00000000002a",
        "created": "2026-11-20T14:03:00Z",
        "sender": {"organisation": "DEMO Sending Hospital"},
        "patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01", "sex": "F"},
        "referral": {"question": "DEMO: is the nodule to be resected?", "consented_recipients": ["patient"]},
        "documents": [{"path": name, "kind": "other", "media_type": "text/plain", "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest()} for name, data in files.items()],
        "imaging": [],
    }
    manifest.update(overrides)
    return manifest


def member(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, **fields) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mode = len(data), kind, 0o644
    for key, value in fields.items():
        setattr(info, key, value)
    return info, data


def tar_of(members: list[tuple[tarfile.TarInfo, bytes]], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def payload(files: dict[str, bytes] | None = None, manifest: dict | None = None, extra=(),
            signature: bytes | None = None) -> bytes:
    """The tar of a package: manifest.json (+ signature), the files, then `extra` members."""
    files = {"documents/referral.txt": DOCUMENT} if files is None else files
    manifest = manifest if manifest is not None else manifest_of(files)
    members = [member("manifest.json", json.dumps(manifest).encode())]
    if signature is not None:
        members.append(member("manifest.json.p7s", signature))
    members += [member(name, data) for name, data in files.items()]
    return tar_of(members + list(extra))


class Corpus:
    """Writes the files of the cases into one folder and names the cases."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.cases: list[HostileCase] = []

    def add(self, name: str, data: bytes, expect=frozenset({3, 4}), verbs=("import",), suffix=".sodp") -> None:
        path = self.workdir / f"{name}{suffix}"
        path.write_bytes(data)
        for verb in verbs:
            self.cases.append(HostileCase(f"package/{verb}/{name}", [verb, str(path), "--passphrase-env", PASSPHRASE_ENV],
                                          set(expect), {PASSPHRASE_ENV: PASSPHRASE}))


def _structure(corpus: Corpus) -> None:
    """Truncations and bit flips at every structural boundary of a real package."""
    good = seal(payload(), chunk_size=CHUNK)
    corpus.add("valid", good, expect={0}, verbs=("import", "inspect"))
    header_length = int.from_bytes(good[8:12], "big")
    mac_at = 12 + header_length
    payload_at = mac_at + 32
    boundaries = {"magic": 0, "magic-end": 7, "length": 8, "length-end": 11, "header": 12,
                  "header-middle": 12 + header_length // 2, "header-end": mac_at - 1, "mac": mac_at,
                  "mac-end": payload_at - 1, "chunk0": payload_at, "chunk0-middle": payload_at + 1000,
                  "tag": len(good) - 16, "last": len(good) - 1}
    for where, offset in boundaries.items():
        flipped = bytearray(good)
        flipped[offset] ^= 0x01
        corpus.add(f"bitflip-{where}", bytes(flipped), verbs=("import", "inspect"))
        corpus.add(f"truncated-at-{where}", good[:offset])
    corpus.add("empty", b"")
    corpus.add("appended-byte", good + b"\0")


def _names(corpus: Corpus) -> None:
    """Member names that climb out, hide or collide."""
    for label, name in {"dotdot": "../escape.txt", "absolute": "/etc/escape.txt", "backslash": "a\\..\\b.txt",
                        "drive": "C:/escape.txt", "control": "bad\x01name.txt", "dot-segment": "a/./b.txt",
                        "empty-segment": "a//b.txt", "deep-dotdot": "documents/../../escape.txt"}.items():
        files = {name: DOCUMENT}
        corpus.add(f"name-{label}", seal(payload(files)))


def _links(corpus: Corpus) -> None:
    """Links, devices and folders in the tar."""
    kinds = {"symlink": member("documents/link", kind=tarfile.SYMTYPE, linkname="/etc/passwd"),
             "hardlink": member("documents/hard", kind=tarfile.LNKTYPE, linkname="manifest.json"),
             "chardev": member("documents/dev", kind=tarfile.CHRTYPE, devmajor=1, devminor=3),
             "blockdev": member("documents/blk", kind=tarfile.BLKTYPE, devmajor=8, devminor=0),
             "fifo": member("documents/fifo", kind=tarfile.FIFOTYPE)}
    for label, extra in kinds.items():
        corpus.add(f"member-{label}", seal(payload(extra=[extra])))


def cases(workdir: Path) -> list[HostileCase]:
    corpus = Corpus(workdir)
    _structure(corpus)
    _names(corpus)
    _links(corpus)
    return corpus.cases
