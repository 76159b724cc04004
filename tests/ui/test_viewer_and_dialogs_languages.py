"""The import dialog, the case sheet, the date field and the image viewer in Dutch and French:
their words come from the catalogues, and numbers and dates follow the reader's locale
(a decimal comma in measurements and overlays, the day first in a date)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
import pytest
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton

from app.core import i18n
from app.core.i18n import in_language
from app.demo.imaging import write_ct_series
from app.ui.case_sheet_dialog import CaseSheetDialog
from app.ui.date_field import DateLineEdit, date_placeholder, parse_date, shown_date
from app.ui.import_pages import ImportDialog
from app.ui.shortcuts import KeyboardDialog
from viewers.dicom import display
from viewers.dicom.measure import Distance, RoiStats
from viewers.dicom.pixels import CT_PRESETS, Window
from app.ui.viewer_window import load_series
from viewers.dicom.cache import MiB, FrameCache
from viewers.dicom.widget import DicomViewerWidget

ROOT = Path(__file__).resolve().parents[2]
SIZE = 64
SPACING = 360.0 / SIZE  # the phantom's field of view: 360 mm over 64 pixels, 5.625 mm a pixel


def os_locale(monkeypatch, name: str) -> None:
    """The OS locale `name` ('nl_NL'), which gives the region of a language's conventions."""
    monkeypatch.setenv("LANG", f"{name}.UTF-8")
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def belgium(monkeypatch):
    """Belgian conventions unless a test says otherwise, whatever the machine's locale."""
    os_locale(monkeypatch, "en_BE")


@pytest.fixture(autouse=True)
def catalogues(tmp_path_factory, monkeypatch):
    """The Dutch and French catalogues compiled from the .po files of this tree (the .mo files
    are not committed), so that these tests read the translations as they are now."""
    folder = tmp_path_factory.getbasetemp() / "uib-locale"
    if not folder.exists():
        for language in ("nl", "fr"):
            target = folder / language / "LC_MESSAGES"
            target.mkdir(parents=True)
            with (ROOT / "resources" / "i18n" / language / "LC_MESSAGES" / "secondo.po").open("rb") as handle:
                catalog = read_po(handle, locale=language)
            with (target / "secondo.mo").open("wb") as handle:
                write_mo(handle, catalog)
    monkeypatch.setenv("SECONDO_LOCALE_DIR", str(folder))
    i18n.translation.cache_clear()
    yield
    i18n.translation.cache_clear()


@pytest.fixture
def ct_viewer(qtbot, tmp_path):
    write_ct_series(tmp_path / "ct", 4, SIZE)
    series = load_series(tmp_path / "ct", FrameCache(64 * MiB), [])
    viewer = DicomViewerWidget()
    qtbot.addWidget(viewer)
    viewer.resize(1100, 560)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.set_series_list(series)
    viewer.set_layout("1x1")
    qtbot.waitUntil(lambda: viewer.active.frame is not None
                    and viewer.active.displayed_index == viewer.active.index, timeout=20000)
    yield viewer
    viewer.close()
    for model in series:
        model.close()


class TestViewerInDutch:
    def test_a_measurement_reads_with_a_decimal_comma(self, interface_language):
        interface_language("nl")
        distance = Distance((0.0, 0.0), (2.0, 0.0))
        assert distance.text((4.9, 4.9)) == "9,8 mm"
        assert distance.text((4.9, 4.9), "ImagerPixelSpacing") == "9,8 mm (op de detector)"
        stats = RoiStats(12.25, "mm²", -12.5, 3.25, -20.0, 0.0, 4, "HU")
        assert stats.text() == "Oppervlakte 12,2 mm², gemiddelde -12,5 HU, SD 3,2, min. -20,0, max. 0,0"

    def test_the_overlay_of_a_ct_slice_reads_dutch_with_decimal_commas(self, qtbot, interface_language,
                                                                       ct_viewer):
        interface_language("nl")
        vp = ct_viewer.active
        vp.set_window(Window(-12.5, 400.0))
        corners = vp.corner_texts()
        assert corners.bottom_right[0] == "V 400 N -12,5"
        assert corners.bottom_left[0] == "Beeld 1/4"
        assert any(line.startswith("Zoom ") and line.endswith(" %") for line in corners.bottom_right)
        assert display.window_text(CT_PRESETS["lung"]) == "V 1500 N -600 (Long)"

    def test_the_measurement_beside_a_distance_reads_mm_with_a_comma(self, qtbot, interface_language, ct_viewer):
        interface_language("nl")
        vp = ct_viewer.active
        spacing, _source = vp.spacing()
        line = vp.measure.label(Distance((10.0, 20.0), (30.0, 20.0)), spacing, None, vp.frame)
        assert line == ["112,5 mm"]  # 20 pixels of 5.625 mm

    def test_the_keys_help_lists_the_viewer_keys_in_dutch(self, qtbot, interface_language):
        interface_language("nl")
        dialog = KeyboardDialog()
        qtbot.addWidget(dialog)
        viewer_rows = [action for _keys, action, _where in dialog.rows()]
        assert "Volgende / vorige snede" in viewer_rows
        assert "Een sleutelbeeld van het getoonde beeld bewaren" in viewer_rows
        assert "Next / previous slice" not in viewer_rows


