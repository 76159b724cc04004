"""Screenshots of the case view's Timeline tab (for /work/shared/tools/xshot): the DEMO case's
timeline in the window, or a synthetic case of 500 documents and studies over 30 years in the
Timeline widget alone.

    python -m app demo --no-window --out DIR          # the DEMO case in DIR/home
    xshot demo.png --size 1600x900 --wait 12 -- python -m tests.ui.timeline_shots demo DIR/home 1600x900 [nl]
    xshot many.png --size 1400x560 --wait 6 -- python -m tests.ui.timeline_shots many 1400x560 [zoom]
    xshot flagged.png --size 1600x900 --wait 60 -- python -m tests.ui.timeline_shots flagged DIR 1600x900 [zoom]
    (DIR: made on the first run, the DEMO case with a letter about another patient, its texts read)
"""

from __future__ import annotations

from datetime import date, timedelta
import random
import sys


def synthetic_view(count: int = 500, years: int = 30, seed: int = 18) -> dict:
    """A case view (case_json's shape) of `count` documents and studies over `years` years,
    denser in the last two, with a few undated; "Test Patient"'s."""
    rng = random.Random(seed)
    kinds = ("correspondence", "history_letter", "imaging_report", "operation_report", "lab_result", "other")
    first = date(2026, 11, 1) - timedelta(days=365 * years)
    documents, studies = [], []
    for n in range(count):
        recent = rng.random() < 0.4
        day = (date(2026, 11, 1) - timedelta(days=rng.uniform(0, 730)) if recent
               else first + timedelta(days=rng.uniform(0, 365 * years)))
        when = None if n % 97 == 5 else day.isoformat()
        if n % 6 == 0:
            modality = rng.choice(("CT", "MR", "CR", "US", "PT"))
            studies.append({"study_uid": f"1.2.826.0.1.{n}", "date": when and when.replace("-", ""),
                            "description": f"{modality} examination {n} (synthetic)",
                            "series": [{"series_uid": f"1.2.826.0.1.{n}.1", "modality": modality}]})
        else:
            kind = rng.choice(kinds)
            documents.append({"id": f"{n:032x}", "kind": kind, "title": f"Document {n}: {kind.replace('_', ' ')}",
                              "date": when, "author": "Dr. Test Author", "path": f"documents/{n}.pdf"}
                             | ({"identity": {"status": "mismatch"}} if n % 61 == 7 else {}))
    return {"question": "Is the proposed treatment indicated, given the whole history? (synthetic case)",
            "documents": documents, "studies": studies}


def many(size: str, *extra: str) -> int:
    from app.dossier.timeline import build_timeline
    from app.ui.app_main import application
    from app.ui.timeline_widget import TimelineWidget

    language = next((e for e in extra if e in ("nl", "fr")), "en")
    app = application(language)
    widget = TimelineWidget()
    widget.set_timeline(build_timeline(synthetic_view()))
    widget.setGeometry(0, 0, *(int(n) for n in size.split("x")))
    widget.show()
    if "zoom" in extra:  # about the last two years
        canvas = widget.canvas
        app.processEvents()
        last = max(i.day for i in canvas.timeline.items)
        canvas.zoom(12.0, canvas.gutter + canvas.window.x(last, canvas.axis_width))
    widget.canvas.setFocus()
    return app.exec()


def demo(home: str, size: str, *extra: str) -> int:
    from app.ui.app_main import wait_until
    from tests.ui.shot_window import demo_window

    language = next((e for e in extra if e in ("nl", "fr")), "en")
    width, height = (int(n) for n in size.split("x"))
    app, window, case_id = demo_window(home, language, (width, height))
    window.show()
    window.open_case(case_id)
    view = window.case_view
    wait_until(lambda: view.data is not None, 30)
    if "keys" in extra:  # the keyboard only: Ctrl+Shift+T, then arrows (and Enter with "enter")
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        window.activateWindow()
        app.processEvents()
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_T,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        app.processEvents()
        for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Right):
            QTest.keyClick(QApplication.focusWidget(), key)
            app.processEvents()
        print("focused:", type(QApplication.focusWidget()).__name__, view.tab_for("timeline").canvas.focus_key)
        if "enter" in extra:
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    else:
        view.show_timeline()
    if "zoom" in extra:  # the letters' cluster clicked: zoomed in on its documents
        canvas = view.tab_for("timeline").canvas
        wait_until(lambda: canvas.width() > 300, 10)
        app.processEvents()
        marks, _ticks, _chips = canvas.layout_now()
        canvas.activate(max((m for ms in marks.values() for m in ms), key=lambda m: len(m.items)))
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "flagged":  # the DEMO case with a letter about another patient (tests/ui/docid_shots.py)
        from pathlib import Path

        from tests.ui.docid_shots import demo_with_letter

        out, *rest = rest
        sys.exit(demo(demo_with_letter(Path(out)), *rest))
    sys.exit(demo(*rest) if mode == "demo" else many(*rest))
