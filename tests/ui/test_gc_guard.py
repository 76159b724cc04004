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
