"""What a window shows in the pseudo-language "qps" (tests/pseudo_locale.py), read off its
widgets: every visible text (labels, buttons, menus and toolbars, headers and cells, group
boxes, tabs, titles, placeholders, combo items) and whether it went through gettext (inside
⟦ ⟧), and every label or button too narrow for its text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import re

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QAction, Qt, QTextDocument  # QtGui's Qt also has mightBeRichText
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QApplication, QCheckBox, QComboBox,
                               QDialogButtonBox, QDockWidget, QGroupBox, QHeaderView, QLabel, QLineEdit,
                               QMenu, QMenuBar, QMessageBox, QPlainTextEdit, QPushButton, QRadioButton,
                               QStatusBar, QStyle, QStyleOptionButton, QTabBar, QTextEdit, QToolBar, QToolButton, QWidget)

from app.core.i18n import LANGUAGE_NAMES
from tests.pseudo_locale import CLOSE, OPEN

#: Qt's own words on the standard buttons of a QDialogButtonBox or QMessageBox: they come from
#: qtbase's catalogue (QTranslator), which has no "qps", so they stay English here.
QT_OWN_TEXTS = frozenset({
    "OK", "&OK", "Cancel", "&Cancel", "Close", "&Close", "Apply", "&Apply", "Save", "&Save",
    "Save All", "Open", "&Open", "Yes", "&Yes", "Yes to &All", "No", "&No", "N&o to All", "Abort",
    "Retry", "Ignore", "Discard", "Don't Save", "Close without Saving", "Help", "Reset",
    "Restore Defaults",
})
#: Qt's own tooltips (a tab's close button).
QT_OWN_TOOLTIPS = frozenset({"Close Tab"})
#: Words that are the same in every language the window speaks: the languages named in
#: themselves (the language menu), units and DICOM codes shown as such.
UNIVERSAL_WORDS = frozenset({*LANGUAGE_NAMES.values(), "mm", "cm", "HU", "px", "kB", "KB", "MB", "GB",
                             "CT", "MR", "PT", "US", "CR", "DX", "SR", "OT", "SC", "SEG", "KO", "PR", "DOC",
                             "W", "L", "WL", "WW", "DICOM", "PDF", "TIFF", "ISO", "SODP", "PAdES", "BSN"})

_MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_FILE = re.compile(r"(?:[\w.~-]*/)*[\w.~-]+\.(?:pdf|tiff?|dcm|iso|sodp|p7m|p12|pfx|pem|png|jpe?g|json|txt|zip)\b",
                   re.IGNORECASE)
_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:|~)?(?:[/\\][\w.~-]+){2,}[/\\]?")  # two parts at least: not "Next / previous"
_DATE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\b|\b\d{1,2}:\d{2}\b")
_NUMBER = re.compile(r"[-+]?\d[\d.,:/×x]*")
# Key names as QKeySequence writes them ("Ctrl+PgDown", "Shift+R", "F11", "Esc"): Qt's words.
_KEYS = re.compile(r"(?<![\w+])(?:(?:Ctrl|Shift|Alt|Meta)\+)*(?:F\d{1,2}|PgUp|PgDown|Space|Esc|Del|Ins|Home|End|Tab"
                   r"|Backspace|Enter|Return|Up|Down|Left|Right|[A-Z]|[-+\\=])(?![\w+])")
# A certificate's distinguished name ("CN=Dr. Test (DEMO),O=Hospital,C=BE"): data.
_DN = re.compile(r"\b(?:CN|OU|O|C|L|ST|E|SN|serialNumber|emailAddress)=(?:[^,\n(⟦⟧·]|\([^)\n⟦⟧]*\))*")
_MIME = re.compile(r"\b(?:application|image|text|audio|video|multipart)/[\w.+-]+")  # a media type: data
_UID = re.compile(r"\b[0-9a-f]{8,}\b")
_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&[a-z]+;|&#\d+;")


@dataclass(frozen=True)
class Found:
    """A text the window shows, where: `kind` (label, button, menu, header, cell, …) and the
    widget as `QLabel 'objectName' in Parent > Parent`."""

    text: str
    kind: str
    where: str
    owner: str = "?"  # the module of the nearest widget class of ours: whose string it is

    def __str__(self) -> str:
        return f"{self.kind:<11} {self.where}: {self.text!r}"


def owner(widget: QWidget | None) -> str:
    """The module of `widget`'s class or of its nearest parent's that is not Qt's own."""
    node = widget
    while node is not None:
        module = type(node).__module__
        if not module.startswith(("PySide6", "shiboken6")):
            return module
        node = node.parentWidget()
    return "?"


