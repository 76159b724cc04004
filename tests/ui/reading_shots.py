"""Screenshots of the read state on the DEMO case (for /work/shared/tools/xshot): the navigator
with its unread documents (bold, a dot, each group's count) after two documents were opened,
and the form scrolled to "Documents reviewed", which lists those two. `secondo demo --no-window`
signs its opinion (a signed form never changes), so the script imports the DEMO dossier, not
signed, into a data folder of its own, DIR/home, made on the first run.

    xshot reading.png --size 1600x900 --wait 40 -- python -m tests.ui.reading_shots DIR 1600x900 [nl|fr]
    (extra word `keys`: nothing is opened, for a walk with xdotool)
"""

from __future__ import annotations

import os
from pathlib import Path
import sys


def unsigned_demo(out: Path) -> str:
    """DIR/home with the DEMO case imported (not signed) and the DEMO reviewer's profile."""
    home = out / "home"
    if home.exists():
        return str(home)
    os.environ["SECONDO_HOME"] = str(home)
    from app.commands.demo import _demo_prompt
    from app.demo.package import build_demo_package
    from app.dossier.importer import DossierImporter
    from app.opinion.profile import ReviewerProfile, save_profile
    from app.store.store import CaseStore

    built = build_demo_package(out / "package", ct_slices=8)
    with CaseStore.open(home, _demo_prompt) as store:
        save_profile(ReviewerProfile("Dr. Test Reviewer (DEMO)", "Pulmonology", "1-00000-99-000 (DEMO)"))
        DossierImporter(store, [built.reviewer_identity()], [built.root]).run([built.package])
    return str(home)


def main(folder: str, size: str, language: str = "en", *extra: str) -> int:
    from app.ui.app_main import wait_until
    from tests.ui.shot_window import demo_window

    home = unsigned_demo(Path(folder))
    width, height = (int(n) for n in size.split("x"))
    app, window, case_id = demo_window(home, language, (width, height))
    window.show()
    window.open_case(case_id)
    view = window.case_view
    wait_until(lambda: view.data is not None and window.form.form is not None, 30)
    documents = [n for kind, n in view._order if kind == "document"]
    for n in documents[:0 if "keys" in extra else 2]:  # keys: nothing opened, the keyboard does it  # the referral and the next one, as Next unread document opens them
        view.read_state.next_unread()
        wait_until(lambda n=n: view.read_state.is_read(n), 30)
    window.form.form.focus_item("documents-reviewed")
    view.navigator.setFocus()
    try:
        return app.exec()
    finally:
        window.shutdown()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
