"""Scanned pages for the OCR tests, rendered with Pillow in DejaVu Sans (resources/fonts):
dark text on white at 300 dpi, small pages so that Tesseract is quick."""

from __future__ import annotations

import io

from app.core.resources import resource_path

FRENCH = ["Échographie cardiaque du patient", "Fonction ventriculaire préservée", "Pas d'œdème périphérique"]
DUTCH = ["Patiënt gezien op de polikliniek", "Geëvalueerd door de cardioloog", "Geen reële afwijkingen gevonden"]


def text_page(lines: list[str], width: int = 1400, size: int = 42):
    """A white grey page with `lines` written on it, about 12 pt at 300 dpi."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(resource_path("fonts", "DejaVuSans.ttf")), size)
    image = Image.new("L", (width, 120 + len(lines) * size * 2), 255)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((80, 60 + n * size * 2), line, fill=20, font=font)
    return image


def encode(pages: list, kind: str, dpi: int = 300, **options) -> bytes:
    out = io.BytesIO()
    if kind == "TIFF" and len(pages) > 1:
        pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], dpi=(dpi, dpi),
                      compression="tiff_adobe_deflate", **options)
    else:
        pages[0].save(out, kind, dpi=(dpi, dpi), **options)
    return out.getvalue()
