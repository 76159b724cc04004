"""Where the workstation keeps its data: `$SECONDO_HOME`, else the platform's data folder."""

import os
from pathlib import Path
import re

import platformdirs

from app.core.errors import BadInputError
from app.core.i18n import _


def data_dir() -> Path:
    """The data folder; created on first use with permissions for the user alone."""
    home = os.environ.get("SECONDO_HOME")
    path = Path(home) if home else Path(platformdirs.user_data_dir("secondo", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path



_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def safe_case_id(case_id: str) -> str:
    """`case_id` when it can name a file in the data folder (letters, digits, `_.-`); else
    `BadInputError`, so that no id read from anywhere can point outside its folder."""
    if not isinstance(case_id, str) or not _SAFE_NAME.fullmatch(case_id):
        raise BadInputError(_("The case id is not a valid identifier."))
    return case_id
