"""The images in the case view, as the standalone viewer has them and more: the tag browser,
series dragged from the navigator, each viewport its own series, the toolbar in view at
1600 px, cine at the file's frame rate, overlay text that never collides, key images
re-captioned and removed."""

from __future__ import annotations

from itertools import combinations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.store.annotations import AnnotationStore
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_dicom_viewer import drag_onto
from tests.ui.test_main_window import open_case, open_window


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: None)


def modality(model) -> str:
    return model.instances[0].info.modality


def case_images(qtbot, demo_store, size=(1200, 800), series="CT"):  # noqa: F811 - the fixture's value
    """The window on the DEMO case, the first series of `series` modality open."""
    store, case_id = demo_store
    window = open_window(qtbot, store)
    window.resize(*size)
    open_case(qtbot, window, case_id)
    view = window.case_view
    uid = next(uid for uid, model in view.data.series.items() if modality(model) == series)
    view.open_series(uid)
    qtbot.waitUntil(lambda: view.dicom is not None and view.dicom.active.frame is not None, timeout=20000)
    return window, view, uid


def wait_drawn(qtbot, viewer) -> None:
    qtbot.waitUntil(lambda: all(vp.series is None or vp.displayed_index == vp.index
                                for vp in viewer.visible_viewports()), timeout=20000)


def test_the_tag_browser_shows_the_active_viewports_image(qtbot, demo_store):
    window, view, _uid = case_images(qtbot, demo_store)
    viewer, images = view.dicom, view.images
    assert not images.tags.isVisible()
    images.tags_action.trigger()  # the toolbar's button (Ctrl+T)
    assert images.tags.isVisible()
    assert images.tags.dataset.SOPInstanceUID == viewer.active.dataset().SOPInstanceUID
    assert "SOPInstanceUID" in images.tags.visible_keywords()
    viewer.set_layout("1x2")
    wait_drawn(qtbot, viewer)
    other = viewer.visible_viewports()[1]
    viewer.set_active_viewport(other)
    assert images.tags.dataset.SeriesInstanceUID == other.series.series_uid
    assert images.tags.dataset.SOPInstanceUID == other.dataset().SOPInstanceUID
    images.tags_action.trigger()
    assert not images.tags.isVisible()


def test_a_series_thumbnail_dropped_on_a_viewport_shows_there(qtbot, demo_store):
    window, view, ct = case_images(qtbot, demo_store)
    viewer = view.dicom
    viewer.set_layout("1x2")
    wait_drawn(qtbot, viewer)
    right = viewer.visible_viewports()[1]
    mr = next(uid for uid, model in view.data.series.items() if modality(model) == "MR")
    assert right.series.series_uid != mr
    data = view.navigator.mimeData([view.navigator.series_items[mr]])
    assert drag_onto(right, data)
    assert right.series is view.data.series[mr] and viewer.active is right
    assert viewer.visible_viewports()[0].series.series_uid == ct  # the other viewport keeps its series
    # A document's line carries no series: nothing a viewport takes.
    document = view.navigator.mimeData([view.navigator.document_items[0]])
    assert not drag_onto(right, document)


def test_each_viewport_of_2x2_shows_its_own_series_in_reading_order(qtbot, demo_store):
    window, view, ct = case_images(qtbot, demo_store)
    viewer = view.dicom
    order = [uid for kind, uid in view.navigator.reading_order() if kind == "series"]
    assert [s.series_uid for s in viewer.series_list] == order
    assert viewer.active.series.series_uid == ct
    viewer.set_layout("2x2")
    wait_drawn(qtbot, viewer)
    shown = [vp.series.series_uid for vp in viewer.visible_viewports()]
    assert len(set(shown)) == 4
    first = order.index(ct)
    assert shown == [order[(first + k) % len(order)] for k in range(4)]  # the next ones after the CT
    # Opening a series shown in another viewport swaps them: still no series twice.
    viewer.set_active_viewport(viewer.visible_viewports()[0])
    view.open_series(shown[2])
    after = [vp.series.series_uid for vp in viewer.visible_viewports()]
    assert after[0] == shown[2] and after[2] == shown[0] and len(set(after)) == 4


