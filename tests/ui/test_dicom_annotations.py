"""The viewer's annotation layers driven like a reader would: the file's overlay planes and a
presentation state's graphic annotations drawn in their colour and toggled with Shift+O or the
toolbar; our arrows and text notes drawn, selected, edited, deleted and kept with the case."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor

from app.demo.imaging import ct_series
from app.store.annotations import AnnotationStore
from app.store.store import CaseStore
from app.ui.viewer_window import ViewerWindow
from tests.ui.test_dicom_viewer import click, ct_dir, drag, make_viewer, models, mouse, wait_shown  # noqa: F401
from tests.unit.gsps_files import annotation, graphic_object, text_object, write_presentation_state
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.marks import Arrow, TextNote
from viewers.dicom.overlay_planes_widget import COLORS
from viewers.dicom.presentation_sources import presentation_states_from_files
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import series_from_paths


def overlay_file() -> Path:
    return Path(get_testdata_file("examples_overlay.dcm"))


def pixel_at(viewer, row: int, column: int) -> QColor:
    """The colour drawn over the centre of image pixel (row, column) of the active viewport."""
    return colour_at(viewer, column + 0.5, row + 0.5)


def colour_at(viewer, x: float, y: float) -> QColor:
    """The colour drawn at image point (x, y) of the active viewport."""
    vp = viewer.active
    image = vp.render_view()
    point = vp.to_widget(x, y)
    return QColor(image.pixel(round(point.x()), round(point.y())))


def greenish(color: QColor) -> bool:
    target = COLORS["G"]
    return color.green() > 200 and color.green() - color.blue() > 100 and abs(color.red() - target.red()) < 80


class TestOverlayPlanes:
    def test_the_overlay_of_the_test_file_is_drawn_in_its_colour_and_toggled(self, qtbot, make_viewer):
        viewer = make_viewer(models(overlay_file()))
        vp = viewer.active
        wait_shown(qtbot, vp)
        bitmap = dcmread(overlay_file()).overlay_array(0x6000)
        rows, columns = np.nonzero(bitmap)
        set_at = (int(rows[0]), int(columns[0]))
        clear = np.argwhere(bitmap == 0)[0]
        assert viewer.dicom_overlays and viewer.overlays_action.isChecked()
        assert greenish(pixel_at(viewer, *set_at))
        assert not greenish(pixel_at(viewer, int(clear[0]), int(clear[1])))

        qtbot.keyClick(vp, Qt.Key.Key_O, Qt.KeyboardModifier.ShiftModifier)
        assert not viewer.dicom_overlays and not viewer.overlays_action.isChecked()
        assert viewer.tool == "window"  # Shift+O is not the rectangle tool (O)
        assert not greenish(pixel_at(viewer, *set_at))

        viewer.overlays_action.trigger()
        assert viewer.dicom_overlays and all(v.layers.show_dicom for v in viewer.viewports)
        assert greenish(pixel_at(viewer, *set_at))


# --- a presentation state's graphic annotations -----------------------------------------------


def orange(color: QColor) -> bool:
    return color.red() > 200 and 100 < color.green() < 200 and color.blue() < 100


def orange_near(viewer, x: float, y: float) -> bool:
    """Whether the presentation state's colour is drawn within 2 screen pixels of image point (x, y)."""
    vp = viewer.active
    image = vp.render_view()
    point = vp.to_widget(x, y)
    return any(orange(QColor(image.pixel(round(point.x()) + dx, round(point.y()) + dy)))
               for dx in range(-2, 3) for dy in range(-2, 3))


def gsps_folder(folder: Path) -> tuple[Path, list]:
    """Three CT slices and a presentation state: a filled circle on every slice, a text on the
    second slice only."""
    images = list(ct_series(3, 64))
    folder.mkdir(parents=True)
    for ds in images:
        ds.save_as(folder / f"CT{ds.InstanceNumber:04d}", enforce_file_format=True)
    write_presentation_state(folder / "PR0001", images, [
        annotation(graphics=[graphic_object("CIRCLE", [(20, 20), (26, 20)], filled=True)]),
        annotation(texts=[text_object("Lesion", box=((36, 6), (60, 14)), anchor=(44, 40))],
                   images=[(images[1], None)])])
    return folder, images