def describe(widget: QWidget | None) -> str:
    if widget is None:
        return "?"
    parts = []
    node = widget
    while node is not None and len(parts) < 4:
        name = node.objectName()
        parts.append(type(node).__name__ + (f" '{name}'" if name and not name.startswith("qt_") else ""))
        node = node.parentWidget()
    return parts[0] + (" in " + " > ".join(parts[1:]) if len(parts) > 1 else "")


def plain(text: str, rich: bool = False) -> str:
    """The text as read on the screen: without tags, entities decoded, mnemonics' '&' gone."""
    if rich or Qt.mightBeRichText(text):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return re.sub(r"&(.)", r"\1", text)


def residue(text: str, data: Iterable[str] = ()) -> str:
    """What is left of `text` once every ⟦marked⟧ part, the case's own data, file names, paths,
    dates, numbers and words the same in every language are taken out."""
    rest = _DN.sub(" ", _PATH.sub(" ", _FILE.sub(" ", _MIME.sub(" ", text))))  # before the data: a file may be named after a date
    while True:
        shorter = _MARKED.sub(" ", rest)
        if shorter == rest:
            break
        rest = shorter
    for value in sorted(data, key=len, reverse=True):
        if value and value.lower() in rest.lower():
            rest = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", rest, flags=re.IGNORECASE)
    for pattern in (_TAG, _ENTITY, _KEYS, _DATE, _UID, _NUMBER):
        rest = pattern.sub(" ", rest)
    words = [w for w in re.findall(r"[^\W\d_]+", rest) if w not in UNIVERSAL_WORDS]
    return " ".join(words)


def unmarked(found: Iterable[Found], data: Iterable[str] = ()) -> list[Found]:
    """The texts with words outside the markers that are not the case's data (whole, or
    elided at the end as a tab elides a document's title)."""
    data = list(data)

    def elided_data(text: str) -> bool:
        stem = text.strip()[:-1].rstrip()
        return text.strip().endswith("…") and len(stem) > 3 and any(value.startswith(stem) for value in data)

    return [f for f in found if residue(f.text, data) and not elided_data(f.text)]


# -- reading the texts --------------------------------------------------------------------------


def _is_standard_button(button: QAbstractButton) -> bool:
    parent = button.parentWidget()
    while parent is not None and not isinstance(parent, QDialogButtonBox | QMessageBox):
        parent = parent.parentWidget() if not parent.isWindow() else None
    if isinstance(parent, QDialogButtonBox):
        standard = parent.standardButton(button) != QDialogButtonBox.StandardButton.NoButton
    elif isinstance(parent, QMessageBox):
        standard = parent.standardButton(button) != QMessageBox.StandardButton.NoButton
    else:
        return False
    return standard and button.text() in QT_OWN_TEXTS


