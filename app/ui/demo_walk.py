"""The window on the DEMO case for `secondo demo`: on a display, the window itself; without
one, a scripted walk offscreen through every kind of document, the signing and the sending,
with a screenshot of each step."""

from __future__ import annotations

from pathlib import Path


from app.ui.app_main import application, wait_until
from app.core.i18n import _


def settle(seconds: float) -> None:
    wait_until(lambda: False, seconds)



def run_demo_window(out: Path, screenshots: bool, *, store, case_id: str, credentials: list = (),
                    roots: list = ()) -> int:
    """The window on the demo case; `screenshots`: walk offscreen and write PNGs into `out`."""
    from app.ui.main_window import MainWindow

    from app.core.i18n import interface_language

    app = application(interface_language())  # the demo's language (`demo --lang`), not the saved choice
    window = MainWindow(store, credentials=credentials, roots=roots)
    window.resize(1600, 1000)
    shown = []
    window.caseShown.connect(shown.append)
    window.show()
    if not screenshots:
        window.open_case(case_id)
        wait_until(lambda: bool(shown), 30)
        _open_first(window, "referral_letter")
        try:
            return app.exec()
        finally:
            window.shutdown()  # no worker may still use the store when the demo closes it
    written = demo_walk(window, case_id, Path(out))
    for path in written:
        if path.suffix == ".pdf":
            print(_("Signed opinion: {path}").format(path=path))
        elif path.suffix == ".iso":
            print(_("Outgoing package for the treating physician: {path}").format(path=path))
        else:
            print(_("Screenshot: {path}").format(path=path))
    window.close()
    window.shutdown()
    return 0


def _document_index(window, predicate) -> int | None:
    data = window.case_view.data
    if data is None:
        return None
    return next((n for n, d in enumerate(data.documents) if predicate(d)), None)


def _open_first(window, kind: str) -> int | None:
    n = _document_index(window, lambda d: d.get("kind") == kind)
    if n is not None:
        window.case_view.open_document(n)
    return n


