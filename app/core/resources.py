"""Where the shipped resources (forms, fonts, translations, icons) are: `resources/` beside
the `app` package in a source tree, or inside a PyInstaller bundle (`sys._MEIPASS`). The one
locator every module uses, so that the bundle finds them the same way as a clone does."""

from __future__ import annotations

from pathlib import Path
import sys


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    """A path below the resources folder, e.g. `resource_path("forms")`."""
    return resources_dir().joinpath(*parts)
