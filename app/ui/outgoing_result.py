"""What a package made in the outgoing dialog left to print: the cover letter, the passphrase
sheet (when there is one) and the signed opinion, each with Open (the desktop's viewer) and
Print (a print preview, app/ui/pdf_print.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from app.store.opinions import SignedOpinionStore
from app.ui.pdf_print import open_with_desktop, preview_and_print
from app.ui.task_runner import guarded, user_message
from app.core.i18n import _


class OutgoingResultWidget(QGroupBox):
    """`show_result(result, opinion_number)` after a package is made; `failed(text)` when a
    file cannot be opened or printed."""

    failed = Signal(str)

    def __init__(self, store, store_runner, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(_("To print"), parent)
        self.store, self.runner, self.case_id = store, store_runner, case_id
        self.opinion_number: int | None = None
        self.paths: dict[str, Path | None] = {"cover": None, "sheet": None}
        self.preview = None  # the last print preview opened
        grid = QGridLayout(self)
        self.buttons: dict[str, tuple[QPushButton, QPushButton | None]] = {}
        rows = (("cover", _("Cover letter")), ("sheet", _("Passphrase sheet (send it apart)")),
                ("opinion", _("Signed opinion")))
        for row, (name, label) in enumerate(rows):
            grid.addWidget(QLabel(label), row, 0)
            open_button = None
            if name != "opinion":  # the signed opinion opens in the window (Opinion ▸ Open)
                open_button = QPushButton(_("Open"))
                open_button.setObjectName(f"open-{name}")
                open_button.clicked.connect(lambda _checked=False, n=name: self.open_file(n))
                grid.addWidget(open_button, row, 1)
            print_button = QPushButton(_("Print…"))
            print_button.setObjectName(f"print-{name}")
            print_button.clicked.connect(lambda _checked=False, n=name: self.print_file(n))
            grid.addWidget(print_button, row, 2)
            self.buttons[name] = (print_button, open_button)
        grid.setColumnStretch(0, 1)
        self.hide()

    def show_result(self, result, opinion_number: int | None) -> None:
        self.paths = {"cover": result.cover_letter, "sheet": result.passphrase_sheet}
        self.opinion_number = opinion_number
        for name, (print_button, open_button) in self.buttons.items():
            present = self.opinion_number is not None if name == "opinion" else self.paths[name] is not None
            for button in (print_button, open_button):
                if button is not None:
                    button.setVisible(present)
            label = self.layout().itemAtPosition(list(self.buttons).index(name), 0).widget()
            label.setVisible(present)
        self.show()

    def open_file(self, name: str) -> bool:
        path = self.paths.get(name)
        if path is None:
            return False
        if not open_with_desktop(Path(path)):
            self.failed.emit(_("No program on this computer opens {path}; open it from its folder.").format(
                path=path))
            return False
        return True

    def print_file(self, name: str) -> None:
        if name == "opinion":
            store, case_id, number = self.store, self.case_id, self.opinion_number
            if number is None:
                return
            self.runner.run(lambda token, progress: SignedOpinionStore(store).pdf(case_id, number),
                            success=guarded(self, lambda pdf: self._preview(pdf, _("Signed opinion"))),
                            failure=guarded(self, lambda error: self.failed.emit(user_message(error, self))))
            return
        path = self.paths.get(name)
        if path is None:
            return
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self.failed.emit(_("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc))
            return
        self._preview(data, Path(path).name)

    def _preview(self, data: bytes, title: str) -> None:
        try:
            self.preview = preview_and_print(self, data, title)
        except Exception as error:  # noqa: BLE001 - shown in words, the dialog stays usable
            self.failed.emit(user_message(error, self))
