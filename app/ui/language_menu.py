"""Settings ▸ Language: System (the computer's language), Nederlands, Français, English. The
choice is kept in the data folder and takes effect at the next start; the window says so in
the new language (and in the one it speaks now) and may offer to restart at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from app.core import i18n
from app.core.i18n import N_, _
from app.ui.language_settings import CHOICES, SYSTEM, language_for, save_language, saved_language


#: What the window says after a change, per new language: a whole sentence each, so that
#: every language names the other as its own grammar wants ("in het Frans", "en néerlandais").
NEXT_START = {
    "nl": N_("From its next start, Second-O will be in Dutch."),
    "fr": N_("From its next start, Second-O will be in French."),
    "en": N_("From its next start, Second-O will be in English."),
}


def choice_text(choice: str) -> str:
    """A menu line: each language named in itself (never translated), the system's choice in
    the interface language with the language it stands for."""
    if choice == SYSTEM:
        # TRANSLATORS: Settings ▸ Language; {language} is a language named in itself ("Français").
        return _("&System ({language})").format(language=i18n.LANGUAGE_NAMES[language_for(SYSTEM)])
    return "&" + i18n.LANGUAGE_NAMES[choice]


def change_message(new: str) -> tuple[str, str]:
    """(title, text) of the message after a change of language to `new`: in the new language,
    then, when the window speaks another one now, in that one too."""
    paragraphs = []
    title = ""
    for language in dict.fromkeys((new, i18n.interface_language())):
        with i18n.in_language(language):
            title = title or _("Language")
            paragraphs.append(_(NEXT_START[new]))
    return title, "\n\n".join(paragraphs)


class LanguageMenu(QMenu):
    """The radio items of the languages; `chosen(choice)` once a new choice is kept."""

    def __init__(self, folder: Path, parent: QWidget, restart: Callable[[], None] | None = None,
                 can_restart: Callable[[], bool] = lambda: True) -> None:
        super().__init__(_("&Language"), parent)
        self.folder = Path(folder)
        self.restart = restart
        self.can_restart = can_restart  # "Restart now" only where the window can be started again
        self.message_box: QMessageBox | None = None
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.actions_by_choice: dict[str, QAction] = {}
        current = saved_language(self.folder)
        for choice in CHOICES:
            action = QAction(choice_text(choice), self)
            action.setCheckable(True)
            action.setChecked(choice == current)
            action.setData(choice)
            action.triggered.connect(lambda _checked=False, c=choice: self.choose(c))
            self.group.addAction(action)
            self.addAction(action)
            self.actions_by_choice[choice] = action

    def choose(self, choice: str) -> None:
        """Keep `choice`; when it changes the window's language, say it applies at the next start."""
        if choice == saved_language(self.folder):
            return
        try:
            save_language(self.folder, choice)
        except OSError as exc:  # QSettings does not raise, but the folder may be gone
            QMessageBox.warning(self.parentWidget(), _("Language"), str(exc))
            return
        self.actions_by_choice[choice].setChecked(True)
        new = language_for(choice)
        if new == i18n.interface_language():
            return  # nothing the user sees changes
        self.tell(new)

    def tell(self, new: str) -> QMessageBox:
        title, text = change_message(new)
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.NoButton,
                          self.parentWidget())
        restart_button = None
        restart = self.restart if self.can_restart() else None
        with i18n.in_language(new):
            if restart is not None:
                restart_button = box.addButton(_("Restart now"), QMessageBox.ButtonRole.AcceptRole)
                box.addButton(_("Later"), QMessageBox.ButtonRole.RejectRole)
            else:
                box.addButton(_("OK"), QMessageBox.ButtonRole.AcceptRole)

        def answered(_result: int) -> None:
            if restart_button is not None and box.clickedButton() is restart_button and restart is not None:
                restart()

        box.finished.connect(answered)
        self.message_box = box
        box.open()
        return box
