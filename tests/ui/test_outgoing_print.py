"""The outgoing dialog's smaller parts: the "Certificate file…" button imports the chosen
certificate, and a made package leaves its cover letter, passphrase sheet, signed opinion and
output to open and to print (pages rendered from the PDF onto the printer); the signed opinion
opens in the window's own PDF viewer, from the vault."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog

from app.demo.pki import DEMO_PASSPHRASE
from app.outgoing.address_book import AddressBook
from app.ui.pdf_print import load_pdf, print_pdf
from viewers.pdf.widget import PdfViewerWidget
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.test_main_window import open_window
from tests.ui.test_secretary_desk import signed_store  # noqa: F401 - fixture


def pdf_pages(path: Path) -> int:
    document = QPdfDocument()
    document.load(str(path))
    assert document.status() == QPdfDocument.Status.Ready, path
    return document.pageCount()


def file_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


@pytest.fixture
def outgoing(qtbot, signed_store):
    store, case_id = signed_store
    window = open_window(qtbot, store)
    dialog = window.show_outgoing(case_id)
    qtbot.waitUntil(lambda: dialog.desk is not None, timeout=10000)
    yield store, dialog
    dialog.close()


def test_the_certificate_file_button_imports_the_chosen_certificate(qtbot, outgoing, demo_package, monkeypatch):
    store, dialog = outgoing
    certificate = demo_package.pki_files["treating-physician.pem"]
    asked = []

    def choose(*args, **kwargs):
        asked.append(args)
        return str(certificate), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    dialog.table.selectRow(0)
    assert dialog.selected_role() == "treating_physician" and dialog.certificate_button.isEnabled()
    dialog.certificate_button.click()
    assert asked, "the file dialog was not asked"
    qtbot.waitUntil(lambda: any(c.certificate is not None for c in AddressBook(store).contacts()), timeout=10000)
    qtbot.waitUntil(lambda: dialog._row()["certificate_details"] is not None, timeout=10000)
    assert "Dr. Test Treating (DEMO)" in dialog.use_certificate.text()


def test_print_pdf_puts_every_page_on_the_printer(tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    source = tmp_path / "three.pdf"
    canvas = Canvas(str(source))
    for n in range(3):
        canvas.drawString(72, 720, f"Test Patient, page {n + 1}")
        canvas.showPage()
    canvas.save()
    out = tmp_path / "printed.pdf"
    assert print_pdf(load_pdf(source.read_bytes()), file_printer(out)) == 3
    assert pdf_pages(out) == 3


def test_the_made_package_can_be_opened_and_printed(qtbot, outgoing, tmp_path, monkeypatch):
    store, dialog = outgoing
    opened: list[QUrl] = []
    previews: list[QPrintPreviewDialog] = []
    monkeypatch.setattr("app.ui.pdf_print.QDesktopServices.openUrl", lambda url: opened.append(url) or True)
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: previews.append(self))
    assert not dialog.result_box.isVisibleTo(dialog)
    dialog.table.selectRow(1)  # the patient: a passphrase, on its own sheet
    assert dialog.form_box.form_value() == "pdf"  # a patient has no Second-O workstation
    assert dialog.form_box.choose_form("sodp")
    dialog.destination.setText(str(tmp_path / "out"))
    dialog.org_passphrase.setText(DEMO_PASSPHRASE)
    with qtbot.waitSignal(dialog.packaged, timeout=30000):
        dialog.make_button.click()
    result = dialog.last_result
    box = dialog.result_box
    assert box.isVisibleTo(dialog)
    for name in ("cover", "sheet", "opinion", "output"):
        assert box.buttons[name][0].isVisibleTo(dialog) and box.buttons[name][1].isVisibleTo(dialog), name

    box.buttons["cover"][1].click()
    box.buttons["sheet"][1].click()
    box.buttons["output"][1].click()
    assert [Path(u.toLocalFile()) for u in opened] == [result.cover_letter, result.passphrase_sheet, result.output]
    assert not box.buttons["output"][0].isEnabled()  # a package is not printed: its opinion is

    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    box.buttons["opinion"][1].click()  # Open: the window's own viewer, from the vault
    qtbot.waitUntil(lambda: box.preview is not None and box.preview.findChild(PdfViewerWidget) is not None,
                    timeout=10000)
    viewer = box.preview.findChild(PdfViewerWidget)
    assert viewer.page_count() == dialog.desk["opinion"].pages and len(opened) == 3
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == written  # no clear copy on disk
    box.preview.close()

    for name, source in (("cover", result.cover_letter), ("sheet", result.passphrase_sheet)):
        box.buttons[name][0].click()
        preview = previews[-1]
        out = tmp_path / f"{name}-printed.pdf"
        preview.paintRequested.emit(file_printer(out))
        assert pdf_pages(out) == pdf_pages(source) >= 1

    box.buttons["opinion"][0].click()
    qtbot.waitUntil(lambda: len(previews) == 3, timeout=10000)
    out = tmp_path / "opinion-printed.pdf"
    previews[-1].paintRequested.emit(file_printer(out))
    assert pdf_pages(out) == dialog.desk["opinion"].pages


def test_a_certificate_package_has_no_passphrase_sheet_to_print(qtbot, outgoing, demo_package, tmp_path):
    """Without a sheet, its row is not offered."""
    from app.outgoing.package import OutgoingResult
    from app.outgoing.recipients import Recipient

    _store, dialog = outgoing
    cover = tmp_path / "cover.pdf"
    cover.write_bytes(b"%PDF-1.4")
    shipment = type("S", (), {"opinion_number": 0, "role": "treating_physician"})()
    dialog.result_box.show_result(OutgoingResult(shipment, Recipient("treating_physician", "Dr"), tmp_path / "p.sodp",
                                                 cover), 0)
    assert dialog.result_box.buttons["cover"][0].isVisibleTo(dialog)
    assert not dialog.result_box.buttons["sheet"][0].isVisibleTo(dialog)


def test_a_protected_pdf_made_for_the_recipient_prints_with_its_passphrase(qtbot, outgoing, tmp_path, monkeypatch):
    """The output row of a protected PDF: Open gives it to the desktop, Print opens it with the
    passphrase generated for it and previews its pages."""
    from app.outgoing.package import OutgoingResult
    from app.outgoing.recipients import Recipient
    from tests.unit.test_document_models import make_pdf

    previews: list[QPrintPreviewDialog] = []
    monkeypatch.setattr(QPrintPreviewDialog, "open", lambda self: previews.append(self))
    _store, dialog = outgoing
    protected = tmp_path / "second-opinion-patient.pdf"
    protected.write_bytes(make_pdf(3, encrypt="correct horse battery"))
    cover = tmp_path / "cover.pdf"
    cover.write_bytes(make_pdf(1))
    shipment = type("S", (), {"opinion_number": 0, "role": "patient"})()
    box = dialog.result_box
    box.show_result(OutgoingResult(shipment, Recipient("patient", "Test Patient"), protected, cover,
                                   generated_passphrase="correct horse battery"), 0)
    print_button, open_button = box.buttons["output"]
    assert print_button.isEnabled() and "second-opinion-patient.pdf" in box.labels["output"].text()
    print_button.click()
    out = tmp_path / "protected-printed.pdf"
    previews[-1].paintRequested.emit(file_printer(out))
    assert pdf_pages(out) == 3
