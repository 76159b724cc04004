"""The fonts of the opinion PDF: DejaVu Sans (full Latin, Greek, Cyrillic), shipped in
resources/fonts with its licence and embedded as a subset in every PDF by reportlab."""

from __future__ import annotations


from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from app.core.resources import resource_path

FONTS_DIR = resource_path("fonts")
FAMILY = "DejaVuSans"
REGULAR, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf"}


def register_fonts() -> str:
    """Register the family with reportlab once; return its name (for <b> and <i> in Paragraphs)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file in _FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / file)))
    addMapping(FAMILY, 0, 0, REGULAR)
    addMapping(FAMILY, 1, 0, BOLD)
    addMapping(FAMILY, 0, 1, ITALIC)
    addMapping(FAMILY, 1, 1, BOLD)  # no bold oblique shipped: bold is the closer match
    return FAMILY
