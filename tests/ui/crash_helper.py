"""A separate process for the crash-recovery test (run as `python -m tests.ui.crash_helper`):

    prepare OUT      build the demo package into OUT, import it; prints the case id
    type CASE TEXT   open the window on CASE, type TEXT into the form, wait 2.5 s, print
                     READY, then sleep until killed
    read CASE        print the saved draft of CASE as JSON

SECONDO_HOME names the data folder; without a keyring the vault passphrase is fixed.
"""

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PASSPHRASE = "crash-test-vault-passphrase"


def _store():
    from app.store.store import CaseStore
    return CaseStore.open(prompt=lambda is_new: PASSPHRASE)


def prepare(out: str) -> None:
    from app.demo.package import build_demo_package
    from app.dossier.importer import DossierImporter
    built = build_demo_package(out, ct_slices=2, ct_size=64)
    with _store() as store:
        result = DossierImporter(store, [built.reviewer_identity()], [built.root]).run([built.package])
    print(result.case_id)


def type_and_wait(case_id: str, text: str) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit
    from app.ui.app_main import application, wait_until
    from app.ui.main_window import MainWindow

    app = application()
    store = _store()
    window = MainWindow(store)
    window.show()
    shown = []
    window.caseShown.connect(shown.append)
    window.open_case(case_id)
    assert wait_until(lambda: bool(shown), 30), "the case did not open"
    form = window.form.form
    field = next(f for kind in (QPlainTextEdit, QTextEdit, QLineEdit) for f in form.findChildren(kind)
                 if f.isEnabled() and not f.isReadOnly() and f.isVisibleTo(form))
    field.setFocus()
    QTest.keyClicks(field, text)
    wait_until(lambda: False, 2.5)
    print("READY", flush=True)
    while True:  # killed here, with the window open and the event loop running
        app.processEvents()
        time.sleep(0.05)


def read(case_id: str) -> None:
    from app.store.drafts import DraftStore
    with _store() as store:
        print(json.dumps(DraftStore(store).load(case_id)))


if __name__ == "__main__":
    verb, *rest = sys.argv[1:]
    {"prepare": prepare, "type": type_and_wait, "read": read}[verb](*rest)
