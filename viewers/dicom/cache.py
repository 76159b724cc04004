"""The decoded-frame cache: a thread-safe LRU bounded by the memory its frames hold. Qt-free.

One cache may serve several series (the viewports of a layout): keys are (SOP Instance UID,
frame index), unique across series.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
import threading

MiB = 1 << 20


def frame_size(frame) -> int:
    """Bytes a frame holds: its `nbytes` (viewers.dicom.pixels.Frame reports its arrays)."""
    return max(int(getattr(frame, "nbytes", 0) or 0), 0)


class FrameCache:
    """LRU of decoded frames whose total `nbytes` never exceeds `max_bytes` after a put.

    A frame larger than the whole bound is not cached (the caller keeps its own reference
    for as long as it shows it). `get` counts hits and misses; `peek` and `in` do not and
    do not refresh recency.
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def get(self, key: Hashable):
        """The frame under `key` (now the most recently used), or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def peek(self, key: Hashable):
        """The frame under `key` or None, without counting or refreshing it."""
        item = self._items.get(key)
        return None if item is None else item[0]

    def put(self, key: Hashable, frame) -> bool:
        """Cache `frame` as the most recently used, evicting the least recently used until
        the total fits. False (nothing cached, nothing evicted) for a frame larger than the
        bound."""
        size = frame_size(frame)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return False
            while self._items and self._bytes + size > self.max_bytes:
                _key, (_frame, evicted) = self._items.popitem(last=False)
                self._bytes -= evicted
                self.evictions += 1
            self._items[key] = (frame, size)
            self._bytes += size
            return True

    def discard(self, key: Hashable) -> None:
        with self._lock:
            item = self._items.pop(key, None)
            if item is not None:
                self._bytes -= item[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def keys(self) -> list:
        """Keys from the least to the most recently used."""
        with self._lock:
            return list(self._items)

    def stats(self) -> dict:
        with self._lock:
            return {"frames": len(self._items), "bytes": self._bytes, "max_bytes": self.max_bytes,
                    "hits": self.hits, "misses": self.misses, "evictions": self.evictions}
