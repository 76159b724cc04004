"""The outgoing dialog's choice of form per recipient: each form builds its request (make_outgoing
replaced at its seam), a form the recipient cannot get is disabled with its reason, a PACS disc
says first that it is not encrypted, a passphrase sheet bound for the output's own disc asks
first, paper goes to the print preview of the cover letter and the opinion and is recorded,
and every control is reached by the keyboard."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox, QWidget

from app.demo.pki import DEMO_PASSPHRASE
from app.outgoing.address_book import AddressBook, Contact
from app.outgoing.dispatch import Shipment, now_iso
from app.outgoing.package import OutgoingResult
from app.ui import outgoing_dialog
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_window
from tests.ui.test_outgoing_print import file_printer, pdf_pages
from tests.ui.test_secretary_desk import signed_store  # noqa: F401 - fixture
from tests.unit.test_document_models import make_pdf

TREATING = "treating_physician"


@pytest.fixture
def with_certificate(signed_store, demo_package):
    """The treating physician in the address book with their encryption certificate."""
    store, case_id = signed_store
    pem = demo_package.pki_files["treating-physician.pem"].read_text()
    AddressBook(store).save(Contact("Dr. Test Treating (DEMO)", TREATING, certificate_pem=pem))
    return store, case_id


@pytest.fixture
def dialog(qtbot, with_certificate, tmp_path):
    store, case_id = with_certificate
    window = open_window(qtbot, store)
    dialog = window.show_outgoing(case_id)
    qtbot.waitUntil(lambda: dialog.desk is not None, timeout=10000)
    dialog.destination.setText(str(tmp_path / "out"))
    dialog.org_passphrase.setText(DEMO_PASSPHRASE)
    yield dialog
    dialog.close()


@pytest.fixture
def made(monkeypatch, tmp_path):
    """make_outgoing at its seam: each call's (request, organisation, out_dir), and a result
    with a cover letter written as the real one is."""
    calls: list = []

    def fake(store, case_id, request, organisation, out_dir, **kwargs):
        assert threading.current_thread() is not threading.main_thread()  # the package's files: never the GUI's
        calls.append((request, organisation, out_dir))
        out_dir.mkdir(parents=True, exist_ok=True)
        cover = out_dir / f"cover-{len(calls)}.pdf"
        cover.write_bytes(make_pdf(1, word="cover"))
        shipment = Shipment(request.role, "Dr", request.form, "none", 0, "0" * 64, now_iso(), "test")
        output = None if request.form == "paper" else out_dir / f"output-{len(calls)}"
        return OutgoingResult(shipment, request.recipient, output, cover)

    monkeypatch.setattr("app.outgoing.package.make_outgoing", fake)
    return calls


def select(dialog, role: str) -> None:
    roles = [dialog.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(dialog.table.rowCount())]
    dialog.table.selectRow(roles.index(role))
    assert dialog.selected_role() == role


def make(qtbot, dialog, made: list, answer: str | None = None) -> None:
    """Press Make, answer the question it asks with the button named `answer`, wait for the call."""
    before = len(made)
    dialog.make_button.click()
    if answer is not None:
        qtbot.waitUntil(lambda: dialog.question is not None, timeout=10000)
        click(dialog.question, answer)
    qtbot.waitUntil(lambda: len(made) > before, timeout=20000)
    qtbot.waitUntil(lambda: dialog.last_result is not None and dialog.make_button.isEnabled(), timeout=10000)


def click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text() == text]
    button.click()


@pytest.fixture(autouse=True)
def _previews(monkeypatch):
    """Print previews are recorded, not shown (they are window-modal)."""
    opened: list[QPrintPreviewDialog] = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: opened.append(self))
    return opened


def test_each_form_builds_its_request(qtbot, dialog, made, tmp_path, demo_package, monkeypatch):
    monkeypatch.setattr("app.outgoing.media.sheet_on_same_medium", lambda sheet, output: False)
    box = dialog.form_box
    select(dialog, TREATING)
    certificate = dialog._row()["certificate"]
    assert certificate is not None and dialog.use_certificate.isChecked()
    assert box.form_value() == "sodp"  # between workstations, the package

    assert box.choose_form("sodp") and box.choose_medium("folder")
    make(qtbot, dialog, made)
    request, organisation, out_dir = made[-1]
    assert (request.role, request.form, request.medium) == (TREATING, "sodp", "folder")
    assert request.certificate is certificate and request.sheet_path is None
    assert organisation is not None and out_dir == tmp_path / "out"  # the package's manifest is signed

    assert box.choose_form("p7m")
    assert not box.medium_combo.isEnabled() and not box.sheet_folder.isEnabled()
    make(qtbot, dialog, made)
    request, organisation, _out = made[-1]
    assert (request.form, request.medium, request.certificate) == ("p7m", "file", certificate)
    assert organisation is None  # nothing to sign: the organisation's passphrase is not asked

    assert box.choose_form("pdi")
    assert [box.medium_combo.itemData(i) for i in range(box.medium_combo.count())] == ["folder", "iso"]
    assert box.key_images.isEnabled() == (dialog.desk["key_images"] > 0)
    box.set_key_images(0)
    assert not box.key_images.isEnabled() and "no key images" in box.key_images.text()  # never "the case's 0"
    box.set_key_images(dialog.desk["key_images"])
    box.choose_medium("iso")
    box.key_images.setChecked(True)
    make(qtbot, dialog, made, answer="Make the disc")
    request = made[-1][0]
    assert (request.form, request.medium, request.certificate) == ("pdi", "iso", None)
    assert request.key_images == (dialog.desk["key_images"] > 0)

    select(dialog, "patient")
    assert box.form_value() == "pdf"  # a patient has no Second-O workstation
    assert dialog.use_passphrase.isChecked() and not dialog.use_certificate.isEnabled()
    assert not dialog.use_passphrase.isEnabled() and not box.key_images.isEnabled() and box.sheet_folder.isEnabled()
    (tmp_path / "apart").mkdir()
    dialog.sheet_folder.setText(str(tmp_path / "apart"))
    dialog.letter_language.setCurrentIndex(dialog.letter_language.findData("nl"))
    make(qtbot, dialog, made)
    request = made[-1][0]
    assert (request.role, request.form, request.medium, request.certificate) == ("patient", "pdf", "file", None)
    assert request.sheet_path.parent == tmp_path / "apart" and request.language == "nl"

    assert box.choose_form("sodp") and box.choose_medium("file")
    make(qtbot, dialog, made)
    request = made[-1][0]
    assert (request.form, request.medium, request.certificate) == ("sodp", "file", None)
    assert request.sheet_path.parent == tmp_path / "apart"  # a generated passphrase on its own sheet

    assert box.choose_form("paper")
    assert not box.sheet_folder.isEnabled() and not box.medium_combo.isEnabled()
    assert dialog.make_button.text().replace("&", "") == "Print on paper…"
    make(qtbot, dialog, made)
    request = made[-1][0]
    assert (request.form, request.certificate, request.sheet_path) == ("paper", None, None)


def test_a_form_not_available_is_disabled_with_its_reason(qtbot, signed_store, monkeypatch):
    reason = "No encryption certificate in the address book: import one first."

    def desk(store, case_id):
        shown = real(store, case_id)
        for row in shown["recipients"]:
            row["forms"] = {"sodp": None, "pdf": None, "p7m": reason, "pdi": None, "paper": None}
        return shown

    real = outgoing_dialog.case_desk
    monkeypatch.setattr(outgoing_dialog, "case_desk", desk)
    store, case_id = signed_store
    window = open_window(qtbot, store)
    dialog = window.show_outgoing(case_id)
    qtbot.waitUntil(lambda: dialog.desk is not None, timeout=10000)
    box = dialog.form_box
    index = box.form_combo.findData("p7m")
    assert not box.form_combo.model().item(index).isEnabled()
    assert box.form_combo.itemData(index, Qt.ItemDataRole.ToolTipRole) == reason
    assert box.form_combo.model().item(box.form_combo.findData("pdf")).isEnabled()
    assert box.form_note.isVisibleTo(dialog) and reason in box.form_note.text()
    assert box.form_note.text() == f"Encrypted .p7m is not available. {reason}"  # a sentence, then the reason's own
    assert not box.choose_form("p7m") and box.form_value() != "p7m"
    assert box.certificate_button.isEnabled()  # importing a certificate is how it becomes available
    dialog.close()


def test_a_passphrase_sheet_on_the_outputs_disc_asks_first(qtbot, dialog, made, tmp_path, monkeypatch):
    asked = []

    def same(sheet, output):
        assert threading.current_thread() is not threading.main_thread()  # a look at the disc: not on the GUI thread
        asked.append((sheet, output))
        return sheet.parent == tmp_path / "out" / "stick"

    monkeypatch.setattr("app.outgoing.media.sheet_on_same_medium", same)
    select(dialog, "patient")
    dialog.form_box.choose_form("sodp")
    dialog.sheet_folder.setText(str(tmp_path / "out" / "stick"))
    dialog.make_button.click()
    qtbot.waitUntil(lambda: dialog.question is not None, timeout=10000)
    assert "The passphrase sheet would travel with the package" in dialog.question.text()
    assert asked == [(tmp_path / "out" / "stick" / f"passphrase-sheet-{dialog.case_id[:8]}-patient.pdf",
                      tmp_path / "out")]
    assert made == []  # nothing made while the question waits
    other = tmp_path / "apart"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(other))
    click(dialog.question, "Choose another folder")
    qtbot.waitUntil(lambda: len(made) == 1, timeout=20000)
    assert made[0][0].sheet_path.parent == other and dialog.sheet_folder.text() == str(other)

    dialog.sheet_folder.setText(str(tmp_path / "out" / "stick"))  # on the disc after all, knowingly
    qtbot.waitUntil(dialog.make_button.isEnabled, timeout=10000)
    make(qtbot, dialog, made, answer="Continue")
    assert made[1][0].sheet_path.parent == tmp_path / "out" / "stick"


def test_a_pacs_disc_says_it_is_not_encrypted_before_it_is_made(qtbot, dialog, made):
    select(dialog, TREATING)
    dialog.form_box.choose_form("pdi")
    assert dialog.form_box.pdi_note.isVisibleTo(dialog)
    dialog.make_button.click()
    qtbot.waitUntil(lambda: dialog.question is not None, timeout=10000)
    assert "not encrypted" in dialog.question.text()
    click(dialog.question, "Cancel")
    QApplication.processEvents()
    assert made == [] and dialog.question is None
    make(qtbot, dialog, made, answer="Make the disc")
    assert made[0][0].form == "pdi"


def test_paper_previews_the_cover_letter_and_the_opinion_and_records_the_shipment(qtbot, dialog, _previews,
                                                                                   tmp_path):
    """With the real make_outgoing: the paper shipment is logged (the case Packaged), and one
    print preview holds the cover letter and then the signed opinion."""
    select(dialog, "patient")
    assert dialog.form_box.choose_form("paper")
    with qtbot.waitSignal(dialog.packaged, timeout=30000):
        dialog.make_button.click()
    result = dialog.last_result
    assert result.output is None and result.cover_letter.exists()
    assert result.shipment.form == "paper"
    qtbot.waitUntil(lambda: len(_previews) == 1, timeout=10000)
    printed = tmp_path / "paper.pdf"
    _previews[0].paintRequested.emit(file_printer(printed))
    assert pdf_pages(printed) == pdf_pages(result.cover_letter) + dialog.desk["opinion"].pages
    store = dialog.store
    assert store.index.case(dialog.case_id)["status"] == "packaged"
    qtbot.waitUntil(lambda: "Paper" in dialog.table.item(1, 5).text(), timeout=10000)
    box = dialog.result_box
    assert not box.buttons["output"][0].isVisibleTo(dialog)  # paper: nothing else was made
    assert box.buttons["cover"][0].isVisibleTo(dialog) and box.buttons["opinion"][1].isVisibleTo(dialog)
    qtbot.waitUntil(dialog.sent_button.isEnabled, timeout=10000)  # then marked sent as any other


def focus_chain(dialog: QWidget) -> list[QWidget]:
    chain, widget = [], dialog.nextInFocusChain()
    while widget is not dialog and widget not in chain:
        chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def test_every_control_is_reached_by_tab_and_the_labels_have_mnemonics(qtbot, dialog):
    box = dialog.form_box
    chain = focus_chain(dialog)
    controls = [box.form_combo, box.use_certificate, box.use_passphrase, box.certificate_button, box.medium_combo,
                box.key_images, box.letter_language, box.destination, box.browse_button, box.sheet_folder,
                box.org_passphrase, box.org_remember, box.make_button, dialog.channel, dialog.sent_on,
                dialog.sent_button, dialog.table]
    controls += [button for pair in dialog.result_box.buttons.values() for button in pair]
    for control in controls:
        assert control in chain and control.focusPolicy() & Qt.FocusPolicy.TabFocus, control.objectName()
    buddies = {label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy() is not None}
    for field in (box.form_combo, box.medium_combo, box.letter_language, box.destination, box.sheet_folder,
                  box.org_passphrase, dialog.channel, dialog.sent_on):
        assert "&" in buddies.get(field, ""), field
    keys = [text[text.index("&") + 1].lower() for text in
            [*buddies.values(), box.make_button.text(), box.certificate_button.text(), box.browse_button.text(),
             box.org_remember.text(), dialog.sent_button.text()]]
    assert len(keys) == len(set(keys)), keys  # one key, one control


def test_the_result_of_each_form_names_what_was_made(qtbot, dialog, made):
    select(dialog, TREATING)
    dialog.form_box.choose_form("p7m")
    make(qtbot, dialog, made)
    box = dialog.result_box
    assert box.labels["output"].text() == "Made for the recipient: output-1"
    print_button, open_button = box.buttons["output"]
    assert open_button.isEnabled() and not print_button.isEnabled() and print_button.toolTip()
    assert not box.buttons["sheet"][0].isVisibleTo(dialog)


def test_a_stored_shipment_of_before_forms_reads_as_a_second_o_package():
    from app.ui.outgoing_form_box import form_name

    old = Shipment("patient", "Test Patient", "iso", "passphrase", 0, "0" * 64, now_iso(), "test")
    assert form_name(old.form, getattr(old, "medium", None)) == "Second-O package, ISO image, ready to burn"
    assert form_name("sodp", "file") == "Second-O package"
    assert form_name("pdi", "folder") == "PACS disc, CD-ready folder"
    assert form_name("paper", "paper") == "Paper"



def clipped(dialog) -> list[str]:
    """The texts of the dialog's body shown narrower than they need (the table scrolls on its own)."""
    from PySide6.QtWidgets import QAbstractButton, QComboBox

    body = dialog.scroll.widget()
    found = []
    for widget in body.findChildren(QWidget):
        if not widget.isVisibleTo(dialog) or dialog.table.isAncestorOf(widget):
            continue
        if isinstance(widget, QLabel) and widget.text():
            if widget.wordWrap():
                if widget.heightForWidth(widget.width()) > widget.height():
                    found.append(widget.text())
            elif widget.width() < widget.minimumSizeHint().width():
                found.append(widget.text())
        elif isinstance(widget, QAbstractButton) and widget.text():
            if widget.width() < widget.sizeHint().width():
                found.append(widget.text())
        elif isinstance(widget, QComboBox):
            needed = widget.fontMetrics().horizontalAdvance(widget.currentText())
            if widget.width() - 28 < needed:  # the frame and the arrow
                found.append(widget.currentText())
    return found