def _model_texts(view: QAbstractItemView, where: str, max_rows: int, mine: str) -> list[Found]:
    model = view.model()
    if model is None:
        return []
    def columns(parent: QModelIndex) -> int:
        try:
            return model.columnCount(parent)
        except TypeError:  # a list model keeps columnCount private: one column
            return 1

    def children(index: QModelIndex) -> bool:
        try:
            return model.hasChildren(index)
        except TypeError:  # a list or table model keeps hasChildren private: none
            return False

    found = []
    header = getattr(view, "horizontalHeader", None)
    hidden = getattr(view, "isColumnHidden", lambda c: False)
    if callable(header) and view.horizontalHeader().isVisible():
        for column in range(columns(QModelIndex())):
            if not hidden(column):
                value = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
                if value:
                    found.append(Found(str(value), "header", where, mine))
    tree_header = getattr(view, "header", None)
    if callable(tree_header) and not view.header().isHidden():
        for column in range(columns(QModelIndex())):
            value = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            if value:
                found.append(Found(str(value), "header", where, mine))

    def cells(parent: QModelIndex, depth: int) -> None:
        for row in range(min(model.rowCount(parent), max_rows)):
            for column in range(columns(parent)):
                if hidden(column):
                    continue
                index = model.index(row, column, parent)
                value = model.data(index, Qt.ItemDataRole.DisplayRole)
                if isinstance(value, str) and value.strip():
                    found.append(Found(value, "cell", where, mine))
                tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
                if isinstance(tip, str) and tip.strip():
                    found.append(Found(plain(tip), "cell tip", where, mine))
                if column == 0 and depth < 4 and children(index):
                    cells(index, depth + 1)

    cells(QModelIndex(), 0)
    return found


def _action_texts(actions: Iterable[QAction], where: str, seen: set, mine: str) -> list[Found]:
    found = []
    for action in actions:
        if id(action) in seen or action.isSeparator() or not action.isVisible():
            continue
        seen.add(id(action))
        if action.text():
            found.append(Found(plain(action.text()), "action", where, mine))
        menu = action.menu()
        if isinstance(menu, QMenu):
            if menu.title():
                found.append(Found(plain(menu.title()), "menu", where, mine))
            found += _action_texts(menu.actions(), f"{where} ▸ {plain(menu.title())}", seen, mine)
    return found


def menu_texts(menu: QMenu) -> list[Found]:
    """The texts of a context menu and its submenus (shown or not)."""
    return _action_texts(menu.actions(), describe(menu), set(), owner(menu))


def visible_texts(root: QWidget, *, max_rows: int = 40, tooltips: bool = True) -> list[Found]:
    """Every text `root` and its visible children show (menus and toolbars included)."""
    found: list[Found] = []
    seen_actions: set = set()
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if not widget.isVisible() and not isinstance(widget, QMenuBar | QToolBar):
            continue
        where, mine = describe(widget), owner(widget)
        if widget.isWindow() or isinstance(widget, QDockWidget):
            if widget.windowTitle():
                found.append(Found(widget.windowTitle(), "title", where, mine))
        if tooltips and widget.toolTip() and widget.toolTip() not in QT_OWN_TOOLTIPS:
            found.append(Found(plain(widget.toolTip()), "tooltip", where, mine))
        if isinstance(widget, QLabel):
            if widget.text():
                found.append(Found(plain(widget.text(), widget.textFormat() == Qt.TextFormat.RichText), "label", where, mine))
        elif isinstance(widget, QAbstractButton):
            if widget.text() and not _is_standard_button(widget):
                found.append(Found(plain(widget.text()), "button", where, mine))
        elif isinstance(widget, QGroupBox):
            if widget.title():
                found.append(Found(plain(widget.title()), "group", where, mine))
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                if widget.isTabVisible(i) and widget.tabText(i):
                    found.append(Found(plain(widget.tabText(i)), "tab", where, mine))
        elif isinstance(widget, QLineEdit):
            if widget.placeholderText():
                found.append(Found(widget.placeholderText(), "placeholder", where, mine))
            if widget.isReadOnly() and widget.text():
                found.append(Found(widget.text(), "field", where, mine))
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            if widget.placeholderText():
                found.append(Found(widget.placeholderText(), "placeholder", where, mine))
        elif isinstance(widget, QAbstractSpinBox):
            for text in (getattr(widget, "prefix", str)(), getattr(widget, "suffix", str)(), widget.specialValueText()):
                if text.strip():
                    found.append(Found(text, "spin box", where, mine))
        elif isinstance(widget, QComboBox):
            for i in range(widget.count()):
                if widget.itemText(i):
                    found.append(Found(widget.itemText(i), "combo item", where, mine))
        elif isinstance(widget, QStatusBar):
            if widget.currentMessage():
                found.append(Found(widget.currentMessage(), "status", where, mine))
        elif isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView):
            found += _model_texts(widget, where, max_rows, mine)
        if isinstance(widget, QMenuBar | QToolBar):
            found += _action_texts(widget.actions(), where, seen_actions, mine)
    return found


