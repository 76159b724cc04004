"""Settings ▸ Trusted issuers: the certificate authorities trusted for signatures on opinions
and for dossier senders (app.signing.trust), each with subject, issuer, validity and SHA-256
fingerprint; Import… shows a certificate's details and asks before trusting it, Remove asks
too. `offer_issuer_trust` is the "Trust this issuer…" of a signed PDF's banner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                               QMessageBox, QPushButton, QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from app.core.locale_format import format_date
from app.signing import trust
from app.ui.task_runner import guarded, user_message
from app.core.i18n import _



def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Asks Yes/No; the tests answer in its place."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """A message the user acknowledges; the tests read it in its place."""
    QMessageBox.information(parent, title, text)


def details_html(entry: trust.TrustedCertificate) -> str:
    """Who the certificate is, who issued it, how long it is valid, and its fingerprint."""
    from html import escape

    rows = [(_("Subject"), entry.subject), (_("Issuer"), entry.issuer),
            (_("Valid"), _("{start} to {end}").format(start=format_date(entry.not_before[:10]),
                                                          end=format_date(entry.not_after[:10]))),
            (_("SHA-256"), trust.spaced_fingerprint(entry.sha256))]
    cells = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;</td><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def list_title(which: str) -> str:
    return _("Signatures on opinions") if which == trust.SIGNERS else _("Dossier senders")


def ask_and_trust(parent: QWidget, store, runner, which: str, certificate, done) -> None:
    """Show `certificate`'s details; once confirmed, add it to `which` on the store's runner
    (audited) and call `done(entry)`. A certificate that is no authority is refused with the reason."""
    problem = trust.ca_problem(certificate)
    if problem:
        inform(parent, _("Trusted issuers"), problem)
        return
    entry = trust.describe(certificate)
    question = _("Trust <b>{name}</b> for {list}? Compare the fingerprint with the one the authority "
                   "publishes before you say yes.").format(name=entry.name, list=list_title(which).lower())
    if not confirm(parent, _("Trust this issuer?"), f"<p>{question}</p>{details_html(entry)}"):
        return
    runner.run(lambda token, progress: trust.add_trusted(which, certificate, audit=store.audit),
               success=guarded(parent, done),
               failure=guarded(parent, lambda error: inform(parent, _("Trusted issuers"),
                                                            user_message(error, parent))))


def offer_issuer_trust(parent: QWidget, store, runner, data: bytes, done) -> None:
    """"Trust this issuer…" for a signed PDF whose issuer is on no list: the top certificate the
    signature carries above its signer, shown and confirmed, then trusted for signatures."""
    from app.signing.verify import issuer_chain

    chain = issuer_chain(data)
    if not chain:
        inform(parent, _("Trust this issuer"), _(
            "The document does not carry the certificate of its issuer. Import the issuer's certificate in "
            "Settings ▸ Trusted issuers…"))
        return
    ask_and_trust(parent, store, runner, trust.SIGNERS, chain[-1], lambda _entry: done())


class TrustListWidget(QWidget):
    """One list: its certificates in a table, Import… and Remove."""

    changed = Signal()
    COLUMN_COUNT = 5

    def __init__(self, which: str, store, runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.which, self.store, self.runner = which, store, runner
        self.entries: list[trust.TrustedCertificate] = []
        self.table = QTreeWidget(self)
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHeaderLabels([_("Subject"), _("Issuer"), _("Valid from"), _("Valid to"),
                                    _("SHA-256")])
        self.table.itemSelectionChanged.connect(self._update)
        self.empty = QLabel(_("No issuer is trusted here yet: signatures and packages from them show as "
                                "not trusted."), self)
        self.empty.setWordWrap(True)
        self.import_button = QPushButton(_("Import…"), self)
        self.import_button.clicked.connect(self.choose_file)
        self.remove_button = QPushButton(_("Remove"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.entries = trust.list_trusted(self.which)
        except Exception as error:  # noqa: BLE001 - an unreadable file in the list: said, the rest kept usable
            self.entries = []
            self.empty.setText(user_message(error, self))
        self.table.clear()
        for entry in self.entries:
            item = QTreeWidgetItem([entry.name, trust.common_name(entry.issuer), format_date(entry.not_before[:10]),
                                    format_date(entry.not_after[:10]), trust.spaced_fingerprint(entry.sha256)])
            item.setToolTip(0, entry.subject)
            item.setToolTip(1, entry.issuer)
            item.setToolTip(4, trust.spaced_fingerprint(entry.sha256))
            self.table.addTopLevelItem(item)
        for column in range(self.COLUMN_COUNT - 1):
            self.table.resizeColumnToContents(column)
        self.empty.setVisible(not self.entries)
        self._update()

    def _update(self) -> None:
        self.remove_button.setEnabled(self.selected() is not None)

    def selected(self) -> trust.TrustedCertificate | None:
        items = self.table.selectedItems()
        return self.entries[self.table.indexOfTopLevelItem(items[0])] if items else None

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import a trusted issuer"), "",
                                                    _("Certificates (*.pem *.crt *.cer *.der);;All files (*)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        try:
            certificate = trust.read_certificate_file(path)
        except Exception as error:  # noqa: BLE001 - not a certificate: said, nothing kept
            inform(self, _("Trusted issuers"), user_message(error, self))
            return
        ask_and_trust(self, self.store, self.runner, self.which, certificate, lambda _entry: self._changed())

    def remove_selected(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        question = _("Stop trusting <b>{name}</b> for {list}? Signatures or packages it issued will show as "
                       "not trusted.").format(name=entry.name, list=list_title(self.which).lower())
        if not confirm(self, _("Remove a trusted issuer?"), f"<p>{question}</p>{details_html(entry)}"):
            return
        self.runner.run(lambda token, progress: trust.remove_trusted(self.which, entry.sha256, audit=self.store.audit),
                        success=guarded(self, lambda _entry: self._changed()),
                        failure=guarded(self, lambda error: inform(self, _("Trusted issuers"),
                                                                   user_message(error, self))))

    def _changed(self) -> None:
        self.refresh()
        self.changed.emit()


class TrustDialog(QDialog):
    """Settings ▸ Trusted issuers…: a tab per list."""

    def __init__(self, store, runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Trusted issuers"))
        intro = QLabel(_("Certificate authorities this workstation trusts. A signature or a package is "
                               "trusted only when its certificate was issued by one of them."))
        intro.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.lists = {which: TrustListWidget(which, store, runner, self) for which in trust.TRUST_LISTS}
        for which, widget in self.lists.items():
            self.tabs.addTab(widget, list_title(which))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(820, 380)
