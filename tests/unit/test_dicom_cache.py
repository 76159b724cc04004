"""The frame cache: bounded by the bytes of its frames, least recently used out first,
thread-safe."""

import random
import threading
from dataclasses import dataclass

import pytest

from viewers.dicom.cache import FrameCache


@dataclass(eq=False)
class FakeFrame:
    nbytes: int


def test_the_bound_is_never_exceeded_after_a_put():
    cache = FrameCache(10_000)
    rng = random.Random(7)
    for n in range(2_000):
        cache.put(("uid", n), FakeFrame(rng.randint(1, 3_000)))
        assert cache.nbytes <= cache.max_bytes
        assert cache.nbytes == sum(cache.peek(k).nbytes for k in cache.keys())


def test_least_recently_used_goes_first_and_get_refreshes():
    cache = FrameCache(3_000)
    for n in range(3):
        cache.put(("a", n), FakeFrame(1_000))
    assert cache.get(("a", 0)) is not None  # now the most recent
    cache.put(("a", 3), FakeFrame(1_000))
    assert cache.keys() == [("a", 2), ("a", 0), ("a", 3)]
    assert ("a", 1) not in cache and cache.evictions == 1


def test_peek_neither_counts_nor_refreshes():
    cache = FrameCache(2_000)
    cache.put(1, FakeFrame(1_000))
    cache.put(2, FakeFrame(1_000))
    assert cache.peek(1) is not None and cache.peek(9) is None
    assert (cache.hits, cache.misses) == (0, 0)
    cache.put(3, FakeFrame(1_000))
    assert cache.keys() == [2, 3]


def test_hits_and_misses_are_counted():
    cache = FrameCache(1_000)
    cache.put("k", FakeFrame(10))
    cache.get("k"), cache.get("k"), cache.get("nope")
    assert (cache.hits, cache.misses) == (2, 1)
    assert cache.stats()["frames"] == 1


def test_a_frame_larger_than_the_bound_is_not_cached_and_evicts_nothing():
    cache = FrameCache(1_000)
    cache.put("small", FakeFrame(500))
    assert cache.put("huge", FakeFrame(1_001)) is False
    assert "huge" not in cache and "small" in cache and cache.nbytes == 500


def test_replacing_a_key_counts_its_bytes_once():
    cache = FrameCache(1_000)
    cache.put("k", FakeFrame(600))
    cache.put("k", FakeFrame(700))
    assert cache.nbytes == 700 and len(cache) == 1
    cache.discard("k")
    assert cache.nbytes == 0 and len(cache) == 0


def test_a_zero_bound_caches_nothing_and_a_negative_one_is_refused():
    assert FrameCache(0).put("k", FakeFrame(1)) is False
    with pytest.raises(ValueError):
        FrameCache(-1)


def test_concurrent_puts_and_gets_keep_the_books_straight():
    cache = FrameCache(50_000)

    def work(seed):
        rng = random.Random(seed)
        for _ in range(3_000):
            key = rng.randrange(200)
            if rng.random() < 0.5:
                cache.put(key, FakeFrame(rng.randint(100, 2_000)))
            else:
                cache.get(key)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.nbytes <= cache.max_bytes
    assert cache.nbytes == sum(cache.peek(k).nbytes for k in cache.keys())
