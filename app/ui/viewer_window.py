"""The standalone DICOM viewer window of `secondo view PATH`: the series of a file, a folder
or a DICOMDIR in a list on the left, the viewer in the middle, the tag browser on the right.

Opening is progressive, all of it off the GUI thread: the files are listed and the first
image among them (in path order) is decoded and shown at once as a provisional 1-image
series; the rest is then indexed with progress in the status bar, and the real series
replace the provisional one: the viewport shows the series of the image it showed, on that
image, as the user left it (else the middle of the first series); `--slice` wins.

Key images stay in memory (there is no case to keep them with) and can be saved as PNG.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QDockWidget, QFileDialog, QListWidget,
                               QListWidgetItem, QMainWindow, QMenu, QMessageBox, QWidget)

from app.core.tasks import CancelToken, Progress, no_progress
from app.core.i18n import _, ngettext
from app.ui.screen_fit import fit_to_screen
from app.ui.task_runner import TaskRunner
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.pixels import CT_PRESETS, Frame, FrameDecodeError, render
from viewers.dicom.presentation import PresentationIndex
from viewers.dicom.presentation_sources import presentation_states_from_files
from viewers.dicom.series import SeriesModel
from viewers.dicom.sources import first_image_series, series_from_files, series_from_paths, source_files
from viewers.dicom.tags_widget import DicomTagsWidget
from viewers.dicom.viewport_widget import SERIES_MIME, to_qimage
from viewers.dicom.widget import DicomViewerWidget, series_label

CACHE_MB = 512
THUMB = 72


def load_series(path: Path, cache: FrameCache, skipped: list[str]) -> list[SeriesModel]:
    """Qt-free work for the task runner: index the files, one SeriesModel per series."""
    return [SeriesModel(refs, loader, cache=cache) for _summary, refs, loader in
            series_from_paths(path, skipped=skipped)]


def preview_series(path: Path, cache: FrameCache) -> tuple[list[Path], SeriesModel | None]:
    """Qt-free work for the task runner: the files of `path`, and its first image file (in
    path order) as a 1-instance series whose first frame is already decoded into `cache`
    (or known to be undecodable); None when there is no image at all."""
    files = source_files(path)
    found = first_image_series(files)
    if found is None:
        return files, None
    _summary, refs, loader = found
    model = SeriesModel(refs, loader, cache=cache)
    try:
        model.frame(0)
        model.slice_info(0)
    except FrameDecodeError:
        pass  # remembered by the model: the viewport shows the reason
    return files, model


def index_series(files: list[Path], cache: FrameCache, skipped: list[str], *,
                 progress: Progress = no_progress, cancel: CancelToken | None = None,
                 presentation: list | None = None) -> list[SeriesModel]:
    """Qt-free work for the task runner: index `files`, one SeriesModel per series;
    `progress(done, total)` about every percent. The presentation states found among the
    files are appended to `presentation` as one PresentationIndex."""
    total = len(files)
    step = max(1, total // 100)

    def report(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            progress(done, total)

    state_files: list[Path] = []
    found = series_from_files(files, skipped=skipped, progress=report, cancel=cancel, presentation=state_files)
    if presentation is not None:
        presentation.append(presentation_states_from_files(state_files))
    return [SeriesModel(refs, loader, cache=cache) for _summary, refs, loader in found]


class SeriesListWidget(QListWidget):
    """The series on offer, with a thumbnail each; drag one onto a viewport."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setSpacing(2)

    def mimeTypes(self) -> list[str]:
        return [SERIES_MIME]

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        if items:
            data.setData(SERIES_MIME, str(self.row(items[0])).encode("ascii"))
        return data


