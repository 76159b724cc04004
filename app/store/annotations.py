"""Measurements and key images kept with a case, encrypted at rest like drafts.

Layout under the data folder:
    annotations/CASE.sov            the case's measurements, key image list, arrows and text
                                    notes ("marks"), slice links and read state: which documents
                                    were opened and when (JSON)
    annotations/CASE/IMAGE.sov      the PNG of each key image
Each file is replaced atomically (temp file, fsync, rename). A key image's PNG is written
before the list names it and removed after the list stops naming it, so a crash leaves at
worst an unnamed PNG, which the next change to the case's key images removes.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from app.core.errors import BadInputError
from app.core.i18n import _
from app.store.store import CaseStore
from app.core.key_images import KeyImage
from app.store.locks import folder_lock

FORMAT = "secondo-annotations/1"
EMPTY_MEASUREMENTS = {"format": "secondo-measurements/1", "measurements": []}  # as MeasurementSet().to_json()
EMPTY_MARKS = {"format": "secondo-marks/1", "marks": []}  # as viewers.dicom.marks.MarkSet().to_json()
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class AnnotationStore:
    """Per-case measurements and key images in the store's data folder."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store
        self.folder = store.home / "annotations"
        self.folder.mkdir(exist_ok=True, mode=0o700)
        self._thread_lock = threading.RLock()

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One read-modify-write, also against another process (the window and a command)."""
        with self._thread_lock, folder_lock(self.store.home / "locks" / "annotations.lock"):
            yield

    # -- files -----------------------------------------------------------------------------

    @staticmethod
    def _name(value: str, what: str) -> str:
        if not isinstance(value, str) or not _SAFE_NAME.fullmatch(value):
            raise BadInputError(_("{what} is not a valid identifier.").format(what=what))
        return value

    def path(self, case_id: str) -> Path:
        return self.folder / f"{self._name(case_id, _('The case id'))}.sov"

    def image_path(self, case_id: str, image_id: str) -> Path:
        return self.folder / self._name(case_id, _("The case id")) / f"{self._name(image_id, _('The key image id'))}.sov"

    def _read(self, case_id: str) -> dict:
        path = self.path(case_id)
        if not path.exists():
            return {"format": FORMAT, "measurements": dict(EMPTY_MEASUREMENTS, measurements=[]), "key_images": []}
        data = json.loads(self.store.vault.read_file(path).decode("utf-8"))
        data.setdefault("measurements", dict(EMPTY_MEASUREMENTS, measurements=[]))
        data.setdefault("key_images", [])
        return data

    def _write(self, case_id: str, data: dict) -> None:
        data["format"] = FORMAT
        data["updated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.store.vault.replace_bytes(self.path(case_id), json.dumps(data, ensure_ascii=False).encode("utf-8"))

    # -- the API ---------------------------------------------------------------------------

    def load(self, case_id: str) -> dict:
        """{"measurements": their JSON, "key_images": [KeyImage, ...]} (empty when nothing
        was kept yet). StoredFileError when a file was altered at rest. The viewer turns the
        JSON into its MeasurementSet: the store does not depend on the viewers."""
        with self._lock():
            data = self._read(case_id)
            return {"measurements": data["measurements"],
                    "key_images": [self._key_image(case_id, item) for item in data["key_images"]],
                    "marks": data.get("marks") or dict(EMPTY_MARKS, marks=[])}

    def measurements(self, case_id: str):
        """The JSON of the case's measurements (MeasurementSet.to_json())."""
        with self._lock():
            return self._read(case_id)["measurements"]

    def save_measurements(self, case_id: str, measurements) -> None:
        """Keep `measurements`: anything with to_json() (a MeasurementSet), or its JSON."""
        with self._lock():
            data = self._read(case_id)
            data["measurements"] = measurements.to_json() if hasattr(measurements, "to_json") else measurements
            self._write(case_id, data)

    def add_key_image(self, case_id: str, image: KeyImage) -> KeyImage:
        """Keep `image` (replacing one with the same id)."""
        with self._lock():
            data = self._read(case_id)
            path = self.image_path(case_id, image.id)
            path.parent.mkdir(exist_ok=True, mode=0o700)
            self.store.vault.replace_bytes(path, bytes(image.png))
            items = [i for i in data["key_images"] if i.get("id") != image.id]
            data["key_images"] = items + [image.metadata()]
            self._write(case_id, data)
            self._remove_orphans(case_id, data)
            return image

    def key_images(self, case_id: str) -> list[KeyImage]:
        """The case's key images in the order they were added, with their PNGs."""
        return self.load(case_id)["key_images"]

    def key_image(self, case_id: str, image_id: str) -> KeyImage | None:
        return next((k for k in self.key_images(case_id) if k.id == image_id), None)

    def set_caption(self, case_id: str, image_id: str, caption: str) -> bool:
        with self._lock():
            data = self._read(case_id)
            found = False
            for item in data["key_images"]:
                if item.get("id") == image_id:
                    item["caption"], found = caption, True
            if found:
                self._write(case_id, data)
            return found

    def delete_key_image(self, case_id: str, image_id: str) -> bool:
        """Remove a key image and its PNG; False when the case has no such key image."""
        with self._lock():
            data = self._read(case_id)
            items = [i for i in data["key_images"] if i.get("id") != image_id]
            if len(items) == len(data["key_images"]):
                return False
            data["key_images"] = items
            self._write(case_id, data)
            self._remove_orphans(case_id, data)
            return True

    def _key_image(self, case_id: str, item: dict) -> KeyImage:
        return KeyImage.from_metadata(item, self.store.vault.read_file(self.image_path(case_id, item["id"])))

    def _remove_orphans(self, case_id: str, data: dict) -> None:
        folder = self.folder / self._name(case_id, _("The case id"))
        named = {f"{i['id']}.sov" for i in data["key_images"]}
        if folder.is_dir():
            for path in folder.iterdir():
                if path.name not in named and not path.name.startswith("."):
                    path.unlink(missing_ok=True)

    # -- arrows and text notes (viewers/dicom/marks.py) ----------------------------------------

    def marks(self, case_id: str) -> dict:
        """The JSON of the case's arrows and text notes (MarkSet.to_json())."""
        with self._lock():
            return self._read(case_id).get("marks") or dict(EMPTY_MARKS, marks=[])

    def save_marks(self, case_id: str, marks) -> None:
        """Keep `marks`: anything with to_json() (a MarkSet), or its JSON; the measurements and
        key images stay as they are."""
        with self._lock():
            data = self._read(case_id)
            data["marks"] = marks.to_json() if hasattr(marks, "to_json") else marks
            self._write(case_id, data)

    # -- slice links of prior comparison (the reflines helper's part) ------------------------

    def slice_links(self, case_id: str) -> dict:
        """The JSON of the case's slice links (viewers.dicom.slice_links.SliceLinks.to_json()):
        the offsets in mm the reader set between series of different frames of reference
        ("Link these slices"); {} when none was set."""
        with self._lock():
            return self._read(case_id).get("slice_links") or {}

    def save_slice_links(self, case_id: str, links) -> None:
        """Keep the case's slice links: anything with to_json() (a SliceLinks), or its JSON."""
        with self._lock():
            data = self._read(case_id)
            data["slice_links"] = links.to_json() if hasattr(links, "to_json") else links
            self._write(case_id, data)

    # -- read state: the documents opened in the case view ---------------------------------------

    def read_documents(self, case_id: str) -> dict[str, str]:
        """{document id: when it was first opened (ISO 8601, UTC)}; {} when none was."""
        with self._lock():
            return dict(self._read(case_id).get("read") or {})

    def mark_read(self, case_id: str, document_ids, when: datetime | None = None) -> dict[str, str]:
        """Keep `document_ids` as read at `when` (default now, UTC); a document read before keeps
        its first time. Writes only when something changed; returns the case's read state."""
        stamp = (when or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
        with self._lock():
            data = self._read(case_id)
            read = dict(data.get("read") or {})
            new = [str(d) for d in document_ids if str(d) not in read]
            if new:
                read.update(dict.fromkeys(new, stamp))
                data["read"] = read
                self._write(case_id, data)
            return read

    def mark_unread(self, case_id: str, document_ids) -> dict[str, str]:
        """Forget that `document_ids` were opened; returns the case's read state."""
        with self._lock():
            data = self._read(case_id)
            read = dict(data.get("read") or {})
            gone = [str(d) for d in document_ids if str(d) in read]
            if gone:
                for document_id in gone:
                    del read[document_id]
                data["read"] = read
                self._write(case_id, data)
            return read
