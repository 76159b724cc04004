"""Translation of user-visible strings outside Qt: a gettext `_()` bound to resources/i18n."""

import gettext
from pathlib import Path

_LOCALE_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
_translation = gettext.translation("secondo", localedir=_LOCALE_DIR, fallback=True)


def _(message: str) -> str:
    """Return `message` in the user's language (English when no catalogue matches)."""
    return _translation.gettext(message)
