"""What a result of the outgoing dialog left to print and to send: the cover letter, the
passphrase sheet (when there is one), the signed opinion and the output that was made (the
package, the protected PDF, the .p7m, the PACS disc; none for paper), each with Open and
Print… (a print preview, app/ui/pdf_print.py). The signed opinion opens in the window's own PDF
viewer from the vault, never as a clear copy on disk; the files written for the recipient
open in the desktop's viewer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from app.core.i18n import _
from app.store.opinions import SignedOpinionStore
from app.ui.pdf_print import open_with_desktop, preview_and_print, show_pdf
from app.ui.task_runner import guarded, user_message

ROWS = ("cover", "sheet", "opinion", "output")


class OutgoingResultWidget(QGroupBox):
    """`show_result(result, opinion_number)` after a result is made; `print_paper(opinion_pdf)`
    previews the cover letter and the opinion as one print job; `failed(text)` when a file
    cannot be opened or printed."""

    failed = Signal(str)

    def __init__(self, store, store_runner, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(_("To print"), parent)
        self.store, self.runner, self.case_id = store, store_runner, case_id
        self.opinion_number: int | None = None
        self.paths: dict[str, Path | None] = {"cover": None, "sheet": None, "output": None}
        self.password: str | None = None  # of a protected PDF made for the recipient, to print it
        self.preview = None  # the last print preview (or opinion viewer) opened
        grid = QGridLayout(self)
        self.labels: dict[str, QLabel] = {}
        self.buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        texts = {"cover": _("Cover letter"), "sheet": _("Passphrase sheet (send it apart)"),
                 "opinion": _("Signed opinion"), "output": _("Made for the recipient")}
        for row, name in enumerate(ROWS):
            label = QLabel(texts[name])
            label.setWordWrap(True)
            grid.addWidget(label, row, 0)
            open_button = QPushButton(_("Open"))
            open_button.setObjectName(f"open-{name}")
            open_button.clicked.connect(lambda _checked=False, n=name: self.open_file(n))
            print_button = QPushButton(_("Print…"))
            print_button.setObjectName(f"print-{name}")
            print_button.clicked.connect(lambda _checked=False, n=name: self.print_file(n))
            grid.addWidget(open_button, row, 1)
            grid.addWidget(print_button, row, 2)
            self.labels[name] = label
            self.buttons[name] = (print_button, open_button)
        self.labels["opinion"].setToolTip(_("Open shows it in this window, from the encrypted store; nothing is "
                                            "written in clear."))
        grid.setColumnStretch(0, 1)
        self.hide()

    def show_result(self, result, opinion_number: int | None) -> None:
        output = getattr(result, "output", None)
        self.paths = {"cover": result.cover_letter, "sheet": result.passphrase_sheet, "output": output}
        self.password = result.generated_passphrase
        self.opinion_number = opinion_number
        for name in ROWS:
            present = self.opinion_number is not None if name == "opinion" else self.paths[name] is not None
            self.labels[name].setVisible(present)
            for button in self.buttons[name]:
                button.setVisible(present)
        if output is not None:
            self.labels["output"].setText(_("Made for the recipient: {name}").format(name=Path(output).name))
            self.labels["output"].setToolTip(str(output))
            printable = Path(output).suffix.lower() == ".pdf"
            print_button = self.buttons["output"][0]
            print_button.setEnabled(printable)
            print_button.setToolTip("" if printable else _("Only a PDF prints; print the signed opinion instead."))
        self.show()

    # -- Open ----------------------------------------------------------------------------------

    def open_file(self, name: str) -> bool:
        if name == "opinion":
            self._read_opinion(lambda pdf: self._show(lambda: show_pdf(self, pdf, _("Signed opinion"))))
            return True
        path = self.paths.get(name)
        if path is None:
            return False
        if not open_with_desktop(Path(path)):
            self.failed.emit(_("No program on this computer opens {path}; open it from its folder.").format(
                path=path))
            return False
        return True

    # -- Print ---------------------------------------------------------------------------------

    def print_file(self, name: str) -> None:
        if name == "opinion":
            self._read_opinion(lambda pdf: self._show(lambda: preview_and_print(self, pdf, _("Signed opinion"))))
            return
        path = self.paths.get(name)
        if path is None:
            return
        data = self._read(Path(path))
        if data is not None:
            password = self.password if name == "output" else None
            self._show(lambda: preview_and_print(self, data, Path(path).name, password=password))

    def print_paper(self, opinion_pdf: bytes) -> None:
        """The cover letter and the signed opinion in one print preview: the paper shipment."""
        cover = self.paths.get("cover")
        data = self._read(Path(cover)) if cover is not None else None
        if data is not None:
            self._show(lambda: preview_and_print(self, [data, opinion_pdf], _("Cover letter and signed opinion")))

    # -- helpers -------------------------------------------------------------------------------

    def _read_opinion(self, then) -> None:
        """The signed opinion's bytes from the vault, read on the store's thread."""
        store, case_id, number = self.store, self.case_id, self.opinion_number
        if number is None:
            return
        self.runner.run(lambda token, progress: SignedOpinionStore(store).pdf(case_id, number),
                        success=guarded(self, then),
                        failure=guarded(self, lambda error: self.failed.emit(user_message(error, self))))

    def _read(self, path: Path) -> bytes | None:
        """A letter written for printing (not the package), read to print it."""
        try:
            return path.read_bytes()
        except OSError as exc:
            self.failed.emit(_("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc))
            return None

    def _show(self, make) -> None:
        try:
            self.preview = make()
        except Exception as error:  # noqa: BLE001 - shown in words, the dialog stays usable
            self.failed.emit(user_message(error, self))
