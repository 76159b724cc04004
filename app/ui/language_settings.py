"""The window's interface language: the choice of Settings ▸ Language, kept in the data
folder's ui-settings.ini (`interface/language`), and its start-up: gettext, Qt's own
translations (standard buttons, file dialogs, context menus: qtbase_nl/fr.qm) and the
QLocale of the same language, all before the first widget is built."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

from app.core import i18n
from app.core.locale_format import locale_for

FILE_NAME = "ui-settings.ini"  # the window's settings file (app/ui/settings.py)
KEY = "interface/language"
SYSTEM = "system"
#: What Settings ▸ Language offers, in its order: the OS locale's language, then each language.
CHOICES = (SYSTEM, "nl", "fr", "en")

_installed: dict[str, QTranslator] = {}  # the Qt translator in use, kept alive here


def _settings(folder: Path) -> QSettings:
    return QSettings(str(Path(folder) / FILE_NAME), QSettings.Format.IniFormat)


def saved_language(folder: Path) -> str:
    """The choice kept in `folder` ('system', 'nl', 'fr' or 'en'); 'system' when there is none."""
    value = _settings(folder).value(KEY)
    return str(value) if value in CHOICES else SYSTEM


def save_language(folder: Path, choice: str) -> None:
    if choice not in CHOICES:
        raise ValueError(f"not a language choice: {choice!r}")
    settings = _settings(folder)
    settings.setValue(KEY, choice)
    settings.sync()


def language_for(choice: str) -> str:
    """The language a choice means on this computer ('system' → the OS locale's, else English)."""
    return i18n.system_language() if choice == SYSTEM else (i18n.language_of(choice) or i18n.SOURCE_LANGUAGE)


def qt_locale_name(language: str) -> str:
    """The QLocale of `language`: the OS region when the OS speaks it (nl_NL), else Belgium
    for nl and fr (en_GB for English), as app.core.locale_format formats dates."""
    return str(locale_for(language))


def install_language(app: QCoreApplication, choice: str | None) -> str:
    """Make `choice` ('system', a language, None for the OS locale; SECONDO_LANGUAGE overrides)
    the language of gettext, of Qt's own words and of QLocale; returns the language in effect."""
    language = i18n.set_interface_language(choice)
    old = _installed.pop("qtbase", None)
    if old is not None:
        app.removeTranslator(old)
    if language in i18n.LANGUAGES and language != i18n.SOURCE_LANGUAGE:
        translator = QTranslator(app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{language}", folder):
            app.installTranslator(translator)
            _installed["qtbase"] = translator
    QLocale.setDefault(QLocale(qt_locale_name(language)))
    return language
