"""Window tests run with the workstation's rule for cyclic garbage (app/ui/gc_guard.py): it
is collected on the GUI thread, by the application's timer and after each test, never by a
worker thread that happens to allocate."""

import pytest

from app.ui import gc_guard


@pytest.fixture(autouse=True)
def cycles_collected_on_the_gui_thread(qapp):
    gc_guard.install(qapp)
    yield
    gc_guard.collect_all()
