"""The DICOM viewer's toolbar: two rows of icon buttons in named sections, side by side
when the viewer is wide enough, else one above the other, so that nothing a reviewer needs
hides behind a toolbar's "»".

Sections, in order (a viewer feature adds its actions to the section it belongs to):
- first row: "layout" (1×1, 1×2, 2×2, MPR…), "tools" (what the left button does: W/L, the
  measurements, annotations), "volume" (compare with a prior…), "display" (what is drawn
  over the image: overlays, reference lines…);
- second row: "image" (key image, tags), "view" (window, fit, reset, 1:1, rotate, flip,
  invert), "scroll" (cine, fps, sync).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QBoxLayout, QToolBar, QWidget

SECTIONS: dict[str, int] = {"layout": 0, "tools": 0, "volume": 0, "display": 0,
                            "image": 1, "view": 1, "scroll": 1}
ICON_SIZE = 18


class ViewerToolbarWidget(QWidget):
    """`add(section, action)` / `add_widget(section, widget)` append to a section; `rows` are
    the two QToolBars; separators show only between sections that have something."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = [QToolBar(self), QToolBar(self)]
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._ends: dict[str, QAction] = {}
        self._counts = dict.fromkeys(SECTIONS, 0)
        for number, row in enumerate(self.rows):
            row.setObjectName(f"dicom-tools-{number + 1}")
            row.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
            row.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)  # text-only actions show their text
            self._layout.addWidget(row)
        self._layout.addStretch(1)
        for section, number in SECTIONS.items():
            self._ends[section] = self.rows[number].addSeparator()
        self._update_separators()

    def add(self, section: str, action: QAction) -> QAction:
        row = self.rows[SECTIONS[section]]
        row.insertAction(self._ends[section], action)
        self._added(section)
        return action

    def add_widget(self, section: str, widget: QWidget) -> QAction:
        action = self.rows[SECTIONS[section]].insertWidget(self._ends[section], widget)
        self._added(section)
        return action

    def section_actions(self, section: str) -> list[QAction]:
        row = self.rows[SECTIONS[section]]
        actions = row.actions()
        end = actions.index(self._ends[section])
        earlier = [self._ends[s] for s, n in SECTIONS.items() if n == SECTIONS[section]]
        start = max((actions.index(a) + 1 for a in earlier if actions.index(a) < end), default=0)
        return actions[start:end]

    def _added(self, section: str) -> None:
        self._counts[section] += 1
        self._update_separators()

    def _update_separators(self) -> None:
        for number in range(len(self.rows)):
            sections = [s for s, n in SECTIONS.items() if n == number]
            for i, section in enumerate(sections):
                later = any(self._counts[s] for s in sections[i + 1:])
                self._ends[section].setVisible(bool(self._counts[section]) and later)

    def side_by_side_width(self) -> int:
        return sum(row.sizeHint().width() for row in self.rows)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.arrange(event.size().width())

    def arrange(self, width: int) -> None:
        """Both rows on one line when `width` holds them, else one above the other."""
        wide = width >= self.side_by_side_width()
        self._layout.setDirection(QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom)
