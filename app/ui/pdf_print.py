"""Print a PDF (a cover letter, a passphrase sheet, a signed opinion) through the system's
printers: a print preview whose pages are rendered from the PDF with QtPdf, or straight to a
QPrinter; and open a PDF file in the desktop's own viewer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRectF, QSize, QUrl
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from app.core.errors import BadInputError
from app.core.i18n import _

PRINT_DPI = 300  # a letter's text stays sharp on paper; a page is about 2500 x 3500 pixels



def load_pdf(data: bytes, parent: QObject | None = None) -> QPdfDocument:
    """A QtPdf document over PDF bytes (the buffer lives as long as the document)."""
    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise BadInputError(_("The document cannot be printed: it is not a readable PDF."))
    return document


def print_pdf(document: QPdfDocument, printer: QPrinter) -> int:
    """Every page of `document` on `printer`, each scaled to the printable area keeping its
    proportions; the number of pages printed."""
    painter = QPainter()
    if not painter.begin(printer):
        raise BadInputError(_("The printer cannot be used; check that it is ready."))
    try:
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            size = document.pagePointSize(page)
            scale = min(area.width() / max(size.width(), 1.0), area.height() / max(size.height(), 1.0))
            width, height = int(size.width() * scale), int(size.height() * scale)
            dpi_scale = min(1.0, PRINT_DPI / max(printer.resolution(), 1))
            image = document.render(page, QSize(max(1, int(width * dpi_scale)), max(1, int(height * dpi_scale))))
            painter.drawImage(QRectF(0, 0, width, height), image)
    finally:
        painter.end()
    return document.pageCount()


def preview_and_print(parent: QWidget, data: bytes, title: str) -> QPrintPreviewDialog:
    """The print preview of PDF bytes, opened (not modal to the rest of the desktop); its Print
    button prints on the printer the user picks there."""
    document = load_pdf(data)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(title)
    document.setParent(dialog)
    dialog.paintRequested.connect(lambda target: print_pdf(document, target))
    dialog._printer = printer  # type: ignore[attr-defined]  # kept alive with the dialog
    dialog.open()
    return dialog


def open_with_desktop(path: Path) -> bool:
    """The file in the desktop's own viewer; False when the desktop has none for it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
