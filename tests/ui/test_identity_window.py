"""The identity rule and the disc's gaps in the window: the worklist's identity column, the
navigator's red items with their reasons, the viewer's OTHER PATIENT line, and a loose DICOM
file imported from the window."""

from __future__ import annotations

import shutil
from pathlib import Path

from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid
import pytest
from PySide6.QtCore import Qt

from app.dossier.importer import DossierImporter
from app.store.store import CaseStore
from app.ui.main_window import MainWindow
from app.ui.navigator_widget import PROBLEM_ROLE
from tests.ui.case_fixtures import demo_package, import_demo  # noqa: F401 - fixtures
from tests.unit import discs
from tests.unit.store_cds import unique_cd

RED = "#c62828"


def ct(name="Test^Patient", birth="19700101", patient_id="TEST-1", slices=2, description="CT thorax"):
    datasets = discs.ct_instances(slices, 16)
    study, series = generate_uid(), generate_uid()
    for ds in datasets:
        ds.PatientName, ds.PatientBirthDate, ds.PatientID = name, birth, patient_id
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.StudyDescription = description
    return datasets


def mixed_cd(root: Path) -> Path:
    """One patient's CT thorax (2 images), another patient's CT head (1 image), a CT abdomen
    the DICOMDIR names but the disc does not hold, and a damaged file."""
    own, foreign, absent = ct(), ct("Other^Person", "19800202", "OTHER-1", slices=1, description="CT head"), \
        ct(slices=3, description="CT abdomen")
    ids = discs.file_ids(6)
    discs.write_instances(root, own + foreign, ids[:3])
    discs.write_dicomdir(root / "DICOMDIR", list(zip(own + foreign + absent, ids)))
    (root / "DICOM" / "IM000099").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7fbroken")
    return root


@pytest.fixture
def store(isolated_home):
    with CaseStore.open(Path(isolated_home)) as opened:
        yield opened


def open_window(qtbot, store, rows: int, **kwargs) -> MainWindow:
    window = MainWindow(store, **kwargs)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.worklist.model.rowCount() == rows, timeout=20000)
    return window


def identity_cell(window: MainWindow, case_id: str, role=Qt.ItemDataRole.DisplayRole):
    model = window.worklist.model
    column = model.COLUMNS.index("identity")
    row = next(n for n, r in enumerate(model.rows) if r["case_id"] == case_id)
    return model.data(model.index(row, column), role)


def open_case(qtbot, window: MainWindow, case_id: str) -> None:
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)


class TestWorklistIdentity:
    def test_ok_only_for_the_confirmed_demo_not_verified_for_a_plain_cd_mismatch_for_the_mixed(
            self, qtbot, store, tmp_path, demo_package):
        demo = import_demo(store, demo_package)
        plain = DossierImporter(store).run([unique_cd(tmp_path / "plain")]).case_id
        mixed = DossierImporter(store).run([mixed_cd(tmp_path / "mixed")], keep_together=True).case_id
        window = open_window(qtbot, store, 3)
        assert identity_cell(window, demo) == "OK"
        assert identity_cell(window, plain) == "Not verified"
        assert identity_cell(window, mixed) == "Mismatch"
        assert identity_cell(window, demo, Qt.ItemDataRole.ForegroundRole).name() == "#2e7d32"
        assert identity_cell(window, mixed, Qt.ItemDataRole.ForegroundRole).name() == RED
        assert identity_cell(window, plain, Qt.ItemDataRole.ForegroundRole).name() != RED
        assert "another patient" in identity_cell(window, mixed, Qt.ItemDataRole.ToolTipRole)
        assert "no case patient" in identity_cell(window, plain, Qt.ItemDataRole.ToolTipRole)
        window.close()


