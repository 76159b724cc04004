"""Where the DICOM viewer's series come from: files on disk (a file, a folder scanned by
content, a DICOMDIR) or a case in the encrypted store. Qt-free.

Each series comes as its image instances, in display order, and a loader that returns one
instance's whole file. The viewer never learns where the bytes live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from app.core.errors import BadInputError
from app.core.i18n import _
from app.core.tasks import CancelToken, Progress, no_progress
from app.dossier.content_type import HEAD_SIZE, sniff
from app.dossier.dicom_index import (DicomParseError, InstanceInfo, SeriesSummary, StudySummary,
                                     build_studies, index_instances, is_compact, read_instance)
from app.dossier.disc import list_folder, name_key


class SliceKey(NamedTuple):
    """One frame of one instance: the key of the frame cache, and what a measurement or a
    key image is attached to. JSON as [instance, frame]."""

    instance: str  # SOP Instance UID
    frame: int  # 0-based frame index within the instance

    def to_json(self) -> list:
        return [self.instance, self.frame]

    @classmethod
    def from_json(cls, value) -> SliceKey:
        instance, frame = value
        return cls(str(instance), int(frame))


@dataclass(frozen=True)
class InstanceRef:
    """One image instance of a series."""

    key: str  # stable id: the SOP Instance UID
    path: str  # for display only (a path on disk, or the path on the original medium)
    frames: int
    info: InstanceInfo = field(compare=False, repr=False)


Loader = Callable[[InstanceRef], bytes]  # the whole DICOM file of an instance


def instance_refs(series: SeriesSummary) -> list[InstanceRef]:
    """The image instances of `series`, in its (display) order."""
    return [InstanceRef(i.sop_instance_uid, i.path, max(int(i.frames or 0), 0), i)
            for i in series.instances if i.kind == "image" and (i.frames or 0) > 0]


# --- files on disk ---------------------------------------------------------------------------


def series_from_paths(path: Path, *, skipped: list[str] | None = None, presentation: list[Path] | None = None,
                      ) -> list[tuple[SeriesSummary, list[InstanceRef], Loader]]:
    """The image series of a DICOM file, a folder (every file, recursively, DICOM told by
    content) or a DICOMDIR (the files it references; every file of its folder when it
    references none that exist), in reading order: studies by date, series by number.

    Files that are not DICOM, or whose header cannot be read, are left out; their paths are
    appended to `skipped` when given; the files of presentation states to `presentation`
    (viewers/dicom/presentation_sources.py reads them). BadInputError when `path` cannot be
    read at all.
    """
    path = Path(path)
    if path.is_dir():
        indexed = _index_files(_folder_files(path, dicomdir_only=False), skipped)
    elif path.is_file():
        single = None if name_key(path.name) == "dicomdir" else _index_file(path, skipped)
        if single is None and name_key(path.name) != "dicomdir":
            indexed = []  # not DICOM
        elif single is None or single.kind == "dicomdir":  # a DICOMDIR, whatever its name
            indexed = _index_files(_dicomdir_files(path), skipped)
        else:
            indexed = [(path, single)]
    else:
        raise BadInputError(_("{path} does not exist.").format(path=path))
    return _series_of(indexed, presentation)


def _folder_files(folder: Path, dicomdir_only: bool) -> list[Path]:
    root = folder.resolve()
    with list_folder(root) as listing:
        if dicomdir_only and listing.dicomdir is not None:
            referenced = [f.path for f in listing.files if f.referenced]
            if referenced:
                return [root / p for p in referenced]
        return [root / f.path for f in listing.files if f.path != listing.dicomdir]


def _dicomdir_files(dicomdir: Path) -> list[Path]:
    return _folder_files(dicomdir.parent, dicomdir_only=True)


def _index_files(files: list[Path], skipped: list[str] | None) -> list[tuple[Path, InstanceInfo]]:
    return [(file, info) for file in files if (info := _index_file(file, skipped)) is not None]


def _index_file(file: Path, skipped: list[str] | None) -> InstanceInfo | None:
    try:
        with open(file, "rb") as handle:
            if sniff(handle.read(HEAD_SIZE), file.name) != "dicom":
                return None  # not DICOM at all: a CD viewer's program, a web page
            return read_instance(handle, str(file))
    except (OSError, DicomParseError):
        if skipped is not None:
            skipped.append(str(file))
        return None


# --- files on disk, progressively (the standalone viewer) ------------------------------------
#
# `series_from_paths(path)` in steps, so that a viewer can show one image before the whole
# folder is indexed: `source_files` lists (cheap), `first_image_series` indexes only up to the
# first image, `series_from_files` indexes the rest with progress and a cancel token.
# series_from_files(source_files(path)) == series_from_paths(path).


def source_files(path: Path) -> list[Path]:
    """The files `series_from_paths(path)` reads, in the same (path) order: every file of a
    folder, the files a DICOMDIR references (its whole folder when it references none that
    exist), or the file itself. Only a single file is opened (is it a DICOMDIR by content?).
    BadInputError when `path` cannot be read at all."""
    path = Path(path)
    if path.is_dir():
        return _folder_files(path, dicomdir_only=False)
    if not path.is_file():
        raise BadInputError(_("{path} does not exist.").format(path=path))
    if name_key(path.name) == "dicomdir":
        return _dicomdir_files(path)
    info = _index_file(path, None)
    if info is not None and info.kind == "dicomdir":
        return _dicomdir_files(path)
    return [path]


def first_image_series(files: Iterable[Path]) -> tuple[SeriesSummary, list[InstanceRef], Loader] | None:
    """The first DICOM image file of `files`, in their order, as a 1-instance series (the
    shape of an item of `series_from_paths`); None when there is none. Files before it are
    only sniffed, or indexed when they are DICOM; files after it are not opened."""
    for file in files:
        file = Path(file)
        info = _index_file(file, None)
        if info is not None and info.kind == "image" and (info.frames or 0) > 0:
            found = _series_of([(file, info)])
            if found:
                return found[0]
    return None


def series_from_files(files: Sequence[Path], *, skipped: list[str] | None = None,
                      progress: Progress = no_progress, cancel: CancelToken | None = None,
                      presentation: list[Path] | None = None,
                      ) -> list[tuple[SeriesSummary, list[InstanceRef], Loader]]:
    """`series_from_paths` on the files `source_files` listed: each file indexed in turn,
    `progress(done, len(files))` after each, `cancel` checked before each (Cancelled)."""
    indexed = []
    total = len(files)
    for done, file in enumerate(files, 1):
        if cancel is not None:
            cancel.check()
        info = _index_file(Path(file), skipped)
        if info is not None:
            indexed.append((Path(file), info))
        progress(done, total)
    return _series_of(indexed, presentation)


def _series_of(indexed: list[tuple[Path, InstanceInfo]], presentation: list[Path] | None = None,
               ) -> list[tuple[SeriesSummary, list[InstanceRef], Loader]]:
    """The image series of indexed files, in reading order (as in `series_from_paths`)."""
    by_key: dict[str, Path] = {}
    infos = []
    for file, info in indexed:
        if info.kind == "presentation_state" and presentation is not None:
            presentation.append(file)
        if info.kind == "image":
            infos.append(info)
            by_key.setdefault(info.sop_instance_uid, file)

    def load(ref: InstanceRef) -> bytes:
        return by_key.get(ref.key, Path(ref.path)).read_bytes()

    result = []
    for study in build_studies(infos):
        for series in study.series:
            refs = instance_refs(series)
            if refs:
                result.append((series, refs, load))
    return result


# --- a case in the store ---------------------------------------------------------------------


def series_from_case(store, case_id: str, *, record: dict | None = None, series_uid: str | None = None,
                     ) -> list[tuple[StudySummary, SeriesSummary, list[InstanceRef], Loader]]:
    """The image series of a case (only `series_uid`'s, when given), in reading order. The
    record (decrypted here unless the caller has it) gives the series; each series' instances
    come from its series index, read once, nothing of the other series
    (app/dossier/series_index.py); from the record itself when it predates series indexes.
    The loader decrypts one instance's file from the vault (StoredFileError when it is
    damaged)."""
    record = record if record is not None else store.record(case_id)
    if is_compact(record):
        return _series_from_indexes(store, record, series_uid)
    blobs = {i["sop_instance_uid"]: i["blob"] for i in record.get("instances", []) if i.get("blob")}
    load = _vault_loader(store.vault, blobs)
    result = []
    for study in (StudySummary.from_json(s) for s in record.get("studies", [])):
        for series in study.series:
            if series_uid is not None and series.series_uid != series_uid:
                continue
            refs = [r for r in instance_refs(series) if r.key in blobs]
            if refs:
                result.append((study, series, refs, load))
    return result


def _series_from_indexes(store, record: dict, only: str | None) -> list:
    result = []
    for study_json in record.get("studies") or []:
        wanted = [s for s in study_json.get("series") or []
                  if s.get("kind") == "image" and s.get("index") and (only is None or s["series_uid"] == only)]
        if not wanted:
            continue
        study = StudySummary.from_json({**study_json, "series": []})
        for summary_json in wanted:
            try:
                rows = index_instances(store.vault.read_json(summary_json["index"]))
            except ValueError:
                raise BadInputError(_("The index of a series of this case cannot be read.")) from None
            series = SeriesSummary.from_json({**summary_json, "instances": []})
            series.instances = [info for info, _blob in rows]
            blobs = {info.sop_instance_uid: blob for info, blob in rows if blob}
            refs = [r for r in instance_refs(series) if r.key in blobs]
            if refs:
                result.append((study, series, refs, _vault_loader(store.vault, blobs)))
    return result


def _vault_loader(vault, blobs: dict[str, str]) -> Loader:
    def load(ref: InstanceRef) -> bytes:
        blob = blobs.get(ref.key)
        if blob is None:
            raise BadInputError(_("The image {path} is not stored with this case.").format(path=ref.path))
        return vault.read_bytes(blob)

    return load
