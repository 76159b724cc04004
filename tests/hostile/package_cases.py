"""Hostile dossier packages: real SODP files (made with the project's writer, encrypted to the
corpus passphrase so that every hostile byte is reached) holding broken containers, tar
streams and manifests, and broken manifest signatures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
import hashlib
import io
import json
from pathlib import Path
import struct
import tarfile

from app.crypto import stanzas
from app.crypto.sodp import MAGIC, SodpWriter
from tests.hostile import tar_blocks as tb
from tests.hostile.corpus import PASSPHRASE, PASSPHRASE_ENV, HostileCase
from tests.unit.packages import set_field

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
    """Writes the files of the cases into one folder and names the cases. Packages are sealed
    for the corpus passphrase (`credential` "passphrase": every open pays one Argon2id
    derivation) or for the corpus's EC identity ("identity": quick, for the bulk of the
    payload cases); either way every hostile byte is reached."""

    def __init__(self, workdir: Path) -> None:
        from app.demo.pki import build_pki, write_pki

        self.workdir = workdir
        self.cases: list[HostileCase] = []
        self.credential = "passphrase"
        self.pki = build_pki()
        self.pki_files = write_pki(self.pki, workdir / "pki", IDENTITY_PASSPHRASE)
        self.identity_stanza = stanzas.wrap(self.pki.reviewer_ec.certificate, FILE_KEY)

    def seal(self, plaintext: bytes, chunk_size: int = CHUNK) -> bytes:
        chosen = passphrase_stanza() if self.credential == "passphrase" else self.identity_stanza
        return seal(plaintext, chunk_size, [chosen])

    def key_options(self) -> tuple[list[str], dict[str, str]]:
        if self.credential == "passphrase":
            return ["--passphrase-env", PASSPHRASE_ENV], {PASSPHRASE_ENV: PASSPHRASE}
        return (["--identity", str(self.pki_files["reviewer-ec.p12"]), "--identity-pass-env", IDENTITY_ENV],
                {IDENTITY_ENV: IDENTITY_PASSPHRASE})

    def add(self, name: str, data: bytes, expect=frozenset({3, 4}), verbs=("import",), suffix=".sodp",
            extra: tuple[str, ...] = ()) -> None:
        path = self.workdir / f"{name}{suffix}"
        path.write_bytes(data)
        options, env = self.key_options()
        for verb in verbs:
            self.cases.append(HostileCase(f"package/{verb}/{name}", [verb, str(path), *options, *extra],
                                          set(expect), dict(env)))


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


def _chunks(corpus: Corpus) -> None:
    """A package of several chunks: each chunk boundary flipped, cut, swapped or repeated."""
    big = {"documents/referral.txt": DOCUMENT * 200}  # about 4.5 chunks of 64 KiB
    good = seal(payload(big))
    corpus.add("chunks-valid", good, expect={0})
    header_length = int.from_bytes(good[8:12], "big")
    start = 12 + header_length + 32
    sealed = CHUNK + 16
    pieces = [good[start + i:start + i + sealed] for i in range(0, len(good) - start, sealed)]
    for i in range(len(pieces)):
        at = start + i * sealed
        for label, offset in (("first", at), ("tag", min(at + sealed, len(good)) - 1)):
            flipped = bytearray(good)
            flipped[offset] ^= 0x80
            corpus.add(f"chunk{i}-bitflip-{label}", bytes(flipped))
        corpus.add(f"chunk{i}-cut-before", good[:at])
        corpus.add(f"chunk{i}-cut-inside", good[:at + 100])
        corpus.add(f"chunk{i}-dropped", good[:at] + good[at + sealed:])
        corpus.add(f"chunk{i}-repeated", good[:at + sealed] + good[at:])
    corpus.add("chunks-swapped", good[:start] + pieces[1] + pieces[0] + b"".join(pieces[2:]))
    corpus.add("chunks-last-two-swapped", good[:start] + b"".join(pieces[:-2]) + pieces[-1] + pieces[-2])
    corpus.add("chunks-appended-copy", good + pieces[-1])
    corpus.add("chunks-appended-zeros", good + bytes(CHUNK + 16))


def raw_container(header: dict | bytes, body: bytes = b"", length: int | None = None) -> bytes:
    """An SODP file with any header (its MAC is zeros: the header is refused before it counts)."""
    data = header if isinstance(header, bytes) else json.dumps(header).encode()
    return MAGIC + struct.pack(">I", len(data) if length is None else length) + data + bytes(32) + body


def _headers(corpus: Corpus) -> None:
    """Headers that are not what they claim, or ask for unbounded work."""
    stanza = passphrase_stanza()
    base = {"format": "sodp/1", "chunk_size": CHUNK, "payload_salt": stanzas.b64(PAYLOAD_SALT),
            "recipients": [stanza]}
    variants = {
        "length-max": raw_container(base, length=0xFFFFFFFF), "length-zero": raw_container(b"", length=0),
        "length-past-end": raw_container(base, length=len(json.dumps(base)) + 1000),
        "not-json": raw_container(b"{not json"), "not-utf8": raw_container(b'{"format": "\xff\xfe"}'),
        "json-array": raw_container(b"[]"), "json-deep": raw_container(b"[" * 100_000 + b"]" * 100_000),
        "json-deep-in-object": raw_container(json.dumps(base | {"x": 1})[:-1].encode() + b', "y": '
                                             + b"[" * 50_000 + b"]" * 50_000 + b"}"),
        "json-nul": raw_container(b"\0" * 64), "format-v2": raw_container(base | {"format": "sodp/2"}),
        "no-recipients": raw_container(base | {"recipients": []}),
        "recipients-object": raw_container(base | {"recipients": {"a": 1}}),
        "recipients-strings": raw_container(base | {"recipients": ["x", "y"]}),
        "chunk-odd": raw_container(base | {"chunk_size": 65537}), "chunk-huge": raw_container(base | {"chunk_size": 1 << 40}),
        "chunk-string": raw_container(base | {"chunk_size": "65536"}), "chunk-bool": raw_container(base | {"chunk_size": True}),
        "chunk-float": raw_container(base | {"chunk_size": 65536.0}), "chunk-1e400": raw_container(
            json.dumps(base).replace(str(CHUNK), "1e400").encode()),
        "salt-short": raw_container(base | {"payload_salt": "AAAA"}), "salt-int": raw_container(base | {"payload_salt": 7}),
        "salt-not-b64": raw_container(base | {"payload_salt": "!!!!"}),
        "stanzas-10000": raw_container(base | {"recipients": [{"type": "x"}] * 10_000}),
        "stanzas-65-passphrase": raw_container(base | {"recipients": [stanza] * 65}),
        "stanzas-unknown-only": raw_container(base | {"recipients": [{"type": "future-kem"}]}),
        "huge-number": raw_container(json.dumps(base | {"x": 1}).replace('"x": 1', '"x": ' + "9" * 100_000).encode()),
    }
    for key, value in (("memory_kib", 4 << 20), ("memory_kib", (1 << 20) + 1), ("memory_kib", 1 << 62),
                       ("time_cost", 1 << 40), ("time_cost", 17), ("lanes", 1 << 24), ("lanes", 0),
                       ("memory_kib", "65536"), ("time_cost", None), ("lanes", [4]), ("salt", 5),
                       ("salt", "AAAA"), ("nonce", {"a": 1}), ("wrapped_key", "A" * 10_000), ("type", ["x"])):
        variants[f"stanza-{key}-{str(value)[:12]}"] = raw_container(base | {"recipients": [stanza | {key: value}]})
    variants["stanza-work-16x1GiB"] = raw_container(
        base | {"recipients": [stanza | {"time_cost": 16, "memory_kib": 1 << 20}]})
    variants["stanzas-64-wrong"] = raw_container(base | {"recipients": [stanza | {"salt": stanzas.b64(bytes([i] * 16))}
                                                                       for i in range(64)]})
    for name, data in variants.items():
        corpus.add(f"header-{name}", data, verbs=("import", "inspect"))


def _tar_members(corpus: Corpus) -> None:
    """Tar headers outside the allowed subset, after a sound manifest and file."""
    letter = b"documents/referral.txt"
    files = {letter.decode(): DOCUMENT}
    members = {
        "sparse-map": tb.regular(letter, DOCUMENT, tb.record(b"GNU.sparse.map", b"1,x,3")),
        "sparse-map-huge": tb.regular(letter, DOCUMENT, tb.record(b"GNU.sparse.map", b"0," * 20_000 + b"0")),
        "sparse-numblocks": tb.regular(letter, DOCUMENT, tb.record(b"GNU.sparse.numblocks", b"999999999")),
        "sparse-1.0": tb.regular(letter, DOCUMENT, tb.record(b"GNU.sparse.major", b"1")
                                 + tb.record(b"GNU.sparse.minor", b"0") + tb.record(b"GNU.sparse.realsize", b"9" * 30)),
        "linkpath": tb.regular(letter, DOCUMENT, tb.record(b"linkpath", b"/etc/passwd")),
        "pax-path-not-utf8": tb.regular(b"x", DOCUMENT, tb.record(b"path", b"documents/\xff\xfe.txt")),
        "pax-path-nul": tb.regular(b"x", DOCUMENT, tb.record(b"path", b"documents/a\0b.txt")),
        "pax-path-traversal": tb.regular(b"x", DOCUMENT, tb.record(b"path", b"../../escape.txt")),
        "pax-path-absolute": tb.regular(b"x", DOCUMENT, tb.record(b"path", b"/tmp/escape.txt")),
        "pax-path-long": tb.regular(b"x", DOCUMENT, tb.record(b"path", b"d/" * 2000 + b"x")),
        "pax-hdrcharset": tb.regular(letter, DOCUMENT, tb.record(b"hdrcharset", b"BINARY")),
        "pax-schily-xattr": tb.regular(letter, DOCUMENT, tb.record(b"SCHILY.xattr.user.x", b"1")),
        "pax-size-text": tb.regular(letter, DOCUMENT, tb.record(b"size", b"12abc")),
        "pax-size-huge": tb.regular(letter, DOCUMENT, tb.record(b"size", b"9" * 20)),
        "pax-size-300k-digits": tb.regular(letter, DOCUMENT, tb.record(b"size", b"9" * 60_000)),
        "pax-mtime-text": tb.regular(letter, DOCUMENT, tb.record(b"mtime", b"yesterday")),
        "pax-key-twice": tb.regular(letter, DOCUMENT, tb.record(b"path", b"a") + tb.record(b"path", b"b")),
        "pax-300k-digit-length": tb.pax(b"0" * 300_000 + b"1 path=x\n") + tb.regular(letter, DOCUMENT),
        "pax-60k-digit-length": tb.pax(b"0" * 60_000 + b"1 path=x\n") + tb.regular(letter, DOCUMENT),
        "pax-length-too-long": tb.pax(b"99999 path=x\n") + tb.regular(letter, DOCUMENT),
        "pax-length-short": tb.pax(b"5 path=x\n") + tb.regular(letter, DOCUMENT),
        "pax-no-newline": tb.pax(b"10 path=xy") + tb.regular(letter, DOCUMENT),
        "pax-no-equals": tb.pax(b"9 pathxy\n") + tb.regular(letter, DOCUMENT),
        "pax-50MB-declared": tb.header(b"PaxHeaders/x", 50 << 20, b"x") + b"1" * 8192,
        "pax-50MB-record": tb.pax(tb.record(b"comment", b"x" * (50 << 20))),
        "pax-then-pax": tb.pax(tb.record(b"path", b"a")) + tb.pax(tb.record(b"path", b"b")) + tb.regular(letter, DOCUMENT),
        "pax-then-end": tb.pax(tb.record(b"path", b"a")),
        "global-header": tb.header(b"g", 20, b"g") + tb.pad(tb.record(b"path", b"x")),
        "gnu-longname": tb.header(b"././@LongLink", 10, b"L") + tb.pad(b"a" * 10) + tb.regular(letter, DOCUMENT),
        "gnu-longlink": tb.header(b"././@LongLink", 10, b"K") + tb.pad(b"a" * 10),
        "gnu-sparse-type": tb.header(b"documents/sparse", 10, b"S") + tb.pad(b"a" * 10),
        "gnu-magic": tb.header(letter, len(DOCUMENT), magic=b"ustar  \0") + tb.pad(DOCUMENT),
        "v7-no-magic": tb.header(letter, len(DOCUMENT), magic=bytes(8)) + tb.pad(DOCUMENT),
        "symlink": tb.header(b"documents/link", 0, b"2", linkname=b"/etc/passwd"),
        "symlink-into-file": tb.header(letter, 0, b"2", linkname=b"../../../../etc/passwd"),
        "hardlink": tb.header(b"documents/hard", 0, b"1", linkname=b"manifest.json"),
        "hardlink-outside": tb.header(b"documents/hard", 0, b"1", linkname=b"/etc/shadow"),
        "chardev": tb.header(b"documents/dev", 0, b"3"), "blockdev": tb.header(b"documents/blk", 0, b"4"),
        "fifo": tb.header(b"documents/fifo", 0, b"6"), "folder": tb.header(b"documents/", 0, b"5"),
        "contiguous": tb.header(letter, len(DOCUMENT), b"7") + tb.pad(DOCUMENT),
        "volume-label": tb.header(b"label", 0, b"V"), "unknown-type": tb.header(b"x", 0, b"Z"),
        "regular-with-linkname": tb.header(letter, len(DOCUMENT), linkname=b"x") + tb.pad(DOCUMENT),
        "base-256-size": tb.header(letter, size_field=b"\x80" + bytes(7) + b"\x7f\xff\xff\xff"),
        "negative-base-256": tb.header(letter, size_field=b"\xff" * 12),
        "size-not-octal": tb.header(letter, size_field=b"0000000009x\0"),
        "size-11-sevens": tb.header(letter, size_field=b"77777777777\0"),
        "bad-checksum": tb.header(letter, len(DOCUMENT))[:148] + b"0000000\0" + tb.header(letter, len(DOCUMENT))[156:],
        "name-not-utf8": tb.regular(b"documents/\xc3\x28.txt", DOCUMENT),
        "name-prefix-traversal": tb.header(b"escape.txt", len(DOCUMENT), prefix=b"..") + tb.pad(DOCUMENT),
        "name-control": tb.regular(b"documents/\x1b[2Jx.txt", DOCUMENT),
        "name-case-duplicate": tb.regular(b"DOCUMENTS/REFERRAL.TXT", DOCUMENT),
        "manifest-again": tb.regular(b"manifest.json", b"{}"),
        "signature-after-files": tb.regular(b"manifest.json.p7s", b"x"),
        "unlisted-file": tb.regular(b"documents/unlisted.txt", b"x"),
        "data-after-end": tb.end() + b"not zero",
        "cut-in-data": tb.header(b"documents/more.txt", 100_000) + b"x" * 1000,
        "header-of-zeros-then-data": bytes(512) + tb.regular(b"documents/late.txt", b"x"),
    }
    for name, raw in members.items():
        tar = tb.regular(b"manifest.json", json.dumps(manifest_of(files)).encode()) + tb.regular(letter, DOCUMENT)
        end = b"" if name in ("data-after-end",) else tb.end()
        corpus.add(f"tar-{name}", corpus.seal(tar + raw + end))
    # The hostile header in place of the manifest's own
    for name in ("sparse-map", "linkpath", "pax-300k-digit-length", "pax-50MB-declared", "symlink", "gnu-longname",
                 "base-256-size", "name-not-utf8"):
        corpus.add(f"tar-first-{name}", corpus.seal(members[name] + tb.end()))
    corpus.add("tar-empty", corpus.seal(b""))
    corpus.add("tar-only-end", corpus.seal(tb.end()))
    corpus.add("tar-no-end", corpus.seal(tb.regular(b"manifest.json", json.dumps(manifest_of(files)).encode())
                                  + tb.regular(letter, DOCUMENT)))
    corpus.add("tar-random", corpus.seal(hashlib.sha256(b"x").digest() * 4096))


def _bombs(corpus: Corpus) -> None:
    """Declared sizes and counts far beyond the real bytes, and deep or huge JSON."""
    letter = "documents/referral.txt"
    many = {f"documents/{i:06d}.txt": b"" for i in range(60_000)}
    corpus.add("bomb-manifest-60000-entries", corpus.seal(payload({letter: DOCUMENT}, manifest_of(many))))
    tiny = b"".join(tb.regular(f"d/{i}".encode(), b"") for i in range(20_000))
    corpus.add("bomb-20000-unlisted-members", corpus.seal(payload({letter: DOCUMENT}) [:-1024] + tiny + tb.end()))
    for label, size in (("10TB", 10 ** 13), ("2-to-52", 2 ** 52), ("2-to-63", 2 ** 63), ("1e30", 10 ** 30)):
        files = {letter: DOCUMENT}
        manifest = manifest_of(files)
        manifest["documents"][0]["size"] = size
        member = tb.regular(b"x", b"", tb.record(b"path", letter.encode()) + tb.record(b"size", str(size).encode()))
        corpus.add(f"bomb-declared-{label}", corpus.seal(tb.regular(b"manifest.json", json.dumps(manifest).encode())
                                                 + member[:-512] + DOCUMENT + tb.end()))
    corpus.add("bomb-manifest-over-16MiB", corpus.seal(payload(manifest=manifest_of({}, future="x" * (17 << 20)), files={})))
    corpus.add("bomb-manifest-deep", corpus.seal(tb.regular(b"manifest.json", b"[" * 200_000 + b"]" * 200_000) + tb.end()))
    corpus.add("bomb-manifest-deep-key", corpus.seal(tb.regular(
        b"manifest.json", json.dumps(manifest_of({}))[:-1].encode() + b', "x": ' + b"{\"a\":" * 5000 + b"1"
        + b"}" * 5000 + b"}") + tb.end()))
    corpus.add("bomb-manifest-wide", corpus.seal(payload(manifest=manifest_of({}, future=[0] * 2_000_000), files={})),
               expect={0, 3})
    corpus.add("bomb-signature-2MiB", corpus.seal(payload(signature=b"\x30" * (2 << 20))))


def _manifest_types(corpus: Corpus) -> None:
    """Manifest fields of the wrong JSON type, each in an otherwise sound package."""
    mutations = [
        ("format", 1), ("format", None), ("dossier_id", 0x12345678123456781234567812345678), ("dossier_id", ["x"]),
        ("dossier_id", {"a": 1}), ("dossier_id", "x" * 100_000), ("created", 5), ("created", "yesterday"),
        ("created", "2026-13-45T99:99:99Z"), ("patient", "Test"), ("patient", None), ("patient.family_name", ["Test"]),
        ("patient.family_name", None), ("patient.given_names", {"x": 1}), ("patient.birth_date", 19700101),
        ("patient.birth_date", "1970-02-30"), ("patient.sex", ["F"]), ("patient.sex", {"F": 1}),
        ("patient.identifiers", "DEMO-1"), ("patient.identifiers", [1]), ("patient.identifiers", [{"value": 7}]),
        ("sender", ["DEMO"]), ("sender", "DEMO"), ("sender.organisation", {"name": "DEMO"}), ("referral", []),
        ("referral.question", 42), ("referral.question", ""), ("referral.question", ["q"]),
        ("referral.urgency", {"x": 1}), ("referral.urgency", ["urgent"]), ("referral.consented_recipients", [["patient"]]),
        ("referral.consented_recipients", "patient"), ("referral.consented_recipients", [{"a": 1}]),
        ("referral.treating_physician", "Dr. DEMO"), ("referral.treating_physician", [1]),
        ("referral.referring_physician", {"name": 7}), ("referral.reason", ["x"]), ("referral.in_reply_to", 5),
        ("documents", {"path": "x"}), ("documents", "x"), ("documents", None), ("imaging", "DICOM"),
        ("imaging", [1]), ("documents.0", "documents/referral.txt"), ("documents.0", None),
        ("documents.0.path", 5), ("documents.0.path", ["a"]), ("documents.0.path", {"a": 1}), ("documents.0.path", None),
        ("documents.0.path", True), ("documents.0.size", "2200"), ("documents.0.size", True), ("documents.0.size", 2200.0),
        ("documents.0.size", 10 ** 30), ("documents.0.size", -1), ("documents.0.size", None),
        ("documents.0.sha256", ["0" * 64]), ("documents.0.sha256", 0), ("documents.0.sha256", "A" * 64),
        ("documents.0.kind", ["other"]), ("documents.0.kind", {"other": 1}), ("documents.0.kind", 3),
        ("documents.0.media_type", 3), ("documents.0.media_type", "garbage"), ("documents.0.media_type", ["text/plain"]),
        ("documents.0.media_type", "text/plain\n"), ("documents.0.title", 1), ("documents.0.title", {"t": 1}),
        ("documents.0.author", []), ("documents.0.date", 20200101), ("documents.0.date", "2020-02-30"),
    ]
    for i, (path, value) in enumerate(mutations):
        manifest = manifest_of({"documents/referral.txt": DOCUMENT})
        manifest["referral"]["treating_physician"] = {"name": "Dr. DEMO"}
        set_field(manifest, path, value)
        corpus.add(f"manifest-{i:02d}-{path}-{type(value).__name__}", corpus.seal(payload(manifest=manifest)),
                   verbs=("import", "inspect") if i % 5 == 0 else ("import",))
    corpus.add("manifest-not-json", corpus.seal(payload(manifest=None) .replace(b'"format"', b'"format":,', 1)))
    corpus.add("manifest-not-utf8", corpus.seal(tb.regular(b"manifest.json", b'{"format": "\xff"}') + tb.end()))
    corpus.add("manifest-array", corpus.seal(tb.regular(b"manifest.json", b"[]") + tb.end()))
    corpus.add("manifest-nan", corpus.seal(tb.regular(b"manifest.json", json.dumps(manifest_of({})).replace(
        '"imaging": []', '"imaging": [], "x": NaN').encode()) + tb.end()), expect={0, 3})
    corpus.add("manifest-duplicate-path", corpus.seal(payload(manifest=manifest_of({"a/b": DOCUMENT}) | {
        "imaging": [{"path": "a/b", "size": len(DOCUMENT), "sha256": hashlib.sha256(DOCUMENT).hexdigest()}]},
        files={"a/b": DOCUMENT})))
    corpus.add("manifest-lists-missing-file", corpus.seal(payload(files={}, manifest=manifest_of({"documents/gone.txt": b"x"}))))
    wrong = manifest_of({"documents/referral.txt": DOCUMENT})
    wrong["documents"][0]["sha256"] = "0" * 64
    corpus.add("manifest-wrong-hash", corpus.seal(payload(manifest=wrong)))
    wrong = manifest_of({"documents/referral.txt": DOCUMENT})
    wrong["documents"][0]["size"] += 1
    corpus.add("manifest-wrong-size", corpus.seal(payload(manifest=wrong)))
    corpus.add("manifest-dicomdir-document", corpus.seal(payload({"DICOMDIR": DOCUMENT})), expect={0, 3})
    corpus.add("manifest-dicomdir-nested-document", corpus.seal(payload({"documents/DICOMDIR": DOCUMENT})),
               expect={0, 3})


def _signatures(corpus: Corpus) -> None:
    """Manifest signatures that are garbage, damaged, of the wrong kind or by unusable signers."""
    from app.demo.pki import _key_usage
    from app.dossier.manifest_signature import sign_manifest
    from tests.conftest import key_identity
    from tests.unit.pdf_signing import odd_identity

    pki, files = corpus.pki, corpus.pki_files
    manifest = manifest_of({"documents/referral.txt": DOCUMENT})
    manifest_bytes = json.dumps(manifest).encode()
    good = sign_manifest(manifest_bytes, key_identity(pki.sender))
    now = datetime.now(timezone.utc)
    signatures = {
        "garbage": b"\x30\x82garbage" * 10, "empty": b"", "one-byte": b"\x30", "zeros": bytes(4096),
        "data-not-signed": bytes.fromhex("300d06092a864886f70d010701a000"),
        "other-manifest": sign_manifest(manifest_bytes + b" ", key_identity(pki.sender)),
        "deep-ber": b"\x30\x80" * 20_000 + b"\x00\x00" * 20_000,
        "huge-length": b"\x30\x84\xff\xff\xff\xff" + good[6:],
        "truncated": good[: len(good) // 2],
    }
    for offset in (0, 1, 2, 10, 30, 60, 100, 200, len(good) // 2, len(good) - 40, len(good) - 1):
        flipped = bytearray(good)
        flipped[offset] ^= 0x01
        signatures[f"bitflip-{offset}"] = bytes(flipped)
    for name, signature in signatures.items():
        corpus.add(f"p7s-{name}", corpus.seal(payload(manifest=manifest, signature=signature)), verbs=("import", "inspect"))
    unusable = {"expired": dict(not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)),
                "not-yet-valid": dict(not_before=now + timedelta(days=10), not_after=now + timedelta(days=100)),
                "no-digital-signature": dict(key_usage=_key_usage(key_agreement=True)),
                "no-key-usage": dict(key_usage=None)}
    trust = ["--trust", str(files["root.pem"])]
    for name, fields in unusable.items():
        signed = corpus.seal(payload(manifest=manifest, signature=sign_manifest(manifest_bytes, odd_identity(pki, **fields))))
        # untrusted: taken, flagged, with the reason
        corpus.add(f"p7s-signer-{name}", signed, expect={0}, verbs=("import", "inspect"), extra=tuple(trust))
    _p7m(corpus, files)


def _p7m(corpus: Corpus, files: dict[str, Path]) -> None:
    """.p7m envelopes made by openssl, then damaged, and BER that no envelope is."""
    import shutil
    import subprocess

    plain = corpus.workdir / "p7m-payload.tar"
    plain.write_bytes(payload())
    identity = ["--identity", str(files["reviewer-rsa.p12"]), "--identity-pass-env", IDENTITY_ENV]

    def add(name: str, data: bytes, expect=frozenset({3, 4})) -> None:
        path = corpus.workdir / f"{name}.p7m"
        path.write_bytes(data)
        corpus.cases.append(HostileCase(f"package/import/{name}", ["import", str(path), *identity], set(expect),
                                        {IDENTITY_ENV: IDENTITY_PASSPHRASE}))

    envelopes = {}
    if shutil.which("openssl"):
        for label, options in (("cbc", ["-aes256"]), ("cbc-stream", ["-aes256", "-stream"]),
                               ("gcm", ["-aes-256-gcm"])):
            out = corpus.workdir / f"p7m-{label}-source.der"
            subprocess.run(["openssl", "cms", "-encrypt", "-binary", *options, "-in", str(plain), "-recip",
                            str(files["reviewer-rsa.pem"]), "-outform", "DER", "-out", str(out)], check=True)
            envelopes[label] = out.read_bytes()
            out.unlink()
    plain.unlink()
    for label, good in envelopes.items():
        add(f"p7m-{label}-valid", good, expect={0})
        for offset in (0, 1, 4, 20, 40, 100, 200, 300, 400, 500, len(good) // 2, len(good) - 20, len(good) - 1):
            flipped = bytearray(good)
            flipped[offset] ^= 0x01
            add(f"p7m-{label}-bitflip-{offset}", bytes(flipped))
            add(f"p7m-{label}-cut-{offset}", good[:offset])
        add(f"p7m-{label}-appended", good + b"\0")
    bers = {"deep-indefinite": b"\x30\x80" * 50_000, "huge-length": b"\x30\x88" + b"\xff" * 8,
            "signed-data": bytes.fromhex("308006092a864886f70d010702a080") + bytes(8),
            "enveloped-nothing": bytes.fromhex("308006092a864886f70d010703") + b"\0\0",
            "auth-enveloped-nothing": bytes.fromhex("3080060b2a864886f70d0109100117") + b"\0\0",
            "enveloped-deep": bytes.fromhex("308006092a864886f70d010703a080") + b"\x30\x80" * 40_000,
            "enveloped-high-tag": bytes.fromhex("308006092a864886f70d010703a080308002 01 00".replace(" ", ""))
            + b"\x1f\xff\xff\xff\xff\xff\x01\x00"}
    for name, data in bers.items():
        add(f"p7m-ber-{name}", data)


def _signed_pdfs(corpus: Corpus) -> None:
    """`secondo verify` on PDFs whose signature is missing, damaged or by a signer that may not sign."""
    from unittest import mock

    from app.demo.pki import _key_usage
    import app.signing.pades as pades
    from tests.conftest import key_identity
    from tests.unit.pdf_signing import make_pdf, odd_identity

    now = datetime.now(timezone.utc)
    pdf = make_pdf(1)
    good = pades.sign_pdf(pdf, key_identity(corpus.pki.reviewer_rsa)).pdf
    with mock.patch.object(pades, "check_signing_certificate", lambda *args, **kwargs: None):
        unusable = {name: pades.sign_pdf(pdf, odd_identity(corpus.pki, **fields)).pdf for name, fields in {
            "expired": dict(not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)),
            "not-yet-valid": dict(not_before=now + timedelta(days=10), not_after=now + timedelta(days=100)),
            "no-digital-signature": dict(key_usage=_key_usage(key_agreement=True)),
            "no-key-usage": dict(key_usage=None)}.items()}
    hole = good.index(b"/Contents <") + len(b"/Contents <")
    files = {"unsigned": pdf, "garbage": b"%PDF-1.7\n" + bytes(2000), "empty": b"", "truncated": good[: len(good) // 2],
             "appended": good + b"\n% more\n", "signature-digit": good[:hole + 200] + b"0" + good[hole + 201:],
             "byte-in-signed-range": good[:hole // 2] + bytes([good[hole // 2] ^ 0x01]) + good[hole // 2 + 1:]} | unusable
    trust = ("--trust", str(corpus.pki_files["root.pem"]))
    for name, data in files.items():
        path = corpus.workdir / f"verify-{name}.pdf"
        path.write_bytes(data)
        corpus.cases.append(HostileCase(f"package/verify/{name}", ["verify", str(path), *trust], {4}))
    path = corpus.workdir / "verify-good.pdf"
    path.write_bytes(good)
    corpus.cases.append(HostileCase("package/verify/good", ["verify", str(path), *trust], {0}))


IDENTITY_ENV = "SECONDO_HOSTILE_IDENTITY_PASSPHRASE"
IDENTITY_PASSPHRASE = "hostile corpus identity passphrase"


def cases(workdir: Path) -> list[HostileCase]:
    corpus = Corpus(workdir)
    _structure(corpus)
    _chunks(corpus)
    _headers(corpus)
    _names(corpus)
    _links(corpus)
    corpus.credential = "identity"
    _tar_members(corpus)
    _bombs(corpus)
    _manifest_types(corpus)
    _signatures(corpus)
    _signed_pdfs(corpus)
    return corpus.cases