class TestPresentationState:
    def test_the_annotations_are_drawn_on_the_image_they_reference_and_toggled(self, qtbot, make_viewer, tmp_path):
        folder, images = gsps_folder(tmp_path / "disc")
        found: list[Path] = []
        series = [SeriesModel(refs, load, cache=FrameCache(64 * MiB))
                  for _s, refs, load in series_from_paths(folder, presentation=found)]
        viewer = make_viewer(series)
        viewer.set_presentation_states(presentation_states_from_files(found))
        vp = viewer.active
        wait_shown(qtbot, vp)
        assert vp.slice_key().instance == images[0].SOPInstanceUID
        assert [s.kind for s in vp.layers.presentation_shapes(vp)] == ["circle"]
        assert orange_near(viewer, 26, 20)  # on the circle's edge
        assert not orange_near(viewer, 32, 20)  # beyond it
        vp.set_index(1)
        wait_shown(qtbot, vp, 1)
        assert [s.kind for s in vp.layers.presentation_shapes(vp)] == ["circle", "text"]

        qtbot.keyClick(vp, Qt.Key.Key_O, Qt.KeyboardModifier.ShiftModifier)
        assert not orange_near(viewer, 26, 20)
        qtbot.keyClick(vp, Qt.Key.Key_O, Qt.KeyboardModifier.ShiftModifier)
        assert orange_near(viewer, 26, 20)

    def test_the_standalone_viewer_finds_the_state_beside_the_images(self, qtbot, tmp_path):
        folder, images = gsps_folder(tmp_path / "disc")
        window = ViewerWindow(folder)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.loaded, timeout=10000):
            window.show()
        assert len(window.series) == 1 and len(window.series[0]) == 3  # the state is no series
        index = window.viewer.presentation_states
        assert [s.label for s in index.states] == ["DEMO_GSPS"]
        assert all(vp.layers.presentation is index for vp in window.viewer.viewports)
        window.close()


# --- our arrows and text notes ----------------------------------------------------------------


def draw(vp, a, b) -> None:
    drag(vp, vp.to_widget(*a), vp.to_widget(*b))


