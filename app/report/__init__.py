"""Rendering of the opinion PDF (docs/ARCHITECTURE.md, "Signing"): `render_opinion` returns a `RenderedOpinion`."""

from app.report.letterhead import Letterhead, load_letterhead, save_letterhead
from app.report.opinion_pdf import RenderedOpinion, render_opinion

__all__ = ["Letterhead", "RenderedOpinion", "load_letterhead", "render_opinion",
           "save_letterhead"]