@pytest.mark.parametrize("language", ["nl", "fr"])
@pytest.mark.parametrize("screen", [(1024, 700), (1600, 900)], ids=["1024x700", "1600x900"])
def test_the_dialog_fits_its_screen_in_dutch_and_french_without_clipped_text(
        qtbot, with_certificate, made, interface_language, monkeypatch, tmp_path, language, screen):
    interface_language(language)
    width, height = screen[0] - 16, screen[1] - 40  # the window manager's frame and title bar

    def fit(widget):
        widget.resize(min(widget.width(), width), min(widget.height(), height))

    monkeypatch.setattr(outgoing_dialog, "fit_to_screen", fit)
    store, case_id = with_certificate
    window = open_window(qtbot, store)
    dialog = window.show_outgoing(case_id)
    qtbot.waitUntil(lambda: dialog.desk is not None, timeout=10000)
    qtbot.waitExposed(dialog)
    dialog.destination.setText(str(tmp_path / "out"))
    select(dialog, TREATING)
    dialog.form_box.choose_form("p7m")
    make(qtbot, dialog, made)  # the result's rows shown too
    for form in ("sodp", "pdf", "p7m", "pdi", "paper"):
        for role in (TREATING, "patient"):
            select(dialog, role)
            dialog.form_box.choose_form(form)
            QApplication.processEvents()
            assert dialog.width() <= width and dialog.height() <= height
            assert dialog.scroll.horizontalScrollBar().maximum() == 0, (form, role)
            assert clipped(dialog) == [], (form, role)
    dialog.close()
