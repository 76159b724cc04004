"""The series index: the case record keeps per-series summaries, each series' instances are
in an encrypted index of their own, read once when the series opens and never for another
series; records of the first format (every instance inside) still open and convert on the
next import into the case."""

from pathlib import Path

import pytest

from app.demo.imaging import write_ct_series
from app.dossier.case_view import case_json
from app.dossier.dicom_index import build_studies
from app.dossier.importer import DossierImporter
from app.dossier.series_index import (RECORD_FORMAT, RECORD_FORMAT_V1, build_index, index_instances, index_rows,
                                      instances_of_record)
from app.store.store import CaseStore
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import series_from_case

SIZE = 32
LONG, SHORT = 12, 5


@pytest.fixture(scope="module")
def two_series(tmp_path_factory) -> Path:
    """One study of two CT series (12 and 5 slices): the UIDs of ct_series depend on the count."""
    folder = tmp_path_factory.mktemp("two-series")
    write_ct_series(folder / "DICOM" / "A", LONG, SIZE)
    write_ct_series(folder / "DICOM" / "B", SHORT, SIZE)
    return folder


class CountingVault:
    """The store's vault, counting which blobs are decrypted."""

    def __init__(self, store: CaseStore):
        self.vault, self.reads = store.vault, []
        real = store.vault.read_bytes

        def read_bytes(ref: str) -> bytes:
            self.reads.append(ref)
            return real(ref)

        store.vault.read_bytes = read_bytes  # type: ignore[method-assign]


def index_refs(record: dict) -> dict[str, str]:
    return {se["series_uid"]: se["index"] for s in record["studies"] for se in s["series"]}


def to_first_format(store: CaseStore, case_id: str) -> dict:
    """Rewrite the case's record as the first format kept it: every instance, whole, in
    `instances` and again in its series of `studies`; no series index."""
    record = store.record(case_id)
    instances = instances_of_record(record, store.vault.read_json)
    from app.dossier.case_record import instance_info

    old = dict(record, format=RECORD_FORMAT_V1, instances=instances,
               studies=[s.to_json() for s in build_studies([instance_info(i) for i in instances])])
    row = store.index.case(case_id)
    folder = row["record"].split("/")[0]
    blob = f"{folder}/{store.vault.write_json(store.vault.root / folder, old)}"
    with store.index.transaction() as db:
        db.execute("UPDATE cases SET record = ? WHERE id = ?", (blob, case_id))
    return old


class TestTheRecord:
    def test_keeps_series_summaries_and_one_short_entry_per_instance(self, isolated_home, two_series):
        with CaseStore.open(isolated_home) as store:
            case_id = DossierImporter(store).run([two_series]).case_id
            record = store.record(case_id)
            assert record["format"] == RECORD_FORMAT
            [study] = record["studies"]
            assert sorted((se["instance_count"], se["frames"]) for se in study["series"]) == [(SHORT, SHORT), (LONG, LONG)]
            assert all("instances" not in se and se["index"] for se in study["series"])
            assert all(set(i) == {"sop_instance_uid", "blob"} for i in record["instances"])
            assert len(record["instances"]) == LONG + SHORT
            # What `secondo show` says of the series is unchanged.
            view = case_json(store, case_id)
            assert sorted(se["instances"] for se in view["studies"][0]["series"]) == [SHORT, LONG]

    def test_the_index_holds_each_instance_in_display_order(self, isolated_home, two_series):
        with CaseStore.open(isolated_home) as store:
            case_id = DossierImporter(store).run([two_series]).case_id
            record = store.record(case_id)
            blobs = {i["sop_instance_uid"]: i["blob"] for i in record["instances"]}
            [first] = [se for se in record["studies"][0]["series"] if se["instance_count"] == LONG]
            index = store.vault.read_json(first["index"])
            rows = index_instances(index)
            assert [info.instance_number for info, _blob in rows] == list(range(1, LONG + 1))
            assert [blob for info, blob in rows] == [blobs[info.sop_instance_uid] for info, _blob in rows]
            assert len({tuple(info.position) for info, _blob in rows}) == LONG  # one position per slice
            # What every slice shares is stored once.
            assert index["common"]["patient"]["name"] == "Test^Patient" and "patient" not in index["columns"]

    def test_an_index_of_another_shape_is_refused(self):
        with pytest.raises(ValueError):
            index_rows({"format": "something-else"})
        with pytest.raises(ValueError):
            index_rows({"format": "secondo-series/1", "count": 3, "common": {}, "columns": {"path": ["a"]}})

    def test_build_index_round_trips(self, two_series):
        from viewers.dicom.sources import series_from_paths

        [(series, _refs, _load), _other] = series_from_paths(two_series)
        stored = {i.sop_instance_uid: {"blob": f"X/{n}", "size": n, "sha256": "0" * 64}
                  for n, i in enumerate(series.instances)}
        index = build_index(series, "study", stored)
        assert [info for info, _blob in index_instances(index)] == series.instances  # every field, as indexed
        assert [blob for _info, blob in index_instances(index)] == [f"X/{n}" for n in range(len(series.instances))]
        rows = index_rows(index)
        assert [r["sop_instance_uid"] for r in rows] == [i.sop_instance_uid for i in series.instances]
        assert [r["blob"] for r in rows] == [f"X/{n}" for n in range(len(series.instances))]
        assert rows[3] == {**series.instances[3].to_json(), "blob": "X/3", "size": 3, "sha256": "0" * 64}


