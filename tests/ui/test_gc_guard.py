"""A cycle dropped by a worker thread is freed on the GUI thread, never in the worker: a Qt
widget in such a cycle destroyed off the GUI thread crashes the process."""

import gc
import threading

from app.ui import gc_guard


class Witness:
    """A cycle that records on which thread it was freed."""

    deaths: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Witness.deaths.append(threading.current_thread().name)


def test_a_worker_that_drops_a_cycle_never_collects_it(qapp, qtbot):
    collector = gc_guard.install(qapp)
    assert not gc.isenabled()
    gc.collect()
    Witness.deaths.clear()

    kept = []

    def work():
        Witness()  # dropped at once: only the cycle collector can free it
        junk = []
        for _ in range(20):  # allocations enough to pass every generation's threshold many times over
            junk = [[] for _ in range(5_000)]
        kept.append(junk)  # still there when the worker ends: the counts stay past the threshold

    worker = threading.Thread(target=work, name="import-worker")
    worker.start()
    worker.join(60)
    assert Witness.deaths == []  # the worker collected nothing
    qtbot.waitUntil(lambda: bool(Witness.deaths), timeout=10_000)  # the application's timer did, on this thread
    assert Witness.deaths == [threading.current_thread().name] and collector.thresholds == gc.get_threshold()


def test_a_full_collection_while_busy_skips_what_survived_the_last_one_until_a_pause(qapp, qtbot):
    """The survivors of a full collection are frozen, so the next full collection made while the
    user works walks only newer objects; a cycle among the frozen ones is freed at the next pause."""
    collector = gc_guard.install(qapp)
    collector.timer.stop()  # this test runs the ticks itself
    thresholds = collector.thresholds
    try:
        gc_guard.collect_all()
        Witness.deaths.clear()
        old = Witness()  # a cycle that survives the next full collection (still referenced)
        collector.thresholds = (-1, -1, -1)  # every generation due: a busy application's full collection
        collector.collect_due()
        assert gc.get_freeze_count() > 0 and collector.thaw_due
        del old  # now garbage, but frozen
        collector.collect_due()  # another full collection while busy: frozen objects are not walked
        assert Witness.deaths == []
        collector.thresholds = (10**9, 10**9, 10**9)  # quiet: no allocations past the first threshold
        for _ in range(gc_guard.QUIET_TICKS):
            collector.collect_due()
        assert Witness.deaths == [threading.current_thread().name]  # freed at the pause, on this thread
        assert not collector.thaw_due and gc.get_freeze_count() > 0  # the survivors frozen again
    finally:
        collector.thresholds = thresholds
        collector.timer.start()
        gc_guard.collect_all()
