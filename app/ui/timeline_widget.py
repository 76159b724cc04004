"""The case view's Timeline tab: the referral question on top (always shown), Fit and the
lanes' legend, and the patient's history on a zoomable time axis
(app/ui/timeline_canvas_widget.py). What goes where is Qt-free (app/dossier/timeline.py,
app/dossier/timeline_layout.py)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from app.core.i18n import _
from app.dossier.timeline import Timeline, lane_label
from app.ui.timeline_canvas_widget import LANE_COLOURS, TimelineCanvasWidget


class TimelineWidget(QWidget):
    """The Timeline tab: the question (always shown), Fit and the legend, the canvas."""

    openRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_view = None  # the case view it belongs to (show_timeline), for refresh
        self.question = QLabel(self)
        self.question.setWordWrap(True)
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.question.setStyleSheet("QLabel { background: #fff8e1; border: 1px solid #e0c56e; padding: 6px; }")
        self.canvas = TimelineCanvasWidget(self)
        self.canvas.openRequested.connect(self.openRequested)
        self.fit_button = QToolButton(self)
        self.fit_button.setText(_("&Fit"))
        self.fit_button.setToolTip(_("Show the whole history (F)"))
        self.fit_button.clicked.connect(self.canvas.fit)
        QShortcut(QKeySequence("Alt+F"), self, self.canvas.fit, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.legend = QHBoxLayout()
        self.legend.setSpacing(14)
        bar = QHBoxLayout()
        bar.addWidget(self.fit_button)
        bar.addStretch(1)
        hint = QLabel(_("Wheel: zoom · drag: move · click or Enter: open"), self)
        hint.setEnabled(False)
        bar.addLayout(self.legend)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.addWidget(self.question)
        column.addLayout(bar)
        column.addWidget(self.canvas, 1)
        column.addWidget(hint, 0, Qt.AlignmentFlag.AlignRight)

    def set_timeline(self, timeline: Timeline, keep_view: bool = False) -> None:
        if timeline.question:
            self.question.setText(_("Question: {q}").format(q=timeline.question))
        else:
            self.question.setText(_("No question is recorded for this case."))
        while self.legend.count():
            widget = self.legend.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for lane in timeline.lanes:
            swatch = QLabel(f'<span style="color:{LANE_COLOURS[lane].name()}">●</span> {escape(lane_label(lane))}', self)
            self.legend.addWidget(swatch)
        self.canvas.set_timeline(timeline, keep_view)

    def refresh(self, *_changed) -> None:
        """The case's read state or its documents' identity checks changed: the same window,
        the marks anew."""
        self.set_timeline(timeline_of(self.case_view), keep_view=True)


def timeline_of(case_view) -> Timeline:
    """The timeline of the case the case view shows, with its unread documents."""
    from app.dossier.timeline import build_timeline

    read_state = getattr(case_view, "read_state", None)
    unread = read_state.unread() if read_state is not None else ()
    return build_timeline(case_view.data.view if case_view.data is not None else {}, unread)


def show_timeline(case_view) -> None:
    """View ▸ Timeline: the case view's Timeline tab, made the first time; an item clicked
    opens through the case view, and the marks follow the read state."""
    if case_view.data is None or case_view._focus_existing("timeline"):
        return
    tabs = case_view.current_tabs
    widget = TimelineWidget(tabs)
    widget.case_view = case_view
    widget.set_timeline(timeline_of(case_view))
    widget.openRequested.connect(case_view.open_target)
    if getattr(case_view, "read_state", None) is not None:
        case_view.read_state.changed.connect(widget.refresh)
    flags = getattr(case_view, "identity_flags", None)  # the documents checked again as their texts arrive
    if flags is not None:
        flags.changed.connect(widget.refresh)
    if getattr(case_view, "identity_flags", None) is not None:  # documents checked again in their texts
        case_view.identity_flags.changed.connect(widget.refresh)
    case_view._add_tab(tabs, widget, _("Timeline"), "timeline")
    widget.canvas.setFocus()
