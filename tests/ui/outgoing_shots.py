"""Screenshots of the outgoing dialog on the signed DEMO case, on a real screen (for
/work/shared/tools/xshot): the form choice open, or the print preview of the cover letter.

    python -m app demo --no-window --out DIR          # a signed DEMO case in DIR/home
    xshot combo-en.png --wait 20 -- python -m tests.ui.outgoing_shots DIR/home combo en
    xshot preview-en.png --wait 25 -- python -m tests.ui.outgoing_shots DIR/home preview en

`combo`: the dialog for the patient with the choice of form open (`note`: closed, the reason
a form is not available shown); `preview`: a
Second-O package for the patient made, its cover letter in the print preview (`paper`: a
paper shipment, the cover letter and the opinion in one preview)."""

from __future__ import annotations

import os
import sys
import tempfile


def main(home: str, mode: str, language: str) -> int:
    os.environ["SECONDO_LANGUAGE"] = language
    from PySide6.QtCore import QTimer

    from app.demo.pki import DEMO_PASSPHRASE
    from app.ui.app_main import wait_until
    from tests.ui.shot_window import demo_window

    app, window, case_id = demo_window(home, language)
    window.resize(1500, 950)
    window.show()
    dialog = window.show_outgoing(case_id)
    wait_until(lambda: dialog.desk is not None, 30)
    roles = [dialog.table.item(r, 0).data(0x0100) for r in range(dialog.table.rowCount())]
    box = dialog.form_box
    if mode in ("combo", "note"):
        dialog.table.selectRow(roles.index("patient"))  # no certificate: the .p7m disabled, with why
        box.choose_form("pdf")
        dialog.raise_()
        box.form_combo.setFocus()
        if mode == "combo":
            QTimer.singleShot(800, box.form_combo.showPopup)
    else:
        dialog.table.selectRow(roles.index("patient"))
        dialog.destination.setText(tempfile.mkdtemp(prefix="secondo-shots-"))
        dialog.org_passphrase.setText(DEMO_PASSPHRASE)
        box.choose_form("paper" if mode == "paper" else "sodp")
        dialog.make_button.click()
        wait_until(lambda: dialog.last_result is not None, 60)
        if mode != "paper":
            dialog.result_box.print_file("cover")
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