def test_at_1600_px_the_reviewers_tools_are_on_the_toolbar_not_behind_its_overflow(qtbot, demo_store):
    window, view, _uid = case_images(qtbot, demo_store, size=(1600, 900))
    viewer = view.dicom
    QApplication.processEvents()
    assert window.form_dock.isVisible() and view.navigator.isVisible()  # their default sizes
    wanted = [viewer.sync_action, viewer.play_action, viewer.invert_action, viewer.key_image_action,
              view.images.tags_action, *viewer.layout_actions.values(), *viewer.tool_actions.values()]

    def hidden() -> list[str]:
        QApplication.processEvents()
        return [a.text() for a in wanted
                if not any(row.widgetForAction(a) is not None and row.widgetForAction(a).isVisible()
                           for row in viewer.tool_rows)]

    assert hidden() == []
    assert viewer.fps.isVisible() and viewer.fps.width() >= viewer.fps.minimumSizeHint().width()
    thorax = max((u for u, m in view.data.series.items() if modality(m) == "CT"), key=lambda u: len(view.data.series[u]))
    view.open_series(thorax)
    qtbot.waitUntil(lambda: viewer.active.series is view.data.series[thorax] and viewer.active.frame is not None,
                    timeout=20000)
    assert viewer.mpr.enter()  # the slab controls join the toolbar: still nothing behind the overflow
    qtbot.waitUntil(lambda: not viewer.mpr.loading, timeout=30000)
    assert hidden() == [] and viewer.mpr.slab_box.isVisible() and viewer.fps.isVisible()
    viewer.mpr.leave()
    assert hidden() == []
    for action in wanted:  # icons, with the name and the key in the tooltip
        assert not action.icon().isNull() and action.toolTip()


def test_cine_plays_at_the_files_frame_rate(qtbot, demo_store):
    window, view, us = case_images(qtbot, demo_store, series="US")
    viewer = view.dicom
    assert float(viewer.active.dataset().FrameTime) == pytest.approx(33.333)
    assert viewer.fps.value() == 30 and viewer.cine.interval() == 33
    viewer.start_cine()
    assert viewer.cine.isActive() and viewer.cine.interval() == 33
    viewer.stop_cine()
    viewer.fps.setValue(12)  # the reviewer's own speed wins until another series is shown
    assert viewer.cine.interval() == 83
    ct = next(uid for uid, model in view.data.series.items() if modality(model) == "CT" and len(model) > 1)
    view.open_series(ct)
    qtbot.waitUntil(lambda: viewer.active.displayed_index is not None, timeout=20000)
    assert viewer.fps.value() == 12 and viewer.cine.interval() == 83  # a CT says no rate: the setting stays
    view.open_series(us)
    qtbot.waitUntil(lambda: viewer.active.displayed_index is not None, timeout=20000)
    assert viewer.fps.value() == 30 and viewer.cine.interval() == 33


def test_overlay_texts_never_overlap_in_a_2x2_at_1024_by_700(qtbot, demo_store):
    window, view, _uid = case_images(qtbot, demo_store, size=(1024, 700))
    viewer = view.dicom
    viewer.set_layout("2x2")
    wait_drawn(qtbot, viewer)
    for vp in viewer.visible_viewports():
        assert vp.width() < 400  # small indeed
        vp.grab()  # paints: the layout of what is drawn is kept in overlay_boxes
        placed, reserved = vp.overlay_boxes
        assert {p.corner for p in placed} == {"top_left", "top_right", "bottom_left", "bottom_right"}
        for a, b in combinations(placed, 2):
            assert not a.box.overlaps(b.box), (a, b)
        for item in placed:
            assert not any(item.box.overlaps(box) for box in reserved), item
            assert item.box.x >= 0 and item.box.right <= vp.width() and item.box.bottom <= vp.height()