class TestDialogsInFrench:
    def test_the_first_page_of_the_import_dialog_reads_french(self, qtbot, interface_language, tmp_path):
        interface_language("fr")
        folder = tmp_path / "cd"
        folder.mkdir()
        dialog = ImportDialog([folder])
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Importer"
        assert dialog.import_button.text() == "Importer"
        assert dialog.findChild(QLabel, "import-source").text() == "Importer cd"
        assert dialog.keep_box.text().startswith("S'il contient plusieurs patients")

    def test_the_case_sheet_labels_read_french(self, qtbot, interface_language):
        interface_language("fr")
        view = {"patient": {"family_name": "Test", "given_names": "Patient", "birth_date": "1970-01-01"},
                "referral": {}, "consent": {}, "sources": {}}
        dialog = CaseSheetDialog(view, [], reviewer="Dr Test")
        qtbot.addWidget(dialog)
        titles = {box.title() for box in dialog.findChildren(QGroupBox)}
        assert "Consentement\u00a0: qui peut recevoir l'avis" in titles
        labels = {label.text() for label in dialog.findChildren(QLabel)}
        assert {"Nom de famille\u00a0:", "Date de naissance\u00a0:", "Numéro de registre national\u00a0:",
                "Médecin traitant\u00a0:"} <= labels
        assert dialog.fields["patient.birth_date"].text() == "01/01/1970"
        assert dialog.fields["patient.birth_date"].placeholderText() == "jj/mm/aaaa"
        assert "Ajouter des documents…" in {b.text() for b in dialog.findChildren(QPushButton)}

    def test_a_dutch_bsn_is_named_bsn(self, qtbot, interface_language):
        interface_language("nl")
        view = {"patient": {"national_number": "111222333"}, "referral": {}, "consent": {}, "sources": {}}
        dialog = CaseSheetDialog(view, [])
        qtbot.addWidget(dialog)
        labels = {label.text() for label in dialog.findChildren(QLabel)}
        assert "Burgerservicenummer (BSN):" in labels and "Rijksregisternummer:" not in labels


class TestDateField:
    def test_a_typed_dutch_date_is_read_day_first(self, qtbot, interface_language):
        interface_language("nl")
        field = DateLineEdit()
        qtbot.addWidget(field)
        assert field.placeholderText() == "dd/mm/jjjj"
        qtbot.keyClicks(field, "04-11-2026")
        assert field.valid() and field.iso() == "2026-11-04"
        assert shown_date("2026-11-04") == "04/11/2026"

    def test_a_netherlands_date_shows_with_dashes_and_still_parses(self, monkeypatch, interface_language):
        os_locale(monkeypatch, "nl_NL")
        interface_language("nl")
        assert shown_date("2026-11-04") == "04-11-2026"
        assert date_placeholder() == "dd-mm-jjjj"
        assert parse_date("4/11/2026") == "2026-11-04"

    def test_a_united_states_date_is_read_month_first(self, monkeypatch, interface_language):
        os_locale(monkeypatch, "en_US")
        interface_language("en")
        assert parse_date("11/04/2026") == "2026-11-04"
        with pytest.raises(ValueError):
            parse_date("31/12/2026")

    def test_not_a_date_is_refused_in_any_language(self):
        for language in ("en", "nl", "fr"):
            with in_language(language):
                with pytest.raises(ValueError):
                    parse_date("31/02/1970")
                assert parse_date("1970-12-31") == "1970-12-31"