class TestArrowsAndNotes:
    def test_an_arrow_drawn_selected_and_deleted(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        qtbot.keyClick(vp, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
        assert viewer.tool == "arrow" and viewer.tool_actions["arrow"].isChecked()
        with qtbot.waitSignal(vp.marksChanged):
            draw(vp, (20.5, 20.5), (40.5, 30.5))
        (arrow,) = viewer.marks.for_slice(vp.slice_key())
        assert isinstance(arrow, Arrow)
        assert arrow.head == pytest.approx((20.5, 20.5), abs=0.2) and arrow.tail == pytest.approx((40.5, 30.5), abs=0.2)
        assert len(viewer.measurements) == 0  # an arrow is no measurement
        # A click without a drag makes no arrow; a click on the arrow's line selects it.
        click(vp, vp.to_widget(50.5, 50.5))
        assert len(viewer.marks) == 1 and vp.layers.marks.selected_id is None
        click(vp, vp.to_widget(30.5, 25.5))
        assert vp.layers.marks.selected_id == arrow.id
        # Its tail dragged by the handle, whatever the tool.
        viewer.set_tool("window")
        with qtbot.waitSignal(vp.marksChanged):
            draw(vp, (40.5, 30.5), (44.5, 10.5))
        assert arrow.tail == pytest.approx((44.5, 10.5), abs=0.2) and arrow.head == pytest.approx((20.5, 20.5), abs=0.2)
        with qtbot.waitSignal(vp.marksChanged):
            qtbot.keyClick(vp, Qt.Key.Key_Delete)
        assert len(viewer.marks) == 0

    def test_a_text_note_written_edited_and_deleted(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        answers = iter(["Nodule 9 mm", "Nodule 9 mm, grown"])
        asked: list[str] = []
        viewer.set_text_prompt(lambda initial: asked.append(initial) or next(answers))
        qtbot.keyClick(vp, Qt.Key.Key_T)
        assert viewer.tool == "text"
        with qtbot.waitSignal(vp.marksChanged):
            click(vp, vp.to_widget(12.0, 14.0))
        (note,) = viewer.marks
        assert isinstance(note, TextNote) and note.text == "Nodule 9 mm"
        assert note.at == pytest.approx((12.0, 14.0), abs=0.2) and note.slice_key == vp.slice_key()
        vp.repaint()  # the note's box on screen: what a click selects
        centre_of_text = vp.layers.marks._text_boxes[note.id].center()
        with qtbot.waitSignal(vp.marksChanged):
            mouse(vp, QEvent.Type.MouseButtonDblClick, centre_of_text, Qt.MouseButton.LeftButton,
                  Qt.MouseButton.LeftButton)
        assert asked == ["", "Nodule 9 mm"] and note.text == "Nodule 9 mm, grown"
        viewer.set_tool("window")
        click(vp, centre_of_text)
        assert vp.layers.marks.selected_id == note.id
        qtbot.keyClick(vp, Qt.Key.Key_Delete)
        assert len(viewer.marks) == 0

    def test_a_cancelled_note_is_not_kept(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        viewer.set_text_prompt(lambda initial: None)
        viewer.set_tool("text")
        click(vp, vp.to_widget(12.0, 14.0))
        assert len(viewer.marks) == 0 and vp.layers.marks.pending is None

    def test_arrows_and_notes_are_kept_with_the_case(self, qtbot, make_viewer, ct_dir, isolated_home):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        with CaseStore.open(isolated_home) as store:
            viewer.attach_annotations(AnnotationStore(store), "case1")
            viewer.set_tool("arrow")
            draw(vp, (20.5, 20.5), (40.5, 30.5))
            viewer.set_text_prompt(lambda initial: "Compare with the prior")
            viewer.set_tool("text")
            click(vp, vp.to_widget(10.0, 40.0))
            slice_key = vp.slice_key()
        # The case reopened in a new viewer: both are there, on their slice.
        again = make_viewer(ct_dir)
        with CaseStore.open(isolated_home) as store:
            again.attach_annotations(AnnotationStore(store), "case1")
            kinds = [(type(m).__name__, getattr(m, "text", "")) for m in again.marks.for_slice(slice_key)]
            assert kinds == [("Arrow", ""), ("TextNote", "Compare with the prior")]
            assert all(v.layers.marks.marks is again.marks for v in again.viewports)
            # Deleted there, and gone from the store.
            again.active.layers.marks.selected_id = again.marks.for_slice(slice_key)[0].id
            again.active.delete_selected_measurement()
            assert [m["type"] for m in AnnotationStore(store).marks("case1")["marks"]] == ["text"]

    def test_arrows_and_notes_stay_when_the_overlays_are_hidden(self, qtbot, make_viewer, ct_dir):
        viewer = make_viewer(ct_dir)
        vp = viewer.active
        viewer.set_tool("arrow")
        draw(vp, (20.5, 20.5), (40.5, 30.5))
        viewer.set_dicom_overlays(False)
        assert len(vp.layers.marks.on_slice(vp.slice_key())) == 1
        assert not vp.layers.show_dicom


def test_the_case_view_draws_the_cases_presentation_state(qtbot, tmp_path, isolated_home):
    from app.dossier.importer import DossierImporter
    from app.ui.main_window import MainWindow

    folder, images = gsps_folder(tmp_path / "disc")
    with CaseStore.open(isolated_home) as store:
        case_id = DossierImporter(store).run([folder]).case_id
        window = MainWindow(store)
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        with qtbot.waitSignal(window.caseShown, timeout=20000):
            window.open_case(case_id)
        view = window.case_view
        assert len(view.data.series) == 1  # the state is no image series
        assert [s.label for s in view.data.presentation.states] == ["DEMO_GSPS"]
        view.open_series(next(iter(view.data.series)))
        vp = view.dicom.active
        qtbot.waitUntil(lambda: vp.frame is not None, timeout=10000)
        assert view.dicom.presentation_states is view.data.presentation
        assert vp.slice_key().instance == images[0].SOPInstanceUID
        assert [s.kind for s in vp.layers.presentation_shapes(vp)] == ["circle"]
        window.shutdown()


def test_a_key_image_carries_the_notes_of_its_slice(qtbot, make_viewer, ct_dir):
    viewer = make_viewer(ct_dir)
    vp = viewer.active
    viewer.set_tool("distance")
    draw(vp, (10.5, 20.5), (30.5, 20.5))
    viewer.set_text_prompt(lambda initial: "Nodule, compare with the prior")
    viewer.set_tool("text")
    click(vp, vp.to_widget(12.0, 40.0))
    key_image = viewer.add_key_image(caption="Nodule")
    lines = key_image.measurements.splitlines()
    assert len(lines) == 2 and lines[0].endswith(" mm") and lines[1] == "Nodule, compare with the prior"
