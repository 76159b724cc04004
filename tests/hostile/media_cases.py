"""Hostile media: DICOM files that lie (transfer syntax, rescale, frame count, lengths, huge
private elements, deflate bombs, compressed frames declaring another size), truncations and
bit flips of pydicom's own test files at element boundaries, garbled or cut ISO images, and
CD folders whose DICOMDIR names absent files or climbs out, or whose names are not UTF-8.

`snapshot` must refuse what it cannot show (exit 3) and show the rest (exit 0); `import`
marks an unreadable file with its reason (exit 0) or refuses the source (exit 3).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from pydicom.data import get_testdata_file

from tests.hostile import media_files as lies
from tests.hostile.corpus import PASSPHRASE, PASSPHRASE_ENV, HostileCase
from tests.hostile.package_cases import DOCUMENT, payload, seal
from tests.unit import discs

REFUSED = {3}
SHOWN_OR_REFUSED = {0, 3}
#: pydicom test files cut and flipped at element boundaries (explicit VR, implicit VR, JPEG 2000, RLE).
SAMPLES = ("CT_small.dcm", "MR_small_implicit.dcm", "693_J2KI.dcm", "MR_small_RLE.dcm")
BOUNDARIES = 8  # of each sample: the first ones, where the header is


class MediaCorpus:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        # What snapshot shows is written outside the corpus folder (whose files must stay as made).
        self.out = workdir.parent.parent / f"{workdir.parent.name}-{workdir.name}-out"
        self.out.mkdir(parents=True, exist_ok=True)
        self.cases: list[HostileCase] = []

    def snapshot(self, name: str, path: Path, expect=REFUSED) -> None:
        self.cases.append(HostileCase(f"media/snapshot/{name}", ["snapshot", str(path), "-o",
                                                                  str(self.out / f"{name}.png")], set(expect)))

    def import_(self, name: str, source: Path, expect=SHOWN_OR_REFUSED, env: dict | None = None,
                extra: tuple[str, ...] = ()) -> None:
        self.cases.append(HostileCase(f"media/import/{name}", ["import", str(source), *extra], set(expect),
                                      dict(env or {})))

    def cd_of(self, name: str, data: bytes | None = None, file: Path | None = None) -> Path:
        """A CD folder holding one file (written, or hard-linked to keep a sparse file sparse)."""
        folder = self.workdir / "cd" / name
        target = folder / "DICOM" / "IM000001"
        target.parent.mkdir(parents=True, exist_ok=True)
        if file is not None:
            os.link(file, target)
        else:
            target.write_bytes(data or b"")
        return folder


def _lies(corpus: MediaCorpus) -> None:
    files = corpus.workdir / "dicom"
    small = {
        "ts-unknown": (lies.with_values(TransferSyntaxUID="1.2.3.4.5.6.7"), REFUSED),
        "ts-garbage": (lies.with_values(TransferSyntaxUID="notauid!!"), REFUSED),
        "slope-inf": (lies.with_values(RescaleSlope="inf"), {0}),
        "slope-nan": (lies.with_values(RescaleSlope="nan"), {0}),
        "slope-1e300": (lies.with_values(RescaleSlope="1e300"), {0}),
        "frames-string": (lies.with_values(NumberOfFrames="9" * 12), REFUSED),
        "frames-1e30": (lies.with_values(NumberOfFrames=str(10**30)), REFUSED),
        "pixel-length-fffffff0": (lies.pixel_length(0xFFFFFFF0), REFUSED),
        "big-endian-as-little": (lies.big_endian_declared_little(), REFUSED),
        "rle-65535": (lies.rle(65535, 65535), REFUSED),
        "rle-segments": (lies.rle_segments(15), REFUSED),
        "jpeg-sof-65535": (lies.jpeg(declared=(65535, 65535)), REFUSED),
        "jpeg-data-set-65535": (lies.jpeg(data_set=(65535, 65535)), REFUSED),
        "jpeg-data-set-4000": (lies.jpeg(data_set=(4000, 4000)), REFUSED),
    }
    for name, (data, expect) in small.items():
        path = lies.write(files / f"{name}.dcm", data)
        corpus.snapshot(name, path, expect)
        corpus.import_(name, corpus.cd_of(name, data))
    sparse = lies.private_element(files / "private-2g.dcm", 0x7FFFFFF0)
    corpus.snapshot("private-2g", sparse, {0})
    medium = lies.private_element(files / "private-64m.dcm", 64 << 20)
    corpus.import_("private-64m", corpus.cd_of("private-64m", file=medium), {0})
    bomb = lies.deflate_bomb(files / "deflate-3g.dcm", 3 << 30)
    corpus.snapshot("deflate-3g", bomb)
    corpus.import_("deflate-3g", corpus.cd_of("deflate-3g", file=bomb))


def element_boundaries(data: bytes, count: int) -> list[int]:
    """Offsets where the first `count` top-level elements start (after the preamble), read
    as explicit or implicit VR little endian as the bytes suggest."""
    offsets, position = [], 132 if data[128:132] == b"DICM" else 0
    while position + 8 <= len(data) and len(offsets) < count:
        offsets.append(position)
        group = struct.unpack_from("<H", data, position)[0]
        vr = data[position + 4:position + 6]
        explicit = group == 0x0002 or (vr.isalpha() and vr.isupper())
        if explicit and vr in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"OF", b"OD", b"OL", b"UC", b"UR"):
            length, header = struct.unpack_from("<I", data, position + 8)[0], 12
        elif explicit:
            length, header = struct.unpack_from("<H", data, position + 6)[0], 8
        else:
            length, header = struct.unpack_from("<I", data, position + 4)[0], 8
        if length == 0xFFFFFFFF:
            break
        position += header + length
    return offsets


def _samples(corpus: MediaCorpus) -> None:
    folder = corpus.workdir / "samples"
    for sample in SAMPLES:
        source = get_testdata_file(sample, download=False)
        if source is None:
            continue
        data = Path(source).read_bytes()
        stem = sample.removesuffix(".dcm").replace("_", "-").lower()
        boundaries = element_boundaries(data, BOUNDARIES)
        for number, offset in enumerate(boundaries):
            cut = lies.write(folder / f"{stem}-cut-{number}.dcm", data[:offset + 3])
            corpus.snapshot(f"{stem}-cut-{number}", cut, SHOWN_OR_REFUSED)
            for field, delta in (("tag", 1), ("vr", 4), ("length", 7)):
                flipped = bytearray(data)
                flipped[min(offset + delta, len(data) - 1)] ^= 0x80
                path = lies.write(folder / f"{stem}-flip-{field}-{number}.dcm", bytes(flipped))
                corpus.snapshot(f"{stem}-flip-{field}-{number}", path, SHOWN_OR_REFUSED)
        cd = folder / f"{stem}-cd"
        for number, offset in enumerate(boundaries):
            lies.write(cd / "DICOM" / f"CUT{number:03d}", data[:offset + 3])
        corpus.import_(f"{stem}-cuts", cd)


def _isos(corpus: MediaCorpus) -> None:
    folder = corpus.workdir / "iso"
    disc = discs.make_cd(folder / "disc", slices=3, size=16)
    image = discs.write_iso(disc, folder / "good.iso").read_bytes()
    garbled = {
        "root-record-empty": (lies.iso_root_record_empty(image), REFUSED),
        "extent-past-end": (lies.iso_extent_past_end(image, "README.TXT"), SHOWN_OR_REFUSED),
        "declared-4g": (lies.iso_declared_size(image, "README.TXT", 0xFFFFFFF0), SHOWN_OR_REFUSED),
        "last-sector-cut": (image[:-2048], SHOWN_OR_REFUSED),
        "last-bytes-cut": (image[:-1000], SHOWN_OR_REFUSED),
        "half": (image[:len(image) // 2], REFUSED),
        "descriptor-only": (image[:17 * 2048], REFUSED),
    }
    corpus.import_("iso-good", folder / "good.iso", {0})
    named = folder / "named"
    discs.make_cd(named, slices=2, size=16)
    (named / "brief_x.txt").write_bytes(b"DEMO letter for Test Patient.\n")
    (named / "scans_x").mkdir()
    (named / "scans_x" / "im_x").write_bytes(lies.encode(lies.ct()))
    renamed = discs.write_iso(named, folder / "named.iso").read_bytes().replace(b"_x", b"\xe9\xff")
    corpus.import_("iso-rock-ridge-names-not-utf-8", lies.write(folder / "names.iso", renamed), {0})
    for name, (data, expect) in garbled.items():
        corpus.import_(f"iso-{name}", lies.write(folder / f"{name}.iso", data), expect)


def _folders(corpus: MediaCorpus) -> None:
    folder = corpus.workdir / "folders"
    absent = discs.make_cd(folder / "absent", slices=3, size=16,
                           extra_references=[["DICOM", "IM000099"], ["DICOM", "GONE", "IM1"]])
    corpus.import_("dicomdir-names-absent-files", absent, {0})
    climbing = discs.make_cd(folder / "traversal", slices=2, size=16, extra_references=[
        ["..", "..", "etc", "passwd"], ["DICOM", "..", "..", "SECRET"], ["C:", "WINDOWS"], ["", "etc", "shadow"]])
    corpus.import_("dicomdir-traversal", climbing, {0})
    names = folder / "not-utf-8"
    names.mkdir(parents=True)
    (names / os.fsdecode(b"brief\xe9.txt")).write_bytes(b"DEMO letter for Test Patient.\n")
    (names / os.fsdecode(b"IM\xff\xfe1")).write_bytes(lies.encode(lies.ct()))
    (names / os.fsdecode(b"\xc3(\x80.pdf")).write_bytes(discs.MINIMAL_PDF)
    corpus.import_("names-not-utf-8", names, {0})
    garbage = folder / "dicomdir-garbage"
    lies.write(garbage / "DICOMDIR", bytes(128) + b"DICM" + b"\xff" * 300)
    lies.write(garbage / "DICOM" / "IM1", lies.encode(lies.ct()))
    corpus.import_("dicomdir-garbage", garbage, {0})
    package = lies.write(folder / "dicomdir-document.sodp",
                         seal(payload({"documents/DICOMDIR": DOCUMENT, "documents/referral.txt": DOCUMENT})))
    corpus.import_("package-document-named-dicomdir", package, {0}, {PASSPHRASE_ENV: PASSPHRASE},
                   ("--passphrase-env", PASSPHRASE_ENV))


def cases(workdir: Path) -> list[HostileCase]:
    corpus = MediaCorpus(Path(workdir))
    _lies(corpus)
    _samples(corpus)
    _isos(corpus)
    _folders(corpus)
    return corpus.cases