class TestOpeningASeries:
    def test_reads_the_record_once_and_its_own_index_once(self, isolated_home, two_series):
        with CaseStore.open(isolated_home) as store:
            case_id = DossierImporter(store).run([two_series]).case_id
            record = store.record(case_id)
            refs_by_series = index_refs(record)
            by_count = {se["instance_count"]: se["series_uid"] for se in record["studies"][0]["series"]}
            long_uid, short_uid = by_count[LONG], by_count[SHORT]
            counting = CountingVault(store)
            [(_study, series, refs, load)] = series_from_case(store, case_id, series_uid=short_uid)
            assert series.series_uid == short_uid and len(refs) == SHORT
            assert counting.reads == [store.index.case(case_id)["record"], refs_by_series[short_uid]]
            model = SeriesModel(refs, load)
            for n in range(len(model)):
                model.frame(n)
            model.close()
            # The frames are the slices' own files: no index, no record read again.
            blobs = {i["sop_instance_uid"]: i["blob"] for i in record["instances"]}
            assert counting.reads[2:] == [blobs[r.key] for r in refs]
            assert refs_by_series[long_uid] not in counting.reads

    def test_with_the_record_in_hand_only_the_index_is_read(self, isolated_home, two_series):
        with CaseStore.open(isolated_home) as store:
            case_id = DossierImporter(store).run([two_series]).case_id
            record = store.record(case_id)
            counting = CountingVault(store)
            found = series_from_case(store, case_id, record=record)
            assert sorted(len(refs) for _st, _se, refs, _load in found) == [SHORT, LONG]
            assert sorted(counting.reads) == sorted(index_refs(record).values())  # each once


class TestTheFirstFormat:
    def test_a_record_with_every_instance_inside_still_opens(self, isolated_home, two_series):
        with CaseStore.open(isolated_home) as store:
            case_id = DossierImporter(store).run([two_series]).case_id
            now = [(se.series_uid, [r.key for r in refs]) for _st, se, refs, _l in series_from_case(store, case_id)]
            old = to_first_format(store, case_id)
            assert store.record(case_id)["format"] == RECORD_FORMAT_V1
            counting = CountingVault(store)
            found = series_from_case(store, case_id)
            assert [(se.series_uid, [r.key for r in refs]) for _st, se, refs, _l in found] == now
            assert counting.reads == [store.index.case(case_id)["record"]]  # no index: the record has it all
            [(_st, _se, refs, load), _other] = found
            assert SeriesModel(refs, load).frame(0).modality.shape == (SIZE, SIZE)
            view = case_json(store, case_id)
            assert sorted(se["instances"] for se in view["studies"][0]["series"]) == [SHORT, LONG]
            assert len(old["instances"]) == LONG + SHORT

    def test_an_import_into_an_old_case_keeps_every_instance_in_the_new_form(self, isolated_home, two_series,
                                                                            tmp_path):
        with CaseStore.open(isolated_home) as store:
            case_id = DossierImporter(store).run([two_series]).case_id
            to_first_format(store, case_id)
            more = tmp_path / "more"
            write_ct_series(more / "DICOM", 3, SIZE)
            DossierImporter(store).run([more], case_id=case_id)
            record = store.record(case_id)
            assert record["format"] == RECORD_FORMAT
            assert len(record["instances"]) == LONG + SHORT + 3
            counts = sorted(se["instance_count"] for s in record["studies"] for se in s["series"])
            assert counts == [3, SHORT, LONG]
            found = series_from_case(store, case_id)
            assert sorted(len(refs) for _st, _se, refs, _l in found) == [3, SHORT, LONG]
