"""Where the workstation keeps its data: `$SECONDO_HOME`, else the platform's data folder."""

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The data folder; created on first use with permissions for the user alone."""
    home = os.environ.get("SECONDO_HOME")
    path = Path(home) if home else Path(platformdirs.user_data_dir("secondo", appauthor=False))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
