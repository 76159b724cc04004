"""The window in the pseudo-language "qps" (every message wrapped in ⟦ ⟧ and 40 % longer):
a walk through the worklist, the case view with its documents and images, the form, the case
sheet, the sign dialog, the outgoing dialog, the address book and the Settings menu finds no
visible text outside the markers (the case's own data excepted) and no label or button too
narrow for its text, at the window's default size and on a small screen. And in Dutch and
French, no two entries of a menu answer to the same Alt+letter.

SECONDO_PSEUDO_REPORT=FILE keeps the offenders' list, SECONDO_PSEUDO_SHOTS=DIR a PNG of each
screen walked, SECONDO_PSEUDO_DUMP=FILE every text read."""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
import re
from pathlib import Path

from babel.messages.pofile import read_po
import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QMessageBox, QPushButton, QWidget

from app.core import i18n
from app.core.i18n import _
from tests import pseudo_locale
from tests.ui.case_fixtures import demo_package, demo_store  # noqa: F401 - fixtures
from tests.ui.pseudo_walk import Clipped, Found, clipped, menu_texts, residue, unmarked, visible_texts

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SIZE = QSize(1400, 900)  # MainWindow's own size on a screen that has room for it
SMALL_SIZE = QSize(1024 - 16, 700 - 40)  # the small laptop of app/ui/screen_fit.py, less the frame


@pytest.fixture(scope="session")
def qps_dir(tmp_path_factory) -> Path:
    """The qps catalogue, extracted afresh from app/ and viewers/ once per session."""
    root = tmp_path_factory.mktemp("qps")
    pseudo_locale.build(root)
    return root


@pytest.fixture
def qps(qps_dir, monkeypatch) -> Iterator[None]:
    """The interface in qps for this test."""
    monkeypatch.setenv("SECONDO_LOCALE_DIR", str(qps_dir))
    monkeypatch.setenv(i18n.LANGUAGE_ENV, i18n.PSEUDO_LANGUAGE)
    i18n.translation.cache_clear()
    assert i18n.set_interface_language(i18n.PSEUDO_LANGUAGE) == i18n.PSEUDO_LANGUAGE
    yield
    i18n.translation.cache_clear()  # nl and fr read from the real catalogues again