# -- clipping -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clipped:
    text: str
    where: str
    needed: int
    width: int
    owner: str = "?"

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r} needs {self.needed} px, has {self.width}"


def _label_needs(label: QLabel) -> int:
    text = label.text()
    if label.textFormat() == Qt.TextFormat.RichText or (label.textFormat() == Qt.TextFormat.AutoText
                                                        and Qt.mightBeRichText(text)):
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(text)
        width = round(doc.idealWidth())
    else:
        if label.buddy() is not None:
            text = re.sub(r"&(.)", r"\1", text)
        metrics = label.fontMetrics()
        width = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
    return width + 2 * label.margin() + max(label.indent(), 0)


def _button_needs(button: QAbstractButton) -> int | None:
    text = re.sub(r"&(.)", r"\1", button.text())
    if not text:
        return None
    metrics = button.fontMetrics()
    width = metrics.horizontalAdvance(text)
    icon = button.iconSize().width() + 4 if not button.icon().isNull() else 0
    style = button.style()
    if isinstance(button, QToolButton):
        if button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly and not button.icon().isNull():
            return None
        if button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextUnderIcon:
            icon = 0
        return width + icon + 2 * style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, None, button) // 2
    if isinstance(button, QCheckBox | QRadioButton):
        indicator = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth if isinstance(button, QCheckBox)
                                      else QStyle.PixelMetric.PM_ExclusiveIndicatorWidth, None, button)
        spacing = style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, None, button)
        return width + icon + indicator + spacing
    if isinstance(button, QPushButton):
        option = QStyleOptionButton()
        option.initFrom(button)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, option, button)
        frame = style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, option, button)
        return width + icon + margin + 2 * frame
    return width + icon


#: A text field narrower than this many average characters has been squeezed by its neighbours.
FIELD_CHARS = 6


def _clipped_sections(header: QHeaderView) -> list[Clipped]:
    """The columns of a table narrower than their header's text (the column's name cut off)."""
    model, found = header.model(), []
    if model is None:
        return found
    metrics = header.fontMetrics()
    margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    for section in range(header.count()):
        if header.isSectionHidden(section) or header.sectionSize(section) == 0:
            continue
        text = model.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        if not isinstance(text, str) or not text:
            continue
        needed = max(metrics.horizontalAdvance(line) for line in text.split("\n")) + margin
        if needed > header.sectionSize(section):
            found.append(Clipped(f"column: {text}", describe(header), needed, header.sectionSize(section),
                                 owner(header)))
    return found


def clipped(root: QWidget) -> list[Clipped]:
    """The visible labels (one line, not elided on purpose) and buttons narrower than their
    text, the columns narrower than their header, and the text fields squeezed by long labels
    beside them to a few characters."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 0:
            continue
        if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit | QComboBox):
            if isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
                continue
            needed = FIELD_CHARS * widget.fontMetrics().averageCharWidth()
            if widget.width() < needed and widget.maximumWidth() >= needed:
                text = widget.currentText() if isinstance(widget, QComboBox) else (
                    widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText())
                found.append(Clipped(f"field: {text[:30]}", describe(widget), needed, widget.width(), owner(widget)))
            continue
        if isinstance(widget, QHeaderView) and widget.orientation() == Qt.Orientation.Horizontal:
            found += _clipped_sections(widget)
            continue
        if isinstance(widget, QLabel):
            text = widget.text()
            elided = "…" in text and not text.rstrip().endswith(CLOSE)  # cut by the code itself
            if not text or widget.wordWrap() or elided or not widget.pixmap().isNull():
                continue
            needed, width = _label_needs(widget), widget.contentsRect().width()
        elif isinstance(widget, QAbstractButton):
            needed = _button_needs(widget)
            if needed is None:
                continue
            width = widget.width()
        else:
            continue
        if needed > width:
            found.append(Clipped(plain(widget.text()), describe(widget), needed, width, owner(widget)))
    return found


def top_windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]