def test_a_key_image_is_recaptioned_and_removed_from_the_navigator(qtbot, demo_store):
    window, view, _uid = case_images(qtbot, demo_store)
    store, case_id = demo_store
    annotations = AnnotationStore(store)
    viewer, editing, navigator = view.dicom, view.key_image_editing, view.navigator
    kept = viewer.add_key_image(caption="Nodule, first look")
    other = viewer.add_key_image(caption="Second")
    qtbot.waitUntil(lambda: len(annotations.key_images(case_id)) == 2, timeout=10000)
    item = editing.group.items[kept.id]
    assert item.text(0) == "Nodule, first look" and not item.icon(0).isNull()
    # F2 on the key image in the navigator: a new caption, everywhere and in the store.
    editing.caption_prompt = lambda image: "Nodule 9 mm, right lower lobe"
    navigator.setCurrentItem(item)
    navigator.setFocus()
    with qtbot.waitSignal(view.keyImagesChanged, timeout=5000) as changed:
        qtbot.keyClick(navigator, Qt.Key.Key_F2)
    assert [k.caption for k in changed.args[0]] == ["Nodule 9 mm, right lower lobe", "Second"]
    assert viewer.key_images[0].caption == "Nodule 9 mm, right lower lobe"
    assert editing.group.items[kept.id].text(0) == "Nodule 9 mm, right lower lobe"
    qtbot.waitUntil(lambda: annotations.key_image(case_id, kept.id).caption == "Nodule 9 mm, right lower lobe",
                    timeout=10000)
    # Del asks first: "No" keeps it.
    editing.confirm_removal = lambda image: False
    navigator.setCurrentItem(editing.group.items[kept.id])
    qtbot.keyClick(navigator, Qt.Key.Key_Delete)
    assert [k.id for k in viewer.key_images] == [kept.id, other.id]
    editing.confirm_removal = lambda image: True
    qtbot.keyClick(navigator, Qt.Key.Key_Delete)
    assert [k.id for k in viewer.key_images] == [other.id] and list(editing.group.items) == [other.id]
    qtbot.waitUntil(lambda: [k.id for k in annotations.key_images(case_id)] == [other.id], timeout=10000)
    assert annotations.key_image(case_id, other.id).caption == "Second"


def test_the_key_images_context_menu_offers_to_show_recaption_and_remove(qtbot, demo_store):
    window, view, ct = case_images(qtbot, demo_store)
    viewer, editing, navigator = view.dicom, view.key_image_editing, view.navigator
    middle = viewer.active.count // 2
    viewer.active.set_index(middle)
    qtbot.waitUntil(lambda: viewer.active.displayed_index == middle, timeout=10000)
    kept = viewer.add_key_image(caption="Middle slice")
    viewer.active.set_index(0)
    item = editing.group.items[kept.id]
    navigator.scrollToItem(item)
    navigator.customContextMenuRequested.emit(navigator.visualItemRect(item).center())
    menu = editing.group.menu
    assert [a.text().split("\t")[0] for a in menu.actions()] == [
        "Show the image", "Change the caption…", "Remove the key image…"]
    menu.actions()[0].trigger()  # back to the slice it was kept from
    assert viewer.active.series.series_uid == ct and viewer.active.index == middle
    menu.close()
    # A click shows it too, and the key image stays the navigator's current line (for F2 and Del).
    viewer.active.set_index(0)
    qtbot.mouseClick(navigator.viewport(), Qt.MouseButton.LeftButton, pos=navigator.visualItemRect(item).center())
    assert viewer.active.index == middle and editing.group.current_id() == kept.id


def test_a_drop_of_an_unknown_series_changes_nothing(qtbot, demo_store):
    window, view, ct = case_images(qtbot, demo_store)
    viewer = view.dicom
    before = viewer.active.series
    viewer.assign_uid(0, "1.2.3.4.5.unknown")
    assert viewer.active.series is before