def strings_of(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_of(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_of(item)


def messages(qps_dir: Path) -> set[str]:
    """The catalogue's messages (English): words the window must translate, never data."""
    with (qps_dir / "secondo.pot").open("rb") as handle:
        return {m for message in read_po(handle) if message.id
                for m in (message.id if isinstance(message.id, tuple | list) else [message.id])}


def case_data(store, case_id: str, known: set[str], *extra: str) -> set[str]:
    """The case's own words (patient, physicians, document titles, question): shown as they are.
    Codes (`referral_letter`, `routine`) and English kept in the record that the catalogue
    translates (a checklist item, an identity check) are left out: shown raw, they are offenders."""
    record = store.record(case_id)
    values = {s for s in strings_of(record) if len(s) > 1 and not s.replace("_", "").replace("-", "").islower()
              and s not in known}
    patient = (record.get("manifest") or {}).get("patient") or {}
    family, given = patient.get("family_name") or "Test", patient.get("given_names") or "Patient"
    values |= {family, given, f"{family.upper()}, {given}", f"{given} {family}", f"{family} {given}",
               f"{family.upper()}^{given}"}  # the fixture's given name is "Patient", a message too: data here
    return values | {e for e in extra if e} | (form_texts() - known)


def template_texts(value) -> Iterator[str]:
    """Item texts, titles and answer options' displays of a Questionnaire."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("text", "display", "title") and isinstance(item, str):
                yield item
            else:
                yield from template_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from template_texts(item)


def form_texts() -> set[str]:
    """The opinion forms' own texts: the Questionnaire templates carry their translations
    (FHIR's translation extension, tests of app/opinion), so in qps they show in English.
    Those that are also catalogue messages are taken out by the caller: shown in English,
    they come from the code, not from the form."""
    texts: set[str] = set()
    for path in (ROOT / "resources" / "forms").glob("*.json"):
        texts |= set(template_texts(json.loads(path.read_text(encoding="utf-8"))))
    return texts


class Walk:
    """Collects, screen after screen, the unmarked texts and the clipped widgets, each once,
    grouped by the module that owns the widget."""

    def __init__(self, data: set[str]) -> None:
        self.data = data
        self.unmarked: dict[str, list[Found]] = {}
        self.clipped: dict[str, list[Clipped]] = {}
        self._seen: set = set()
        self._shots: list[str] = []

    def look_menu(self, screen: str, menu: QMenu) -> None:
        for found in unmarked(menu_texts(menu), self.data):
            self._add(self.unmarked, screen, found, (found.text, found.where))

    def look(self, screen: str, *roots: QWidget) -> None:
        QApplication.processEvents()
        shots = os.environ.get("SECONDO_PSEUDO_SHOTS")  # a folder: a PNG of each screen, to look at
        for root in roots:
            if shots:
                root.grab().save(str(Path(shots) / f"qps-{len(self._shots):02d}-{screen.replace(' ', '-')}.png"))
                self._shots.append(screen)
            texts = visible_texts(root)
            if os.environ.get("SECONDO_PSEUDO_DUMP"):  # a file: every text read, to check what the walk sees
                with open(os.environ["SECONDO_PSEUDO_DUMP"], "a", encoding="utf-8") as handle:
                    handle.writelines(f"[{screen}] {found}\n" for found in texts)
            for found in unmarked(texts, self.data):
                self._add(self.unmarked, screen, found, (found.text, found.where))
            for item in clipped(root):
                self._add(self.clipped, screen, item, (item.text, item.where, item.width))

    def _add(self, into: dict, screen: str, item, key) -> None:
        if key not in self._seen:
            self._seen.add(key)
            into.setdefault(item.owner, []).append((screen, item))

    @staticmethod
    def report(part: dict) -> str:
        return "\n".join(f"  {owner}\n" + "\n".join(f"    [{screen}] {item}" for screen, item in items)
                         for owner, items in sorted(part.items()))


def test_the_residue_keeps_only_unmarked_words():
    marked = pseudo_locale.pseudo("Imported {count} studies for {name}.")
    assert residue(marked.format(count=3, name="TEST, Patient"), ["TEST, Patient"]) == ""
    assert residue("Status: ⟦Sîgñéd··⟧ 04/11/2026 report.pdf 9,8 mm") == "Status"
    assert residue("⟦Ãddéñdüm 1⟧ Draft") == "Draft"
    assert residue("Ctrl+PgDown⟦ õr ·⟧Alt+Down") == ""
    assert residue("⟦Çîñé: pláý õr páüsé······⟧ (P / Space)") == ""
    assert residue("Next page (PgDown)") == "Next page"
    assert residue("Next / previous field") == "Next previous field"
    assert residue("Report 14/09/2026 (DEMO)", ["Report 14/09/2026 (DEMO)"]) == ""
    assert residue("⟦Sübjéçt: ⟧CN=Dr. Test (DEMO),O=Second-O DEMO (not for clinical use),C=BE") == ""
    assert residue("⟦Sübjéçt: CN=Dr. Test (DEMO),C=BE···⟧\nIssuer: CN=Root,C=BE") == "Issuer"
    assert residue("⟦Wrîttéñ···⟧ /tmp/out/scan-2026-11-04.pdf", ["2026-11-04"]) == ""


def test_the_walk_finds_an_unmarked_label_and_a_clipped_button(qtbot, qps):
    widget = QWidget()
    qtbot.addWidget(widget)
    QLabel(_("Patient"), widget).move(0, 0)
    QLabel("Status", widget).move(0, 30)
    button = QPushButton(_("&Export the signed opinion…"), widget)
    button.setGeometry(0, 60, 40, 30)
    widget.show()
    found = unmarked(visible_texts(widget))
    assert [(f.kind, f.text) for f in found] == [("label", "Status")]
    assert [c.text for c in clipped(widget)] == [button.text().replace("&", "")]


def message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def close_message_boxes() -> None:
    for box in message_boxes():
        box.close()


@pytest.fixture
def no_modal_boxes(monkeypatch):
    """A warning box is opened, never exec'd: a walk is never stopped by one."""
    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Cancel)


def test_every_screen_speaks_the_pseudo_language_and_nothing_is_clipped(qtbot, qps, qps_dir, demo_store, demo_package,
                                                                        no_modal_boxes, tmp_path):
    from app.demo.pki import DEMO_PASSPHRASE
    from app.signing.settings import SigningSettings, save_signing_settings
    from app.outgoing.address_book import AddressBook, Contact
    from app.store.case_removal import removal_plan
    from tests.ui.sheet_fixtures import plain_cd
    from app.ui.case_delete_dialog import CaseDeleteDialog
    from app.ui.first_run_dialog import FirstRunDialog
    from app.ui.main_window import MainWindow
    from app.ui.vault_passphrase_dialog import VaultPassphraseDialog
    from app.ui.viewer_window import ViewerWindow
    from tests.unit.test_opinion_pdf import fill

    store, case_id = demo_store
    save_signing_settings(SigningSettings(identity_path=str(demo_package.reviewer_p12),
                                          organisation_identity=str(demo_package.pki_files["workstation.p12"])))
    AddressBook(store).save(Contact("Dr. Test Treating (DEMO)", role="treating_physician",
                                    organisation="DEMO Sending Hospital",
                                    certificate_pem=demo_package.pki_files["treating-physician.pem"].read_text()))
    reviewer = "Dr. Test Reviewer (DEMO)"
    known = messages(qps_dir)
    walk = Walk(case_data(store, case_id, known, reviewer, "Pulmonology", str(store.home)))
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(DEFAULT_SIZE)
    window.show()
    qtbot.waitUntil(lambda: window.worklist.model.rowCount() > 0, timeout=10000)
    walk.look("worklist", window)
    window.worklist.select_case(case_id)
    walk.look_menu("worklist menu", window.worklist.case_menu())
    signed_button = window.worklist.status_buttons["signed"].text()

    with qtbot.waitSignal(window.caseShown, timeout=60000) as shown:  # a plain CD: nothing of the referral
        window.importer.start([plain_cd(tmp_path / "cd")])
    walk.data |= case_data(store, shown.args[0], known)
    qtbot.waitUntil(lambda: window.importer.summary is not None, timeout=10000)
    walk.look("import summary", window.importer.summary)
    window.importer.summary.close()
    walk.look("incomplete case", window)
    with qtbot.waitSignal(window.caseShown, timeout=20000):
        window.open_case(case_id)
    window.focus_form()
    walk.look("case view and form", window)
    view = window.case_view
    for n, document in enumerate(view.data.documents):
        if document.get("kind") == "referral_letter" or (document.get("media_type") or "") == "image/tiff":
            with qtbot.waitSignal(view.documentShown, timeout=20000):
                view.open_document(n)
            walk.look("documents", window)
    view.open_series(next(iter(view.data.series)))
    qtbot.waitUntil(lambda: view.dicom is not None and view.dicom.active.frame is not None, timeout=20000)
    walk.look("image viewer", window)
    view.dicom._show_menu(view.dicom.active, window.mapToGlobal(window.rect().center()))
    walk.look_menu("image viewer menu", view.dicom._menu)
    view.dicom._menu.close()
    window.resize(SMALL_SIZE)
    walk.look("small screen", window)
    window.resize(DEFAULT_SIZE)

    with qtbot.waitSignal(window.case_sheet.dialogShown, timeout=20000) as shown:
        window.case_sheet.open()
    walk.look("case sheet", shown.args[0])
    shown.args[0].close()
    prepared = window.importer.prepare([demo_package.package])
    qtbot.wait(200)  # what the package says of its recipients is read in the background
    walk.look("import dialog", prepared)
    prepared.reject()
    book = window.show_address_book()
    qtbot.waitUntil(lambda: book.list.count() == 1, timeout=10000)
    book.list.setCurrentRow(0)  # the contact's details and its certificate
    walk.look("address book", book)
    book.close()
    first_run, vault = FirstRunDialog(window), VaultPassphraseDialog(store.home, True, parent=window)
    for dialog in (first_run, vault):
        dialog.show()
    for name, dialog in (("first run", first_run), ("vault passphrase", vault), ("letterhead", window.show_letterhead()),
                         ("trusted issuers", window.show_trust()), ("keyboard", window.show_keyboard())):
        walk.look(name, dialog)
        dialog.close()

    window.opinion.sign()  # the form is still empty: a warning box says what is missing
    walk.look("sign refused", *message_boxes())
    close_message_boxes()
    letter = tmp_path / "scan-2026-11-04.pdf"
    letter.write_bytes((demo_package.source / "documents" / "referral-letter.pdf").read_bytes())
    window.case_sheet.add_documents([letter])
    adding = window.case_sheet.adder.dialog
    walk.look("add documents", adding)
    adding.reject()
    delete = CaseDeleteDialog(removal_plan(store, case_id), "TEST, Patient", "Test", window)
    delete.show()
    walk.look("delete case", delete)
    delete.close()

    form = window.form.form
    form.set_response(fill(form.questionnaire, form.response(), **{
        "reviewer-name": reviewer, "reviewer-specialty": "Pulmonology", "reviewer-registration": "1-00000-99-000"}))
    form.changed.emit()
    walk.data |= set(strings_of(form.response()))
    walk.look("form filled", window)
    previewed = []
    window.opinion.previewShown.connect(previewed.append)
    window.opinion.preview()
    qtbot.waitUntil(lambda: bool(previewed), timeout=30000)
    walk.look("preview", window)
    window.opinion.sign()
    dialog = window.opinion.dialog
    assert dialog is not None and dialog.isVisible()
    walk.look("sign dialog", dialog)
    signed = []
    window.opinion.signed.connect(lambda case, number: signed.append(number))
    dialog.passphrase.setText(DEMO_PASSPHRASE)
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: bool(signed), timeout=60000)
    walk.look("signed opinion", window)
    window.opinion.new_addendum()
    walk.look("addendum", window)

    window.show_worklist()
    window.refresh_cases()
    qtbot.waitUntil(lambda: window.worklist.status_buttons["signed"].text() != signed_button, timeout=20000)
    walk.look("worklist, signed", window)
    window.resize(SMALL_SIZE)
    walk.look("worklist, small screen", window)
    window.resize(DEFAULT_SIZE)

    outgoing = window.show_outgoing(case_id)
    qtbot.waitUntil(lambda: outgoing.desk is not None, timeout=20000)
    walk.look("outgoing dialog", outgoing)
    outgoing.table.selectRow(1)  # the patient: a passphrase sheet
    outgoing.destination.setText(str(tmp_path / "out"))
    outgoing.org_passphrase.setText(DEMO_PASSPHRASE)
    with qtbot.waitSignal(outgoing.packaged, timeout=30000):
        outgoing.make_button.click()
    walk.look("outgoing dialog, packaged", outgoing)
    outgoing.close()

    viewer = ViewerWindow(demo_package.source / "DICOM")  # `secondo view`: the viewer on its own
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: bool(viewer.series) and viewer.viewer.active.frame is not None, timeout=20000)
    walk.look("viewer window", viewer)
    viewer.close()

    problems = []
    if any(walk.unmarked.values()):
        problems.append("Texts outside ⟦ ⟧ (not through gettext):\n" + walk.report(walk.unmarked))
    if any(walk.clipped.values()):
        problems.append("Clipped labels and buttons:\n" + walk.report(walk.clipped))
    window.close()
    window.shutdown()
    report = os.environ.get("SECONDO_PSEUDO_REPORT")  # where to keep the list for the integrator
    if report:
        Path(report).write_text("\n\n".join(problems) + "\n", encoding="utf-8")
    assert not problems, "\n\n".join(problems)


