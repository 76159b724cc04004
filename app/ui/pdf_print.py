"""Print a PDF (a cover letter, a passphrase sheet, a signed opinion; or several as one job)
through the system's printers: a print preview whose pages are rendered from the PDF with
QtPdf, or straight to a QPrinter; show PDF bytes in the window's own PDF viewer (nothing
written to disk); and open a file in the desktop's own viewer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRectF, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from app.core.errors import BadInputError
from app.core.i18n import _
from app.ui.screen_fit import fit_to_screen

PRINT_DPI = 300  # a letter's text stays sharp on paper; a page is about 2500 x 3500 pixels


def load_pdf(data: bytes, parent: QObject | None = None, password: str | None = None) -> QPdfDocument:
    """A QtPdf document over PDF bytes (the buffer lives as long as the document); `password`
    opens a protected PDF."""
    document = QPdfDocument(parent)
    if password:
        document.setPassword(password)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise BadInputError(_("The document cannot be printed: it is not a readable PDF."))
    return document


def print_pdf(documents: QPdfDocument | Sequence[QPdfDocument], printer: QPrinter) -> int:
    """Every page of `documents` (one, or several one after the other) on `printer`, each
    scaled to the printable area keeping its proportions; the number of pages printed."""
    if isinstance(documents, QPdfDocument):
        documents = [documents]
    painter = QPainter()
    if not painter.begin(printer):
        raise BadInputError(_("The printer cannot be used; check that it is ready."))
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)  # a preview's small pages keep every stroke
    printed = 0
    try:
        for document, page in ((d, p) for d in documents for p in range(d.pageCount())):
            if printed:
                printer.newPage()
            printed += 1
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            size = document.pagePointSize(page)
            scale = min(area.width() / max(size.width(), 1.0), area.height() / max(size.height(), 1.0))
            width, height = int(size.width() * scale), int(size.height() * scale)
            dpi_scale = min(1.0, PRINT_DPI / max(printer.resolution(), 1))
            image = document.render(page, QSize(max(1, int(width * dpi_scale)), max(1, int(height * dpi_scale))))
            painter.drawImage(QRectF(0, 0, width, height), image)
    finally:
        painter.end()
    return printed


def preview_and_print(parent: QWidget, data: bytes | Sequence[bytes], title: str,
                      password: str | None = None) -> QPrintPreviewDialog:
    """The print preview of PDF bytes (several: one job, one after the other), opened (not
    modal to the rest of the desktop); its Print button prints on the printer the user picks
    there. `password` opens a protected PDF."""
    documents = [load_pdf(one, password=password) for one in ([data] if isinstance(data, bytes) else data)]
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(title)
    for document in documents:
        document.setParent(dialog)
    dialog.paintRequested.connect(lambda target: print_pdf(documents, target))
    dialog.resize(900, 1000)  # a page readable beside its tools; a small screen cuts it down
    fit_to_screen(dialog)
    dialog._printer = printer  # type: ignore[attr-defined]  # kept alive with the dialog
    dialog.open()
    return dialog


def show_pdf(parent: QWidget, data: bytes, title: str) -> QDialog:
    """PDF bytes in the window's own PDF viewer, in a dialog of their own (opened, not modal to
    the desktop): a signed opinion is shown without a clear copy on disk."""
    from viewers.pdf.widget import PdfViewerWidget

    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer = PdfViewerWidget(dialog)
    viewer.setObjectName("pdf-viewer")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(viewer, 1)
    layout.addWidget(buttons)
    dialog.resize(760, 900)
    fit_to_screen(dialog)
    viewer.show_document(data, title)  # a PDF it cannot show: the viewer says why, in its place
    dialog.open()
    return dialog


def open_with_desktop(path: Path) -> bool:
    """The file in the desktop's own viewer; False when the desktop has none for it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
