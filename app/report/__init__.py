"""Rendering of the opinion PDF (docs/ARCHITECTURE.md, "Signing"): `render_opinion` returns a `RenderedOpinion`.

The names below load on first use, so that `app.report.letterhead` (the window's first-run
and letterhead dialogs, the DEMO) loads no reportlab."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.report.letterhead import Letterhead, load_letterhead, save_letterhead
    from app.report.opinion_pdf import RenderedOpinion, render_opinion

_WHERE = {"Letterhead": "letterhead", "load_letterhead": "letterhead", "save_letterhead": "letterhead",
          "RenderedOpinion": "opinion_pdf", "render_opinion": "opinion_pdf"}

__all__ = ["Letterhead", "RenderedOpinion", "load_letterhead", "render_opinion",
           "save_letterhead"]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'app.report' has no attribute {name!r}")
    return getattr(importlib.import_module(f"app.report.{_WHERE[name]}"), name)