def mnemonic(text: str) -> str | None:
    """The letter after a single '&' ("&File" → "f"), None without one."""
    match = re.search(r"&([^&\s])", text.replace("&&", ""))
    return match.group(1).lower() if match else None


def clashing_mnemonics(menu_bar) -> list[str]:
    """Two entries of one menu (or two menus of the bar) that answer to the same Alt+letter."""
    clashes = []

    def check(where: str, actions) -> None:
        seen: dict[str, str] = {}
        for action in actions:
            if action.isSeparator() or not action.isVisible():
                continue
            letter = mnemonic(action.text())
            if letter is not None and letter in seen:
                clashes.append(f"{where}: {seen[letter]!r} and {action.text()!r} both use Alt+{letter.upper()}")
            elif letter is not None:
                seen[letter] = action.text()
            if action.menu() is not None:
                check(f"{where} ▸ {action.text()}", action.menu().actions())

    check("menu bar", menu_bar.actions())
    return clashes


def test_two_entries_of_one_menu_on_one_letter_clash(qtbot):
    from PySide6.QtWidgets import QMenuBar

    bar = QMenuBar()
    qtbot.addWidget(bar)
    menu = bar.addMenu("&Bestand")
    menu.addAction("&Openen")
    menu.addAction("&Ondertekenen")
    menu.addAction("Af&drukken")
    bar.addMenu("&Beeld")
    assert clashing_mnemonics(bar) == [
        "menu bar ▸ &Bestand: '&Openen' and '&Ondertekenen' both use Alt+O",
        "menu bar: '&Bestand' and '&Beeld' both use Alt+B"]


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_menus_keep_their_keyboard_letters_apart_in_each_language(qtbot, demo_store, monkeypatch, tmp_path,
                                                                       language):
    from babel.messages.mofile import write_mo

    from app.ui.main_window import MainWindow

    po = ROOT / "resources" / "i18n" / language / "LC_MESSAGES" / "secondo.po"
    target = tmp_path / language / "LC_MESSAGES" / "secondo.mo"
    target.parent.mkdir(parents=True)
    with po.open("rb") as source, target.open("wb") as handle:
        write_mo(handle, read_po(source, locale=language))
    monkeypatch.setenv("SECONDO_LOCALE_DIR", str(tmp_path))
    monkeypatch.setenv(i18n.LANGUAGE_ENV, language)
    i18n.translation.cache_clear()
    try:
        i18n.set_interface_language(language)
        store, _case_id = demo_store
        window = MainWindow(store)
        qtbot.addWidget(window)
        assert mnemonic(window.menuBar().actions()[0].text()) is not None  # the check reads real letters
        assert clashing_mnemonics(window.menuBar()) == []
        window.close()
        window.shutdown()
    finally:
        i18n.translation.cache_clear()
