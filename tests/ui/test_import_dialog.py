"""File ▸ Import… in the window: whom a package is for, by name; the identity chosen in the dialog
opens it and is remembered (not its passphrase); the summary after the import in words (counts,
missing, identity, sender signature) for the DEMO package and for a CD whose DICOMDIR names an
absent study; the same package again says it was already imported and opens that case."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.uid import generate_uid
from PySide6.QtWidgets import QLabel, QLineEdit

from app.demo.package import DEMO_DOSSIER_PASSPHRASE, DEMO_PASSPHRASE
from app.outgoing.address_book import AddressBook, Contact
from app.store.store import CaseStore
from app.ui.import_facts import BAD, OK, WARN
from app.ui.import_identity import P12, load_choice
from app.ui.import_pages import ImportDialog, ImportSummaryDialog
from app.ui.main_window import MainWindow
from tests.ui.case_fixtures import demo_package, import_demo  # noqa: F401 - fixtures
from tests.unit import discs

ORG = "Second-O DEMO (not for clinical use)"


@pytest.fixture
def store(isolated_home):
    with CaseStore.open(Path(isolated_home)) as opened:
        yield opened


def window_for(qtbot, store, demo_package, **kwargs) -> MainWindow:  # noqa: F811
    window = MainWindow(store, roots=[demo_package.root], **kwargs)
    qtbot.addWidget(window)
    window.show()
    return window


def imported(qtbot, window: MainWindow, start) -> tuple[str, ImportSummaryDialog]:
    """Run `start()`; the case shown and the summary dialog that follows the import."""
    with qtbot.waitSignal(window.caseShown, timeout=120000) as shown:
        start()
    qtbot.waitUntil(lambda: window.importer.summary is not None, timeout=10000)
    return shown.args[0], window.importer.summary


def levels(summary: ImportSummaryDialog, case_id: str) -> dict[str, str]:
    report = next(r for r in summary.reports if r.case_id == case_id)
    return {what: level for what, _text, level in report.lines}


class TestIdentityAndRecipients:
    def test_a_package_for_a_p12_recipient_opens_with_the_identity_chosen_in_the_dialog(
            self, qtbot, store, demo_package):  # noqa: F811
        window = window_for(qtbot, store, demo_package)  # no identity of its own, no signing settings
        dialog = window.importer.prepare([demo_package.package])
        assert isinstance(dialog, ImportDialog)
        before = dialog.recipient_texts()
        assert "Whoever has the package's passphrase" in before
        assert not any("Dr. Test Reviewer (DEMO)" in t for t in before)  # not known here yet: no name to show
        dialog.identity.set_p12(demo_package.reviewer_p12, DEMO_PASSPHRASE)
        assert f"Dr. Test Reviewer (DEMO) ({ORG}) — your identity opens it" in dialog.recipient_texts()
        case_id, summary = imported(qtbot, window, dialog.import_button.click)
        assert store.index.case(case_id) is not None
        assert summary.lines()["Sender signature"] == "Valid: signed by a trusted sender"
        # Remembered for next time: the file, never its passphrase.
        assert load_choice(store.home).identity_path == str(demo_package.reviewer_p12)
        assert "DEMO" not in (Path(store.home) / "ui-settings.ini").read_text().replace("demo", "")
        again = window.importer.prepare([demo_package.package])
        assert again.identity.choice().kind == P12
        assert again.identity.p12_path.text() == str(demo_package.reviewer_p12)
        assert again.identity.findChild(QLineEdit, "identity-passphrase").text() == ""
        again.reject()

    def test_recipients_are_named_from_the_address_book_not_by_fingerprint(self, qtbot, store, demo_package):  # noqa: F811
        pem = demo_package.pki_files["reviewer-ec.pem"].read_text()
        AddressBook(store).save(Contact("Dr. Test Reviewer EC (DEMO)", certificate_pem=pem))
        window = window_for(qtbot, store, demo_package)
        dialog = window.importer.prepare([demo_package.package])
        texts = dialog.recipient_texts()
        assert f"Dr. Test Reviewer EC (DEMO) ({ORG})" in texts
        assert any(t.startswith("A certificate not known on this workstation (SHA-256 ") for t in texts)
        assert not any(len(t) >= 64 and all(c in "0123456789abcdef" for c in t) for t in texts)
        dialog.reject()

    def test_a_wrong_passphrase_is_said_in_the_dialog_which_stays_open(self, qtbot, store, demo_package):  # noqa: F811
        window = window_for(qtbot, store, demo_package)
        dialog = window.importer.prepare([demo_package.package])
        dialog.identity.set_p12(demo_package.reviewer_p12, "not the passphrase")
        dialog.import_button.click()
        assert dialog.isVisible() and window.importer.task is None
        assert "did not open" in dialog.error.text() and dialog.error.isVisibleTo(dialog)
        dialog.reject()

    def test_a_package_nothing_opens_brings_the_dialog_back_with_the_reason(self, qtbot, store, demo_package):  # noqa: F811
        window = window_for(qtbot, store, demo_package)
        window.importer.start([demo_package.package])  # as when dropped: no identity at hand
        qtbot.waitUntil(lambda: window.importer.prepared is not None and window.importer.prepared.isVisible(),
                        timeout=60000)
        dialog = window.importer.prepared
        assert "encrypted" in dialog.error.text()
        dialog.identity.package_passphrase.setText(DEMO_DOSSIER_PASSPHRASE)
        case_id, summary = imported(qtbot, window, dialog.import_button.click)
        assert summary.lines(case_id)["Identity"].startswith("OK")


    def test_a_token_pin_is_tried_once_on_import_never_while_typing(self, qtbot, store, demo_package,
                                                                    monkeypatch):  # noqa: F811
        from app.core.errors import IdentityError
        from app.signing import token_keys
        tries = []

        def refused(label, pin, module=None):
            tries.append(label)
            raise IdentityError(f"The PIN for {label} was refused.")
        monkeypatch.setattr(token_keys, "token_identity", refused)
        window = window_for(qtbot, store, demo_package)
        dialog = window.importer.prepare([demo_package.package])
        dialog.identity.token_button.setChecked(True)
        dialog.identity.token_label.setText("DEMO card")
        dialog.identity.token_pin.setText("1234")
        dialog.identity.changed.emit()
        assert tries == []  # each wrong try counts towards locking the card
        dialog.import_button.click()
        assert tries == ["DEMO card"] and dialog.error.text() == "The PIN for DEMO card was refused."
        assert dialog.isVisible() and window.importer.task is None
        dialog.reject()


class TestSummary:
    def test_the_demo_package_summary_says_what_came_in(self, qtbot, store, demo_package):  # noqa: F811
        window = window_for(qtbot, store, demo_package, credentials=[demo_package.reviewer_identity()])
        case_id, summary = imported(qtbot, window, lambda: window.importer.start([demo_package.package]))
        record = store.record(case_id)
        lines = summary.lines(case_id)
        assert summary.findChild(QLabel, "import-headline").text() == "Imported: the case is open."
        assert lines["Documents"] == f"{len(record['documents'])} documents"
        assert lines["Studies"].startswith("5 studies, 5 series, ")
        assert lines["Missing"] == "Nothing: everything the DICOMDIR names is on the disc"
        assert lines["Unreadable"] == "None"
        assert lines["Identity"] == "OK: every study matches the patient"
        assert lines["Sender signature"] == "Valid: signed by a trusted sender"
        assert set(levels(summary, case_id).values()) == {OK}
        assert summary.open_buttons[case_id].isVisible()

    def test_a_cd_whose_dicomdir_names_an_absent_study(self, qtbot, store, demo_package, tmp_path):  # noqa: F811
        cd = tmp_path / "cd"
        present = discs.ct_instances(2, 16)
        absent = discs.ct_instances(1, 16)
        for ds in absent:
            ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.StudyDescription = "CT ABDOMEN (absent)"
        ids = discs.file_ids(3)
        discs.write_instances(cd, present, ids[:2])  # the third file, the absent study's, is not written
        discs.write_dicomdir(cd / "DICOMDIR", list(zip(present + absent, ids)))
        window = window_for(qtbot, store, demo_package)
        case_id, summary = imported(qtbot, window, lambda: window.importer.start([cd]))
        lines, marks = summary.lines(case_id), levels(summary, case_id)
        assert lines["Studies"] == "1 study, 1 series, 2 image files"
        assert lines["Documents"] == "0 documents"
        assert lines["Missing"].startswith("1 study named by the DICOMDIR is missing from the disc (")
        assert "CT ABDOMEN (absent)" in lines["Missing"] and marks["Missing"] == BAD
        assert lines["Identity"].startswith("Not verified") and marks["Identity"] == WARN
        assert lines["Sender signature"] == "Unsigned: the sender cannot be confirmed"

    def test_the_same_package_again_says_already_imported_and_opens_that_case(self, qtbot, store,
                                                                               demo_package):  # noqa: F811
        first = import_demo(store, demo_package)
        window = window_for(qtbot, store, demo_package, credentials=[demo_package.reviewer_identity()])
        case_id, summary = imported(qtbot, window, lambda: window.importer.start([demo_package.package]))
        assert case_id == first and len(store.index.cases()) == 1
        assert summary.windowTitle() == "Import finished"
        assert summary.findChild(QLabel, "import-headline").text() == "Already imported: opened the existing case."
        assert summary.lines(first)["Already imported"].startswith("This dossier was imported before")


def two_patient_folder(root: Path) -> Path:
    """A folder with a CD of each of two fictitious patients (no DICOMDIR: found by content)."""
    for n, (name, patient_id) in enumerate((("TEST^PATIENT", "DEMO-1"), ("OTHER^TEST", "DEMO-2"))):
        datasets = discs.ct_instances(2, 16)
        study, series = generate_uid(), generate_uid()
        for ds in datasets:
            ds.PatientName, ds.PatientID, ds.PatientBirthDate = name, patient_id, f"19{70 + n}0101"
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        discs.write_instances(root / f"cd{n}", datasets, [[f"IM{n}{k}"] for k in range(2)])
    return root


class TestSeveralPatients:
    def test_one_case_per_patient_by_default_each_with_its_summary(self, qtbot, store, demo_package,
                                                                 tmp_path):  # noqa: F811
        window = window_for(qtbot, store, demo_package)
        dialog = window.importer.prepare([two_patient_folder(tmp_path / "mixed")])
        assert dialog.keep_box.isVisibleTo(dialog) and not dialog.keep_box.isChecked()
        _case_id, summary = imported(qtbot, window, dialog.import_button.click)
        assert len(summary.reports) == 2 and len(store.index.cases()) == 2
        assert summary.findChild(QLabel, "import-headline").text() == (
            "The source held 2 patients: one case was made for each.")
        assert {r.title for r in summary.reports} == {"TEST, PATIENT, born 01/01/1970", "OTHER, TEST, born 01/01/1971"}
        assert {summary.lines(r.case_id)["Identity"].split(":")[0] for r in summary.reports} == {"Not verified"}
        assert set(summary.open_buttons) == {r.case_id for r in summary.reports}

    def test_kept_together_the_foreign_studies_are_flagged(self, qtbot, store, demo_package, tmp_path):  # noqa: F811
        window = window_for(qtbot, store, demo_package)
        dialog = window.importer.prepare([two_patient_folder(tmp_path / "mixed")])
        dialog.keep_box.setChecked(True)
        case_id, summary = imported(qtbot, window, dialog.import_button.click)
        assert len(summary.reports) == 1 and len(store.index.cases()) == 1
        assert summary.lines(case_id)["Identity"].startswith("MISMATCH")
        assert levels(summary, case_id)["Identity"] == BAD
