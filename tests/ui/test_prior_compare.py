"""Prior comparison: current and prior side by side, scrolled together within one frame of
reference, else after "Link these slices" with the offset (kept with the case), W/L and zoom
linked on request; the navigator's comparable studies and "Compare with prior"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from app.dossier.importer import DossierImporter
from app.store.annotations import AnnotationStore
from app.store.store import CaseStore
from app.ui.compare_navigator import STUDY_ROLE
from app.ui.main_window import MainWindow
from app.ui.viewer_window import load_series
from tests.prior_data import SHIFT_MM, write_current_and_prior
from tests.ui.test_dicom_viewer import wait_shown, wheel, write_prior
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.pixels import Window
from viewers.dicom.widget import DicomViewerWidget

SLICES = 20
CASE = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def pair(tmp_path):
    current_dir, prior_dir = write_current_and_prior(tmp_path / "cd", SLICES, 64)
    cache = FrameCache(64 * MiB)
    current, prior = load_series(current_dir, cache, [])[0], load_series(prior_dir, cache, [])[0]
    yield current, prior
    current.close()
    prior.close()


@pytest.fixture
def make_viewer(qtbot):
    def make(current, prior) -> DicomViewerWidget:
        viewer = DicomViewerWidget()
        qtbot.addWidget(viewer)
        viewer.resize(1100, 560)
        viewer.show()
        qtbot.waitExposed(viewer)
        viewer.set_series_list([current, prior])
        return viewer
    return make


def compared(qtbot, viewer, current, prior):
    viewer.compare(current, prior)
    a, b = viewer.viewports[0], viewer.viewports[1]
    assert viewer.layout_name == "1x2" and (a.series, b.series) == (current, prior) and viewer.active is a
    wait_shown(qtbot, a)
    wait_shown(qtbot, b)
    return a, b


def test_within_one_frame_of_reference_the_prior_follows_by_position(qtbot, make_viewer, tmp_path, pair):
    current, _other = pair
    prior = load_series(write_prior(tmp_path / "same", current.frame_of_reference_uid), FrameCache(16 * MiB), [])[0]
    try:
        viewer = make_viewer(current, prior)
        a, b = compared(qtbot, viewer, current, prior)
        wheel(a, -10)  # current slice 10: z = -12.5 mm; the prior's 2.5 mm slices: index 5
        assert a.index == 10 and b.index == 5
    finally:
        prior.close()


def test_another_frame_of_reference_scrolls_alone_until_a_slice_pair_is_linked(qtbot, make_viewer, pair,
                                                                               isolated_home):
    current, prior = pair
    viewer = make_viewer(current, prior)
    with CaseStore.open(isolated_home) as store:
        viewer.attach_annotations(AnnotationStore(store), CASE)
        a, b = compared(qtbot, viewer, current, prior)
        wheel(a, -3)
        assert (a.index, b.index) == (3, 0)  # no common frame of reference: no sync yet
        wheel(b, -5)
        assert (a.index, b.index) == (3, 5)
        viewer.set_active_viewport(a)
        offset = viewer.link_slices()  # current 3 (z -3.75) shows what prior 5 (z -6.25 + 30) does
        assert offset == pytest.approx(-6.25 + SHIFT_MM + 3.75)
        wheel(a, -4)
        assert (a.index, b.index) == (7, 9)
        wheel(b, 6)  # and the other way round
        assert (a.index, b.index) == (1, 3)
        kept = AnnotationStore(store).slice_links(CASE)
    assert kept["links"] and kept["links"][0]["offset_mm"] == pytest.approx(offset)


def test_the_link_is_kept_with_the_case_across_reopening(qtbot, make_viewer, pair, isolated_home):
    current, prior = pair
    with CaseStore.open(isolated_home) as store:
        first = make_viewer(current, prior)
        first.attach_annotations(AnnotationStore(store), CASE)
        a, b = compared(qtbot, first, current, prior)
        b.set_index(2)
        first.set_active_viewport(a)
        first.link_slices()  # current 0 with prior 2
        first.close()
    with CaseStore.open(isolated_home) as store:  # the case opened again
        viewer = make_viewer(current, prior)
        viewer.attach_annotations(AnnotationStore(store), CASE)
        a, b = compared(qtbot, viewer, current, prior)
        wheel(a, -6)
        assert (a.index, b.index) == (6, 8)


def test_window_and_zoom_are_linked_on_request(qtbot, make_viewer, pair):
    current, prior = pair
    viewer = make_viewer(current, prior)
    a, b = compared(qtbot, viewer, current, prior)
    lung = Window(-600, 1500)
    a.set_window(lung)
    assert b.window() != lung  # not linked by default
    viewer.link_view_action.trigger()
    assert viewer.view_link_enabled and b.state.window == lung
    a.set_window(Window(40, 400))
    a.zoom_by(2.0)
    assert b.state.window == Window(40, 400)
    assert b.scale() / b.fit_scale() == pytest.approx(a.scale() / a.fit_scale())
    viewer.set_view_link(False)
    a.set_window(lung)
    assert b.state.window == Window(40, 400)


# --- in the case: the navigator ------------------------------------------------------------------


@pytest.fixture
def case_window(qtbot, isolated_home, tmp_path):
    write_current_and_prior(tmp_path / "cd", 8, 32)
    store = CaseStore.open(Path(isolated_home))
    case_id = DossierImporter(store, [], []).run([tmp_path / "cd"]).case_id
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.caseShown, timeout=30000):
        window.open_case(case_id)
    yield window, case_id
    window.close()
    window.shutdown()
    store.close()


def test_the_navigator_groups_the_prior_and_compare_opens_both_side_by_side(qtbot, case_window):
    window, _case_id = case_window
    view, navigator = window.case_view, window.case_view.navigator
    studies = view.data.view["studies"]
    newest, oldest = sorted(studies, key=lambda s: s["date"], reverse=True)
    (root,) = navigator.findItems("Comparable studies", Qt.MatchFlag.MatchExactly)
    group = root.child(0)
    assert group.text(0) == "CT CHEST: 2 studies"
    assert [group.child(i).data(0, STUDY_ROLE) for i in range(2)] == [newest["study_uid"],
                                                                                 oldest["study_uid"]]
    assert "(current)" in group.child(0).text(0)
    # The context menu of the newest study's series offers "Compare with prior".
    item = navigator.series_items[newest["series"][0]["series_uid"]]
    navigator.scrollToItem(item)
    rect = navigator.visualItemRect(item)
    navigator.customContextMenuRequested.emit(QPoint(rect.center()))
    (action,) = [a for a in navigator.compare_menu.actions() if a.text() == "Compare with prior"]
    assert action.isEnabled()
    action.trigger()
    dicom = view.dicom
    assert dicom is not None and dicom.layout_name == "1x2"
    assert [vp.series.series_uid for vp in dicom.visible_viewports()] == [newest["series"][0]["series_uid"],
                                                                          oldest["series"][0]["series_uid"]]
    navigator.compare_menu.close()
