"""Translation of user-visible strings outside Qt: a gettext `_()` bound to resources/i18n."""

import gettext
from app.core.resources import resource_path

_LOCALE_DIR = resource_path("i18n")
_translation = gettext.translation("secondo", localedir=_LOCALE_DIR, fallback=True)


def _(message: str) -> str:
    """Return `message` in the user's language (English when no catalogue matches)."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """`singular` or `plural` for the count `n`, in the user's language ("1 study", "2 studies")."""
    return _translation.ngettext(singular, plural, n)
