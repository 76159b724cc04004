"""Screenshots of the identity check inside documents on the DEMO case (for
/work/shared/tools/xshot): a letter about another patient ("Other Testperson", born
02/02/1980) added to the DEMO case, its documents' texts read (as the window's text job does after an
import) and the letter flagged. `worklist`:
the list with the case's identity cell and its tooltip; `navigator`: the case open, the
letter in red in the navigator with its tooltip. DIR/home is made on the first run (the
DEMO dossier imported, the letter added).

    xshot docid-nav.png --size 1600x900 --wait 60 -- python -m tests.ui.docid_shots DIR navigator 1600x900 [nl|fr]
"""

from __future__ import annotations

from pathlib import Path
import sys


def demo_with_letter(out: Path) -> str:
    home = out / "home"
    if home.exists():
        return str(home)
    from tests.ui.reading_shots import unsigned_demo

    unsigned_demo(out)
    from app.commands.demo import _demo_prompt
    from app.store.store import CaseStore
    from tests.unit.document_fixtures import add_other_patient_letter

    from app.dossier.case_texts import ensure_texts

    with CaseStore.open(home, _demo_prompt) as store:
        case_id = store.index.cases()[0]["id"]
        add_other_patient_letter(store, case_id, out)
        ensure_texts(store, case_id)  # as the window's text job after the import (OCR included)
    return str(home)


def _hover(widget, rect) -> None:
    """The pointer over `rect` of `widget` and the tooltip it asks for there, as for a user."""
    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtGui import QCursor, QHelpEvent
    from PySide6.QtWidgets import QApplication

    point = rect.center()
    QCursor.setPos(widget.mapToGlobal(point))
    QTimer.singleShot(1500, lambda: QApplication.sendEvent(
        widget, QHelpEvent(QEvent.Type.ToolTip, point, widget.mapToGlobal(point))))


def main(folder: str, mode: str, size: str, language: str = "en") -> int:
    from app.ui.app_main import wait_until
    from app.ui.navigator_widget import PROBLEM_ROLE
    from tests.ui.shot_window import demo_window

    home = demo_with_letter(Path(folder))
    width, height = (int(n) for n in size.split("x"))
    app, window, case_id = demo_window(home, language, (width, height))
    window.show()
    if mode == "navigator":
        window.open_case(case_id)
        view = window.case_view
        nav = view.navigator

        def flagged():
            return [i for i in nav.problem_items if i.data(0, PROBLEM_ROLE) == "other_patient"]

        wait_until(lambda: view.data is not None and bool(flagged()), 120)
        item = flagged()[0]
        nav.scrollToItem(item)
        nav.setFocus()
        wait_until(lambda: False, 1)
        _hover(nav.viewport(), nav.visualItemRect(item))
    else:
        model = window.worklist.model
        wait_until(lambda: model.rowCount() == 1 and model.rows[0].get("identity") == "mismatch", 30)
        table = window.worklist.table
        column = model.COLUMNS.index("identity")
        table.setFocus()
        wait_until(lambda: False, 1)
        _hover(table.viewport(), table.visualRect(table.model().index(0, column)))
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
