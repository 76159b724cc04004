"""Opening a case decrypts its record once: the view, the documents, the series and the form
all come from that one record."""

from app.store.store import CaseStore
from app.ui.case_view import load_case
from tests.calls import recorded_calls
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from viewers.dicom.cache import FrameCache


def test_opening_a_case_decrypts_its_record_once(demo_store, monkeypatch):  # noqa: F811 - fixture
    store, case_id = demo_store
    reads = recorded_calls(monkeypatch, CaseStore, "record", lambda store, wanted: wanted)
    data = load_case(store, case_id, FrameCache(16 * 1024 * 1024))
    assert data.view["case_id"] == case_id and data.documents and data.series
    assert reads == [case_id]
    for model in data.series.values():
        model.close()