class TestNavigatorAndViewer:
    def test_missing_study_and_foreign_series_are_red_with_their_reason(self, qtbot, store, tmp_path):
        case_id = DossierImporter(store).run([mixed_cd(tmp_path / "mixed")], keep_together=True).case_id
        window = open_window(qtbot, store, 1)
        open_case(qtbot, window, case_id)
        nav = window.case_view.navigator
        problems = {item.data(0, PROBLEM_ROLE): item for item in nav.problem_items}
        missing = [i for i in nav.problem_items if i.data(0, PROBLEM_ROLE) == "missing"]
        assert len(missing) == 1 and "CT abdomen" in missing[0].text(0)
        assert "Named by the DICOMDIR, not on the disc" in missing[0].text(0)
        assert missing[0].foreground(0).color().name() == RED
        foreign = [i for i in nav.problem_items if i.data(0, PROBLEM_ROLE) == "other_patient"]
        assert len(foreign) == 2 and "CT head" in foreign[0].text(0)  # the study and its one series
        assert all("Other patient: name and birth date differ" in i.text(0) for i in foreign)
        assert all(i.foreground(0).color().name() == RED for i in foreign)
        assert "Person" in problems["other_patient"].toolTip(0)  # the image's name, on screen only
        unreadable = problems["unreadable"]
        assert "DICOM/IM000099" in unreadable.text(0) and "Could not be read" in unreadable.text(0)
        assert unreadable.foreground(0).color().name() == RED
        completeness = nav.topLevelItem(0)
        disc = [completeness.child(n).text(0) for n in range(completeness.childCount())
                if "DICOMDIR" in completeness.child(n).text(0)]
        assert disc and "1 study named by the DICOMDIR is missing from the disc" in disc[0]
        status = nav.status_label.text()
        assert "Sender signature: unsigned" in status and "Identity: MISMATCH" in status
        window.close()

    def test_the_viewer_says_other_patient_on_a_foreign_image(self, qtbot, store, tmp_path):
        case_id = DossierImporter(store).run([mixed_cd(tmp_path / "mixed")], keep_together=True).case_id
        window = open_window(qtbot, store, 1)
        open_case(qtbot, window, case_id)
        view = window.case_view
        by_status = {s["identity"]["status"]: s for s in view.data.view["studies"]}
        foreign_uid = by_status["mismatch"]["series"][0]["series_uid"]
        own_uid = by_status["not_verified"]["series"][0]["series_uid"]
        view.open_series(own_uid)
        viewport = view.dicom.active
        qtbot.waitUntil(lambda: viewport.frame is not None, timeout=20000)
        assert viewport.warning_text() == ""
        view.open_series(foreign_uid)
        viewport = view.dicom.active
        qtbot.waitUntil(lambda: viewport.frame is not None and viewport.series is view.data.series[foreign_uid],
                        timeout=20000)
        assert viewport.warning_text() == "OTHER PATIENT"
        image = viewport.grab().toImage()
        reds = sum(1 for x in range(0, image.width(), 2) for y in range(0, min(image.height(), 60), 2)
                   if image.pixelColor(x, y).red() > 180 and image.pixelColor(x, y).green() < 90)
        assert reds > 10  # the red line is painted, not only computed
        window.close()


class TestLooseFile:
    def test_a_dcm_a_dicomdir_and_an_extension_less_dicom_file_can_be_dropped(self, tmp_path):
        from app.ui.import_dialog import importable

        dcm, bare, text = tmp_path / "image.dcm", tmp_path / "IM000001", tmp_path / "IM000002"
        shutil.copy(get_testdata_file("CT_small.dcm"), dcm)
        shutil.copy(get_testdata_file("CT_small.dcm"), bare)
        text.write_text("not an image")
        assert importable(dcm) and importable(bare) and importable(tmp_path / "DICOMDIR")
        assert not importable(text) and not importable(tmp_path / "notes.docx")

    def test_a_single_dcm_imported_in_the_window_opens_as_a_case(self, qtbot, store, tmp_path):
        path = tmp_path / "image.dcm"
        shutil.copy(get_testdata_file("CT_small.dcm"), path)
        window = MainWindow(store)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.caseShown, timeout=60000):
            window.importer.start([path])
        qtbot.waitUntil(lambda: window.worklist.model.rowCount() == 1, timeout=10000)
        assert len(window.case_view.navigator.series_items) == 1
        window.close()
