"""Where the viewer's presentation states come from: the GSPS instances of a case in the
encrypted store, or GSPS files found beside the images on disk. Qt-free; run in a worker.

The import files a presentation state under its own series of kind "presentation_state"
(app/dossier/dicom_index.py), never as an image series; here those instances are read
and parsed (viewers/dicom/presentation.py). A file that cannot be read or parsed is left out:
the images show without its annotations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from app.dossier.dicom_index import SeriesSummary, StudySummary, index_instances, is_compact
from viewers.dicom.presentation import GSPS_CLASS, PresentationIndex, PresentationState, parse_presentation_state
from viewers.dicom.reading import read_bytes

log = logging.getLogger(__name__)
MAX_STATE_BYTES = 16 * 1024 * 1024  # a presentation state is a few kB; a larger "one" is not read


def parse_state_bytes(data: bytes) -> PresentationState | None:
    """The presentation state in a file's bytes, or None when it is not a readable GSPS."""
    if len(data) > MAX_STATE_BYTES:
        return None
    try:
        ds = read_bytes(data, header_only=True, force=data[128:132] != b"DICM")
        return parse_presentation_state(ds)
    except Exception:  # noqa: BLE001 - a damaged state costs its annotations only
        log.debug("a presentation state could not be read")
        return None


def _index(states: Iterable[PresentationState | None]) -> PresentationIndex:
    return PresentationIndex(s for s in states if s is not None and s.annotations)


def presentation_states_from_files(files: Iterable[Path]) -> PresentationIndex:
    """The GSPS among `files` (those the indexing found to be presentation states)."""
    def read(path: Path) -> PresentationState | None:
        try:
            return parse_state_bytes(Path(path).read_bytes())
        except OSError:
            return None

    return _index(read(Path(f)) for f in files)


def presentation_states_from_case(store, case_id: str, *, record: dict | None = None) -> PresentationIndex:
    """The GSPS instances of a case, decrypted from the vault and parsed."""
    record = record if record is not None else store.record(case_id)
    read = store.vault.read_bytes
    found: list[tuple[str, Callable[[], bytes]]] = []
    if is_compact(record):
        for study in record.get("studies") or []:
            for series in study.get("series") or []:
                if series.get("kind") != "presentation_state" or not series.get("index"):
                    continue
                try:
                    rows = index_instances(store.vault.read_json(series["index"]))
                except Exception:  # noqa: BLE001 - an unreadable index: that series' states are left out
                    continue
                found += [(info.sop_class_uid, lambda b=blob: read(b)) for info, blob in rows
                          if info.kind == "presentation_state" and blob]
    else:
        blobs = {i["sop_instance_uid"]: i["blob"] for i in record.get("instances", []) if i.get("blob")}
        for study in (StudySummary.from_json(s) for s in record.get("studies", [])):
            found += [(info.sop_class_uid, lambda b=blobs[info.sop_instance_uid]: read(b))
                      for info in _states(study.series) if info.sop_instance_uid in blobs]

    def load(loader: Callable[[], bytes]) -> PresentationState | None:
        try:
            return parse_state_bytes(loader())
        except Exception:  # noqa: BLE001 - a blob that cannot be decrypted: its annotations only
            return None

    return _index(load(loader) for sop_class, loader in found if sop_class == GSPS_CLASS)


def _states(series_list: list[SeriesSummary]):
    return [i for s in series_list for i in s.instances if i.kind == "presentation_state"]