class ViewerWindow(QMainWindow):
    """`secondo view`: opens `path` in the background, then shows its series."""

    _thumbnailReady = Signal(int, object)  # series row, Frame (from the model's worker)
    loaded = Signal(int)  # number of series

    def __init__(self, path: Path | None = None, *, layout: str = "1x1", preset: str | None = None,
                 slice_number: int | None = None) -> None:
        super().__init__()
        self.setWindowTitle(_("Second-O DICOM viewer"))
        self.resize(1400, 900)
        fit_to_screen(self)
        self.runner = TaskRunner(self)
        self.cache = FrameCache(CACHE_MB * MiB)
        self.series: list[SeriesModel] = []
        self.provisional: SeriesModel | None = None  # the first image, shown while the rest is indexed
        self.skipped: list[str] = []
        self._loading: CancelToken | None = None
        self._initial = (layout, preset, slice_number)
        self.viewer = DicomViewerWidget(self)
        self.setCentralWidget(self.viewer)
        self.series_view = SeriesListWidget(self)
        self.series_view.itemActivated.connect(
            lambda item: self.viewer.assign(self.viewer.viewports.index(self.viewer.active), self.series_view.row(item)))
        left = QDockWidget(_("Series"), self)
        left.setObjectName("series")
        left.setWidget(self.series_view)
        left.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, left)
        self.tags = DicomTagsWidget(self)
        self.tags_dock = QDockWidget(_("DICOM tags"), self)
        self.tags_dock.setObjectName("tags")
        self.tags_dock.setWidget(self.tags)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.tags_dock)
        self.tags.setMinimumWidth(320)
        self.tags_dock.hide()
        self._left_dock = left
        self._pending_tags = None
        self._tags_sized = False
        self.tags_dock.visibilityChanged.connect(self._tags_visible)
        self.viewer.currentDatasetChanged.connect(self._show_tags)
        self.viewer.keyImageAdded.connect(self._key_image_added)
        self._thumbnailReady.connect(self._set_thumbnail, Qt.ConnectionType.QueuedConnection)
        self._build_menus()
        self.statusBar().showMessage(_("Ready"))
        if path is not None:
            self.open_path(Path(path))

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        file_menu.addAction(_("Open folder…"), self._choose_folder)
        file_menu.addAction(_("Open file or DICOMDIR…"), self._choose_file)
        self.key_image_menu = QMenu(_("Save key image PNG…"), self)
        self.key_image_menu.setEnabled(False)
        file_menu.addMenu(self.key_image_menu)
        file_menu.addSeparator()
        quit_action = file_menu.addAction(_("Close"), self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Close)
        view_menu = self.menuBar().addMenu(_("&View"))
        tags_action: QAction = self.tags_dock.toggleViewAction()
        tags_action.setText(_("DICOM tags"))
        tags_action.setShortcut(QKeySequence("Ctrl+T"))
        view_menu.addAction(tags_action)
        for name in ("1x1", "1x2", "2x2"):
            view_menu.addAction(_("Layout {name}").format(name=name.replace("x", "×")),
                                lambda n=name: self.viewer.set_layout(n))

    # -- loading -------------------------------------------------------------------------------

    def open_path(self, path: Path) -> None:
        """List `path` and show its first image, then index the rest (all in the background)."""
        if self._loading is not None:
            self._loading.cancel()  # a path still loading: its results are dropped
        token = self._loading = CancelToken()
        self.statusBar().showMessage(_("Reading {path}…").format(path=path))
        cache = self.cache
        self.runner.run(lambda _token, _progress: preview_series(path, cache),
                        success=lambda result: self._previewed(path, *result, token),
                        failure=self._failed, token=token)

    def _previewed(self, path: Path, files: list[Path], model: SeriesModel | None, token: CancelToken) -> None:
        if model is not None:
            self._clear_series()
            self.provisional = model
            self.viewer.set_series_list([model])
            preset = self._initial[1]
            if preset and model.instances[0].info.modality == "CT":
                self.viewer.active.set_window(CT_PRESETS[preset])
            self.viewer.active.setFocus()
        self._indexing_progress(path, 0, len(files))
        skipped: list[str] = []
        states: list = []
        cache = self.cache
        self.runner.run(lambda token, progress: index_series(files, cache, skipped, progress=progress, cancel=token,
                                                             presentation=states),
                        success=lambda series: self._loaded(path, series, skipped, states),
                        failure=self._failed, progress=lambda done, total: self._indexing_progress(path, done, total),
                        token=token)

    def _indexing_progress(self, path: Path, done: int, total: int) -> None:
        self.statusBar().showMessage(_("Reading {path}: {done} of {total} files…")
                                     .format(path=path, done=done, total=total))

    def _clear_series(self) -> None:
        """Close the series shown so far (and the provisional one) and empty the list."""
        for old in self.series + ([self.provisional] if self.provisional is not None else []):
            old.close(timeout=0)
        self.series, self.provisional = [], None
        self.series_view.clear()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Open a DICOM folder"))
        if folder:
            self.open_path(Path(folder))

    def _choose_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, _("Open a DICOM file or DICOMDIR"))
        if name:
            self.open_path(Path(name))

    def _failed(self, error: BaseException) -> None:
        self.statusBar().showMessage(_("Nothing could be opened."))
        self.runner.report_failure(error)

    def _loaded(self, path: Path, series: list[SeriesModel], skipped: list[str], states: list | None = None) -> None:
        self._loading = None
        self.viewer.set_presentation_states(states[0] if states else PresentationIndex())
        first = self.viewer.viewports[0]
        provisional = self.provisional
        shown = first.slice_key() if provisional is not None and first.series is provisional else None
        state = replace(first.state)
        old = self.series + ([provisional] if provisional is not None else [])
        self.series, self.provisional, self.skipped = series, None, skipped
        self.series_view.clear()
        for row, model in enumerate(series):
            item = QListWidgetItem(series_label(model))
            item.setToolTip(str(model.instances[0].path) if model.instances else "")
            self.series_view.addItem(item)
            self._request_thumbnail(row, model)
        self.viewer.set_series_list(series)
        for model in old:  # no viewport shows them any more
            model.close(timeout=0)
        layout, preset, slice_number = self._initial
        self._initial = ("1x1", None, None)
        self.viewer.set_layout(layout if len(series) > 1 or layout == "1x1" else "1x1")
        kept = shown is not None and self._keep_shown(first, shown, state)
        if preset:  # a CT window means nothing on MR or US: only CT viewports take it
            for vp in self.viewer.visible_viewports():
                if vp is first and kept:
                    continue  # it has the preset already, or a window the user chose since
                if vp.series is not None and vp.series.instances[0].info.modality == "CT":
                    vp.set_window(CT_PRESETS[preset])
        if slice_number:  # in the first viewport with that many images; the others follow by sync
            target = next((vp for vp in self.viewer.visible_viewports() if vp.count >= slice_number), None)
            if target is not None:
                self.viewer.set_active_viewport(target)
                target.set_index(slice_number - 1)
        self.viewer.active.setFocus()
        if not series:
            message = _("No DICOM images in {path}.").format(path=path)
        else:
            message = ngettext("{n} series from {path}", "{n} series from {path}", len(series)).format(n=len(series), path=path)
        if skipped:
            message += " " + ngettext("({n} unreadable file left out)", "({n} unreadable files left out)", len(skipped)).format(
                n=len(skipped))
        self.statusBar().showMessage(message)
        self.loaded.emit(len(series))

    def _keep_shown(self, vp, shown, state) -> bool:
        """`vp` showed the provisional image `shown`: it gets the real series of that image, on
        it, with the view the user left (window, zoom...). False when no series has it: `vp`
        then goes to the middle of its series."""
        found = next(((model, n) for model in self.series if (n := model.index_of(shown)) is not None), None)
        if found is None:
            if vp.count:
                vp.set_index(vp.count // 2)
            return False
        model, n = found
        if vp.series is model:
            vp.set_index(n)
        else:
            for other in self.viewer.viewports:  # swapped, so that no series shows twice
                if other.series is model:
                    other.set_series(vp.series)
            vp.set_series(model, n)
        vp.state = state
        vp.update()
        vp.viewChanged.emit()
        return True

    def _request_thumbnail(self, row: int, model: SeriesModel) -> None:
        def done(_n, result, row=row):
            if isinstance(result, Frame):
                try:
                    self._thumbnailReady.emit(row, result)
                except RuntimeError:
                    pass  # the window is gone
        model.request(len(model) // 2, done, viewport=("thumbnail", id(self)))

    def _set_thumbnail(self, row: int, frame: Frame) -> None:
        item = self.series_view.item(row)
        if item is None:
            return
        h, w = frame.modality.shape[:2]
        step = max(1, min(h, w) // (2 * THUMB))  # no need to window more pixels than the icon shows
        pixels = np.ascontiguousarray(render(frame)[::step, ::step])
        image = to_qimage(pixels).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
        item.setIcon(QIcon(QPixmap.fromImage(image)))

    # -- tags and key images -------------------------------------------------------------------

    def _show_tags(self, dataset) -> None:
        if self.tags_dock.isVisible():
            self.tags.set_dataset(dataset)
        else:
            self._pending_tags = dataset

    def _tags_visible(self, visible: bool) -> None:
        if not visible:
            return
        if not self._tags_sized:  # the first time only: later the user's own width is kept
            self._tags_sized = True
            self.resizeDocks([self._left_dock, self.tags_dock], [200, 420], Qt.Orientation.Horizontal)
        if self._pending_tags is not None:
            self.tags.set_dataset(self._pending_tags)
            self._pending_tags = None

    def _key_image_added(self, key_image) -> None:
        self.key_image_menu.setEnabled(True)
        number = len(self.viewer.key_images)
        label = f"{number}. {key_image.caption or _('(no caption)')}"
        self.key_image_menu.addAction(label, lambda k=key_image: self.save_key_image(k))
        self.statusBar().showMessage(_("Key image {n} kept in memory; File ▸ Save key image PNG… to save it.")
                                     .format(n=number))

    def save_key_image(self, key_image, path: str | None = None) -> Path | None:
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, _("Save key image"), "key-image.png",
                                                        _("PNG images (*.png)"))
            if not path:
                return None
        target = Path(path)
        try:
            target.write_bytes(key_image.png)
        except OSError as exc:
            QMessageBox.warning(self, _("Save key image"),
                                _("{path} cannot be written: {reason}").format(path=target, reason=exc.strerror))
            return None
        return target

    def closeEvent(self, event) -> None:
        self.viewer.stop_cine()
        self.runner.shutdown()
        for model in self.series + ([self.provisional] if self.provisional is not None else []):
            model.close(timeout=1.0)
        super().closeEvent(event)


def run_viewer(path: Path, *, layout: str = "1x1", preset: str | None = None, slice_number: int | None = None) -> int:
    """Start Qt, show the viewer window on `path`, run until it is closed."""
    from app.store import paths
    from app.ui.language_settings import install_language, saved_language

    app = QApplication.instance() or QApplication([])
    from app.ui import gc_guard
    gc_guard.install(app)
    app.setApplicationName("Second-O")
    # The window's language (Settings ▸ Language), Qt's own words and QLocale included.
    install_language(app, saved_language(paths.data_dir()))
    window = ViewerWindow(path, layout=layout, preset=preset, slice_number=slice_number)
    screen = app.primaryScreen()
    if screen is not None:
        window.setGeometry(screen.availableGeometry())
    window.show()
    return app.exec()
