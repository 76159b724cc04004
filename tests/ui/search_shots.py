"""Screenshots of the dossier search on the DEMO case, on a real screen (for
/work/shared/tools/xshot): the case opened, its texts read by the text job (Tesseract for the
scanned letter), the search panel (Ctrl+Shift+F) with the hits of a word, and with `open`,
the hit of the scanned letter opened at its page with the word highlighted.

    python -m app demo --no-window --out DIR          # the DEMO case in DIR/home
    xshot hits.png --size 1600x900 --wait 60 -- python -m tests.ui.search_shots DIR/home 1600x900 antiplatelet
    xshot open.png --size 1600x900 --wait 60 -- python -m tests.ui.search_shots DIR/home 1600x900 antiplatelet open
    (before the texts are read: `reading` shows the panel while the job runs)
"""

from __future__ import annotations

import sys


def main(home: str, size: str, word: str, *extra: str) -> int:
    from PySide6.QtCore import Qt

    from app.ui.app_main import wait_until
    from app.ui.dossier_search_widget import HIT_ROLE
    from tests.ui.shot_window import demo_window

    width, height = (int(n) for n in size.split("x"))
    language = next((e.split("=", 1)[1] for e in extra if e.startswith("lang=")), "en")
    app, window, case_id = demo_window(home, language, (width, height))
    window.show()
    window.open_case(case_id)
    view = window.case_view
    wait_until(lambda: view.data is not None, 30)
    if "reading" not in extra:
        wait_until(lambda: view.data.texts_missing == [] and not window.text_jobs.running, 180)
    window.search_dossier()
    panel = view.search_panel
    panel.field.setText(word)
    panel.search_now()
    if "open" in extra:
        wait_until(lambda: panel.index is not None and panel.results.count() > 0, 30)
        panel.search_now()
        scan = next((r for r in range(panel.results.count())
                     if panel.results.item(r).data(HIT_ROLE).path.endswith(".tif")), 0)
        panel.results.setCurrentRow(scan)
        panel.results.setFocus(Qt.FocusReason.OtherFocusReason)
        panel.hitActivated.emit(panel.results.item(scan).data(HIT_ROLE), panel.query)
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
