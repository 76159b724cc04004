"""The two pages of File ▸ Import… around the progress dialog: before, whom the package is for
(by name) and what opens it, or for a plain source whether several patients stay in one case;
after, what the import brought, in words, with Open case. The work is app/ui/import_dialog.py's."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QListWidget, QPushButton, QScrollArea, QVBoxLayout, QWidget)

from app.core.errors import SecondoError
from app.core.i18n import _, ngettext
from app.ui.import_facts import BAD, OK, WARN, CaseReport, known_certificates, package_recipients
from app.ui.import_identity import P12, IdentityChooserWidget, load_choice, save_choice
from app.ui.task_runner import user_message

COLOURS = {OK: "#1e7e34", WARN: "#b26a00", BAD: "#b00020"}
PACKAGE_SUFFIXES = (".sodp", ".p7m")


def is_package(path: Path) -> bool:
    return Path(path).suffix.lower() in PACKAGE_SUFFIXES


class ImportDialog(QDialog):
    """Before an import. `accepted` once the identity opened (or nothing was asked): then
    `credentials` and `keep_together` hold what to import with."""

    def __init__(self, paths: list[Path], store=None, reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths, self.store = [Path(p) for p in paths], store
        self.credentials: list = []
        self.keep_together = False
        self.setWindowTitle(_("Import"))
        layout = QVBoxLayout(self)
        source = QLabel(_("Import {names}").format(names=", ".join(p.name for p in self.paths)), self)
        source.setObjectName("import-source")
        source.setWordWrap(True)
        font = source.font()
        font.setBold(True)
        source.setFont(font)
        layout.addWidget(source)
        self.error = QLabel(reason, self)
        self.error.setObjectName("import-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {COLOURS[BAD]}")
        self.error.setVisible(bool(reason))
        layout.addWidget(self.error)
        self.packages = [p for p in self.paths if is_package(p)]
        self.recipients = QListWidget(self)
        self.recipients.setObjectName("import-recipients")
        self.identity: IdentityChooserWidget | None = None
        if self.packages:
            layout.addWidget(QLabel(_("This package is for:"), self))
            self.recipients.setMaximumHeight(110)
            self.recipients.setWordWrap(True)
            self.recipients.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            layout.addWidget(self.recipients)
            box = QGroupBox(_("Open it with"), self)
            inner = QVBoxLayout(box)
            self.identity = IdentityChooserWidget(load_choice(store.home if store is not None else None), box)
            self.identity.changed.connect(self.refresh_recipients)
            inner.addWidget(self.identity)
            layout.addWidget(box)
        else:
            self.recipients.hide()
        self.keep_box = QCheckBox(_("If it holds several patients, keep them in one case and flag the "
                                          "studies of the others (otherwise: one case per patient)"), self)
        self.keep_box.setObjectName("keep-together")
        self.keep_box.setVisible(len(self.packages) < len(self.paths))  # a package's manifest names its patient
        layout.addWidget(self.keep_box)
        buttons = QDialogButtonBox(self)
        self.import_button = buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 0)
        self.refresh_recipients()

    def _opening_certificates(self) -> list:
        """The chosen certificate file's certificate when it opens now (a wrong passphrase: none).
        A token's PIN is not tried here: each wrong try counts towards locking the card."""
        if self.identity is None or self.identity.choice().kind != P12:
            return []
        try:
            return [c.certificate for c in self.identity.credentials() if hasattr(c, "certificate")]
        except SecondoError:
            return []

    def refresh_recipients(self) -> None:
        """Name each recipient of each package, from the certificates known here."""
        if not self.packages:
            return
        opening = self._opening_certificates()
        certificates = known_certificates(self.store) + opening
        self.recipients.clear()
        for path in self.packages:
            try:
                addressees = package_recipients(path, certificates, opening)
            except (SecondoError, OSError) as exc:
                self.recipients.addItem(_("{name} cannot be read: {reason}").format(
                    name=path.name, reason=user_message(exc, self)))
                continue
            for addressee in addressees:
                self.recipients.addItem(addressee.text())
                item = self.recipients.item(self.recipients.count() - 1)
                if not addressee.known:
                    item.setForeground(Qt.GlobalColor.darkGray)
                elif addressee.opens:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)

    def recipient_texts(self) -> list[str]:
        return [self.recipients.item(n).text() for n in range(self.recipients.count())]

    def try_accept(self) -> None:
        """Open the chosen identity now: a wrong passphrase or PIN is said here, not after the import."""
        if self.identity is not None:
            try:
                self.credentials = self.identity.credentials()
            except SecondoError as exc:
                self.error.setText(user_message(exc, self))
                self.error.show()
                return
            save_choice(self.identity.choice(), self.store.home if self.store is not None else None)
        self.keep_together = self.keep_box.isVisible() and self.keep_box.isChecked()
        self.accept()


class ImportSummaryDialog(QDialog):
    """After an import: each case it made (or found already there), in words; Open case."""

    openRequested = Signal(str)

    def __init__(self, reports: list[CaseReport], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reports = reports
        self.setWindowTitle(_("Import finished"))
        layout = QVBoxLayout(self)
        headline = QLabel(self._headline(), self)
        headline.setObjectName("import-headline")
        headline.setWordWrap(True)
        font = headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        headline.setFont(font)
        layout.addWidget(headline)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        self.open_buttons: dict[str, QPushButton] = {}
        for report in reports:
            box = QGroupBox(report.title, body)
            box.setObjectName("import-case")
            form = QFormLayout(box)
            for what, text, level in report.lines:
                label = QLabel(text, box)
                label.setObjectName(f"summary-{what}")
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                label.setStyleSheet(f"color: {COLOURS[level]}" if level != OK else "")
                form.addRow(QLabel(f"<b>{what}</b>", box), label)
            button = QPushButton(_("Open case"), box)
            button.setObjectName("open-case")
            button.clicked.connect(lambda _checked=False, case_id=report.case_id: self._open(case_id))
            line = QHBoxLayout()
            line.addStretch(1)
            line.addWidget(button)
            form.addRow(line)
            self.open_buttons[report.case_id] = button
            inner.addWidget(box)
        inner.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, min(700, body.sizeHint().height() + headline.sizeHint().height() + 90))

    def _headline(self) -> str:
        if len(self.reports) == 1 and self.reports[0].duplicate:
            return _("Already imported: opened the existing case.")
        if len(self.reports) > 1:
            return ngettext("The source held {n} patient: one case was made for it.",
                            "The source held {n} patients: one case was made for each.",
                            len(self.reports)).format(n=len(self.reports))
        return _("Imported: the case is open.")

    def _open(self, case_id: str) -> None:
        self.openRequested.emit(case_id)
        self.accept()

    def lines(self, case_id: str | None = None) -> dict[str, str]:
        """{what: text} of the (first) case's summary, as shown."""
        report = next(r for r in self.reports if case_id is None or r.case_id == case_id)
        return {what: text for what, text, _level in report.lines}