def demo_walk(window, case_id: str, out: Path) -> list[Path]:
    """Open the worklist, the case, the referral PDF, the scanned TIFF, the CT series and the
    form in turn; one PNG of the window each."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def shot(name: str) -> None:
        settle(0.4)
        path = out / f"{name}.png"
        window.grab().save(str(path))
        written.append(path)

    loaded = []
    window.casesLoaded.connect(loaded.append)
    wait_until(lambda: bool(loaded) or window.worklist.model.rowCount() > 0, 20)
    shot("01-worklist")
    shown = []
    window.caseShown.connect(shown.append)
    window.open_case(case_id)
    wait_until(lambda: bool(shown), 60)
    view = window.case_view
    titles = []
    view.documentShown.connect(titles.append)
    if _open_first(window, "referral_letter") is not None:
        wait_until(lambda: bool(titles), 20)
        shot("02-case-referral-pdf")
    titles.clear()
    n = _document_index(window, lambda d: (d.get("media_type") or "").lower() == "image/tiff")
    if n is not None:
        view.open_document(n)
        wait_until(lambda: bool(titles), 20)
        shot("03-scanned-tiff")
    data = view.data
    ct = [uid for uid, model in data.series.items() if model.instances and model.instances[0].info.modality == "CT"]
    if ct:
        uid = max(ct, key=lambda u: len(data.series[u]))
        view.open_series(uid)
        wait_until(lambda: view.dicom is not None and view.dicom.active.frame is not None, 30)
        shot("04-ct-series")
        _demo_key_image(view.dicom)
    window.focus_form()
    shot("05-form")
    written += _sign_demo_opinion(window, out, shot)
    written += _send_demo_opinion(window, case_id, out, shot)
    return written


def _send_demo_opinion(window, case_id: str, out: Path, shot) -> list[Path]:
    """The secretary's turn: the desk (08-desk), then the outgoing dialog making the ISO for
    the treating physician, encrypted to the certificate in the address book (09-outgoing)."""
    from app.demo.pki import DEMO_PASSPHRASE

    if window.store.index.case(case_id)["status"] != "signed":
        return []
    window.show_worklist()
    window.refresh_cases()
    wait_until(lambda: window.worklist.status_counts().get("signed") == 1, 20)
    window.worklist.select_case(case_id)
    shot("08-desk")
    dialog = window.show_outgoing(case_id)
    wait_until(lambda: dialog.desk is not None, 20)
    dialog.resize(1100, 700)
    dialog.destination.setText(str(out / "outgoing"))
    dialog.org_passphrase.setText(DEMO_PASSPHRASE)
    dialog.form_box.choose_form("sodp")
    dialog.form_box.choose_medium("iso")
    made = []
    dialog.packaged.connect(made.append)
    before = dialog.table.item(0, 4).text() if dialog.table.item(0, 4) else ""
    dialog.make_button.click()
    wait_until(lambda: bool(made), 60)
    wait_until(lambda: (dialog.table.item(0, 4).text() if dialog.table.item(0, 4) else before) != before, 20)
    settle(0.4)
    path = out / "09-outgoing.png"
    dialog.grab().save(str(path))
    dialog.close()
    written = [path]
    if dialog.last_result is not None:
        written.append(dialog.last_result.output)
    return written


def _demo_key_image(dicom) -> None:
    """As a radiologist would: go to the nodule, measure it and keep the view as a key image."""
    from app.demo.imaging import NODULE_DIAMETER, ct_landmarks
    from viewers.dicom.measure import Distance

    vp = dicom.active
    rows, columns = vp.frame.modality.shape[:2]
    index, row, column = ct_landmarks(vp.count, columns)["nodule"]
    vp.set_index(index)
    wait_until(lambda: vp.displayed_index == index and vp.frame is not None, 20)
    spacing, _source = vp.spacing()
    if spacing is None or vp.displayed_index != index:
        return
    half = NODULE_DIAMETER / 2 / float(spacing[1])
    dicom.measurements.add(Distance((column - half, row), (column + half, row)), vp.slice_key())
    vp.update()
    settle(0.3)
    dicom.add_key_image(caption=_("Axial CT, lung window: the solid nodule of the right lower lobe (DEMO)"))
    settle(0.3)


def _sign_demo_opinion(window, out: Path, shot) -> list[Path]:
    """Fill the form with the DEMO opinion, preview it, sign it through the sign dialog with
    the DEMO passphrase, and export the signed PDF into `out` (opinion-signed.pdf)."""
    from app.demo.opinion import fill_demo_opinion
    from app.demo.pki import DEMO_PASSPHRASE

    dock, controller = window.form, window.opinion
    form = dock.form
    if form is None or not hasattr(form, "questionnaire") or dock.locked:
        return []
    form.set_response(fill_demo_opinion(form.questionnaire, form.response()))
    form.changed.emit()
    previewed = []
    controller.previewShown.connect(previewed.append)
    controller.preview()
    wait_until(lambda: bool(previewed), 30)
    shot("06-preview")
    controller.sign()
    dialog = controller.dialog
    if dialog is None:
        return []
    dialog.passphrase.setText(DEMO_PASSPHRASE)
    signed = []
    controller.signed.connect(lambda case_id, number: signed.append(number))
    dialog.sign_button.click()
    wait_until(lambda: bool(signed), 60)
    if not signed:
        return []
    viewer = window.case_view.tab_for(f"opinion:{signed[0]}")
    wait_until(lambda: viewer is None or viewer.signature_state in ("valid", "untrusted", "invalid"), 30)
    shot("07-signed-opinion")
    target = out / "opinion-signed.pdf"
    controller.export_signed(str(target))
    wait_until(lambda: target.exists(), 30)
    window.store_runner.pool.waitForDone()  # the export is written
    return [target]
